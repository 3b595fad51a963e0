package io.attnflow.core.score;

import io.attnflow.core.model.AttentionModel;
import io.attnflow.core.model.UserHistory;
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
 * The scoring kernel: for a batch of B users and a block of n candidates, one GEMM of the stacked
 * history projections (R = Σ history lengths rows of θ, k columns) by the block's φ rows
 * transposed gives every logit θ_iᵀφ_j (R × n); a single pass over that matrix then applies
 * α = σ(logit + b), accumulates Σ_i w_i α_ij per user, divides by Σ_i w_i, masks the user's seen
 * items and offers the rest to the user's bounded {@link TopK}. Users × items is never held: memory
 * is R × n floats for the logits, set by the batch and block sizes, whatever the corpus size. The
 * GEMM buffers are allocated once per kernel and reused (ND4J's {@code gemm} into a pre-allocated
 * C-order output is an order of magnitude faster than {@code mmul} on these skinny shapes).
 *
 * <p>Not thread-safe: one kernel per task.
 */
public final class ScoringKernel {
  private final AttentionModel model;
  private final int maxRows;
  private final int k;
  private final INDArray stacked;
  private final FloatBuffer stackedBuffer;
  private INDArray logits;
  private float[] acc = new float[0];
  private long alphaCount;

  /** @param maxRows the most history rows one batch may stack (batch size × m) */
  public ScoringKernel(AttentionModel model, int maxRows) {
    this.model = model;
    this.maxRows = maxRows;
    this.k = model.k();
    this.stacked = Nd4j.createUninitialized(DataType.FLOAT, maxRows, k);
    this.stackedBuffer = stacked.data().asNioFloat();
  }

  /**
   * Scores every user of {@code batch} against every item of {@code block}.
   *
   * @param seen  per user, the sorted item indices never to recommend to them (may be empty)
   * @param heaps per user, the top-K to offer scores to
   */
  public void score(List<UserHistory> batch, int[][] seen, ItemBlock block, TopK[] heaps) {
    int rows = stack(batch);
    int n = block.size();
    if (logits == null || logits.columns() != n) {
      logits = Nd4j.createUninitialized(DataType.FLOAT, maxRows, n);
      acc = new float[n];
    }
    Nd4j.gemm(stacked, block.phi(), logits, false, true, 1.0, 0.0);
    FloatBuffer c = logits.data().asNioFloat();
    float bias = model.bias();
    int[] items = block.items();
    int r = 0;
    for (int u = 0; u < batch.size(); u++) {
      UserHistory h = batch.get(u);
      Arrays.fill(acc, 0, n, 0f);
      float[] w = h.weights();
      for (int i = 0; i < h.length(); i++, r++) {
        float wi = w[i];
        int base = r * n;
        for (int j = 0; j < n; j++) {
          acc[j] += wi * sigmoid(c.get(base + j) + bias);
        }
      }
      float inv = (float) (1.0 / h.weightSum());
      TopK heap = heaps[u];
      int[] userSeen = seen[u];
      int s = 0;
      for (int j = 0; j < n; j++) {
        int item = items[j];
        while (s < userSeen.length && userSeen[s] < item) {
          s++;
        }
        if (s < userSeen.length && userSeen[s] == item) {
          continue;
        }
        heap.offer(item, acc[j] * inv);
      }
    }
    if (r != rows) {
      throw new IllegalStateException("stacked " + rows + " rows but reduced " + r);
    }
  }

  /** Copies the batch's θ rows into the reused left-hand matrix; rows past the batch are left as they are. */
  private int stack(List<UserHistory> batch) {
    float[] theta = model.thetaTable();
    int r = 0;
    for (UserHistory h : batch) {
      if (r + h.length() > maxRows) {
        throw new IllegalArgumentException("Cannot stack " + (r + h.length()) + " history rows (the kernel holds " + maxRows + ")");
      }
      for (int item : h.items()) {
        stackedBuffer.put(r++ * k, theta, item * k, k);
      }
    }
    return r;
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
        alphaCount += (long) batch.stream().mapToInt(UserHistory::length).sum() * block.size();
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
   * w_i α_ij / Σ w (equal items of the history merged: weights and contributions summed).
   */
  public List<Explanation> explain(UserHistory h, ItemBlock block, int item, int r) {
    float[] theta = model.thetaTable();
    float[] phi = block.rows();
    int j = block.indexOf(item) * k;
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
      e[2] += (float) (h.weights()[i] * alpha / sum);
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
