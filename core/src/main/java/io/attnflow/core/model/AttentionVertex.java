package io.attnflow.core.model;

import java.util.Map;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The attention mechanism as a DL4J graph vertex, written in SameDiff so that DL4J (and dl4j-spark)
 * can train it. Inputs: {@code x} [B, m+1, d], the embeddings of the m history items (oldest first,
 * padded) followed by the candidate's, from the one embedding table shared by both (a DL4J
 * {@code EmbeddingSequenceLayer}); {@code weights} [B, m], the history weights w_i (0 on padding).
 * Output [B, 2]: the attention score s and the pooled score p of the candidate.
 *
 * <pre>
 *   θ_i  = W_θᵀ x_{h_i},   φ_j = W_φᵀ x_j                          (k-dim projections)
 *   α_ij = σ(θ_iᵀ φ_j + b)                                          (seed eq. 4.1)
 *   s_uj = Σ_i w_i α_ij / Σ_i w_i                                   (weighted mean attention)
 *   e_i  = vᵀ tanh(W_a x_{h_i} + b_a)                               (additive attention pooling)
 *   a_i  = w_i exp(e_i) / Σ_l w_l exp(e_l)                          (softmax over the history, weighted)
 *   u    = Σ_i a_i θ_i,     p_uj = σ(uᵀ φ_j + b_p)                  (target-independent user vector)
 * </pre>
 * Both scores are trained against the same label (binary cross-entropy on each), so the pooled user
 * vector ranks like the attention score and can serve as a cheap first stage.
 *
 * <p>Fields are Jackson properties because DL4J ships the network's configuration as JSON (to
 * Spark executors, into model files).
 */
public class AttentionVertex extends SameDiffVertex {
  public static final String W_THETA = "Wt";
  public static final String W_PHI = "Wp";
  public static final String BIAS = "b";
  public static final String W_POOL = "Wa";
  public static final String B_POOL = "ba";
  public static final String V_POOL = "v";
  public static final String B_POOLED = "bp";

  @JsonProperty private int dim;
  @JsonProperty private int projection;
  @JsonProperty private int poolHidden;
  @JsonProperty private int history;
  @JsonProperty private long seed;

  /** For DL4J's JSON configuration reader. */
  public AttentionVertex() {}

  public AttentionVertex(int dim, int projection, int poolHidden, int history, long seed) {
    this.dim = dim;
    this.projection = projection;
    this.poolHidden = poolHidden;
    this.history = history;
    this.seed = seed;
  }

  @Override
  public void defineParametersAndInputs(SDVertexParams params) {
    params.defineInputs("x", "weights");
    params.addWeightParam(W_THETA, dim, projection);
    params.addWeightParam(W_PHI, dim, projection);
    params.addBiasParam(BIAS, 1, 1);
    params.addWeightParam(W_POOL, dim, poolHidden);
    params.addBiasParam(B_POOL, 1, poolHidden);
    params.addWeightParam(V_POOL, poolHidden, 1);
    params.addBiasParam(B_POOLED, 1, 1);
  }

  @Override
  public SDVariable defineVertex(SameDiff sd, Map<String, SDVariable> in, Map<String, SDVariable> p,
      Map<String, SDVariable> masks) {
    SDVariable w = in.get("weights");                                              // [B, m]
    SDVariable x = in.get("x");                                                    // [B, m+1, d]
    SDVariable xh = x.get(SDIndex.all(), SDIndex.interval(0, history), SDIndex.all()).reshape(-1, dim); // [B*m, d]
    // (a point index's backward pass fails in ND4J 1.0.0-M2.1; a one-wide interval works)
    SDVariable xc = x.get(SDIndex.all(), SDIndex.interval(history, history + 1), SDIndex.all()).reshape(-1, dim); // [B, d]
    SDVariable theta = xh.mmul(p.get(W_THETA)).reshape(-1, history, projection);   // [B, m, k]
    SDVariable phi = xc.mmul(p.get(W_PHI));                                        // [B, k]

    SDVariable logits = theta.mul(phi.reshape(-1, 1, projection)).sum(2);         // [B, m]
    SDVariable alpha = sd.nn.sigmoid(logits.add(p.get(BIAS)));
    SDVariable wSum = w.sum(1).reshape(-1, 1);                                     // [B, 1]
    SDVariable s = alpha.mul(w).sum(1).reshape(-1, 1).div(wSum);                   // [B, 1]

    SDVariable e = sd.math.tanh(xh.mmul(p.get(W_POOL)).add(p.get(B_POOL))).mmul(p.get(V_POOL))
        .reshape(-1, history);                                                      // [B, m]
    SDVariable we = w.mul(sd.math.exp(e));                                          // w_i exp(e_i)
    SDVariable a = we.div(we.sum(1).reshape(-1, 1));                                // [B, m]
    SDVariable u = theta.mul(a.reshape(-1, history, 1)).sum(1);                     // [B, k]
    SDVariable pooled = sd.nn.sigmoid(u.mul(phi).sum(1).reshape(-1, 1).add(p.get(B_POOLED))); // [B, 1]
    return sd.concat(1, s, pooled);
  }

  @Override
  public void initializeParameters(Map<String, INDArray> params) {
    SplittableRandom random = new SplittableRandom(seed);
    gaussian(params.get(W_THETA), 1.0 / Math.sqrt(dim), random);
    gaussian(params.get(W_PHI), 1.0 / Math.sqrt(dim), random);
    gaussian(params.get(W_POOL), 1.0 / Math.sqrt(dim), random);
    gaussian(params.get(V_POOL), 1.0 / Math.sqrt(poolHidden), random);
    params.get(BIAS).assign(0);
    params.get(B_POOL).assign(0);
    params.get(B_POOLED).assign(0);
  }

  static void gaussian(INDArray target, double std, SplittableRandom random) {
    float[] values = new float[(int) target.length()];
    for (int i = 0; i < values.length; i++) {
      // Box-Muller: seeded and independent of ND4J's global random state
      double u1 = 1.0 - random.nextDouble();
      double u2 = random.nextDouble();
      values[i] = (float) (std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
    }
    target.assign(org.nd4j.linalg.factory.Nd4j.create(values, target.shape(), target.ordering()));
  }

  @Override
  public char paramReshapeOrder(String paramName) {
    return 'c';
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
    return InputType.feedForward(2);
  }

  @Override
  public GraphVertex clone() {
    return new AttentionVertex(dim, projection, poolHidden, history, seed);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AttentionVertex v && v.dim == dim && v.projection == projection
        && v.poolHidden == poolHidden && v.history == history && v.seed == seed;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(dim, projection, poolHidden, history, seed);
  }

  public int dim() {
    return dim;
  }

  public int projection() {
    return projection;
  }

  public int poolHidden() {
    return poolHidden;
  }

  public int history() {
    return history;
  }
}
