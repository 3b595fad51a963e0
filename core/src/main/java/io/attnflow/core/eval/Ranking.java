package io.attnflow.core.eval;

/**
 * Leave-one-out ranking metrics. A target's rank among scored candidates counts the candidates that
 * beat it; equal scores are broken by item index, lower first (vocabularies are sorted by item id,
 * so this is the item-id order that the output contract uses), so ranks are reproducible. A score
 * that is not finite (NaN, ±∞: a diverged model) ranks after every finite one, so that a broken
 * model scores nothing rather than everything.
 */
public final class Ranking {
  private Ranking() {}

  /**
   * The 0-based rank of {@code candidates[target]}.
   *
   * @param scores     one score per candidate
   * @param candidates item indices, for tie-breaking
   */
  public static int rank(float[] scores, int[] candidates, int target) {
    int rank = 0;
    for (int j = 0; j < scores.length; j++) {
      if (j != target && beats(scores[j], candidates[j], scores[target], candidates[target])) {
        rank++;
      }
    }
    return rank;
  }

  /**
   * True when a candidate (score {@code s}, item {@code j}) ranks before the target (score {@code t},
   * item {@code target}): the higher finite score first, non-finite scores last, ties by item index.
   */
  static boolean beats(float s, int j, float t, int target) {
    float a = rankable(s);
    float b = rankable(t);
    return a > b || (a == b && j < target);
  }

  /** A score as ranking sees it: non-finite scores (NaN, ±∞) below every finite one. */
  static float rankable(float score) {
    return Float.isFinite(score) ? score : Float.NEGATIVE_INFINITY;
  }

  /** HR@K: 1 when the target ranks among the first K. */
  public static double hit(int rank, int k) {
    return rank < k ? 1.0 : 0.0;
  }

  /** NDCG@K with one relevant item: 1 / log2(rank + 2) within the first K, else 0. */
  public static double ndcg(int rank, int k) {
    return rank < k ? 1.0 / (Math.log(rank + 2) / Math.log(2)) : 0.0;
  }

  /** MRR's term: 1 / (rank + 1). */
  public static double reciprocalRank(int rank) {
    return 1.0 / (rank + 1);
  }
}
