package io.attnflow.core.score;

import java.util.Arrays;

/**
 * The K best (item, score) pairs seen so far, in a bounded min-heap: O(log K) per accepted offer,
 * O(1) per rejected one. Ties are broken by item index, lower first; vocabularies are sorted by item
 * id, so the order is the output contract's "ties broken by item_id". Partial lists of the same user
 * (from different item blocks) merge into the same result as one pass over all items.
 */
public final class TopK {
  private final int k;
  private final int[] items;
  private final float[] scores;
  private int size;
  /** Positions in rank order, computed once after the last change (items() and scores() share it). */
  private Integer[] order;

  public TopK(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("Cannot keep the top " + k + " (K must be at least 1)");
    }
    this.k = k;
    this.items = new int[k];
    this.scores = new float[k];
  }

  public int k() {
    return k;
  }

  public int size() {
    return size;
  }

  /** True when (s1, i1) ranks before (s2, i2): higher score first, then lower item index. */
  static boolean before(float s1, int i1, float s2, int i2) {
    return s1 > s2 || (s1 == s2 && i1 < i2);
  }

  /** The score an offer must beat to enter, or -∞ while the heap is not full. */
  public float threshold() {
    return size < k ? Float.NEGATIVE_INFINITY : scores[0];
  }

  /** @throws IllegalArgumentException if the score is NaN, which no order can place */
  public void offer(int item, float score) {
    if (Float.isNaN(score)) {
      throw new IllegalArgumentException("Cannot rank item " + item + ": its score is NaN (a diverged model?)");
    }
    order = null;
    if (size < k) {
      items[size] = item;
      scores[size] = score;
      siftUp(size++);
    } else if (before(score, item, scores[0], items[0])) {
      items[0] = item;
      scores[0] = score;
      siftDown(0);
    }
  }

  /** Offers every entry of {@code other} (merging partial lists). */
  public void merge(TopK other) {
    for (int i = 0; i < other.size; i++) {
      offer(other.items[i], other.scores[i]);
    }
  }

  /** The kept item indices, best first. */
  public int[] items() {
    Integer[] order = order();
    int[] out = new int[size];
    for (int i = 0; i < size; i++) {
      out[i] = items[order[i]];
    }
    return out;
  }

  /** The kept scores, best first (aligned with {@link #items()}). */
  public float[] scores() {
    Integer[] order = order();
    float[] out = new float[size];
    for (int i = 0; i < size; i++) {
      out[i] = scores[order[i]];
    }
    return out;
  }

  private Integer[] order() {
    if (order == null) {
      Integer[] o = new Integer[size];
      Arrays.setAll(o, i -> i);
      Arrays.sort(o, (a, b) -> before(scores[a], items[a], scores[b], items[b]) ? -1
          : before(scores[b], items[b], scores[a], items[a]) ? 1 : 0);
      order = o;
    }
    return order;
  }

  // The root is the worst kept entry: a child never ranks after its parent.
  private void siftUp(int i) {
    while (i > 0) {
      int parent = (i - 1) / 2;
      if (!before(scores[parent], items[parent], scores[i], items[i])) {
        break;
      }
      swap(items, scores, i, parent);
      i = parent;
    }
  }

  private void siftDown(int i) {
    while (true) {
      int left = 2 * i + 1;
      int worst = i;
      if (left < size && before(scores[worst], items[worst], scores[left], items[left])) {
        worst = left;
      }
      int right = left + 1;
      if (right < size && before(scores[worst], items[worst], scores[right], items[right])) {
        worst = right;
      }
      if (worst == i) {
        return;
      }
      swap(items, scores, i, worst);
      i = worst;
    }
  }

  /** Swaps entries a and b of parallel (item, score) arrays. */
  static void swap(int[] items, float[] scores, int a, int b) {
    int ti = items[a];
    items[a] = items[b];
    items[b] = ti;
    float ts = scores[a];
    scores[a] = scores[b];
    scores[b] = ts;
  }
}
