package io.attnflow.jobs.ingest;

import java.io.Serializable;

/**
 * One raw input record and where it came from: the file, its 1-based line number (Parquet: row
 * number), and its bytes, not yet decoded.
 */
record SourceLine(String source, long line, byte[] bytes) implements Serializable {}
