package io.attnflow.core.model;

/**
 * How a user's α_ij over the history become the score of candidate j (w_i the history weights,
 * ℓ_ij = θ_iᵀφ_j, α_ij = σ(ℓ_ij + b)). A choice made at training time and kept in the network.
 */
public enum Aggregation {
  /** s_uj = Σ_i w_i α_ij / Σ_i w_i: the weighted mean attention (the first models; kept so that they still load). */
  MEAN,
  /**
   * s_uj = σ(Σ_i w_i α_ij ℓ_ij / Σ_i w_i): the DIN-style interest vector Σ_i w_i α_ij θ_i / Σ_i w_i,
   * compared with φ_j. A history item counts by how strongly it attends to the candidate, so that
   * one strongly related item is not drowned by many unrelated ones.
   */
  INTEREST;

  /** What history item i adds to the score before any final σ: w_i α_ij / Σw, or w_i α_ij ℓ_ij / Σw. */
  public double contribution(float weight, float alpha, float similarity, double weightSum) {
    return weight * alpha * (this == MEAN ? 1.0 : similarity) / weightSum;
  }

  /** The score from the sum of contributions. */
  public float score(double contributions) {
    return this == MEAN ? (float) contributions : (float) Sigmoid.of(contributions);
  }
}
