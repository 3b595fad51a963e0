package io.attnflow.core.model;

import java.io.Serializable;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A trained attention model, immutable, in the form scoring needs: per item i of the vocabulary its
 * history projection θ_i = W_θᵀ x_i, its candidate projection φ_i = W_φᵀ x_i (both k floats) and
 * its pooling logit e_i = vᵀ tanh(W_a x_i + b_a), plus the biases b and b_p. These tables are
 * computed once from the network's parameters (an N×d by d×k GEMM each), so that scoring a
 * (history item, candidate) pair costs one k-dot: α_ij = σ(θ_iᵀ φ_j + b) (see {@link AttentionVertex}
 * for the equations). Serializable so that Spark can broadcast it.
 */
public final class AttentionModel implements Serializable {
  private static final long serialVersionUID = 1L;

  private final ModelShape shape;
  private final Vocabulary vocabulary;
  private final float[] theta;
  private final float[] phi;
  private final float[] poolLogit;
  private final float bias;
  private final float pooledBias;
  private final Aggregation aggregation;

  private AttentionModel(ModelShape shape, Vocabulary vocabulary, float[] theta, float[] phi, float[] poolLogit,
      float bias, float pooledBias, Aggregation aggregation) {
    this.aggregation = aggregation;
    this.shape = shape;
    this.vocabulary = vocabulary;
    this.theta = theta;
    this.phi = phi;
    this.poolLogit = poolLogit;
    this.bias = bias;
    this.pooledBias = pooledBias;
  }

  /**
   * The model of a trained network.
   *
   * @throws ModelException if the network's dimensions do not fit {@code shape} or the vocabulary
   */
  public static AttentionModel fromNetwork(ComputationGraph network, ModelShape shape, Vocabulary vocabulary) {
    INDArray e = param(network, AttentionNetwork.EMBED + "_W");
    if (e.rows() != shape.items() || e.columns() != shape.dim() || vocabulary.size() != shape.items()) {
      throw new ModelException("Cannot use the network: its embedding table is " + e.rows() + "×" + e.columns()
          + " for a vocabulary of " + vocabulary.size() + " items, but the model's shape is " + shape);
    }
    INDArray wt = param(network, AttentionNetwork.VERTEX + "_" + AttentionVertex.W_THETA);
    if (wt.columns() != shape.projection()) {
      throw new ModelException("Cannot use the network: W_θ is " + wt.rows() + "×" + wt.columns() + " but k = " + shape.projection());
    }
    INDArray wp = param(network, AttentionNetwork.VERTEX + "_" + AttentionVertex.W_PHI);
    INDArray wa = param(network, AttentionNetwork.VERTEX + "_" + AttentionVertex.W_POOL);
    INDArray ba = param(network, AttentionNetwork.VERTEX + "_" + AttentionVertex.B_POOL);
    INDArray v = param(network, AttentionNetwork.VERTEX + "_" + AttentionVertex.V_POOL);
    float[] theta = e.mmul(wt).castTo(DataType.FLOAT).dup('c').data().asFloat();
    float[] phi = e.mmul(wp).castTo(DataType.FLOAT).dup('c').data().asFloat();
    float[] pool = Transforms.tanh(e.mmul(wa).addRowVector(ba), true).mmul(v).castTo(DataType.FLOAT).dup('c').data().asFloat();
    float b = param(network, AttentionNetwork.VERTEX + "_" + AttentionVertex.BIAS).getFloat(0);
    float bp = param(network, AttentionNetwork.VERTEX + "_" + AttentionVertex.B_POOLED).getFloat(0);
    Aggregation aggregation = ((AttentionVertex) network.getConfiguration().getVertices().get(AttentionNetwork.VERTEX))
        .aggregation();
    return new AttentionModel(shape, vocabulary, theta, phi, pool, b, bp, aggregation);
  }

  private static INDArray param(ComputationGraph network, String name) {
    INDArray p = network.paramTable().get(name); // getParam() sees layers only, not vertices
    if (p == null) {
      throw new ModelException("Cannot use the network: it has no parameter " + name + " (not an attnflow attention network)");
    }
    return p;
  }

  /**
   * This model without its candidate table φ (left empty): what tasks need when candidates come in
   * {@link io.attnflow.core.score.ItemBlock}s of their own, at half the size to broadcast.
   */
  public AttentionModel withoutCandidateTable() {
    return new AttentionModel(shape, vocabulary, theta, new float[0], poolLogit, bias, pooledBias, aggregation);
  }

  /** Bytes of the item tables (θ and φ), what a broadcast of this model costs per executor. */
  public long tableBytes() {
    return 4L * (theta.length + phi.length + poolLogit.length);
  }

  public ModelShape shape() {
    return shape;
  }

  public Vocabulary vocabulary() {
    return vocabulary;
  }

  /** k, the size of θ and φ. */
  public int k() {
    return shape.projection();
  }

