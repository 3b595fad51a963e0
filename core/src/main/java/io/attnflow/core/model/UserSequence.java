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

  /** This sequence without the events of the items {@code dropped} marks (indexed by item); this one when none is. */
  public UserSequence without(boolean[] dropped) {
    int n = 0;
    for (int item : items) {
      n += dropped[item] ? 0 : 1;
    }
    if (n == items.length) {
      return this;
    }
    int[] keptItems = new int[n];
    long[] keptTs = new long[n];
    String[] keptEvents = new String[n];
    for (int i = 0, k = 0; i < items.length; i++) {
      if (!dropped[items[i]]) {
        keptItems[k] = items[i];
        keptTs[k] = ts[i];
        keptEvents[k++] = events[i];
      }
    }
    return new UserSequence(userId, keptItems, keptTs, keptEvents);
  }

  /**
   * The history before position {@code end} as a model sees it when predicting at {@code refMicros}:
   * the last m counted events (types of weight 0 are left out, and so are events whose weight has
   * decayed to 0), weighted.
   */
  public UserHistory historyBefore(int end, int m, HistoryWeights weights, long refMicros) {
    int[] h = new int[Math.min(m, end)];
    float[] w = new float[h.length];
    int n = 0; // filled from the end: h[h.length - n ..] are the newest n
    for (int p = end - 1, newer = 0; p >= 0 && newer < h.length; p--) {
      if (weights.counts(events[p])) {
        float wp = weights.weight(events[p], ts[p], refMicros, newer++);
        if (wp > 0) {
          n++;
          h[h.length - n] = items[p];
          w[h.length - n] = wp;
        }
      }
    }
    return new UserHistory(userId, java.util.Arrays.copyOfRange(h, h.length - n, h.length),
        java.util.Arrays.copyOfRange(w, w.length - n, w.length));
  }

  /** The items of the sequence, each once, sorted. */
  public int[] distinctItems() {
    return java.util.Arrays.stream(items).sorted().distinct().toArray();
  }

  /** The item indices of every event, sorted, for membership tests. */
  public int[] sortedItems() {
    int[] s = items.clone();
    java.util.Arrays.sort(s);
    return s;
  }
}
