package io.attnflow.core.eval;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Running sums of leave-one-out metrics over cases, mergeable across Spark partitions: HR@K and
 * NDCG@K for each cut-off K, MRR over the whole ranking, and catalogue coverage (the share of the
 * vocabulary that appears in at least one top-K list).
 */
public final class MetricSums implements Serializable {
  private static final long serialVersionUID = 1L;

  /** One figure: {@code k} is null for MRR. */
  public record Metric(String metric, Integer k, double value) {}

  private final int[] ks;
  private final int items;
  private final double[] hits;
  private final double[] ndcg;
  private final BitSet[] covered;
  private double reciprocalRanks;
  private long cases;

  /** @param ks the cut-offs, ascending; @param items the vocabulary size, for coverage */
  public MetricSums(int[] ks, int items) {
    this.ks = ks.clone();
    this.items = items;
    this.hits = new double[ks.length];
    this.ndcg = new double[ks.length];
    this.covered = new BitSet[ks.length];
    for (int i = 0; i < ks.length; i++) {
      covered[i] = new BitSet(items);
    }
  }

  /** The largest cut-off: how long the top lists passed to {@link #add} must be. */
  public int maxK() {
    return ks[ks.length - 1];
  }

  /** One case: the target's 0-based rank and the top of the ranking (at least {@link #maxK()} long, if there are as many). */
  public void add(int rank, int[] top) {
    for (int i = 0; i < ks.length; i++) {
      hits[i] += Ranking.hit(rank, ks[i]);
      ndcg[i] += Ranking.ndcg(rank, ks[i]);
      for (int p = 0; p < Math.min(ks[i], top.length); p++) {
        covered[i].set(top[p]);
      }
    }
    reciprocalRanks += Ranking.reciprocalRank(rank);
    cases++;
  }

  /** Adds {@code other}'s cases to this one's. */
  public MetricSums merge(MetricSums other) {
    for (int i = 0; i < ks.length; i++) {
      hits[i] += other.hits[i];
      ndcg[i] += other.ndcg[i];
      covered[i].or(other.covered[i]);
    }
    reciprocalRanks += other.reciprocalRanks;
    cases += other.cases;
    return this;
  }

  public long cases() {
    return cases;
  }

  /** The means: hr and ndcg for each K, mrr, coverage for each K. */
  public List<Metric> metrics() {
    double n = Math.max(1, cases);
    List<Metric> out = new ArrayList<>();
    for (int i = 0; i < ks.length; i++) {
      out.add(new Metric("hr", ks[i], hits[i] / n));
    }
    for (int i = 0; i < ks.length; i++) {
      out.add(new Metric("ndcg", ks[i], ndcg[i] / n));
    }
    out.add(new Metric("mrr", null, reciprocalRanks / n));
    for (int i = 0; i < ks.length; i++) {
      out.add(new Metric("coverage", ks[i], (double) covered[i].cardinality() / items));
    }
    return out;
  }
}
