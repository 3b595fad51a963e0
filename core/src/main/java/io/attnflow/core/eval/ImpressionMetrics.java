package io.attnflow.core.eval;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * MIND's per-impression metrics (Wu et al., ACL 2020, and its evaluation script): the items shown in one
 * impression ranked by score, the clicked ones relevant. AUC counts a tie between a clicked and an
 * unclicked item as half a win; MRR is the mean of 1/rank over the clicked items; nDCG@k has gains
 * 2^y − 1 and discounts log2(rank + 1), against the ideal order. Equal scores are ranked in the order
 * the items were shown. Sums are mergeable across Spark partitions; figures are means over impressions.
 */
public final class ImpressionMetrics implements Serializable {
  private static final long serialVersionUID = 1L;

  private double auc;
  private double mrr;
  private double ndcg5;
  private double ndcg10;
  private long impressions;

  /** The four figures of one impression. */
  public record Figures(double auc, double mrr, double ndcg5, double ndcg10) {}

  /**
   * @param scores  one per shown item
   * @param clicked whether each shown item was clicked; at least one must be, and one not
   */
  public static Figures of(float[] scores, boolean[] clicked) {
    int n = scores.length;
    long positives = IntStream.range(0, n).filter(i -> clicked[i]).count();
    if (n != clicked.length || positives == 0 || positives == n) {
      throw new IllegalArgumentException("Cannot score an impression of " + n + " items with " + positives
          + " clicked (expected at least one clicked and one not)");
    }
    Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -scores[i]).thenComparingInt(i -> i));
    double wins = 0;
    for (int i = 0; i < n; i++) {
      if (!clicked[i]) {
        continue;
      }
      for (int j = 0; j < n; j++) {
        if (!clicked[j]) {
          wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
        }
      }
    }
    double rr = 0;
    for (int r = 0; r < n; r++) {
      rr += clicked[order[r]] ? 1.0 / (r + 1) : 0;
    }
    return new Figures(wins / (positives * (n - positives)), rr / positives, ndcg(order, clicked, positives, 5),
        ndcg(order, clicked, positives, 10));
  }

  private static double ndcg(Integer[] order, boolean[] clicked, long positives, int k) {
    double dcg = 0;
    double ideal = 0;
    for (int r = 0; r < Math.min(k, order.length); r++) {
      double discount = Math.log(r + 2) / Math.log(2);
      dcg += clicked[order[r]] ? 1 / discount : 0;
      ideal += r < positives ? 1 / discount : 0;
    }
    return dcg / ideal;
  }

  /** Adds one impression's figures. */
  public void add(Figures f) {
    auc += f.auc();
    mrr += f.mrr();
    ndcg5 += f.ndcg5();
    ndcg10 += f.ndcg10();
    impressions++;
  }

  public ImpressionMetrics merge(ImpressionMetrics other) {
    auc += other.auc;
    mrr += other.mrr;
    ndcg5 += other.ndcg5;
    ndcg10 += other.ndcg10;
    impressions += other.impressions;
    return this;
  }

  public long impressions() {
    return impressions;
  }

  /** The means over impressions: AUC, MRR, nDCG@5, nDCG@10. */
  public Figures mean() {
    double n = Math.max(1, impressions);
    return new Figures(auc / n, mrr / n, ndcg5 / n, ndcg10 / n);
  }
}
