package io.attnflow.core.score;

import io.attnflow.core.model.AttentionModel;
import io.attnflow.core.model.Lanes;
import io.attnflow.core.model.UserHistory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The scoring kernel. For a micro-batch of users (as many as their histories fill {@link #MICRO_BATCH} · m
 * rows, or one) and a block
 * of n candidates: one GEMM of the stacked history projections (R = Σ history lengths rows of θ / τ,
 * k columns) by the block's φ rows transposed gives every x_ij = θ_iᵀφ_j / τ (R × n); then, per
 * user, {@link SigmoidSum} turns the user's rows into ranking scores (s_uj before the model's
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
   * Full histories per GEMM: enough rows (32 × m) for BLAS to run at its peak; the logits then take
   * 32 · m · n · 4 bytes (26 MB at m = 50 and blocks of 4,096 items). Users with shorter histories share
   * those rows (with 5-event histories and m = 50, 320 users a GEMM), so the GEMM multiplies no padding
   * but the micro-batch's last rows.
   */
  static final int MICRO_BATCH = 32;
  private static final int[] NOTHING = new int[0];
  private static final VectorSpecies<Float> VECTOR = Lanes.FLOATS;

  private final AttentionModel model;
  private final int usersPerGemm;
  private final int maxRows;
  private final int k;
  private final INDArray stacked;
  private final FloatBuffer stackedBuffer;
  /** Per stacked row, its history weight over the user's weight sum. */
  private final float[] rowWeights;
  /** Row bounds of the micro-batch's users: user u owns rows [bounds[u], bounds[u + 1]). */
  private final int[] bounds;
  /**
   * The θ rows of the batch being scored, kept while its item blocks go by, so that a context-aware
   * model encodes each history once per batch, not once per block.
   */
  private final Map<UserHistory, float[]> encoded = new IdentityHashMap<>();
  private List<UserHistory> encodedBatch = List.of();
  private INDArray logits;
  private ByteBuffer logitsBytes;
  private float[] sums;
  /**
   * Stage 1's products of a batch's user vectors by an item block, reused from block to block and batch to batch (by
   * shape: users × block width), and one user's row of them: nothing of a block's size is allocated per block.
   */
  private final Map<Long, INDArray> retrieval = new java.util.HashMap<>();
  private float[] row = new float[0];
  /** Two-stage scoring's candidate rows, reused from user to user: a shortlist's φ rows, then rows left from longer ones. */
  private INDArray shortlist;
  private FloatBuffer shortlistBuffer;

  /** A kernel for histories of at most {@code model.shape().history()} items. */
  public ScoringKernel(AttentionModel model) {
    this(model, MICRO_BATCH);
  }

  /**
   * A kernel that multiplies one user's history rows at a time: for ranking held-out cases one by
   * one (evaluation), where the micro-batch's GEMM would multiply 31 users' worth of unused rows.
   * The GEMM's row count stays fixed either way: BLAS may round a row differently when it changes.
   */
  public static ScoringKernel oneUserAtATime(AttentionModel model) {
    return new ScoringKernel(model, 1);
  }

  private ScoringKernel(AttentionModel model, int usersPerGemm) {
    if (!SigmoidSum.available()) {
      throw new IllegalStateException("The scoring kernel needs the JVM flag --add-modules=jdk.incubator.vector "
          + "(bin/attnflow and conf/spark-defaults.conf set it; add it to any other JVM that scores)");
    }
    this.model = model;
    this.usersPerGemm = usersPerGemm;
    this.bounds = new int[usersPerGemm * model.shape().history() + 1];
    this.maxRows = usersPerGemm * model.shape().history();
    this.k = model.k();
    this.stacked = Nd4j.zeros(DataType.FLOAT, maxRows, k);
    this.stackedBuffer = stacked.data().asNioFloat();
    this.rowWeights = new float[maxRows];
  }

  /**
   * Scores every user of {@code batch} against every item of {@code block}.
   *
   * @param seen  per user, the sorted item indices never to recommend to them (may be empty)
   * @param heaps per user, the top-K to offer scores to
   */
  public void score(List<UserHistory> batch, int[][] seen, ItemBlock block, TopK[] heaps) {
    int[] items = block.items();
    forEachUser(batch, block, (u, scores) -> offer(items, scores, seen[u], heaps[u]::offer));
  }

  /**
   * The ranking scores of every user of {@code batch} for every item of {@code block}, written to
   * {@code out} row-major ([users × block size]): what evaluation ranks held-out targets by, from the
   * arithmetic that scoring uses.
   */
  public void rankingScores(List<UserHistory> batch, ItemBlock block, float[] out) {
    int n = block.size();
    forEachUser(batch, block, (u, scores) -> System.arraycopy(scores, 0, out, u * n, n));
  }

  /** Hands each user's ranking scores for the block (reused buffer, block width) to {@code sink}. */
  private void forEachUser(List<UserHistory> batch, ItemBlock block, UserScores sink) {
    remember(batch);
    scoreEach(batch, block, sink);
  }

  /**
   * Keeps the θ rows of {@code batch}'s histories while its blocks go by (those of an earlier batch are dropped). Each
   * history is encoded on its own: encoded in a batch, its θ rows would round by the other histories around them,
   * and a user's rows would change with the batching.
   */
  private void remember(List<UserHistory> batch) {
    if (batch != encodedBatch) {
      encoded.clear();
      encodedBatch = batch;
    }
  }

  /** {@link #forEachUser} for users whose θ rows are {@link #remember}ed (or to be computed). */
  private void scoreEach(List<UserHistory> batch, ItemBlock block, UserScores sink) {
    scoreEach(batch, block.phi(), block.width(), sink);
  }

  /** {@link #scoreEach(List, ItemBlock, UserScores)} for candidates whose φ rows are {@code phi} (n × k, n a whole number of SIMD vectors). */
  private void scoreEach(List<UserHistory> batch, INDArray phi, int n, UserScores sink) {
    if (logits == null || logits.columns() != n) {
      if ((long) maxRows * n * Float.BYTES > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("A block of " + n + " items is too large for " + maxRows
            + " history rows (at most " + Integer.MAX_VALUE / Float.BYTES / maxRows + ")");
      }
      logits = Nd4j.createUninitialized(DataType.FLOAT, maxRows, n);
      logitsBytes = logits.data().asNio().order(ByteOrder.nativeOrder());
      sums = new float[n];
    }
    for (int from = 0, to; from < batch.size(); from = to) {
      to = from + 1;
      if (usersPerGemm > 1) { // as many users as their rows fit: short histories share a GEMM instead of padding it
        int rows = batch.get(from).length();
        while (to < batch.size() && to - from < maxRows && rows + batch.get(to).length() <= maxRows) {
          rows += batch.get(to++).length();
        }
      }
      List<UserHistory> micro = batch.subList(from, to);
      stack(micro);
      Nd4j.gemm(stacked, phi, logits, false, true, 1.0, 0.0);
      for (int u = 0; u < micro.size(); u++) {
        SigmoidSum.accumulate(logitsBytes, n, bounds[u], bounds[u + 1], rowWeights, model.aggregation(), model.bias(), sums);
        sink.accept(from + u, sums);
      }
    }
  }

  /** Receives one user's ranking scores. */
  private interface UserScores {
    void accept(int user, float[] scores);
  }

  /** Where a user's scored items go. */
  private interface Heap {
    void offer(int item, float score);
  }

  /** Offers every item of the block but the user's seen ones, with its score, to the user's heap. */
  private static void offer(int[] items, float[] scores, int[] seen, Heap heap) {
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
   * Copies the micro-batch's θ rows, divided by the α temperature τ, into the reused left-hand matrix
   * (so that the GEMM yields x = ℓ/τ, and α = σ(x + b)) and their normalised weights into
   * {@link #rowWeights}, times τ where the aggregation multiplies α by ℓ = τ x. Rows past the
   * micro-batch keep stale θ but belong to no user, so they never reach a score.
   */
  private void stack(List<UserHistory> micro) {
    float tau = model.alphaTemperature();
    float scale = 1f / tau;
    float weightScale = model.aggregation() == io.attnflow.core.model.Aggregation.INTEREST ? tau : 1f;
    int r = 0;
    for (int u = 0; u < micro.size(); u++) {
      UserHistory h = micro.get(u);
      if (r + h.length() > maxRows) {
        throw new IllegalArgumentException("Cannot stack " + (r + h.length()) + " history rows (the kernel holds " + maxRows
            + "; histories are at most m = " + model.shape().history() + " long)");
      }
      float inv = (float) (1.0 / h.weightSum());
      float[] theta = thetaRows(h);
      bounds[u] = r;
      for (int i = 0; i < h.length(); i++, r++) {
        for (int c = 0; c < k; c++) {
          stackedBuffer.put(r * k + c, theta[i * k + c] * scale);
        }
        rowWeights[r] = h.weights()[i] * inv * weightScale;
      }
      bounds[u + 1] = r;
    }
  }

  /** The history's θ rows ({@link AttentionModel#thetaRows}), computed once per batch. */
  private float[] thetaRows(UserHistory h) {
    return encoded.computeIfAbsent(h, model::thetaRows);
  }

  /**
   * Every user's top {@code topK} over {@code blocks}, with the top {@code reasons} history items of
   * each pick: users in batches of {@code batchSize}, each batch against every block.
   *
   * <p>The same for any batching or blocking, to the bit: BLAS rounds a GEMM's dot products by where they
   * fall in its tiles, so the batched scores of two near-tied items can swap with the batch around them.
   * The heaps therefore keep a margin of candidates ({@link #kept}) and each is then scored again
   * alone ({@link #pick}: one user, one item, a fixed order of operations), which gives the picks, their
   * order (ties by item index) and their scores; the α explaining a pick are the ones of that score.
   *
   * @param seen per user, sorted item indices never to recommend to them
   */
  public List<List<Pick>> recommend(List<UserHistory> users, int[][] seen, ItemBlock[] blocks, int topK, int reasons,
      int batchSize) {
    return recommend(users, seen, blocks, topK, reasons, batchSize, CategoryCap.NONE);
  }

  /** {@link #recommend(List, int[][], ItemBlock[], int, int, int)} with at most {@code cap} picks per category. */
  public List<List<Pick>> recommend(List<UserHistory> users, int[][] seen, ItemBlock[] blocks, int topK, int reasons,
      int batchSize, CategoryCap cap) {
    return candidates(users, seen, blocks, topK, reasons, batchSize, cap).stream().map(c -> cap.select(c, topK)).toList();
  }

  /**
   * What each user could still be recommended from {@code blocks} ({@link CategoryCap#trim}; without a cap, the
   * top {@code topK}), exactly scored, in rank order: partial lists of one user from different item blocks merge
   * ({@link Pick#merge}, then {@link CategoryCap#trim}) into the list of all the blocks, which
   * {@link CategoryCap#select} turns into the top K.
   */
  public List<List<Pick>> candidates(List<UserHistory> users, int[][] seen, ItemBlock[] blocks, int topK, int reasons,
      int batchSize, CategoryCap cap) {
    List<List<Pick>> out = new ArrayList<>(users.size());
    for (int from = 0; from < users.size(); from += batchSize) {
      List<UserHistory> batch = users.subList(from, Math.min(users.size(), from + batchSize));
      int[][] batchSeen = Arrays.copyOfRange(seen, from, from + batch.size());
      List<CategoryCap.CandidateHeap> heaps = new ArrayList<>(batch.size());
      for (int u = 0; u < batch.size(); u++) {
        heaps.add(cap.heap(topK, ScoringKernel::kept));
      }
      remember(batch);
      for (ItemBlock block : blocks) {
        int[] items = block.items();
        scoreEach(batch, block, (u, scores) -> offer(items, scores, batchSeen[u], heaps.get(u)::offer));
      }
      for (int u = 0; u < batch.size(); u++) {
        out.add(exactly(batch.get(u), heaps.get(u), blocks, topK, reasons, cap));
      }
    }
    return out;
  }

  /** The candidates a heap kept, each scored again alone ({@link #pick}), in rank order, trimmed as {@link #candidates} says. */
  private List<Pick> exactly(UserHistory h, CategoryCap.CandidateHeap heap, ItemBlock[] blocks, int topK, int reasons,
      CategoryCap cap) {
    List<Pick> picks = new ArrayList<>();
    for (int item : heap.items()) {
      picks.add(pick(h, blockOf(blocks, item), item, reasons));
    }
    return cap.trim(Pick.merge(picks, List.of(), Integer.MAX_VALUE), topK);
  }

  /**
   * Two-stage scoring (DESIGN §4): every user's top {@code topK} over {@code blocks} among a shortlist. Stage 1 ranks
   * every unseen item of the blocks by the pooled score uᵀφ_j, with u the target-independent user vector the model
   * trains beside the attention score ({@link AttentionModel#userVector}): one GEMM of a batch's user vectors by
   * each block, the top {@code shortlist} unseen items of each user kept in a {@link Shortlist}. Stage 2 scores only
   * those, exactly as {@link #recommend} scores every item, so a pick, its score and its reasons are the exhaustive
   * ones whenever stage 1 kept it; with a shortlist as long as the corpus the picks are exhaustive scoring's.
   * Stage 2 multiplies one user's rows at a time: call it on a kernel made by {@link #oneUserAtATime}.
   *
   * @param seen per user, sorted item indices never to recommend to them
   */
  public List<List<Pick>> twoStage(List<UserHistory> users, int[][] seen, ItemBlock[] blocks, int shortlist, int topK,
      int reasons, int batchSize, CategoryCap cap) {
    List<List<Pick>> out = new ArrayList<>(users.size());
    for (int from = 0; from < users.size(); from += batchSize) {
      List<UserHistory> batch = users.subList(from, Math.min(users.size(), from + batchSize));
      int[][] retrieved = retrieve(batch, Arrays.copyOfRange(seen, from, from + batch.size()), blocks, shortlist);
      for (int u = 0; u < batch.size(); u++) {
        if (retrieved[u].length == 0) {
          out.add(List.of());
          continue;
        }
        int[] items = retrieved[u];
        CategoryCap.CandidateHeap heap = cap.heap(topK, ScoringKernel::kept);
        scoreEach(batch.subList(u, u + 1), gather(blocks, items), SigmoidSum.width(items.length),
            (x, scores) -> offer(items, scores, NOTHING, heap::offer));
        out.add(cap.select(exactly(batch.get(u), heap, blocks, topK, reasons, cap), topK));
      }
    }
    return out;
  }

  /**
   * The φ rows of {@code items} (ascending) copied from {@code blocks} (ascending, disjoint: {@link ItemBlock#split})
   * into the reused shortlist matrix, {@link SigmoidSum#width} rows of which the GEMM reads.
   */
  private INDArray gather(ItemBlock[] blocks, int[] items) {
    int width = SigmoidSum.width(items.length);
    if (shortlist == null || shortlist.rows() != width) {
      shortlist = Nd4j.zeros(DataType.FLOAT, width, k);
      shortlistBuffer = shortlist.data().asNioFloat();
    }
    int b = 0;
    for (int j = 0; j < items.length; j++) {
      while (b < blocks.length && (blocks[b].size() == 0 || blocks[b].items()[blocks[b].size() - 1] < items[j])) {
        b++;
      }
      int at = b < blocks.length ? blocks[b].indexOf(items[j]) : -1;
      if (at < 0) {
        throw new IllegalArgumentException("Cannot gather item " + items[j] + ": it is in none of the blocks");
      }
      shortlistBuffer.put(j * k, blocks[b].rows(), at * k, k);
    }
    return shortlist;
  }

  /**
   * Stage 1 of {@link #twoStage}: per user of {@code batch}, its top {@code c} unseen items by uᵀφ_j, ascending (the
   * batch's θ rows are kept for stage 2).
   */
  public int[][] retrieve(List<UserHistory> batch, int[][] seen, ItemBlock[] blocks, int c) {
    remember(batch);
    int users = batch.size();
    float[] vectors = new float[users * k];
    for (int u = 0; u < users; u++) {
      UserHistory h = batch.get(u);
      System.arraycopy(model.userVector(h, thetaRows(h)), 0, vectors, u * k, k);
    }
    INDArray left = Nd4j.create(vectors, new long[] {users, k}, 'c');
    Shortlist[] shortlists = new Shortlist[users];
    Arrays.setAll(shortlists, u -> new Shortlist(c));
    for (ItemBlock block : blocks) {
      if (block.size() == 0) {
        continue;
      }
      int n = block.width();
      INDArray pooled = retrieval.computeIfAbsent((long) users << 32 | n,
          x -> Nd4j.createUninitialized(DataType.FLOAT, users, n));
      Nd4j.gemm(left, block.phi(), pooled, false, true, 1.0, 0.0); // [users × n]
      FloatBuffer scores = pooled.data().asNioFloat();
      if (row.length < n) {
        row = new float[n];
      }
      for (int u = 0; u < users; u++) {
        scores.get(u * n, row, 0, n);
        offerAboveThreshold(block.items(), row, seen[u], shortlists[u]);
      }
    }
    int[][] out = new int[users][];
    for (int u = 0; u < users; u++) {
      out[u] = shortlists[u].items();
    }
    return out;
  }

  /**
   * Offers {@code shortlist} the unseen items of a block whose score can enter it: a score below its threshold
   * cannot (an equal one can, by a lower item index), so whole SIMD vectors of scores are compared with it at once,
   * and only the lanes that pass are looked up in {@code seen} (sorted) and offered; the shortlist ends as it would
   * after offers of every unseen item.
   */
  private static void offerAboveThreshold(int[] items, float[] scores, int[] seen, Shortlist shortlist) {
    float threshold = shortlist.threshold();
    int lanes = VECTOR.length();
    int j = 0;
    for (int upper = VECTOR.loopBound(items.length); j < upper; j += lanes) {
      // NaN compares false, so its vector is visited, and offer refuses it
      if (FloatVector.fromArray(VECTOR, scores, j).compare(VectorOperators.LT, threshold).allTrue()) {
        continue;
      }
      for (int i = j; i < j + lanes; i++) {
        threshold = offerIfUnseen(items[i], scores[i], seen, shortlist, threshold);
      }
    }
    for (; j < items.length; j++) {
      threshold = offerIfUnseen(items[j], scores[j], seen, shortlist, threshold);
    }
  }

  /** {@link #offerAboveThreshold}'s offer of one item: the shortlist's threshold after it. */
  private static float offerIfUnseen(int item, float score, int[] seen, Shortlist shortlist, float threshold) {
    if (score < threshold || Arrays.binarySearch(seen, item) >= 0) {
      return threshold;
    }
    shortlist.offer(item, score);
    return shortlist.threshold();
  }

  /**
   * How many candidates a heap keeps for a bound of {@code k}: twice as many (at least 8 more), far beyond the
   * ~1e-7 by which batching can move a score.
   */
  static int kept(int k) {
    return Math.max(2 * k, k + 8);
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
   * Candidate {@code item} of {@code block} scored for one user alone, in a fixed order of operations: its
   * ranking score is the sum of the history items' contributions, and its reasons the top {@code r} of them.
   */
  Pick pick(UserHistory h, ItemBlock block, int item, int r) {
    List<Explanation> all = contributions(h, block, item);
    double score = 0;
    for (Explanation e : all) {
      score += e.contribution();
    }
    return new Pick(item, (float) score, List.copyOf(all.subList(0, Math.min(r, all.size()))));
  }

  /**
   * The top {@code r} history items behind candidate {@code item} of {@code block}, by contribution
   * ({@link io.attnflow.core.model.Aggregation#contribution}; equal items of the history merged:
   * weights and contributions summed, α the newest occurrence's, which differs from an older one's
   * only when the model reads items in context).
   */
  public List<Explanation> explain(UserHistory h, ItemBlock block, int item, int r) {
    List<Explanation> all = contributions(h, block, item);
    return List.copyOf(all.subList(0, Math.min(r, all.size())));
  }

  /** Every distinct history item's explanation of candidate {@code item}, by contribution, largest first. */
  private List<Explanation> contributions(UserHistory h, ItemBlock block, int item) {
    float[] theta = thetaRows(h);
    float[] phi = block.rows();
    int j = block.indexOf(item) * k;
    double sum = h.weightSum();
    Map<Integer, float[]> byItem = new LinkedHashMap<>(); // item -> {alpha, weight, contribution}
    for (int i = 0; i < h.length(); i++) {
      int hi = h.items()[i];
      float dot = 0;
      for (int c = 0; c < k; c++) {
        dot += theta[i * k + c] * phi[j + c];
      }
      float alpha = model.alpha(dot);
      float[] e = byItem.computeIfAbsent(hi, x -> new float[3]);
      e[0] = alpha;
      e[1] += h.weights()[i];
      e[2] += (float) model.aggregation().contribution(h.weights()[i], alpha, dot, sum);
    }
    List<Explanation> all = new ArrayList<>();
    byItem.forEach((i, e) -> all.add(new Explanation(i, e[0], e[1], e[2])));
    all.sort(Comparator.comparingDouble((Explanation e) -> -e.contribution()).thenComparingInt(Explanation::item));
    return all;
  }
}
