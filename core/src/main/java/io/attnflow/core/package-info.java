/**
 * attnflow's core: pure Java with ND4J/DL4J and no Spark (the build enforces it). Data records,
 * input parsing and validation, the attention model, the scoring kernel, top-K and metrics live
 * here so that each can be unit-tested in milliseconds; the {@code jobs} module moves data and
 * calls into this code inside Spark tasks.
 */
package io.attnflow.core;
