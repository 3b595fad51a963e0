package io.attnflow.core.model;

import jdk.incubator.vector.FloatVector;

/**
 * σ(x) = 1 / (1 + e^(−x)), the one definition outside the SameDiff graph: α_ij = σ(ℓ_ij / τ + b), the pooled score
 * and the interest aggregation's final σ. A scalar form, and a lane-by-lane form with a weight folded in (w σ(x)) for
 * the SIMD passes of the scoring kernel and of the {@link PoolHead}.
 */
public final class Sigmoid {
  private Sigmoid() {}

  public static double of(double x) {
    return 1.0 / (1.0 + Math.exp(-x));
  }

  /** σ of a float, computed in double as {@link #of(double)} and rounded once. */
  public static float of(float x) {
    return (float) of((double) x);
  }

  /** w σ(x) = w / (1 + e^(−x)), lane by lane, e^(−x) by {@link Exp} (the same bits interpreted or compiled). */
  public static FloatVector weighted(FloatVector w, FloatVector x) {
    return w.div(Exp.of(x.neg()).add(1f));
  }
}