  public float bias() {
    return bias;
  }

  /** How α over the history become a score. */
  public Aggregation aggregation() {
    return aggregation;
  }

  /** θ of item i, k floats starting at {@code i * k} of {@link #thetaTable()}. */
  public float[] thetaTable() {
    return theta;
  }

  /** φ of item j, k floats starting at {@code j * k} of {@link #phiTable()}. */
  public float[] phiTable() {
    return phi;
  }

  /** α_ij = σ(θ_iᵀ φ_j + b) for each history item i of {@code h} and candidate j. */
  public float[] alphas(UserHistory h, int candidate) {
    int k = k();
    float[] a = new float[h.length()];
    for (int r = 0; r < a.length; r++) {
      a[r] = sigmoid(dot(theta, h.items()[r] * k, phi, candidate * k, k) + bias);
    }
    return a;
  }

  /** s_uj by the model's {@link Aggregation}, the straightforward way (the reference for DL4J parity). */
  public float score(UserHistory h, int candidate) {
    return aggregation.score(rankingScore(h, candidate));
  }

  /**
   * What ranks candidates: the sum of the history's contributions, before the aggregation's final σ
   * (if any), so that confident scores do not round to ties at 1.0f; monotone in s_uj. The
   * straightforward way: the reference for the batched scorers.
   */
  public float rankingScore(UserHistory h, int candidate) {
    int k = k();
    double den = h.weightSum();
    double sum = 0;
    for (int r = 0; r < h.length(); r++) {
      float similarity = dot(theta, h.items()[r] * k, phi, candidate * k, k);
      sum += aggregation.contribution(h.weights()[r], sigmoid(similarity + bias), similarity, den);
    }
    return (float) sum;
  }

  /** The target-independent user vector u = Σ_i a_i θ_i, a_i = w_i exp(e_i) / Σ_l w_l exp(e_l). */
  public float[] userVector(UserHistory h) {
    int k = k();
    double[] u = new double[k];
    double norm = 0;
    for (int r = 0; r < h.length(); r++) {
      int i = h.items()[r];
      double a = h.weights()[r] * Math.exp(poolLogit[i]);
      norm += a;
      for (int c = 0; c < k; c++) {
        u[c] += a * theta[i * k + c];
      }
    }
    float[] out = new float[k];
    for (int c = 0; c < k; c++) {
      out[c] = (float) (u[c] / norm);
    }
    return out;
  }

  /** p_uj = σ(uᵀ φ_j + b_p), the pooled (first-stage) score. */
  public float pooledScore(float[] userVector, int candidate) {
    return sigmoid(dot(userVector, 0, phi, candidate * k(), k()) + pooledBias);
  }

  /**
   * {@link #rankingScore}s of every user of {@code users} for every candidate, row-major
   * {@code [users × candidates]}, with one GEMM: the users' stacked θ rows (Σ history lengths × k)
   * times the candidates' φ rows transposed, then σ and the weighted sum per user.
   */
  public float[] rankingScores(List<UserHistory> users, int[] candidates) {
    int k = k();
    int rows = users.stream().mapToInt(UserHistory::length).sum();
    float[] a = new float[rows * k];
    int r = 0;
    for (UserHistory h : users) {
      for (int i : h.items()) {
        System.arraycopy(theta, i * k, a, r++ * k, k);
      }
    }
    int n = candidates.length;
    float[] b = new float[n * k];
    for (int j = 0; j < n; j++) {
      System.arraycopy(phi, candidates[j] * k, b, j * k, k);
    }
    INDArray c = Nd4j.createUninitialized(DataType.FLOAT, rows, n);
    Nd4j.gemm(Nd4j.create(a, new long[] {rows, k}, 'c'), Nd4j.create(b, new long[] {n, k}, 'c'), c, false, true, 1.0, 0.0);
    float[] similarity = c.data().asFloat();
    float[] out = new float[users.size() * n];
    double[] sums = new double[n];
    r = 0;
    for (int u = 0; u < users.size(); u++) {
      UserHistory h = users.get(u);
      double den = h.weightSum();
      java.util.Arrays.fill(sums, 0);
      for (int i = 0; i < h.length(); i++, r++) {
        float w = h.weights()[i];
        int base = r * n;
        for (int j = 0; j < n; j++) {
          float l = similarity[base + j];
          sums[j] += aggregation.contribution(w, sigmoid(l + bias), l, den);
        }
      }
      for (int j = 0; j < n; j++) {
        out[u * n + j] = (float) sums[j];
      }
    }
    return out;
  }

  static float sigmoid(float x) {
    return (float) (1.0 / (1.0 + Math.exp(-x)));
  }

  private static float dot(float[] x, int xo, float[] y, int yo, int k) {
    float s = 0;
    for (int c = 0; c < k; c++) {
      s += x[xo + c] * y[yo + c];
    }
    return s;
  }
}
