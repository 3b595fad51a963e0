package io.attnflow.core.model;

import java.util.ArrayList;
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
 * can train it. Inputs: {@code x} [B, m+C, d], the embeddings of the m history items (oldest first,
 * padded) followed by those of C candidates, from the one embedding table shared by both (a DL4J
 * {@code EmbeddingSequenceLayer}); {@code weights} [B, m], the history weights w_i (0 on padding).
 * Output [B, 2C]: the attention scores s of the C candidates, then their pooled scores p. One
 * history serves all C candidates (a positive and its sampled negatives in training), so its
 * projections are computed once.
 *
 * <pre>
 *   θ_i  = W_θᵀ x_{h_i},   φ_j = W_φᵀ x_j                          (k-dim projections)
 *   α_ij = σ(θ_iᵀ φ_j + b)                                          (seed eq. 4.1)
 *   s_uj = σ(Σ_i w_i α_ij θ_iᵀφ_j / Σ_i w_i)                        (interest: {@link Aggregation#INTEREST})
 *     or Σ_i w_i α_ij / Σ_i w_i                                     (weighted mean: {@link Aggregation#MEAN})
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
  @JsonProperty private int candidates;
  @JsonProperty private long seed;
  /** Networks written before the choice existed lack the property: they aggregate by the mean. */
  @JsonProperty private Aggregation aggregation = Aggregation.MEAN;
  /** Output the interest score's and the pooled score's logits, without their final σ (softmax training). */
  @JsonProperty private boolean logits;

  /** For DL4J's JSON configuration reader. */
  public AttentionVertex() {}

  public AttentionVertex(int dim, int projection, int poolHidden, int history, int candidates, long seed,
      Aggregation aggregation, boolean logits) {
    this.aggregation = aggregation;
    this.logits = logits;
    this.candidates = candidates;
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
    int m = history;
    int c = candidates;
    SDVariable w = in.get("weights");                                                    // [B, m]
    SDVariable x = in.get("x");                                                          // [B, m+C, d]
    SDVariable xh = x.get(SDIndex.all(), SDIndex.interval(0, m), SDIndex.all()).reshape(-1, dim);     // [B*m, d]
    SDVariable xc = x.get(SDIndex.all(), SDIndex.interval(m, m + c), SDIndex.all()).reshape(-1, dim); // [B*C, d]
    SDVariable theta = xh.mmul(p.get(W_THETA)).reshape(-1, m, projection);              // [B, m, k]
    SDVariable phiT = xc.mmul(p.get(W_PHI)).reshape(-1, c, projection).permute(0, 2, 1); // [B, k, C]

    SDVariable similarity = sd.mmul(theta, phiT);                                       // [B, m, C]
    SDVariable alpha = sd.nn.sigmoid(similarity.add(p.get(BIAS)));                      // [B, m, C]
    SDVariable wSum = w.sum(1).reshape(-1, 1);                                           // [B, 1]
    SDVariable s = aggregation == Aggregation.MEAN
        ? sd.mmul(w.reshape(-1, 1, m), alpha).reshape(-1, c).div(wSum)                   // [B, C]
        : sigmoidUnlessLogits(sd, sd.mmul(w.reshape(-1, 1, m), alpha.mul(similarity)).reshape(-1, c).div(wSum));

    SDVariable e = sd.math.tanh(xh.mmul(p.get(W_POOL)).add(p.get(B_POOL))).mmul(p.get(V_POOL))
        .reshape(-1, m);                                                                 // [B, m]
    SDVariable we = w.mul(sd.math.exp(e));                                               // w_i exp(e_i)
    SDVariable a = we.div(we.sum(1).reshape(-1, 1));                                     // [B, m]
    SDVariable u = sd.mmul(a.reshape(-1, 1, m), theta);                                  // [B, 1, k]
    SDVariable pooled = sigmoidUnlessLogits(sd, sd.mmul(u, phiT).reshape(-1, c).add(p.get(B_POOLED))); // [B, C]
    return sd.concat(1, s, pooled);
  }

  private SDVariable sigmoidUnlessLogits(SameDiff sd, SDVariable x) {
    return logits ? x : sd.nn.sigmoid(x);
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
    return InputType.feedForward(2L * candidates);
  }

  /** A deep copy, inherited training state included (dl4j-spark clones configurations for its workers). */
  @Override
  public GraphVertex clone() {
    AttentionVertex c = new AttentionVertex(dim, projection, poolHidden, history, candidates, seed, aggregation, logits);
    c.setUpdater(updater == null ? null : updater.clone());
    c.setBiasUpdater(biasUpdater == null ? null : biasUpdater.clone());
    c.setRegularization(regularization == null ? null : new ArrayList<>(regularization));
    c.setRegularizationBias(regularizationBias == null ? null : new ArrayList<>(regularizationBias));
    c.setGradientNormalization(gradientNormalization);
    c.setGradientNormalizationThreshold(gradientNormalizationThreshold);
    c.setDataType(dataType);
    c.setName(getName());
    c.setVertexParams(getVertexParams());
    return c;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AttentionVertex v && v.dim == dim && v.projection == projection
        && v.poolHidden == poolHidden && v.history == history && v.candidates == candidates && v.seed == seed
        && v.aggregation == aggregation && v.logits == logits;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(dim, projection, poolHidden, history, candidates, seed, aggregation, logits);
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

  public Aggregation aggregation() {
    return aggregation;
  }

  /** C, the candidates scored per history. */
  public int candidates() {
    return candidates;
  }
}
