package io.attnflow.core.eval;

import java.io.Serializable;

/** What offline evaluation ranks with: a score for every item of the vocabulary, for one user. */
public interface Scorer extends Serializable {
  /** The name used in outputs, e.g. {@code attention}, {@code most_popular}. */
  String name();

  /** The parameters that set this scorer apart from others of its kind (empty when none). */
  default String params() {
    return "";
  }

  /** Fills {@code out} (one slot per vocabulary item) with the scores for the case's user, given what precedes its target. */
  void scoreAll(HeldOutCase c, float[] out);
}
