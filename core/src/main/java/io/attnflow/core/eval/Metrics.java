package io.attnflow.core.eval;

import io.attnflow.core.model.AttentionModel;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** HR@K and NDCG@K of a model over leave-one-out cases, under either {@link Protocol}. */
public record Metrics(double hitRate, double ndcg, int cases) implements java.io.Serializable {

  /**
   * The attention model's figures under both protocols, from one score per vocabulary item and case
   * (the scoring kernel's, through {@link AttentionScorer}).
   */
  public static Map<Protocol, Metrics> of(AttentionModel model, List<HeldOutCase> cases, int k) {
    return of(sums(model, cases.iterator(), k));
  }

  /**
   * What {@link #of(AttentionModel, List, int)} averages, summed over {@code cases}: per {@link Protocol} in its order,
   * the HR@K and the NDCG@K, then the number of cases. Sums of parts of the cases add up to the whole's (Spark
   * partitions).
   */
  public static double[] sums(AttentionModel model, Iterator<HeldOutCase> cases, int k) {
    Scorer scorer = new AttentionScorer(model);
    float[] scores = new float[model.vocabulary().size()];
    int protocols = Protocol.values().length;
    double[] sums = new double[2 * protocols + 1];
    while (cases.hasNext()) {
      HeldOutCase c = cases.next();
      scorer.scoreAll(c, scores);
      for (Protocol p : Protocol.values()) {
        int rank = p.rank(c, scores, k).rank();
        sums[2 * p.ordinal()] += Ranking.hit(rank, k);
        sums[2 * p.ordinal() + 1] += Ranking.ndcg(rank, k);
      }
      sums[2 * protocols]++;
    }
    return sums;
  }

  /** The figures of {@link #sums}. */
  public static Map<Protocol, Metrics> of(double[] sums) {
    int cases = (int) sums[sums.length - 1];
    double n = Math.max(1, cases);
    Map<Protocol, Metrics> out = new EnumMap<>(Protocol.class);
    for (Protocol p : Protocol.values()) {
      out.put(p, new Metrics(sums[2 * p.ordinal()] / n, sums[2 * p.ordinal() + 1] / n, cases));
    }
    return out;
  }
}
