/**
 * The attention model: its network for training on sequence windows
 * ({@link io.attnflow.core.model.AttentionVertex}, {@link io.attnflow.core.model.AttentionNetwork},
 * {@link io.attnflow.core.model.TrainingWindows}), the immutable trained model
 * ({@link io.attnflow.core.model.AttentionModel}) with its straightforward evaluator, history weights,
 * and the versioned model files.
 */
package io.attnflow.core.model;
