/**
 * Turning raw input records (a text line, a Parquet row) into {@link io.attnflow.core.data.Interaction}s
 * and {@link io.attnflow.core.data.Item}s, or into a {@link io.attnflow.core.ingest.RejectReason}.
 * Every supported layout ({@link io.attnflow.core.ingest.InputFormat}) is parsed here, one record at a
 * time and without Spark; the ingest job calls these parsers inside its tasks and does the
 * cross-record checks (duplicates, unknown items) itself.
 */
package io.attnflow.core.ingest;
