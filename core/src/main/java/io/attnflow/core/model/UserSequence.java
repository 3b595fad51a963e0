package io.attnflow.core.model;

import java.io.Serializable;

/**
 * One user's counted events in time order (ties broken by item id), as vocabulary indices: the
 * material for training examples, history prefixes and leave-one-out splits.
 *
 * @param items  item indices, oldest first
 * @param ts     event times, microseconds
 * @param events event types, for {@link HistoryWeights}
 */
public record UserSequence(String userId, int[] items, long[] ts, String[] events) implements Serializable {
  public UserSequence {
    if (items.length != ts.length || items.length != events.length) {
      throw new IllegalArgumentException("Cannot build the sequence of " + userId + ": arrays of different lengths");
    }
  }

  public int length() {
    return items.length;
  }

  /** The first {@code n} events. */
  public UserSequence prefix(int n) {
    return new UserSequence(userId, java.util.Arrays.copyOf(items, n), java.util.Arrays.copyOf(ts, n),
        java.util.Arrays.copyOf(events, n));
  }

  /**
   * The history before position {@code end} as a model sees it when predicting at {@code refMicros}:
   * the last m events, weighted; events of weight 0 are left out.
   */
  public UserHistory historyBefore(int end, int m, HistoryWeights weights, long refMicros) {
    int from = Math.max(0, end - m);
    int[] h = new int[end - from];
    float[] w = new float[end - from];
    int n = 0;
    for (int p = from; p < end; p++) {
      float wp = weights.weight(events[p], ts[p], refMicros);
      if (wp > 0) {
        h[n] = items[p];
        w[n++] = wp;
      }
    }
    return new UserHistory(userId, java.util.Arrays.copyOf(h, n), java.util.Arrays.copyOf(w, n));
  }

  /** The item indices of every event, sorted, for membership tests. */
  public int[] sortedItems() {
    int[] s = items.clone();
    java.util.Arrays.sort(s);
    return s;
  }
}
