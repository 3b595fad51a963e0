package io.attnflow.jobs.config;

import io.attnflow.core.ingest.InputFormat;

/**
 * One input of ingest: where it is, its layout, and (for csv, tsv, jsonl, parquet) how its columns
 * map to the contract.
 *
 * @param columns {@link io.attnflow.core.ingest.InteractionColumns} or {@link io.attnflow.core.ingest.ItemColumns}
 */
public record InputSpec<C>(String path, InputFormat format, C columns, String tsFormat) {}
