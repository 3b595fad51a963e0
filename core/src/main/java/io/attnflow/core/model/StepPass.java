package io.attnflow.core.model;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A whole {@link TrainingLoss#SOFTMAX} training step by hand: what the {@link EncoderPass} and the {@link PoolHead}
 * leave of {@link AttentionVertex}'s equations (the items' composition, the θ and φ projections, the history weights,
 * each position's score of its own item, the pooled head and its loss), forward and backward, over plain row-major
 * arrays and ND4J's GEMMs. With both parts by hand, SameDiff still ran this rest twice a step (forward to what the head
 * reads, then its gradient function, which runs the forward again): some hundred small ops, each with its fixed cost,
 * about a third of a demo step (docs/experiments.md, session 33). The equations are the graph's, one by one; their
 * gradients, with R = B·L target rows, S = L + 1 + M slots a window and ε = 1e-12 (L here the positions the minibatch
 * uses: the leading slots that none of its windows uses, padding before a user's oldest event, are left out, as they
 * change neither the loss nor any gradient):
 *
 * <pre>
 *   x = kept ⊙ E + (1 − kept) E_u + C W_c       dE = kept ⊙ dx,   dE_u = Σ (1 − kept) dx,   dW_c = Cᵀ dx
 *   θ = g W_θ, φ = x W_φ                         dW_θ = gᵀ dθ,   dg = dθ W_θᵀ   (g the encoder's output, or x)
 *   z+_t = Σ_i wn_ti T(ℓ_{i,t+1})                dℓ = dz+ wn ∂T/∂ℓ,   db = Σ dz+ wn ∂T/∂b
 *   a_ti = w_ti e^{e_i} / (Σ_l w_tl e^{e_l} + ε)  de_i = Σ_t a_ti (da_ti − Σ_l da_tl a_tl)
 *   u = a θ,   p_tj = u_tᵀ φ_j + b_p            du = dp φ,   dφ = dpᵀ u,   da = du θᵀ,   dθ += aᵀ du
 *   e = tanh(x W_a + b_a) v                      the tanh's gradient, (1 − tanh²)
 * </pre>
 * Every gradient is twice the summed loss's, as DL4J's vertex and the graph hand it on. {@code AttentionModelTest}
 * holds the step to SameDiff's loss and gradients. Not thread-safe: one pass per thread ({@link OnePassVertex}).
 */
final class StepPass {
  /** DL4J's external errors of 1 a window reach the graph as twice the gradient of the summed loss (OnePassVertex). */
  private static final float SCALE = 2;

  private final int window;
  private final int history;
  private final int dim;
  private final int projection;
  private final int hidden;
  private final HistoryWeights weights;
  private final int blocks;
  private final EncoderPass encoder;
  private final PoolHead head;

  /** Every window's loss [B], and in training the gradients by name: the parameters' and the input x's. */
  record Result(float[] loss, Map<String, INDArray> gradients) {}

  /** @param head the pool part, whose α terms ({@link PoolHead#term}) the own items' scores share */
  StepPass(int window, int history, int dim, int projection, int hidden, HistoryWeights weights, int blocks,
      PoolHead head) {
    this.window = window;
    this.history = history;
    this.dim = dim;
    this.projection = projection;
    this.hidden = hidden;
    this.weights = weights;
    this.blocks = blocks;
    this.encoder = blocks > 0 ? new EncoderPass(blocks, window, dim, false) : null;
    this.head = head;
  }

  /**
   * One step over a minibatch.
   *
   * @param xIn     the slots' id embeddings [B, S, d]
   * @param context [B, 3L+1] ({@link TrainingWindows})
   * @param contentIn the slots' content vectors [B, S, c], or null
   * @param keptIn  1 where a slot keeps its id part [B, S], or null
   * @param ids     the slots' items [B, S], whose own items a window leaves out of the pool
   *     ({@link TrainingWindows#ownInPool}), or null (a network from before that: the whole pool)
   * @param p       the vertex's parameters by name
   */
  Result step(INDArray xIn, INDArray context, INDArray contentIn, INDArray keptIn, INDArray ids,
      Map<String, INDArray> p, boolean training) {
    int d = dim;
    int k = projection;
    int batch = (int) xIn.size(0);
    int slots = (int) xIn.size(1);
    int m = slots - window - 1;
    float[] ctx = EncoderPass.values(context);
    int width = (int) context.size(1);
    // the leading slots no window of the batch uses are left out, in steps of a tenth of L (so that a thread's arrays,
    // kept by shape, come in at most ten sizes): the step is over the last l of the L positions
    int from = window;
    for (int b = 0; b < batch; b++) {
      from = Math.min(from, TrainingWindows.unusedSlots(ctx, b * width, ctx, b * width + window, window));
    }
    int trimStep = (window + 9) / 10;
    from = from / trimStep * trimStep;
    int l = window - from;
    int rows = batch * l;

    float[] x = EncoderPass.values(xIn);
    float[] kept = keptIn == null ? null : EncoderPass.values(keptIn);
    float[] content = contentIn == null ? null : EncoderPass.values(contentIn);
    compose(x, d, kept, content, p);
    float[] xh = slice(x, batch, slots, from, l);
    float[] xt = slice(x, batch, slots, from + 1, l);
    float[] xn = slice(x, batch, slots, window + 1, m);
    float[] events = new float[rows];
    float[] counted = new float[rows];
    float[] days = new float[batch * (l + 1)];
    for (int b = 0; b < batch; b++) {
      System.arraycopy(ctx, b * width + from, events, b * l, l);
      System.arraycopy(ctx, b * width + window + from, counted, b * l, l);
      System.arraycopy(ctx, b * width + 2 * window + from, days, b * (l + 1), l + 1);
    }

    Map<String, float[]> encoderParams = encoder == null ? null : HistoryEncoder.values(p::get, blocks);
    float[] g = encoder == null ? xh : encoder.forward(xh, events, l, encoderParams);
    float[] wTheta = EncoderPass.values(p.get(AttentionVertex.W_THETA));
    float[] wPhi = EncoderPass.values(p.get(AttentionVertex.W_PHI));
    float[] theta = EncoderPass.gemm(g, rows, d, false, wTheta, d, k, false);
    float[] phiTargets = EncoderPass.gemm(xt, rows, d, false, wPhi, d, k, false);
    float[] phiPool = EncoderPass.gemm(xn, batch * m, d, false, wPhi, d, k, false);
    float[] w = weights.matrix(events, days, batch, l, history);
    float[] wn = new float[w.length];
    for (int r = 0; r < rows; r++) { // w_ti / Σ_i w_ti
      float sum = 0;
      for (int i = 0; i < l; i++) {
        sum += w[r * l + i];
      }
      for (int i = 0; i < l; i++) {
        wn[r * l + i] = w[r * l + i] / (sum + 1e-12f);
      }
    }
    float bias = p.get(AttentionVertex.BIAS).getFloat(0);

    // each position's score of its own item: z+_t = Σ_i wn_ti T(ℓ_{i,t+1}), ℓ_{i,t+1} = φ_{t+1}ᵀ θ_i
    float[] similarity = EncoderPass.batched(phiTargets, batch, l, k, false, theta, l, k, true); // [B, L(t), L(i)]
    float[] targets = new float[rows];
    for (int r = 0; r < rows; r++) {
      float z = 0;
      for (int i = 0; i < l; i++) {
        float weight = wn[r * l + i];
        if (weight != 0) {
          float s = similarity[r * l + i];
          z += weight * head.term(s, bias);
        }
      }
      targets[r] = z;
    }

    // the pooled head: e_i = vᵀ tanh(W_a x_i + b_a), a_ti = w_ti e^{e_i} / Σ_l w_tl e^{e_l}, u = a θ
    float[] wPool = EncoderPass.values(p.get(AttentionVertex.W_POOL));
    float[] bPool = EncoderPass.values(p.get(AttentionVertex.B_POOL));
    float[] vPool = EncoderPass.values(p.get(AttentionVertex.V_POOL));
    float bPooled = p.get(AttentionVertex.B_POOLED).getFloat(0);
    float[] tanh = EncoderPass.gemm(xh, rows, d, false, wPool, d, hidden, false);           // [R, H]
    for (int r = 0; r < rows; r++) {
      for (int h = 0; h < hidden; h++) {
        tanh[r * hidden + h] = (float) Math.tanh(tanh[r * hidden + h] + bPool[h]);
      }
    }
    float[] e = EncoderPass.gemm(tanh, rows, hidden, false, vPool, hidden, 1, false);        // [R]
    float[] a = new float[w.length];
    for (int b = 0; b < batch; b++) {
      for (int t = 0; t < l; t++) {
        int row = (b * l + t) * l;
        float sum = 0;
        for (int i = 0; i < l; i++) {
          a[row + i] = w[row + i] * (float) Math.exp(e[b * l + i]);
          sum += a[row + i];
        }
        for (int i = 0; i < l; i++) {
          a[row + i] /= sum + 1e-12f;
        }
      }
    }
    float[] u = EncoderPass.batched(a, batch, l, l, false, theta, l, k, false);              // [B, L, k]
    float[] pooled = EncoderPass.batched(u, batch, l, k, false, phiPool, m, k, true);        // [B, L, M]
    float[] loss = new float[batch];
    float[] dPooled = training ? new float[rows * m] : null;
    float[] dPooledTargets = training ? new float[rows] : null;
    double dbPooled = 0;
    for (int r = 0; r < rows; r++) { // −log softmax of the position's own item among it and the window's M negatives
      float positive = EncoderPass.dot(u, r * k, phiTargets, r * k, k) + bPooled;
      if (counted[r] == 0) {
        continue;
      }
      float max = positive;
      for (int j = 0; j < m; j++) {
        pooled[r * m + j] += bPooled;
        max = Math.max(max, pooled[r * m + j]);
      }
      double sum = Math.exp(positive - max);
      for (int j = 0; j < m; j++) {
        sum += Math.exp(pooled[r * m + j] - max);
      }
      loss[r / l] += (float) (counted[r] * (Math.log(sum) + max - positive));
      if (training) {
        for (int j = 0; j < m; j++) {
          dPooled[r * m + j] = (float) (counted[r] * Math.exp(pooled[r * m + j] - max) / sum);
          dbPooled += dPooled[r * m + j];
        }
        dPooledTargets[r] = (float) (counted[r] * (Math.exp(positive - max) / sum - 1));
        dbPooled += dPooledTargets[r];
      }
    }

    boolean[] ownInPool = ids == null ? null
        : TrainingWindows.ownInPool(EncoderPass.values(ids), ctx, batch, window, m);
    PoolHead.Step pool = head.step(EncoderPass.array(theta, rows, k), EncoderPass.array(phiPool, batch * m, k),
        EncoderPass.array(wn, batch, l, l), EncoderPass.array(targets, batch, l, 1),
        EncoderPass.array(counted, batch, l), ownInPool, bias, training, false);
    for (int b = 0; b < batch; b++) {
      loss[b] += pool.loss()[b];
    }
    if (!training) {
      return new Result(loss, null);
    }

    Map<String, INDArray> gradients = new HashMap<>();
    float[] dTheta = EncoderPass.values(pool.theta());
    float[] dPhiPool = EncoderPass.values(pool.phi());
    float[] dTargets = EncoderPass.values(pool.targets());
    double db = pool.bias();
    // z+: dℓ = dz+ wn ∂T/∂ℓ
    float[] dSimilarity = new float[similarity.length];
    for (int r = 0; r < rows; r++) {
      for (int i = 0; i < l; i++) {
        float gradient = dTargets[r] * wn[r * l + i];
        if (gradient == 0) {
          continue;
        }
        float s = similarity[r * l + i];
        float alpha = head.alpha(s, bias);
        db += gradient * head.termByBias(alpha, s);
        dSimilarity[r * l + i] = gradient * head.termBySimilarity(alpha, s);
      }
    }
    float[] dPhiTargets = EncoderPass.batched(dSimilarity, batch, l, l, false, theta, l, k, false);
    EncoderPass.add(dTheta, EncoderPass.batched(dSimilarity, batch, l, l, true, phiTargets, l, k, false));
    // the pooled head
    float[] du = EncoderPass.batched(dPooled, batch, l, m, false, phiPool, m, k, false);
    for (int r = 0; r < rows; r++) {
      EncoderPass.axpy(dPooledTargets[r], phiTargets, r * k, du, r * k, k);
      EncoderPass.axpy(dPooledTargets[r], u, r * k, dPhiTargets, r * k, k);
    }
    EncoderPass.add(dPhiPool, EncoderPass.batched(dPooled, batch, l, m, true, u, l, k, false));
    float[] da = EncoderPass.batched(du, batch, l, k, false, theta, l, k, true);             // [B, L(t), L(i)]
    EncoderPass.add(dTheta, EncoderPass.batched(a, batch, l, l, true, du, l, k, false));
    float[] de = new float[rows];
    for (int b = 0; b < batch; b++) {
      for (int t = 0; t < l; t++) {
        int row = (b * l + t) * l;
        float mean = 0;
        for (int i = 0; i < l; i++) {
          mean += da[row + i] * a[row + i];
        }
        for (int i = 0; i < l; i++) {
          de[b * l + i] += a[row + i] * (da[row + i] - mean);
        }
      }
    }
    float[] dv = new float[hidden];
    float[] dPre = new float[rows * hidden];
    for (int r = 0; r < rows; r++) {
      for (int h = 0; h < hidden; h++) {
        float th = tanh[r * hidden + h];
        dv[h] += de[r] * th;
        dPre[r * hidden + h] = de[r] * vPool[h] * (1 - th * th);
      }
    }
    put(gradients, AttentionVertex.V_POOL, dv, hidden, 1);
    put(gradients, AttentionVertex.W_POOL, EncoderPass.gemm(xh, rows, d, true, dPre, rows, hidden, false), d, hidden);
    put(gradients, AttentionVertex.B_POOL, EncoderPass.columnSums(dPre, hidden), 1, hidden);
    float[] dxh = EncoderPass.gemm(dPre, rows, hidden, false, wPool, d, hidden, true);
    put(gradients, AttentionVertex.B_POOLED, new float[] {(float) dbPooled}, 1, 1);
    put(gradients, AttentionVertex.BIAS, new float[] {(float) db}, 1, 1);
    // the projections
    put(gradients, AttentionVertex.W_THETA, EncoderPass.gemm(g, rows, d, true, dTheta, rows, k, false), d, k);
    float[] dg = EncoderPass.gemm(dTheta, rows, k, false, wTheta, d, k, true);
    float[] dWPhi = EncoderPass.gemm(xt, rows, d, true, dPhiTargets, rows, k, false);
    EncoderPass.add(dWPhi, EncoderPass.gemm(xn, batch * m, d, true, dPhiPool, batch * m, k, false));
    put(gradients, AttentionVertex.W_PHI, dWPhi, d, k);
    float[] dxt = EncoderPass.gemm(dPhiTargets, rows, k, false, wPhi, d, k, true);
    float[] dxn = EncoderPass.gemm(dPhiPool, batch * m, k, false, wPhi, d, k, true);
    if (encoder != null) {
      float[] input = new float[rows * d];
      encoder.backward(dg, input).forEach((name, gradient) -> gradients.put(name, gradient.muli(SCALE)));
      EncoderPass.add(dxh, input);
    } else {
      EncoderPass.add(dxh, dg);
    }
    // the slots' items, and what composes them
    float[] dx = new float[x.length];
    unslice(dxh, dx, batch, slots, from, l);
    unslice(dxt, dx, batch, slots, from + 1, l);
    unslice(dxn, dx, batch, slots, window + 1, m);
    composeBackward(dx, d, kept, content).forEach((name, gradient) -> gradients.put(name, gradient.muli(SCALE)));
    put(gradients, "x", dx, batch, slots, d);
    return new Result(loss, gradients);
  }

  /**
   * The items of rows [n × d], in place of their id parts: x = kept ⊙ E + (1 − kept) E_u + C W_c ({@code kept} [n] and
   * {@code content} [n × c] null when the network reads none). The step's and the {@link OnePassVertex}'s encoder's.
   */
  static void compose(float[] x, int d, float[] kept, float[] content, Map<String, INDArray> p) {
    if (kept != null) {
      float[] unknown = EncoderPass.values(p.get(AttentionVertex.UNKNOWN_ID));
      for (int r = 0; r < kept.length; r++) {
        for (int c = 0; c < d; c++) {
          x[r * d + c] = x[r * d + c] * kept[r] + (1 - kept[r]) * unknown[c];
        }
      }
    }
    if (content != null) {
      INDArray wContent = p.get(AttentionVertex.W_CONTENT);
      int c = (int) wContent.size(0);
      EncoderPass.add(x, EncoderPass.gemm(content, x.length / d, c, false, EncoderPass.values(wContent), c, d, false));
    }
  }

  /**
   * {@link #compose}'s backward pass from the items' gradient {@code dx}, which becomes the id parts' in place: the
   * gradients of W_c and E_u by name (those the network has).
   */
  static Map<String, INDArray> composeBackward(float[] dx, int d, float[] kept, float[] content) {
    Map<String, INDArray> gradients = new HashMap<>();
    int rows = dx.length / d;
    if (content != null) {
      int c = content.length / rows;
      gradients.put(AttentionVertex.W_CONTENT,
          EncoderPass.array(EncoderPass.gemm(content, rows, c, true, dx, rows, d, false), c, d));
    }
    if (kept != null) {
      float[] dUnknown = new float[d];
      for (int r = 0; r < rows; r++) {
        EncoderPass.axpy(1 - kept[r], dx, r * d, dUnknown, 0, d);
        for (int col = 0; col < d; col++) {
          dx[r * d + col] *= kept[r];
        }
      }
      gradients.put(AttentionVertex.UNKNOWN_ID, EncoderPass.array(dUnknown, 1, d));
    }
    return gradients;
  }

  /** Rows {@code from} .. {@code from + count} of every window's S slots [B·S × d], as [B·count × d]. */
  private float[] slice(float[] x, int batch, int slots, int from, int count) {
    float[] out = new float[batch * count * dim];
    for (int b = 0; b < batch; b++) {
      System.arraycopy(x, (b * slots + from) * dim, out, b * count * dim, count * dim);
    }
    return out;
  }

  /** Adds a {@link #slice}'s gradient back into the slots' [B·S × d]. */
  private void unslice(float[] part, float[] x, int batch, int slots, int from, int count) {
    for (int b = 0; b < batch; b++) {
      int to = (b * slots + from) * dim;
      int at = b * count * dim;
      for (int i = 0; i < count * dim; i++) {
        x[to + i] += part[at + i];
      }
    }
  }

  /** The gradient of {@code name}, scaled as DL4J's (see {@link #SCALE}). */
  private static void put(Map<String, INDArray> gradients, String name, float[] gradient, long... shape) {
    for (int i = 0; i < gradient.length; i++) {
      gradient[i] *= SCALE;
    }
    gradients.put(name, EncoderPass.array(gradient, shape));
  }
}
