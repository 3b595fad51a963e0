package io.attnflow.core.model;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The {@link HistoryEncoder}'s equations by hand, over plain row-major arrays: the forward pass of a batch of windows,
 * keeping what the backward pass reads, and the backward pass from the gradient of the encoded slots to the gradients
 * of the encoder's parameters and of its input, the history slots' items. Scoring runs the forward pass over one
 * history ({@link HistoryEncoder#thetaRows}), training runs both over a minibatch's windows ({@link OnePassVertex}).
 *
 * <p>SameDiff ran the encoder of a training step as some hundred ops over [B, L, d] tensors and their gradients, each
 * with its fixed cost: about 45% of a demo training step (docs/experiments.md, session 28). Here the products with the
 * d × d matrices are one GEMM each over all R rows (q, k and v in one, against [W_q W_k W_v]), each window's causal
 * attention is two small products, and every elementwise stage is one pass. With n = (h − μ) / σ a normalised row and
 * y = n ⊙ g + s:
 *
 * <pre>
 *   layer norm back:   dh = (dn − mean(dn) − n mean(dn ⊙ n)) / σ,   dn = dy ⊙ g,   dg = Σ dy ⊙ n,   ds = Σ dy
 *   attention back:    dA = do vᵀ,   dv = Aᵀ do,   dS = A ⊙ (dA − Σ_i dA ⊙ A) / √d,   dq = dS k,   dk = dSᵀ q
 *   feed-forward back: dz = (dy W_2ᵀ) ⊙ [z > 0],   dW_2 = rᵀ dy,   dW_1 = fᵀ dz,   df = dz W_1ᵀ
 * </pre>
 * A slot whose event weight is 0 (padding, or an event type that does not count) is no key; as a query it attends to
 * the allowed keys before it, or to nothing. Its encoded row then differs from SameDiff's (which spreads such a row
 * over all keys) but weighs nothing downstream, so the loss and every gradient are the same ({@code AttentionModelTest}
 * holds the two to that). Not thread-safe: one pass per thread, or per history.
 */
final class EncoderPass {
  private static final VectorSpecies<Float> SPECIES = Lanes.FLOATS;
  private static final String[] QUERY_KEY_VALUE = {"q", "k", "v"};
  /** Per thread, the operands of {@link #gemm} and {@link #batched} by role and shape ({@link #scratch}). */
  private static final ThreadLocal<Map<List<Long>, INDArray>> SCRATCH = ThreadLocal.withInitial(HashMap::new);

  private final int blocks;
  private final int slots;
  private final int dim;
  /**
   * Whether the forward products are {@link HistoryEncoder#multiply}'s, whose every output row depends on its own
   * input row alone (scoring: a user's θ rows are the same whatever else is encoded around them, on any CPU), or
   * ND4J's GEMMs (training, the faster).
   */
  private final boolean rowwise;

  /** The parameters of the pass, by name (row-major). */
  private Map<String, float[]> params;
  /** What the backward pass reads, per block: the normalised rows, 1 / σ, the layer norms' outputs, q k v, A, r. */
  private float[][] norm1;
  private float[][] scale1;
  private float[][] normed1;
  /** Each block's [W_q W_k W_v], and each row's q, k and v side by side [R × 3d]. */
  private float[][] queryKeyValue;
  private float[][] projected;
  private float[][] attention;
  private float[][] norm2;
  private float[][] scale2;
  private float[][] normed2;
  private float[][] inner;
  private float[] finalNorm;
  private float[] finalScale;
  private boolean[] present;
  private int windows;
  private int length;

  EncoderPass(int blocks, int slots, int dim, boolean rowwise) {
    this.blocks = blocks;
    this.slots = slots;
    this.dim = dim;
    this.rowwise = rowwise;
  }

  /**
   * The encoded slots of windows of {@code length} items each, placed in the last {@code length} of the L slots: LN(h)
   * of every row, ready for W_θ.
   *
   * @param items  the windows' items [R × d], row-major, window by window (R a multiple of {@code length})
   * @param events each row's event weight [R] (0: padding or not part of the history)
   * @param params the encoder's parameters by name (row-major)
   * @return [R × d], row-major
   */
  float[] forward(float[] items, float[] events, int length, Map<String, float[]> params) {
    int d = dim;
    int rows = events.length;
    this.params = params;
    this.length = length;
    windows = rows / length;
    present = new boolean[rows];
    for (int r = 0; r < rows; r++) {
      present[r] = events[r] != 0;
    }
    norm1 = new float[blocks][];
    scale1 = new float[blocks][];
    normed1 = new float[blocks][];
    queryKeyValue = new float[blocks][];
    projected = new float[blocks][];
    attention = new float[blocks][];
    norm2 = new float[blocks][];
    scale2 = new float[blocks][];
    normed2 = new float[blocks][];
    inner = new float[blocks][];

    float[] h = new float[rows * d];
    float[] positions = params.get(HistoryEncoder.POSITIONS);
    for (int r = 0; r < rows; r++) {
      int slot = slot(r) * d;
      for (int c = 0; c < d; c++) {
        h[r * d + c] = items[r * d + c] + positions[slot + c];
      }
    }
    for (int b = 0; b < blocks; b++) {
      norm1[b] = new float[rows * d];
      scale1[b] = new float[rows];
      normed1[b] = normalise(h, norm1[b], scale1[b], param("g1", b), param("s1", b));
      queryKeyValue[b] = queryKeyValue(b);
      projected[b] = product(normed1[b], rows, d, queryKeyValue[b], 3 * d);
      attention[b] = new float[windows * length * length];
      add(h, attend(projected[b], attention[b]));
      norm2[b] = new float[rows * d];
      scale2[b] = new float[rows];
      normed2[b] = normalise(h, norm2[b], scale2[b], param("g2", b), param("s2", b));
      float[] z = product(normed2[b], rows, d, param("f1", b), d);
      addRows(z, param("fb1", b));
      for (int i = 0; i < z.length; i++) {
        z[i] = Math.max(z[i], 0);
      }
      inner[b] = z;
      float[] y = product(z, rows, d, param("f2", b), d);
      addRows(y, param("fb2", b));
      add(h, y);
    }
    finalNorm = new float[rows * d];
    finalScale = new float[rows];
    return normalise(h, finalNorm, finalScale, params.get(HistoryEncoder.FINAL_GAIN),
        params.get(HistoryEncoder.FINAL_SHIFT));
  }

  /**
   * The backward pass of the last {@link #forward}.
   *
   * @param encoded the gradient of the encoded slots [R × d]
   * @param input   receives the gradient of the history slots' items [R × d]
   * @return the gradients of the encoder's parameters by name, in their shapes
   */
  Map<String, INDArray> backward(float[] encoded, float[] input) {
    int d = dim;
    int rows = windows * length;
    Map<String, INDArray> gradients = new HashMap<>();
    float[] dh = input;
    java.util.Arrays.fill(dh, 0);
    normaliseBackward(encoded, finalNorm, finalScale, params.get(HistoryEncoder.FINAL_GAIN), dh, gradients,
        HistoryEncoder.FINAL_GAIN, HistoryEncoder.FINAL_SHIFT);
    for (int b = blocks - 1; b >= 0; b--) {
      // h = h + relu(f W_1 + b_1) W_2 + b_2
      vector(gradients, "fb2" + b, columnSums(dh, dim));
      matrix(gradients, "f2" + b, gemm(inner[b], rows, d, true, dh, rows, d, false));
      float[] dz = gemm(dh, rows, d, false, param("f2", b), d, d, true);
      float[] relu = inner[b];
      for (int i = 0; i < dz.length; i++) {
        if (relu[i] <= 0) {
          dz[i] = 0;
        }
      }
      vector(gradients, "fb1" + b, columnSums(dz, dim));
      matrix(gradients, "f1" + b, gemm(normed2[b], rows, d, true, dz, rows, d, false));
      float[] df = gemm(dz, rows, d, false, param("f1", b), d, d, true);
      normaliseBackward(df, norm2[b], scale2[b], param("g2", b), dh, gradients, "g2" + b, "s2" + b);
      // h = h + softmax(q kᵀ / √d + mask) v
      float[] dqkv = new float[rows * 3 * d];
      attendBackward(dh, projected[b], attention[b], dqkv);
      float[] dw = gemm(normed1[b], rows, d, true, dqkv, rows, 3 * d, false); // [d × 3d]
      for (int m = 0; m < 3; m++) {
        float[] part = new float[d * d];
        for (int r = 0; r < d; r++) {
          System.arraycopy(dw, r * 3 * d + m * d, part, r * d, d);
        }
        matrix(gradients, QUERY_KEY_VALUE[m] + b, part);
      }
      float[] da = gemm(dqkv, rows, 3 * d, false, queryKeyValue[b], d, 3 * d, true);
      normaliseBackward(da, norm1[b], scale1[b], param("g1", b), dh, gradients, "g1" + b, "s1" + b);
    }
    float[] positions = new float[slots * d];
    for (int r = 0; r < rows; r++) {
      int slot = slot(r) * d;
      for (int c = 0; c < d; c++) {
        positions[slot + c] += dh[r * d + c];
      }
    }
    gradients.put(HistoryEncoder.POSITIONS, array(positions, slots, d));
    return gradients;
  }

  /** The slot of row r: windows fill the last {@code length} of the L slots. */
  private int slot(int r) {
    return slots - length + r % length;
  }

  private float[] param(String name, int block) {
    return params.get(name + block);
  }

  /** [W_q W_k W_v] of a block side by side [d × 3d], so that one product projects a row three ways. */
  private float[] queryKeyValue(int block) {
    int d = dim;
    float[] w = new float[d * 3 * d];
    for (int m = 0; m < 3; m++) {
      float[] part = param(QUERY_KEY_VALUE[m], block);
      for (int r = 0; r < d; r++) {
        System.arraycopy(part, r * d, w, r * 3 * d + m * d, d);
      }
    }
    return w;
  }

  /**
   * Each window's causal attention over its allowed keys (itself and the present rows before it): A keeps the
   * probabilities, and the attended values come back [R × d].
   */
  private float[] attend(float[] qkv, float[] a) {
    if (!rowwise) {
      return attendBatched(qkv, a);
    }
    int d = dim;
    int n = length;
    float scale = (float) (1 / Math.sqrt(d));
    float[] out = new float[windows * n * d];
    float[] queries = new float[n * d];
    float[] keys = new float[d * n];
    float[] values = new float[n * d];
    float[] scores = new float[n * n];
    float[] attended = new float[n * d];
    for (int w = 0; w < windows; w++) {
      int first = w * n;
      for (int r = 0; r < n; r++) { // q and v as rows, k as columns: q kᵀ is a row-by-row product
        int row = (first + r) * 3 * d;
        System.arraycopy(qkv, row, queries, r * d, d);
        System.arraycopy(qkv, row + 2 * d, values, r * d, d);
        for (int c = 0; c < d; c++) {
          keys[c * n + r] = qkv[row + d + c];
        }
      }
      HistoryEncoder.multiply(queries, n, d, keys, n, scores);
      int base = w * n * n;
      softmax(scores, 0, first, scale, a, base);
      System.arraycopy(a, base, scores, 0, n * n);
      HistoryEncoder.multiply(scores, n, n, values, d, attended);
      System.arraycopy(attended, 0, out, first * d, n * d);
    }
    return out;
  }

  /**
   * Row t of A for one window, over its allowed keys (i ≤ t, present): the causal softmax of the scores
   * {@code scores[from ..]} [n × n] scaled, into {@code a[base ..]}; the window's first row is {@code first}.
   */
  private void softmax(float[] scores, int from, int first, float scale, float[] a, int base) {
    int n = length;
    for (int t = 0; t < n; t++) {
      float max = Float.NEGATIVE_INFINITY;
      for (int i = 0; i <= t; i++) {
        if (present[first + i]) {
          max = Math.max(max, scores[from + t * n + i] * scale);
        }
      }
      if (max == Float.NEGATIVE_INFINITY) {
        continue; // no key: the slot attends to nothing
      }
      double sum = 0;
      for (int i = 0; i <= t; i++) {
        if (present[first + i]) {
          float e = (float) Math.exp(scores[from + t * n + i] * scale - max);
          a[base + t * n + i] = e;
          sum += e;
        }
      }
      for (int i = 0; i <= t; i++) {
        a[base + t * n + i] = (float) (a[base + t * n + i] / sum);
      }
    }
  }

  /** {@link #attend} in training: q kᵀ and A v of all windows as two batched GEMMs. */
  private float[] attendBatched(float[] qkv, float[] a) {
    int d = dim;
    int n = length;
    float[] scores = batched(part(qkv, 0), windows, n, d, false, part(qkv, 1), n, d, true);
    for (int w = 0; w < windows; w++) {
      softmax(scores, w * n * n, w * n, (float) (1 / Math.sqrt(d)), a, w * n * n);
    }
    return batched(a, windows, n, n, false, part(qkv, 2), n, d, false);
  }

  /** Column block {@code m} (q, k or v) of the rows' projections [R × 3d], as [R × d]. */
  private float[] part(float[] qkv, int m) {
    int d = dim;
    int rows = qkv.length / (3 * d);
    float[] out = new float[rows * d];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(qkv, r * 3 * d + m * d, out, r * d, d);
    }
    return out;
  }

  /**
   * The gradients of q, k and v, side by side as the projections are [R × 3d], from {@code out}, the gradient of the
   * attention's output (added to h): dA = do vᵀ, dv = Aᵀ do, dS, dq = dS k, dk = dSᵀ q, each a batched GEMM.
   */
  private void attendBackward(float[] out, float[] qkv, float[] a, float[] dqkv) {
    int d = dim;
    int n = length;
    float scale = (float) (1 / Math.sqrt(d));
    float[] queries = part(qkv, 0);
    float[] keys = part(qkv, 1);
    float[] da = batched(out, windows, n, d, false, part(qkv, 2), n, d, true);              // [W, n(t), n(i)]
    float[] dv = batched(a, windows, n, n, true, out, n, d, false);
    for (int row = 0; row < windows * n; row++) { // dS = A ⊙ (dA − Σ_i dA ⊙ A) / √d, in place of dA
      double weighted = 0;
      for (int i = 0; i < n; i++) {
        weighted += da[row * n + i] * a[row * n + i];
      }
      for (int i = 0; i < n; i++) {
        float p = a[row * n + i];
        da[row * n + i] = p == 0 ? 0 : (float) (p * (da[row * n + i] - weighted)) * scale;
      }
    }
    float[] dq = batched(da, windows, n, n, false, keys, n, d, false);
    float[] dk = batched(da, windows, n, n, true, queries, n, d, false);
    for (int r = 0; r < windows * n; r++) {
      System.arraycopy(dq, r * d, dqkv, r * 3 * d, d);
      System.arraycopy(dk, r * d, dqkv, r * 3 * d + d, d);
      System.arraycopy(dv, r * d, dqkv, r * 3 * d + 2 * d, d);
    }
  }

  /** out = layer normalisation of each row of h, with a gain and a shift; n and 1 / σ kept. */
  private float[] normalise(float[] h, float[] n, float[] inverse, float[] gain, float[] shift) {
    int d = dim;
    int rows = h.length / d;
    float[] out = new float[h.length];
    for (int r = 0; r < rows; r++) {
      int row = r * d;
      double mean = 0;
      for (int c = 0; c < d; c++) {
        mean += h[row + c];
      }
      mean /= d;
      double var = 0;
      for (int c = 0; c < d; c++) {
        double centred = h[row + c] - mean;
        var += centred * centred;
      }
      double scale = 1 / Math.sqrt(var / d + HistoryEncoder.EPSILON);
      inverse[r] = (float) scale;
      for (int c = 0; c < d; c++) {
        double normed = (h[row + c] - mean) * scale;
        n[row + c] = (float) normed;
        out[row + c] = (float) (normed * gain[c] + shift[c]);
      }
    }
    return out;
  }

  /** Adds the layer norm's gradient of its input to dh, and puts its gain's and shift's. */
  private void normaliseBackward(float[] dy, float[] n, float[] inverse, float[] gain, float[] dh,
      Map<String, INDArray> gradients, String gainName, String shiftName) {
    int d = dim;
    int rows = dy.length / d;
    float[] dGain = new float[d];
    float[] dShift = new float[d];
    for (int r = 0; r < rows; r++) {
      int row = r * d;
      double mean = 0;
      double projected = 0;
      for (int c = 0; c < d; c++) {
        double dn = dy[row + c] * gain[c];
        mean += dn;
        projected += dn * n[row + c];
        dGain[c] += dy[row + c] * n[row + c];
        dShift[c] += dy[row + c];
      }
      mean /= d;
      projected /= d;
      for (int c = 0; c < d; c++) {
        dh[row + c] += (float) (inverse[r] * (dy[row + c] * gain[c] - mean - n[row + c] * projected));
      }
    }
    vector(gradients, gainName, dGain);
    vector(gradients, shiftName, dShift);
  }

  /** x [n × p] · w [p × m]: {@link HistoryEncoder#multiply} when row-wise, else ND4J's GEMM. */
  private float[] product(float[] x, int n, int p, float[] w, int m) {
    if (!rowwise) {
      return gemm(x, n, p, false, w, p, m, false);
    }
    float[] out = new float[n * m];
    HistoryEncoder.multiply(x, n, p, w, m, out);
    return out;
  }

  /**
   * a [n × p] · b [p × m] by ND4J's GEMM, either stored transposed (a as [p × n], b as [m × p]); {@code aRows} and
   * {@code aColumns} (and b's) are the stored shapes.
   */
  static float[] gemm(float[] a, int aRows, int aColumns, boolean transposeA, float[] b, int bRows,
      int bColumns, boolean transposeB) {
    INDArray out = scratch(2, null, transposeA ? aColumns : aRows, transposeB ? bRows : bColumns);
    Nd4j.matmul(scratch(0, a, aRows, aColumns), scratch(1, b, bRows, bColumns), out, transposeA, transposeB, false);
    return values(out);
  }

  /**
   * Window by window, a [n × p] · b [p × q] by ND4J's batched GEMM, either stored transposed; {@code aRows} and
   * {@code aColumns} (and b's) are one window's stored shapes.
   */
  static float[] batched(float[] a, int batch, int aRows, int aColumns, boolean transposeA, float[] b, int bRows,
      int bColumns, boolean transposeB) {
    INDArray out = scratch(2, null, batch, transposeA ? aColumns : aRows, transposeB ? bRows : bColumns);
    Nd4j.matmul(scratch(0, a, batch, aRows, aColumns), scratch(1, b, batch, bRows, bColumns), out, transposeA,
        transposeB, false);
    return values(out);
  }

  /**
   * This thread's array for one operand ({@code role}: 0 and 1 the factors, 2 the product) of a {@link #gemm} or
   * {@link #batched} of this shape, filled with {@code values} unless null: kept from one step to the next, outside any
   * workspace, as the same shapes repeat (a step allocated some forty arrays anew: 7% of a demo step, session 33).
   * Nothing outside these two methods may hold one.
   */
  private static INDArray scratch(int role, float[] values, long... shape) {
    List<Long> key = new ArrayList<>(shape.length + 1);
    key.add((long) role);
    for (long size : shape) {
      key.add(size);
    }
    INDArray array = SCRATCH.get().computeIfAbsent(key, k -> {
      try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        return Nd4j.createUninitialized(DataType.FLOAT, shape);
      }
    });
    if (values != null) {
      array.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer().put(values);
    }
    return array;
  }

  /** A new row-major array of these values and shape, copied in bulk (ND4J's own copy goes value by value). */
  static INDArray array(float[] values, long... shape) {
    INDArray array = Nd4j.createUninitialized(DataType.FLOAT, shape);
    array.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer().put(values);
    return array;
  }

  /** The values of an array, row-major, copied in bulk. */
  static float[] values(INDArray array) {
    INDArray dense = array.dataType() == DataType.FLOAT && array.ordering() == 'c' && !array.isView()
        && array.data().length() == array.length() ? array : array.castTo(DataType.FLOAT).dup('c');
    float[] values = new float[(int) dense.length()];
    dense.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer().get(values);
    return values;
  }

  static float dot(float[] a, int aFrom, float[] b, int bFrom, int length) {
    int lanes = SPECIES.length();
    int bound = SPECIES.loopBound(length);
    FloatVector sum = FloatVector.zero(SPECIES);
    for (int c = 0; c < bound; c += lanes) {
      sum = FloatVector.fromArray(SPECIES, a, aFrom + c).fma(FloatVector.fromArray(SPECIES, b, bFrom + c), sum);
    }
    float s = sum.reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    for (int c = bound; c < length; c++) {
      s = Math.fma(a[aFrom + c], b[bFrom + c], s);
    }
    return s;
  }

  /** y[yFrom ..] += alpha · x[xFrom ..], over {@code length} values. */
  static void axpy(float alpha, float[] x, int xFrom, float[] y, int yFrom, int length) {
    int lanes = SPECIES.length();
    int bound = SPECIES.loopBound(length);
    FloatVector scale = FloatVector.broadcast(SPECIES, alpha);
    for (int c = 0; c < bound; c += lanes) {
      FloatVector.fromArray(SPECIES, x, xFrom + c).fma(scale, FloatVector.fromArray(SPECIES, y, yFrom + c))
          .intoArray(y, yFrom + c);
    }
    for (int c = bound; c < length; c++) {
      y[yFrom + c] = Math.fma(alpha, x[xFrom + c], y[yFrom + c]);
    }
  }

  /** The sums of the columns of x, rows of {@code width} values. */
  static float[] columnSums(float[] x, int width) {
    float[] sums = new float[width];
    for (int row = 0; row < x.length; row += width) {
      for (int c = 0; c < width; c++) {
        sums[c] += x[row + c];
      }
    }
    return sums;
  }

  /** h += x, value by value. */
  static void add(float[] h, float[] x) {
    for (int i = 0; i < h.length; i++) {
      h[i] += x[i];
    }
  }

  private static void addRows(float[] h, float[] bias) {
    for (int row = 0; row < h.length; row += bias.length) {
      for (int c = 0; c < bias.length; c++) {
        h[row + c] += bias[c];
      }
    }
  }

  private void vector(Map<String, INDArray> gradients, String name, float[] value) {
    gradients.put(name, array(value, 1, dim));
  }

  private void matrix(Map<String, INDArray> gradients, String name, float[] value) {
    gradients.put(name, array(value, dim, dim));
  }
}
