package io.attnflow.core.eval;

import io.attnflow.core.score.TopK;

/**
 * The two leave-one-out protocols: the target ranked against its sampled negatives, or against
 * every item the user has not interacted with. Ties are broken by item index, lower first, and
 * non-finite scores rank last, as in {@link Ranking}.
 */
public enum Protocol {
  /** The target among the case's sampled negatives. */
  SAMPLED,
  /** The target among every item of the vocabulary the user has not interacted with. */
  FULL;

  /** The target's 0-based rank among this protocol's candidates, and their top {@code k}. */
  public record Ranked(int rank, int[] top) {}

  /** @param scores a score for every item of the vocabulary */
  public Ranked rank(HeldOutCase c, float[] scores, int k) {
    return rank(c, scores, k, null);
  }

  /**
   * @param scores a score for every item of the vocabulary
   * @param among  for {@link #FULL}, the items that compete (true), e.g. only the items new since training; null: all
   */
  public Ranked rank(HeldOutCase c, float[] scores, int k, boolean[] among) {
    TopK top = new TopK(k);
    int target = c.target();
    float t = scores[target];
    int rank = 0;
    if (this == SAMPLED) {
      top.offer(target, Ranking.rankable(t));
      for (int j : c.negatives()) {
        rank += Ranking.beats(scores[j], j, t, target) ? 1 : 0;
        top.offer(j, Ranking.rankable(scores[j]));
      }
    } else {
      int[] seen = c.seen();
      int p = 0;
      for (int j = 0; j < scores.length; j++) {
        while (p < seen.length && seen[p] < j) {
          p++;
        }
        if (p < seen.length && seen[p] == j || among != null && !among[j] && j != target) {
          continue;
        }
        if (j != target) {
          rank += Ranking.beats(scores[j], j, t, target) ? 1 : 0;
        }
        top.offer(j, Ranking.rankable(scores[j]));
      }
    }
    return new Ranked(rank, top.items());
  }

  /** The name used in outputs: {@code sampled} or {@code full}. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
