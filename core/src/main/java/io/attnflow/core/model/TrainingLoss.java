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
  SOFTMAX,
  /**
   * gSASRec's generalised binary cross-entropy (Petrov &amp; Macdonald, RecSys 2023): each negative's
   * term summed, not averaged, and the positive's weighted by β = 1 − t(1 − a), where a = N / (I − 1) is
   * the share of the I items that the N sampled negatives make up and t = {@link #GBCE_CALIBRATION}; it
   * counters the over-confidence that sampling gives binary cross-entropy.
   */
  GBCE,
  /**
   * {@link #SOFTMAX} plus a smooth AUC: the mean over the negatives of softplus(z_j − z+), which asks the
   * positive to rank above every negative, not only above those near the top. The softmax's gradient on a negative
   * fades with its probability, so the order of the many items far below the top is left untrained; the sampled
   * protocol (the positive against 100 uniformly drawn items) measures exactly that order.
   */
  SOFTMAX_AUC;

  /** The name configuration and manifests use: lower case, words joined by "-". */
  public String configName() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  /** The loss of a {@link #configName()}. */
  public static TrainingLoss ofConfigName(String name) {
    return valueOf(name.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
  }

  /** gSASRec's calibration t (its setting for MovieLens 1M). */
  public static final double GBCE_CALIBRATION = 0.75;
}
