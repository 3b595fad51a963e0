package io.attnflow.core.eval;

import io.attnflow.core.score.TopK;

/**
 * The two leave-one-out protocols: the target ranked against its sampled negatives, or against
 * every item the user has not interacted with. Ties are broken by item index, lower first, as in
 * {@link Ranking} and the scoring job.
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
    TopK top = new TopK(k);
    int target = c.target();
    float t = scores[target];
    int rank = 0;
    if (this == SAMPLED) {
      top.offer(target, t);
      for (int j : c.negatives()) {
        rank += beats(scores[j], j, t, target);
        top.offer(j, scores[j]);
      }
    } else {
      int[] seen = c.seen();
      int p = 0;
      for (int j = 0; j < scores.length; j++) {
        while (p < seen.length && seen[p] < j) {
          p++;
        }
        if (p < seen.length && seen[p] == j) {
          continue;
        }
        if (j != target) {
          rank += beats(scores[j], j, t, target);
        }
        top.offer(j, scores[j]);
      }
    }
    return new Ranked(rank, top.items());
  }

  private static int beats(float s, int j, float t, int target) {
    return s > t || (s == t && j < target) ? 1 : 0;
  }

  /** The name used in outputs: {@code sampled} or {@code full}. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
