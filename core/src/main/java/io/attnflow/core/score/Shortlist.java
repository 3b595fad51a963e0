package io.attnflow.core.score;

import java.util.Arrays;

/**
 * The best c items of a stream of (item, score) offers, as a set: stage 1 of two-stage scoring, where a user's
 * 100,000 pooled scores leave a shortlist of a few hundred and their order does not matter. Offers that can enter are
 * appended to a buffer of 2c; when it fills, a selection keeps the best c and the threshold rises to the worst of
 * them. An offer costs an append instead of a heap's O(log c) sift (with c = 200 a heap's sifts took a quarter of
 * stage 1), and the selection, O(c) per c entries appended, is amortised over them.
 *
 * <p>The order is {@link TopK}'s (higher score first, then lower item index), a total order over distinct items, so
 * the set kept is {@link TopK}'s for the same offers whatever their order.
 */
public final class Shortlist {
  private final int c;
  private final int[] items;
  private final float[] scores;
  private int size;
  /** The worst kept entry after the last selection (an offer must rank before it), or none yet. */
  private boolean full;
  private float worstScore;
  private int worstItem;

  public Shortlist(int c) {
    if (c < 1) {
      throw new IllegalArgumentException("Cannot shortlist " + c + " items (at least 1)");
    }
    this.c = c;
    this.items = new int[2 * c];
    this.scores = new float[2 * c];
  }

  /** The score an offer must reach to enter (an equal one enters by a lower item index), or -∞ before any selection. */
  public float threshold() {
    return full ? worstScore : Float.NEGATIVE_INFINITY;
  }

  /** @throws IllegalArgumentException if the score is NaN, which no order can place */
  public void offer(int item, float score) {
    if (Float.isNaN(score)) {
      throw new IllegalArgumentException("Cannot rank item " + item + ": its score is NaN (a diverged model?)");
    }
    if (full && !TopK.before(score, item, worstScore, worstItem)) {
      return;
    }
    items[size] = item;
    scores[size] = score;
    if (++size == items.length) {
      select();
    }
  }

  /** The kept items (at most c), ascending. */
  public int[] items() {
    if (size > c) {
      select();
    }
    int[] out = Arrays.copyOf(items, size);
    Arrays.sort(out);
    return out;
  }

  /** Keeps the best c of the buffer in its first c places and raises the threshold to the worst of them. */
  private void select() {
    int from = 0;
    int to = size - 1;
    while (from < to) { // quickselect: the c best end in [0, c)
      int p = partition(from, to, from + (to - from) / 2);
      if (p == c - 1) {
        break;
      } else if (p < c - 1) {
        from = p + 1;
      } else {
        to = p - 1;
      }
    }
    size = c;
    int worst = 0;
    for (int i = 1; i < c; i++) {
      if (TopK.before(scores[worst], items[worst], scores[i], items[i])) {
        worst = i;
      }
    }
    full = true;
    worstScore = scores[worst];
    worstItem = items[worst];
  }

  /** Places every entry that ranks before the pivot left of it, the rest right of it; returns the pivot's place. */
  private int partition(int from, int to, int pivot) {
    float ps = scores[pivot];
    int pi = items[pivot];
    TopK.swap(items, scores, pivot, to);
    int store = from;
    for (int i = from; i < to; i++) {
      if (TopK.before(scores[i], items[i], ps, pi)) {
        TopK.swap(items, scores, i, store++);
      }
    }
    TopK.swap(items, scores, store, to);
    return store;
  }
}
