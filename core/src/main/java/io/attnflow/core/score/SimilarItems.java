package io.attnflow.core.score;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Each item's most similar items ("more like this"), by the blocked GEMM and bounded heaps of
 * scoring and never an items × items matrix: a batch of query rows times one block of candidate
 * rows at a time, every product offered to the query's {@link TopK}. An item is never its own
 * neighbour. Ranked by cosine similarity or by Euclidean distance (nearest first); both are reported.
 */
public final class SimilarItems {
  /** How neighbours are ranked. */
  public enum Metric { COSINE, EUCLIDEAN }

  /** One item's neighbours, best first, with the cosine similarity and the Euclidean distance of each. */
  public record Neighbours(int item, int[] items, float[] similarity, float[] distance) {}

  private final int n;
  private final int dim;
  private final Metric metric;
  private final float[] rows;
  private final float[] norms;
  private final List<INDArray> blocks = new ArrayList<>();
  private final List<Integer> offsets = new ArrayList<>();

  /**
   * @param rows  n vectors of {@code dim} values, row-major; none all zeros under {@link Metric#COSINE}
   * @param block candidates multiplied at a time (memory per batch: batch × block floats)
   */
  public SimilarItems(float[] rows, int dim, Metric metric, int block) {
    if (dim < 1 || rows.length % dim != 0 || block < 1) {
      throw new IllegalArgumentException("Cannot index " + rows.length + " values as rows of " + dim
          + " in blocks of " + block);
    }
    this.n = rows.length / dim;
    this.dim = dim;
    this.metric = metric;
    this.rows = rows;
    this.norms = new float[n];
    for (int i = 0; i < n; i++) {
      double s = 0;
      for (int d = 0; d < dim; d++) {
        s += (double) rows[i * dim + d] * rows[i * dim + d];
      }
      norms[i] = (float) Math.sqrt(s);
      if (metric == Metric.COSINE && !(norms[i] > 0)) {
        throw new IllegalArgumentException("Cannot rank by cosine: row " + i + " has no direction (all zeros)");
      }
    }
    for (int from = 0; from < n; from += block) {
      int to = Math.min(n, from + block);
      float[] b = java.util.Arrays.copyOfRange(rows, from * dim, to * dim);
      blocks.add(Nd4j.create(b, new long[] {to - from, dim}, 'c'));
      offsets.add(from);
    }
  }

  public int size() {
    return n;
  }

  /** The {@code k} nearest neighbours of each query row index (at most n − 1 each). */
  public List<Neighbours> of(int[] queries, int k) {
    int b = queries.length;
    float[] q = new float[b * dim];
    for (int r = 0; r < b; r++) {
      System.arraycopy(rows, queries[r] * dim, q, r * dim, dim);
    }
    INDArray left = Nd4j.create(q, new long[] {b, dim}, 'c');
    TopK[] heaps = new TopK[b];
    for (int r = 0; r < b; r++) {
      heaps[r] = new TopK(Math.max(1, Math.min(k, n - 1)));
    }
    for (int blk = 0; blk < blocks.size(); blk++) {
      INDArray block = blocks.get(blk);
      int from = offsets.get(blk);
      int width = (int) block.rows();
      float[] dots = Nd4j.gemm(left, block, false, true).data().asFloat(); // [b × width]
      for (int r = 0; r < b; r++) {
        TopK heap = heaps[r];
        int self = queries[r];
        for (int c = 0; c < width; c++) {
          int j = from + c;
          if (j != self) {
            heap.offer(j, rank(dots[r * width + c], self, j));
          }
        }
      }
    }
    List<Neighbours> out = new ArrayList<>(b);
    for (int r = 0; r < b; r++) {
      int[] items = n > 1 ? heaps[r].items() : new int[0];
      float[] similarity = new float[items.length];
      float[] distance = new float[items.length];
      for (int i = 0; i < items.length; i++) {
        double dot = dot(queries[r], items[i]);
        double nq = norms[queries[r]];
        double nj = norms[items[i]];
        similarity[i] = nq > 0 && nj > 0 ? (float) (dot / (nq * nj)) : 0f;
        distance[i] = (float) Math.sqrt(Math.max(0, nq * nq + nj * nj - 2 * dot));
      }
      out.add(new Neighbours(queries[r], items, similarity, distance));
    }
    return out;
  }

  /** Higher ranks first: the cosine, or −(‖c‖² − 2 q·c), which orders as −‖q − c‖² for a fixed query. */
  private float rank(float dot, int query, int candidate) {
    return metric == Metric.COSINE
        ? dot / (norms[query] * norms[candidate])
        : 2 * dot - norms[candidate] * norms[candidate];
  }

  private double dot(int a, int b) {
    double s = 0;
    for (int d = 0; d < dim; d++) {
      s += (double) rows[a * dim + d] * rows[b * dim + d];
    }
    return s;
  }
}
