package io.attnflow.core.eval;

import java.util.Map;

/**
 * A matrix-factorisation baseline (Spark ML ALS's factors): score = user factor · item factor. Items
 * without a factor (never in the factorised data) score −∞; users without one score 0 everywhere.
 */
public final class Factors implements Scorer {
  private static final long serialVersionUID = 1L;
  private final String name;
  private final String params;
  private final Map<String, float[]> users;
  private final float[][] items;

  /** @param items one factor per vocabulary index, null where the item has none */
  public Factors(String name, String params, Map<String, float[]> users, float[][] items) {
    this.name = name;
    this.params = params;
    this.users = users;
    this.items = items;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String params() {
    return params;
  }

  @Override
  public void scoreAll(HeldOutCase c, float[] out) {
    float[] u = users.get(c.userId());
    for (int j = 0; j < out.length; j++) {
      float[] v = items[j];
      if (v == null) {
        out[j] = Float.NEGATIVE_INFINITY;
      } else if (u == null) {
        out[j] = 0f;
      } else {
        float dot = 0;
        for (int f = 0; f < v.length; f++) {
          dot += u[f] * v[f];
        }
        out[j] = dot;
      }
    }
  }
}
