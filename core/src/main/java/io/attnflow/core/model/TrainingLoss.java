package io.attnflow.core.model;

/**
 * What training minimises over each example's C candidates (the positive and its sampled negatives).
 */
public enum TrainingLoss {
  /** Binary cross-entropy on each candidate's σ score on its own (pointwise). */
  BCE,
  /**
   * Softmax cross-entropy over the C candidates' logits (listwise, a sampled softmax): the positive
   * is pushed above its negatives rather than each score towards 0 or 1, which is what ranking
   * among every item needs. The served score stays σ(logit).
   */
  SOFTMAX
}
