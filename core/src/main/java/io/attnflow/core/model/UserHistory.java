package io.attnflow.core.model;

import java.util.Arrays;

/**
 * The history a model sees for one user: up to m vocabulary indices, oldest first, with their
 * weights w_i (all positive).
 */
public record UserHistory(String userId, int[] items, float[] weights) implements java.io.Serializable {
  public UserHistory {
    if (items.length != weights.length) {
      throw new IllegalArgumentException("Cannot pair " + items.length + " items with " + weights.length + " weights");
    }
  }

  public int length() {
    return items.length;
  }

  /** Σ w_i. */
  public double weightSum() {
    double s = 0;
    for (float w : weights) {
      s += w;
    }
    return s;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UserHistory h && h.userId.equals(userId) && Arrays.equals(h.items, items)
        && Arrays.equals(h.weights, weights);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * userId.hashCode() + Arrays.hashCode(items)) + Arrays.hashCode(weights);
  }

  @Override
  public String toString() {
    return "UserHistory[" + userId + ", items=" + Arrays.toString(items) + ", weights=" + Arrays.toString(weights) + "]";
  }
}
