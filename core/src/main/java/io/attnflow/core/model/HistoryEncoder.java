package io.attnflow.core.model;

import java.io.Serializable;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
 * <p>The same equations twice: {@link #define} builds them in SameDiff (the scoring form of the network, which parity
 * checks read, and training when {@value AttentionVertex#ENCODER_PART} says "samediff"), the {@link EncoderPass}
 * computes them by hand, forward and backward for training, forward for one history at a time for scoring
 * ({@link #thetaRows}); {@code AttentionModelTest} holds the two to the same scores, losses and gradients.
 */
public final class HistoryEncoder implements Serializable {
  private static final long serialVersionUID = 3L;
  static final String POSITIONS = "P";
  private static final String[] BLOCK_MATRICES = {"q", "k", "v", "f1", "f2"};
  private static final String[] BLOCK_VECTORS = {"g1", "s1", "g2", "s2", "fb1", "fb2"};
  static final String FINAL_GAIN = "gf";
  static final String FINAL_SHIFT = "sf";
  /** Added to the logits of masked keys: exp underflows to exactly 0, and rows stay finite. */
  private static final double MASKED = -1e9;
  static final double EPSILON = 1e-6;
  private static final VectorSpecies<Float> VECTOR = Lanes.FLOATS;

  private final int dim;
  private final int slots;
  private final int blocks;
  private final float[] embeddings;
  /** The encoder's parameters by name, row-major: P, per block W_q W_k W_v W_1 W_2 and their vectors, the last LN. */
  private final Map<String, float[]> params;
  /** W_θ [d × k], row-major. */
  private final float[] wTheta;

  private HistoryEncoder(float[] embeddings, int dim, int slots, int blocks, Map<String, float[]> params,
      float[] wTheta) {
    this.dim = dim;
    this.slots = slots;
    this.blocks = blocks;
    this.embeddings = embeddings;
    this.params = params;
    this.wTheta = wTheta;
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
    return new HistoryEncoder(embeddings, dim, (int) param.apply(POSITIONS).size(0), blocks, values(param, blocks),
        EncoderPass.values(wTheta));
  }

  /** The encoder's parameters of c blocks by name, row-major, as the {@link EncoderPass} reads them. */
  static Map<String, float[]> values(java.util.function.Function<String, INDArray> param, int blocks) {
    java.util.List<String> names = new java.util.ArrayList<>(java.util.List.of(POSITIONS, FINAL_GAIN, FINAL_SHIFT));
    for (int c = 0; c < blocks; c++) {
      for (String m : BLOCK_MATRICES) {
        names.add(m + c);
      }
      for (String v : BLOCK_VECTORS) {
        names.add(v + c);
      }
    }
    Map<String, float[]> params = new java.util.HashMap<>();
    for (String name : names) {
      params.put(name, EncoderPass.values(param.apply(name)));
    }
    return params;
  }

  /** This encoder with {@code more} item embeddings (row-major [n × d]) appended to its table, indices N.. on. */
  HistoryEncoder withMoreItems(float[] more) {
    float[] all = java.util.Arrays.copyOf(embeddings, embeddings.length + more.length);
    System.arraycopy(more, 0, all, embeddings.length, more.length);
    return new HistoryEncoder(all, dim, slots, blocks, params, wTheta);
  }

  /**
   * θ of every item of a history (oldest first, at most L items), as this encoder sees them in context: row-major
   * [n × k]. The {@link EncoderPass}'s forward pass with {@link #multiply}'s products, whose every output row depends on
   * its own input row alone: a user's θ rows are the same whatever else is encoded around them, on any CPU's vector
   * width.
   */
  public float[] thetaRows(int[] items) {
    int n = items.length;
    if (n > slots) {
      throw new IllegalArgumentException("Cannot encode a history of " + n + " items in " + slots + " slots");
    }
    int d = dim;
    float[] x = new float[n * d];
    for (int r = 0; r < n; r++) {
      System.arraycopy(embeddings, items[r] * d, x, r * d, d);
    }
    float[] events = new float[n];
    java.util.Arrays.fill(events, 1);
    float[] encoded = new EncoderPass(blocks, slots, d, true).forward(x, events, n, params);
    int width = wTheta.length / d;
    float[] theta = new float[n * width];
    multiply(encoded, n, d, wTheta, width, theta);
    return theta;
  }

  /**
   * out [n × m] = x [n × d] · w [d × m], all row-major: each output element accumulated over d in order by fused
   * multiply-adds, SIMD across output columns (which are independent), so its value does not depend on the lanes.
   */
  static void multiply(float[] x, int n, int d, float[] w, int m, float[] out) {
    int lanes = VECTOR.length();
    int vectors = VECTOR.loopBound(m);
    int r = 0;
    // four rows at a time, two vectors of columns: each loaded vector of w serves four rows
    for (; r + 4 <= n; r += 4) {
      int c = 0;
      for (; c + 2 * lanes <= vectors; c += 2 * lanes) {
        FloatVector a0 = FloatVector.zero(VECTOR);
        FloatVector a1 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector c0 = a0;
        FloatVector c1 = a0;
        FloatVector e0 = a0;
        FloatVector e1 = a0;
        for (int p = 0; p < d; p++) {
          int at = p * m + c;
          FloatVector w0 = FloatVector.fromArray(VECTOR, w, at);
          FloatVector w1 = FloatVector.fromArray(VECTOR, w, at + lanes);
          FloatVector x0 = FloatVector.broadcast(VECTOR, x[r * d + p]);
          a0 = w0.fma(x0, a0);
          a1 = w1.fma(x0, a1);
          FloatVector x1 = FloatVector.broadcast(VECTOR, x[(r + 1) * d + p]);
          b0 = w0.fma(x1, b0);
          b1 = w1.fma(x1, b1);
          FloatVector x2 = FloatVector.broadcast(VECTOR, x[(r + 2) * d + p]);
          c0 = w0.fma(x2, c0);
          c1 = w1.fma(x2, c1);
          FloatVector x3 = FloatVector.broadcast(VECTOR, x[(r + 3) * d + p]);
          e0 = w0.fma(x3, e0);
          e1 = w1.fma(x3, e1);
        }
        a0.intoArray(out, r * m + c);
        a1.intoArray(out, r * m + c + lanes);
        b0.intoArray(out, (r + 1) * m + c);
        b1.intoArray(out, (r + 1) * m + c + lanes);
        c0.intoArray(out, (r + 2) * m + c);
        c1.intoArray(out, (r + 2) * m + c + lanes);
        e0.intoArray(out, (r + 3) * m + c);
        e1.intoArray(out, (r + 3) * m + c + lanes);
      }
      for (int q = r; q < r + 4; q++) {
        rowFrom(x, q, d, w, m, c, out);
      }
    }
    for (; r < n; r++) {
      rowFrom(x, r, d, w, m, 0, out);
    }
  }

  /** Row {@code r} of {@link #multiply}'s product from column {@code from} on. */
  private static void rowFrom(float[] x, int r, int d, float[] w, int m, int from, float[] out) {
    int lanes = VECTOR.length();
    int vectors = VECTOR.loopBound(m);
    int row = r * d;
    int c = from;
    for (; c < vectors; c += lanes) {
      FloatVector s = FloatVector.zero(VECTOR);
      for (int p = 0; p < d; p++) {
        s = FloatVector.fromArray(VECTOR, w, p * m + c).fma(FloatVector.broadcast(VECTOR, x[row + p]), s);
      }
      s.intoArray(out, r * m + c);
    }
    for (; c < m; c++) {
      float s = 0;
      for (int p = 0; p < d; p++) {
        s = Math.fma(x[row + p], w[p * m + c], s);
      }
      out[r * m + c] = s;
    }
  }


  /** Bytes of the encoder's tables (the embeddings and the parameters). */
  long bytes() {
    long n = embeddings.length + wTheta.length;
    for (float[] v : params.values()) {
      n += v.length;
    }
    return 4 * n;
  }

  /** L, the slots a history can fill. */
  public int slots() {
    return slots;
  }
}
