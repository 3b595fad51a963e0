package io.attnflow.core.eval;

import io.attnflow.core.model.AttentionModel;
import java.util.List;

/** HR@K and NDCG@K of a model over sampled leave-one-out cases (target at candidate position 0). */
public record Metrics(double hitRate, double ndcg, int cases) {

  /** The attention model's score ranks each case's target among its negatives. */
  public static Metrics sampled(AttentionModel model, List<HeldOutCase> cases, int k) {
    double hr = 0;
    double ndcg = 0;
    for (HeldOutCase c : cases) {
      int[] candidates = c.candidates();
      float[] scores = model.rankingScores(List.of(c.history()), candidates);
      int rank = Ranking.rank(scores, candidates, 0);
      hr += Ranking.hit(rank, k);
      ndcg += Ranking.ndcg(rank, k);
    }
    int n = Math.max(1, cases.size());
    return new Metrics(hr / n, ndcg / n, cases.size());
  }
}
