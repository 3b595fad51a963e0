/**
 * The train job: per-user time-ordered sequences from {@code interactions/}, the leave-one-out
 * split, seeded training windows, and the attention network trained through dl4j-spark with
 * parameter averaging; the result is a versioned model folder.
 */
package io.attnflow.jobs.train;
