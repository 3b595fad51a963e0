package io.attnflow.core.eval;

import io.attnflow.core.model.AttentionModel;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** HR@K and NDCG@K of a model over leave-one-out cases, under either {@link Protocol}. */
public record Metrics(double hitRate, double ndcg, int cases) {

  /**
   * The attention model's figures under both protocols, from one score per vocabulary item and case
   * (the scoring kernel's, through {@link AttentionScorer}). The cases are ranked on every available core (a
   * scorer each), and their figures summed in case order, so the result does not depend on the cores.
   */
  public static Map<Protocol, Metrics> of(AttentionModel model, List<HeldOutCase> cases, int k) {
    int protocols = Protocol.values().length;
    double[] hits = new double[cases.size() * protocols];
    double[] gains = new double[hits.length];
    int threads = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), cases.size()));
    IntStream.range(0, threads).parallel().forEach(t -> {
      Scorer scorer = new AttentionScorer(model);
      float[] scores = new float[model.vocabulary().size()];
      for (int i = t; i < cases.size(); i += threads) {
        HeldOutCase c = cases.get(i);
        scorer.scoreAll(c, scores);
        for (Protocol p : Protocol.values()) {
          int rank = p.rank(c, scores, k).rank();
          hits[i * protocols + p.ordinal()] = Ranking.hit(rank, k);
          gains[i * protocols + p.ordinal()] = Ranking.ndcg(rank, k);
        }
      }
    });
    Map<Protocol, Metrics> out = new EnumMap<>(Protocol.class);
    double n = Math.max(1, cases.size());
    for (Protocol p : Protocol.values()) {
      double hr = 0;
      double ndcg = 0;
      for (int i = 0; i < cases.size(); i++) {
        hr += hits[i * protocols + p.ordinal()];
        ndcg += gains[i * protocols + p.ordinal()];
      }
      out.put(p, new Metrics(hr / n, ndcg / n, cases.size()));
    }
    return out;
  }
}
