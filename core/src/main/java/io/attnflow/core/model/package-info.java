/**
 * The attention model: its network for training ({@link io.attnflow.core.model.AttentionVertex},
 * {@link io.attnflow.core.model.AttentionNetwork}), the immutable trained model
 * ({@link io.attnflow.core.model.AttentionModel}) with its fast evaluator, history weights, and the
 * versioned model files.
 */
package io.attnflow.core.model;
