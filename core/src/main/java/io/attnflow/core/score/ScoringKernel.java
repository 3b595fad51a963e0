package io.attnflow.core.score;

import io.attnflow.core.model.AttentionModel;
import io.attnflow.core.model.UserHistory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The scoring kernel. For a micro-batch of users (at most {@link #MICRO_BATCH}) and a block of n
 * candidates: one GEMM of the stacked history projections (R = Σ history lengths rows of θ and a
 * 1, k+1 columns) by the block's rows (φ and b) transposed gives every θ_iᵀφ_j + b (R × n); then,
 * per user, {@link SigmoidSum} turns the user's rows into ranking scores (s_uj before the model's
 * final σ, if its {@link io.attnflow.core.model.Aggregation} has one: confident scores would round to
 * ties at 1.0f) in one SIMD pass, and a last pass masks the user's seen items and offers the rest to
 * the user's bounded {@link TopK}. Heaps and {@link Pick}s hold ranking scores;
 * {@code Aggregation.score} turns one into s_uj. The GEMM is BLAS; σ and the reduction are fused so
 * the α are never written back (ND4J's sigmoid followed by a reduction GEMM measured at a third of
 * this speed).
 *
 * <p>Users × items is never held: memory is R × n floats for the logits, set by the micro-batch,
 * history length and block size, whatever the corpus size. All buffers are allocated once per
 * kernel and reused. Not thread-safe: one kernel per task.
 */
public final class ScoringKernel {
  /**
   * Users per GEMM: enough rows (32 × m) for BLAS to run at its peak; the logits then take
   * 32 · m · n · 4 bytes (26 MB at m = 50 and blocks of 4,096 items).
   */
  static final int MICRO_BATCH = 32;

  private final AttentionModel model;
  private final int maxRows;
  private final int k;
  private final INDArray stacked;
  private final FloatBuffer stackedBuffer;
  /** Per stacked row, its history weight over the user's weight sum. */
  private final float[] rowWeights;
  /** Row bounds of the micro-batch's users: user u owns rows [bounds[u], bounds[u + 1]). */
  private final int[] bounds = new int[MICRO_BATCH + 1];
  private INDArray logits;
  private ByteBuffer logitsBytes;
  private float[] sums;
  private long alphaCount;

  /** A kernel for histories of at most {@code model.shape().history()} items. */
  public ScoringKernel(AttentionModel model) {
    if (!SigmoidSum.available()) {
      throw new IllegalStateException("The scoring kernel needs the JVM flag --add-modules=jdk.incubator.vector "
          + "(bin/attnflow and conf/spark-defaults.conf set it; add it to any other JVM that scores)");
    }
    this.model = model;
    this.maxRows = MICRO_BATCH * model.shape().history();
    this.k = model.k();
    this.stacked = Nd4j.zeros(DataType.FLOAT, maxRows, k + 1);
    this.stackedBuffer = stacked.data().asNioFloat();
    for (int r = 0; r < maxRows; r++) {
      stackedBuffer.put(r * (k + 1) + k, 1f); // the bias column
    }
    this.rowWeights = new float[maxRows];
  }

  /**
   * Scores every user of {@code batch} against every item of {@code block}.
   *
   * @param seen  per user, the sorted item indices never to recommend to them (may be empty)
   * @param heaps per user, the top-K to offer scores to
   */
  public void score(List<UserHistory> batch, int[][] seen, ItemBlock block, TopK[] heaps) {
    int n = block.width();
    if (logits == null || logits.columns() != n) {
      if ((long) maxRows * n * Float.BYTES > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("A block of " + n + " items is too large for " + maxRows
            + " history rows (at most " + Integer.MAX_VALUE / Float.BYTES / maxRows + ")");
      }
      logits = Nd4j.createUninitialized(DataType.FLOAT, maxRows, n);
      logitsBytes = logits.data().asNio().order(ByteOrder.nativeOrder());
      sums = new float[n];
    }
    int[] items = block.items();
    for (int from = 0; from < batch.size(); from += MICRO_BATCH) {
      int to = Math.min(batch.size(), from + MICRO_BATCH);
      List<UserHistory> micro = batch.subList(from, to);
      stack(micro);
      Nd4j.gemm(stacked, block.phi(), logits, false, true, 1.0, 0.0);
      for (int u = 0; u < micro.size(); u++) {
        SigmoidSum.accumulate(logitsBytes, n, bounds[u], bounds[u + 1], rowWeights, model.aggregation(), model.bias(), sums);
        offer(items, sums, seen[from + u], heaps[from + u]);
      }
      alphaCount += (long) bounds[micro.size()] * items.length;
    }
  }

  /** Offers every item of the block but the user's seen ones, with its score, to the user's heap. */
  private static void offer(int[] items, float[] scores, int[] seen, TopK heap) {
    int p = 0;
    for (int j = 0; j < items.length; j++) {
      int item = items[j];
      while (p < seen.length && seen[p] < item) {
        p++;
      }
      if (p < seen.length && seen[p] == item) {
        continue;
      }
      heap.offer(item, scores[j]);
    }
  }

  /**
   * Copies the micro-batch's θ rows into the reused left-hand matrix and their normalised weights
   * into {@link #rowWeights}; rows past the micro-batch keep stale θ but belong to no user, so they
   * never reach a score.
   */
  private void stack(List<UserHistory> micro) {
    float[] theta = model.thetaTable();
    int r = 0;
    for (int u = 0; u < micro.size(); u++) {
      UserHistory h = micro.get(u);
      if (r + h.length() > maxRows) {
        throw new IllegalArgumentException("Cannot stack " + (r + h.length()) + " history rows (the kernel holds " + maxRows
            + "; histories are at most m = " + model.shape().history() + " long)");
      }
      float inv = (float) (1.0 / h.weightSum());
      bounds[u] = r;
      for (int i = 0; i < h.length(); i++, r++) {
        stackedBuffer.put(r * (k + 1), theta, h.items()[i] * k, k);
        rowWeights[r] = h.weights()[i] * inv;
      }
      bounds[u + 1] = r;
    }
  }

  /**
   * Every user's top {@code topK} over {@code blocks}, with the top {@code reasons} history items of
   * each pick: users in batches of {@code batchSize}, each batch against every block.
   *
   * @param seen per user, sorted item indices never to recommend to them
   */
  public List<List<Pick>> recommend(List<UserHistory> users, int[][] seen, ItemBlock[] blocks, int topK, int reasons,
      int batchSize) {
    List<List<Pick>> out = new ArrayList<>(users.size());
    for (int from = 0; from < users.size(); from += batchSize) {
      List<UserHistory> batch = users.subList(from, Math.min(users.size(), from + batchSize));
      int[][] batchSeen = Arrays.copyOfRange(seen, from, from + batch.size());
      TopK[] heaps = new TopK[batch.size()];
      Arrays.setAll(heaps, u -> new TopK(topK));
      for (ItemBlock block : blocks) {
        score(batch, batchSeen, block, heaps);
      }
      for (int u = 0; u < batch.size(); u++) {
        int[] items = heaps[u].items();
        float[] scores = heaps[u].scores();
        List<Pick> picks = new ArrayList<>(items.length);
        for (int p = 0; p < items.length; p++) {
          picks.add(new Pick(items[p], scores[p], explain(batch.get(u), blockOf(blocks, items[p]), items[p], reasons)));
        }
        out.add(picks);
      }
    }
    return out;
  }

  /** How many α_ij this kernel has evaluated. */
  public long alphaCount() {
    return alphaCount;
  }

  private static ItemBlock blockOf(ItemBlock[] blocks, int item) {
    for (ItemBlock b : blocks) {
      if (b.indexOf(item) >= 0) {
        return b;
      }
    }
    throw new IllegalStateException("Item " + item + " is in no block");
  }

  /**
   * The top {@code r} history items behind candidate {@code item} of {@code block}, by contribution
   * ({@link io.attnflow.core.model.Aggregation#contribution}; equal items of the history merged:
   * weights and contributions summed).
   */
  public List<Explanation> explain(UserHistory h, ItemBlock block, int item, int r) {
    float[] theta = model.thetaTable();
    float[] phi = block.rows();
    int j = block.indexOf(item) * (k + 1);
    double sum = h.weightSum();
    Map<Integer, float[]> byItem = new LinkedHashMap<>(); // item -> {alpha, weight, contribution}
    for (int i = 0; i < h.length(); i++) {
      int hi = h.items()[i];
      float dot = 0;
      for (int c = 0; c < k; c++) {
        dot += theta[hi * k + c] * phi[j + c];
      }
      float alpha = sigmoid(dot + model.bias());
      float[] e = byItem.computeIfAbsent(hi, x -> new float[3]);
      e[0] = alpha;
      e[1] += h.weights()[i];
      e[2] += (float) model.aggregation().contribution(h.weights()[i], alpha, dot, sum);
    }
    List<Explanation> all = new ArrayList<>();
    byItem.forEach((i, e) -> all.add(new Explanation(i, e[0], e[1], e[2])));
    all.sort(Comparator.comparingDouble((Explanation e) -> -e.contribution()).thenComparingInt(Explanation::item));
    return List.copyOf(all.subList(0, Math.min(r, all.size())));
  }

  static float sigmoid(float x) {
    return 1f / (1f + (float) Math.exp(-x));
  }
}
