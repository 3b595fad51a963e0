/**
 * The ingest job: input files in any supported layout to the warehouse's {@code interactions/},
 * {@code items/} and {@code rejects/} tables, with every row accounted for.
 */
package io.attnflow.jobs.ingest;
