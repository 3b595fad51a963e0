package io.attnflow.core.model;

import java.io.Serializable;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The context-aware encoding of a history (the seed's 上下文感知): a stack of causal self-attention
 * blocks over the history's item embeddings, so that θ_i describes item i as this user reached it,
 * after the items before it, not item i alone. With c blocks (c ≥ 1):
 *
 * <pre>
 *   h_i  = x_i + P_s(i)                                     P: a learned embedding of the window slot s
 *   per block:  a = LN(h);   h = h + softmax(a W_q (a W_k)ᵀ / √d + causal mask) a W_v
 *               f = LN(h);   h = h + relu(f W_1 + b_1) W_2 + b_2
 *   θ_i  = W_θᵀ LN(h_i)
 * </pre>
 * Each LN has a learned gain and shift. Item i attends to itself and the items before it in the
 * history, never to padding. A history of n ≤ L items sits in the last n of the L slots, as the
 * newest window of training places it. (A training window's events of a type with weight 0 are masked
 * but keep their slot, where a scoring history leaves them out: with such event types in the data the
 * slots of training and scoring differ by the events left out.) With c = 0 there is no encoder and
 * θ_i = W_θᵀ x_i, one row per item of the vocabulary.
 *
 * <p>The same equations twice: {@link #define} builds them in SameDiff for training (in
 * {@link AttentionVertex}), an instance computes them for one history at a time for scoring
 * ({@link #thetaRows}); {@code AttentionModelTest} holds the two to the same scores.
 */
public final class HistoryEncoder implements Serializable {
  private static final long serialVersionUID = 1L;
  static final String POSITIONS = "P";
  private static final String[] BLOCK_MATRICES = {"q", "k", "v", "f1", "f2"};
  private static final String[] BLOCK_VECTORS = {"g1", "s1", "g2", "s2", "fb1", "fb2"};
  private static final String FINAL_GAIN = "gf";
  private static final String FINAL_SHIFT = "sf";
  /** Added to the logits of masked keys: exp underflows to exactly 0, and rows stay finite. */
  private static final double MASKED = -1e9;
  private static final double EPSILON = 1e-6;

  private final int dim;
  private final int slots;
  private final float[] embeddings;
  /** The parameters as plain arrays (what Spark serialises), each with its shape. */
  private final float[][] values;
  private final long[][] shapes;
  /** The same as ND4J arrays, made on first use (not serialised). */
  private transient volatile INDArray[] arrays;

  private HistoryEncoder(float[] embeddings, int dim, int slots, float[][] values, long[][] shapes) {
    this.dim = dim;
    this.slots = slots;
    this.embeddings = embeddings;
    this.values = values;
    this.shapes = shapes;
  }

  /** Declares the encoder's parameters on a vertex: c blocks over L slots of d-dim items. */
  static void declare(SDVertexParams params, int blocks, int slots, int dim) {
    params.addWeightParam(POSITIONS, slots, dim);
    for (int c = 0; c < blocks; c++) {
      for (String m : BLOCK_MATRICES) {
        params.addWeightParam(m + c, dim, dim);
      }
      for (String v : BLOCK_VECTORS) {
        params.addBiasParam(v + c, 1, dim);
      }
    }
    params.addBiasParam(FINAL_GAIN, 1, dim);
    params.addBiasParam(FINAL_SHIFT, 1, dim);
  }

  /** Initial values: small Gaussian matrices and positions, unit gains, zero shifts and biases. */
  static void initialize(Map<String, INDArray> params, int blocks, int dim, java.util.SplittableRandom random) {
    AttentionVertex.gaussian(params.get(POSITIONS), 0.1, random);
    for (int c = 0; c < blocks; c++) {
      for (String m : BLOCK_MATRICES) {
        AttentionVertex.gaussian(params.get(m + c), 1.0 / Math.sqrt(dim), random);
      }
      for (String v : BLOCK_VECTORS) {
        params.get(v + c).assign(v.startsWith("g") ? 1 : 0);
      }
    }
    params.get(FINAL_GAIN).assign(1);
    params.get(FINAL_SHIFT).assign(0);
  }

  /**
   * The encoded history slots in SameDiff.
   *
   * @param xh     [B, L, d] the history slots' item embeddings
   * @param events [B, L] each slot's event weight (0: padding or not part of the history)
   * @return [B·L, d], LN(h) of every slot, ready for W_θ
   */
  static SDVariable define(SameDiff sd, SDVariable xh, SDVariable events, Map<String, SDVariable> p, int blocks,
      int slots, int dim) {
    float[] causal = new float[slots * slots];
    for (int t = 0; t < slots; t++) {
      for (int i = 0; i <= t; i++) {
        causal[t * slots + i] = 1;
      }
    }
    SDVariable present = events.div(events.add(1e-30)).reshape(-1, 1, slots);            // 1 where a key exists
    SDVariable allowed = sd.constant(Nd4j.create(causal, new long[] {1, slots, slots}, 'c')).mul(present);
    SDVariable mask = allowed.rsub(1.0).mul(MASKED);                                     // [B, L, L]
    SDVariable h = xh.add(p.get(POSITIONS).reshape(1, slots, dim));
    for (int c = 0; c < blocks; c++) {
      SDVariable a = norm(sd, h, p.get("g1" + c), p.get("s1" + c)).reshape(-1, dim);
      SDVariable q = a.mmul(p.get("q" + c)).reshape(-1, slots, dim);
      SDVariable k = a.mmul(p.get("k" + c)).reshape(-1, slots, dim);
      SDVariable v = a.mmul(p.get("v" + c)).reshape(-1, slots, dim);
      SDVariable logits = sd.mmul(q, k.permute(0, 2, 1)).mul(1 / Math.sqrt(dim)).add(mask);
      SDVariable e = sd.math.exp(logits.sub(logits.max(true, 2)));
      h = h.add(sd.mmul(e.div(e.sum(true, 2)), v));
      SDVariable f = norm(sd, h, p.get("g2" + c), p.get("s2" + c)).reshape(-1, dim);
      SDVariable inner = sd.nn.relu(f.mmul(p.get("f1" + c)).add(p.get("fb1" + c)), 0);
      h = h.add(inner.mmul(p.get("f2" + c)).add(p.get("fb2" + c)).reshape(-1, slots, dim));
    }
    return norm(sd, h, p.get(FINAL_GAIN), p.get(FINAL_SHIFT)).reshape(-1, dim);
  }

  /** Layer normalisation over the last dimension, from elementwise ops and keep-dim means. */
  private static SDVariable norm(SameDiff sd, SDVariable h, SDVariable gain, SDVariable shift) {
    SDVariable centred = h.sub(h.mean(true, 2));
    SDVariable deviation = sd.math.sqrt(centred.mul(centred).mean(true, 2).add(EPSILON));
    return centred.div(deviation).mul(gain).add(shift);
  }

  /**
   * The encoder of a trained vertex's parameters ({@code param} looks one up by its vertex name).
   *
   * @param embeddings the item embedding table, row-major N × d
   */
  static HistoryEncoder of(java.util.function.Function<String, INDArray> param, int blocks, float[] embeddings,
      int dim, INDArray wTheta) {
    java.util.List<INDArray> all = new java.util.ArrayList<>();
    all.add(param.apply(POSITIONS));
    for (int c = 0; c < blocks; c++) {
      for (String m : BLOCK_MATRICES) {
        all.add(param.apply(m + c));
      }
      for (String v : BLOCK_VECTORS) {
        all.add(param.apply(v + c));
      }
    }
    all.add(param.apply(FINAL_GAIN));
    all.add(param.apply(FINAL_SHIFT));
    all.add(wTheta);
    float[][] values = new float[all.size()][];
    long[][] shapes = new long[all.size()][];
    for (int i = 0; i < values.length; i++) {
      values[i] = all.get(i).castTo(DataType.FLOAT).dup('c').data().asFloat();
      shapes[i] = all.get(i).shape();
    }
    return new HistoryEncoder(embeddings, dim, (int) shapes[0][0], values, shapes);
  }

  /** This encoder with {@code more} item embeddings (row-major [n × d]) appended to its table, indices N.. on. */
  HistoryEncoder withMoreItems(float[] more) {
    float[] all = java.util.Arrays.copyOf(embeddings, embeddings.length + more.length);
    System.arraycopy(more, 0, all, embeddings.length, more.length);
    return new HistoryEncoder(all, dim, slots, values, shapes);
  }

  private INDArray[] arrays() {
    INDArray[] a = arrays;
    if (a == null) {
      a = new INDArray[values.length];
      for (int i = 0; i < a.length; i++) {
        a[i] = Nd4j.create(values[i], shapes[i], 'c');
      }
      arrays = a;
    }
    return a;
  }

  /**
   * θ of every item of a history (oldest first, at most L items), as this encoder sees them in
   * context: row-major [n × k].
   */
  public float[] thetaRows(int[] items) {
    int n = items.length;
    if (n > slots) {
      throw new IllegalArgumentException("Cannot encode a history of " + n + " items in " + slots + " slots");
    }
    float[] start = new float[n * dim];
    float[] pos = values[0];
    for (int r = 0; r < n; r++) {
      int from = items[r] * dim;
      int slot = (slots - n + r) * dim;
      for (int c = 0; c < dim; c++) {
        start[r * dim + c] = embeddings[from + c] + pos[slot + c];
      }
    }
    INDArray[] p = arrays();
    int per = BLOCK_MATRICES.length + BLOCK_VECTORS.length;
    INDArray h = Nd4j.create(start, new long[] {n, dim}, 'c');
    for (int at = 1; at + per < p.length; at += per) { // q k v f1 f2, then g1 s1 g2 s2 fb1 fb2
      INDArray a = norm(h, values[at + 5], values[at + 6]);
      INDArray attention = causalSoftmax(a.mmul(p[at]).mmul(a.mmul(p[at + 1]).transpose()).muli(1 / Math.sqrt(dim)));
      h.addi(attention.mmul(a.mmul(p[at + 2])));
      INDArray f = norm(h, values[at + 7], values[at + 8]);
      INDArray inner = Transforms.relu(f.mmul(p[at + 3]).addiRowVector(p[at + 9]), false);
      h.addi(inner.mmul(p[at + 4]).addiRowVector(p[at + 10]));
    }
    int last = p.length - 3;
    return norm(h, values[last], values[last + 1]).mmul(p[last + 2]).dup('c').data().asFloat();
  }

  /** Softmax of each row over its own and the earlier columns (the later ones get 0). */
  private static INDArray causalSoftmax(INDArray logits) {
    int n = (int) logits.rows();
    float[] s = logits.dup('c').data().asFloat();
    for (int t = 0; t < n; t++) {
      float max = Float.NEGATIVE_INFINITY;
      for (int i = 0; i <= t; i++) {
        max = Math.max(max, s[t * n + i]);
      }
      double sum = 0;
      for (int i = 0; i <= t; i++) {
        s[t * n + i] = (float) Math.exp(s[t * n + i] - max);
        sum += s[t * n + i];
      }
      for (int i = 0; i < n; i++) {
        s[t * n + i] = i <= t ? (float) (s[t * n + i] / sum) : 0;
      }
    }
    return Nd4j.create(s, new long[] {n, n}, 'c');
  }

  /** Layer normalisation of each row, with a gain and a shift. */
  private static INDArray norm(INDArray h, float[] g, float[] b) {
    int n = (int) h.rows();
    int d = (int) h.columns();
    float[] x = h.dup('c').data().asFloat();
    for (int r = 0; r < n; r++) {
      double mean = 0;
      for (int c = 0; c < d; c++) {
        mean += x[r * d + c];
      }
      mean /= d;
      double var = 0;
      for (int c = 0; c < d; c++) {
        double centred = x[r * d + c] - mean;
        var += centred * centred;
      }
      double scale = 1 / Math.sqrt(var / d + EPSILON);
      for (int c = 0; c < d; c++) {
        x[r * d + c] = (float) ((x[r * d + c] - mean) * scale * g[c] + b[c]);
      }
    }
    return Nd4j.create(x, new long[] {n, d}, 'c');
  }

  /** Bytes of the encoder's tables (the embeddings and the parameters). */
  long bytes() {
    long n = embeddings.length;
    for (float[] v : values) {
      n += v.length;
    }
    return 4 * n;
  }

  /** L, the slots a history can fill. */
  public int slots() {
    return slots;
  }
}
