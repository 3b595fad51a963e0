package io.attnflow.core.eval;

import io.attnflow.core.model.AttentionModel;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** HR@K and NDCG@K of a model over leave-one-out cases, under either {@link Protocol}. */
public record Metrics(double hitRate, double ndcg, int cases) {

  /**
   * The attention model's figures under both protocols, from one score per vocabulary item and case
   * (the scoring kernel's, through {@link AttentionScorer}).
   */
  public static Map<Protocol, Metrics> of(AttentionModel model, List<HeldOutCase> cases, int k) {
    Scorer scorer = new AttentionScorer(model);
    float[] scores = new float[model.vocabulary().size()];
    double[] hr = new double[Protocol.values().length];
    double[] ndcg = new double[hr.length];
    for (HeldOutCase c : cases) {
      scorer.scoreAll(c, scores);
      for (Protocol p : Protocol.values()) {
        int rank = p.rank(c, scores, k).rank();
        hr[p.ordinal()] += Ranking.hit(rank, k);
        ndcg[p.ordinal()] += Ranking.ndcg(rank, k);
      }
    }
    Map<Protocol, Metrics> out = new EnumMap<>(Protocol.class);
    double n = Math.max(1, cases.size());
    for (Protocol p : Protocol.values()) {
      out.put(p, new Metrics(hr[p.ordinal()] / n, ndcg[p.ordinal()] / n, cases.size()));
    }
    return out;
  }
}
