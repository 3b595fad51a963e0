package io.attnflow.core.eval;

import io.attnflow.core.model.AttentionModel;
import java.util.List;

/** HR@K and NDCG@K of a model over leave-one-out cases, under either {@link Protocol}. */
public record Metrics(double hitRate, double ndcg, int cases) {

  /** The attention model's ranking score ranks each case's target among its negatives. */
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
    return new Metrics(hr / Math.max(1, cases.size()), ndcg / Math.max(1, cases.size()), cases.size());
  }

  /** The attention model's ranking score ranks each case's target among every item the user has not seen. */
  public static Metrics full(AttentionModel model, List<HeldOutCase> cases, int k) {
    Scorer scorer = new AttentionScorer(model);
    float[] scores = new float[model.vocabulary().size()];
    double hr = 0;
    double ndcg = 0;
    for (HeldOutCase c : cases) {
      scorer.scoreAll(c, scores);
      int rank = Protocol.FULL.rank(c, scores, k).rank();
      hr += Ranking.hit(rank, k);
      ndcg += Ranking.ndcg(rank, k);
    }
    return new Metrics(hr / Math.max(1, cases.size()), ndcg / Math.max(1, cases.size()), cases.size());
  }
}
