package io.attnflow.core.model;

import java.io.Serializable;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A trained attention model, immutable, in the form scoring needs: per item i of the vocabulary its
 * history projection θ_i = W_θᵀ x_i (or, with a {@link HistoryEncoder}, the encoder that computes a
 * history's θ rows in context, once per user), its candidate projection φ_i = W_φᵀ x_i (both k
 * floats) and its pooling logit e_i = vᵀ tanh(W_a x_i + b_a), plus the biases b and b_p and the α
 * temperature τ. The tables are computed once from the network's parameters (an N×d by d×k GEMM
 * each), so that scoring a (history item, candidate) pair costs one k-dot: α_ij = σ(θ_iᵀ φ_j / τ + b)
 * (see {@link AttentionVertex} for the equations). An item is x_i = E_i + W_cᵀ c_i when the model reads
 * content ({@link ItemContent}): {@link #withNewItems} then places items that training never saw by
 * their content (x = E_u + W_cᵀ c, E_u the id part of an item without one), while the items it knows keep their
 * learned part. Serializable so that Spark can broadcast it.
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
  private final float alphaTemperature;
  /** The context-aware history encoder, or null when θ_i is item i's alone ({@link #theta} then holds every item's). */
  private final HistoryEncoder encoder;
  /** What maps an item's x to its table rows, and (content models) a content vector to x: for {@link #withNewItems}. */
  private final Projections projections;

  private AttentionModel(ModelShape shape, Vocabulary vocabulary, float[] theta, float[] phi, float[] poolLogit,
      float bias, float pooledBias, Aggregation aggregation, float alphaTemperature, HistoryEncoder encoder,
      Projections projections) {
    this.encoder = encoder;
    this.projections = projections;
    this.aggregation = aggregation;
    this.alphaTemperature = alphaTemperature;
    this.shape = shape;
    this.vocabulary = vocabulary;
    this.theta = theta;
    this.phi = phi;
    this.poolLogit = poolLogit;
    this.bias = bias;
    this.pooledBias = pooledBias;
  }

  /**
   * The model of a trained network whose items are ids only.
   *
   * @throws ModelException if the network's dimensions do not fit {@code shape} or the vocabulary, or it reads content
   */
  public static AttentionModel fromNetwork(ComputationGraph network, ModelShape shape, Vocabulary vocabulary) {
    return fromNetwork(network, shape, vocabulary, null);
  }

  /**
   * The model of a trained network.
   *
   * @param content the content vectors its items were trained with (null when {@code shape} has no content)
   * @throws ModelException if the network's dimensions do not fit {@code shape}, the vocabulary or the content
   */
  public static AttentionModel fromNetwork(ComputationGraph network, ModelShape shape, Vocabulary vocabulary,
      ItemContent content) {
    INDArray e = param(network, AttentionNetwork.EMBED + "_W");
    if (e.rows() != shape.items() || e.columns() != shape.dim() || vocabulary.size() != shape.items()) {
      throw new ModelException("Cannot use the network: its embedding table is " + e.rows() + "×" + e.columns()
          + " for a vocabulary of " + vocabulary.size() + " items, but the model's shape is " + shape);
    }
    INDArray wt = param(network, AttentionNetwork.VERTEX + "_" + AttentionVertex.W_THETA);
    if (wt.columns() != shape.projection()) {
      throw new ModelException("Cannot use the network: W_θ is " + wt.rows() + "×" + wt.columns() + " but k = " + shape.projection());
    }
    INDArray wc = null;
    if (shape.content() > 0) {
      wc = param(network, AttentionNetwork.VERTEX + "_" + AttentionVertex.W_CONTENT);
      if (content == null || content.items() != shape.items() || content.dim() != shape.content() || wc.rows() != content.dim()) {
        throw new ModelException("Cannot use the network: it reads content vectors of length " + shape.content() + " for "
            + shape.items() + " items (W_c " + wc.rows() + "×" + wc.columns() + "), but was given "
            + (content == null ? "none" : content.items() + " of length " + content.dim()));
      }
      e = e.add(Nd4j.create(content.vectors(), new long[] {shape.items(), shape.content()}, 'c').mmul(wc));
    } else if (content != null) {
      throw new ModelException("Cannot use the network: its items are ids only, but it was given content vectors");
    }
    AttentionVertex vertex = (AttentionVertex) network.getConfiguration().getVertices().get(AttentionNetwork.VERTEX);
    INDArray unknown = network.paramTable().get(AttentionNetwork.VERTEX + "_" + AttentionVertex.UNKNOWN_ID);
    Projections projections = new Projections(shape, vertex.contextBlocks() == 0, wc, unknown, wt,
        param(network, AttentionNetwork.VERTEX + "_" + AttentionVertex.W_PHI),
        param(network, AttentionNetwork.VERTEX + "_" + AttentionVertex.W_POOL),
        param(network, AttentionNetwork.VERTEX + "_" + AttentionVertex.B_POOL),
        param(network, AttentionNetwork.VERTEX + "_" + AttentionVertex.V_POOL));
    float[] x = e.castTo(DataType.FLOAT).dup('c').data().asFloat();
    HistoryEncoder encoder = vertex.contextBlocks() == 0 ? null : HistoryEncoder.of(
        name -> param(network, AttentionNetwork.VERTEX + "_" + name), vertex.contextBlocks(), x, shape.dim(), wt);
    float[][] tables = projections.tables(x);
    float b = param(network, AttentionNetwork.VERTEX + "_" + AttentionVertex.BIAS).getFloat(0);
    float bp = param(network, AttentionNetwork.VERTEX + "_" + AttentionVertex.B_POOLED).getFloat(0);
    return new AttentionModel(shape, vocabulary, tables[0], tables[1], tables[2], b, bp, vertex.aggregation(),
        (float) vertex.alphaTemperature(), encoder, projections);
  }

  /**
   * This model with {@code ids} appended to its vocabulary, each placed by its content vector: x = E_u + W_cᵀ c (no
   * learned id part of its own: training never saw them; E_u, learned with id dropout, else zeros, stands for it), then
   * θ, φ and the pooling logit as for every item. The items it knows are unchanged.
   *
   * @param vectors row-major [ids × c], each a content vector of the model's length (none all zeros)
   * @throws ModelException if the model does not read content, or an id is known already
   */
  public AttentionModel withNewItems(java.util.List<String> ids, float[] vectors) {
    if (shape.content() == 0) {
      throw new ModelException("Cannot place new items: this model's items are ids only (trained with train.content = false)");
    }
    if (vectors.length != ids.size() * shape.content()) {
      throw new IllegalArgumentException("Expected " + ids.size() + " content vectors of length " + shape.content()
          + ", got " + vectors.length + " floats");
    }
    if (ids.isEmpty()) {
      return this;
    }
    float[] x = projections.fromContent(vectors, ids.size());
    float[][] tables = projections.tables(x);
    ModelShape grown = new ModelShape(shape.items() + ids.size(), shape.dim(), shape.projection(), shape.poolHidden(),
        shape.history(), shape.content());
    return new AttentionModel(grown, vocabulary.plus(ids), concat(theta, tables[0]), concat(phi, tables[1]),
        concat(poolLogit, tables[2]), bias, pooledBias, aggregation, alphaTemperature,
        encoder == null ? null : encoder.withMoreItems(x), projections);
  }

  /** True when this model reads content, and so can place items it never saw ({@link #withNewItems}). */
  public boolean readsContent() {
    return shape.content() > 0;
  }

  private static float[] concat(float[] a, float[] b) {
    float[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /**
   * The trained matrices that turn an item's x into its table rows (θ when there is no encoder, φ, the pooling logit),
   * and a content vector into x: plain arrays, so that the model stays serialisable.
   */
  private record Projections(int dim, int content, int k, int hidden, boolean theta, float[] wc, float[] unknown,
      float[] wt, float[] wp, float[] wa, float[] ba, float[] v) implements Serializable {
    Projections(ModelShape shape, boolean theta, INDArray wc, INDArray unknown, INDArray wt, INDArray wp, INDArray wa,
        INDArray ba, INDArray v) {
      this(shape.dim(), shape.content(), shape.projection(), shape.poolHidden(), theta, wc == null ? null : floats(wc),
          unknown == null ? new float[shape.dim()] : floats(unknown), floats(wt), floats(wp), floats(wa), floats(ba),
          floats(v));
    }

    /** x = E_u + C W_c of n content vectors, row-major [n × d]. */
    float[] fromContent(float[] vectors, int n) {
      return matrix(vectors, n, content).mmul(matrix(wc, content, dim)).addRowVector(matrix(unknown, 1, dim))
          .dup('c').data().asFloat();
    }

    /** θ (empty when an encoder computes it), φ and the pooling logit e = vᵀ tanh(W_aᵀ x + b_a) of the items x [n × d]. */
    float[][] tables(float[] x) {
      INDArray items = matrix(x, x.length / dim, dim);
      float[] thetas = theta ? items.mmul(matrix(wt, dim, k)).dup('c').data().asFloat() : new float[0];
      float[] phis = items.mmul(matrix(wp, dim, k)).dup('c').data().asFloat();
      float[] pool = Transforms.tanh(items.mmul(matrix(wa, dim, hidden)).addRowVector(matrix(ba, 1, hidden)), false)
          .mmul(matrix(v, hidden, 1)).dup('c').data().asFloat();
      return new float[][] {thetas, phis, pool};
    }

    private static float[] floats(INDArray a) {
      return a.castTo(DataType.FLOAT).dup('c').data().asFloat();
    }

    private static INDArray matrix(float[] values, long rows, long columns) {
      return Nd4j.create(values, new long[] {rows, columns}, 'c');
    }
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
    return new AttentionModel(shape, vocabulary, theta, new float[0], poolLogit, bias, pooledBias, aggregation,
        alphaTemperature, encoder, projections);
  }

  /** Bytes of the item tables (θ or the encoder's embeddings, and φ), what a broadcast of this model costs per executor. */
  public long tableBytes() {
    return 4L * (theta.length + phi.length + poolLogit.length) + (encoder == null ? 0 : encoder.bytes());
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

  /** τ of α_ij = σ(θ_iᵀφ_j / τ + b). */
  public float alphaTemperature() {
    return alphaTemperature;
  }

  /** α = σ(ℓ / τ + b) of a similarity ℓ = θ_iᵀφ_j: the seed's equation 4.1, the one formula every scorer follows. */
  public float alpha(float similarity) {
    return Sigmoid.of(similarity / alphaTemperature + bias);
  }

  /** How α over the history become a score. */
  public Aggregation aggregation() {
    return aggregation;
  }

  /** True when θ_i depends on the items before i in the history ({@link HistoryEncoder}), not on item i alone. */
  public boolean contextAware() {
    return encoder != null;
  }

  /**
   * θ of every item of a history, oldest first: row-major [length × k], what α_ij of the history
   * are computed from. Item i's own row of the θ table, or its encoding in context.
   */
  public float[] thetaRows(UserHistory h) {
    if (encoder != null) {
      return encoder.thetaRows(h.items());
    }
    int k = k();
    float[] rows = new float[h.length() * k];
    for (int r = 0; r < h.length(); r++) {
      System.arraycopy(theta, h.items()[r] * k, rows, r * k, k);
    }
    return rows;
  }

  /** φ of item j, k floats starting at {@code j * k} of {@link #phiTable()}. */
  public float[] phiTable() {
    return phi;
  }

  /** α_ij for each history item i of {@code h} and candidate j. */
  public float[] alphas(UserHistory h, int candidate) {
    int k = k();
    float[] rows = thetaRows(h);
    float[] a = new float[h.length()];
    for (int r = 0; r < a.length; r++) {
      a[r] = alpha(dot(rows, r * k, phi, candidate * k, k));
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
    return rankingScores(h, new int[] {candidate})[0];
  }

  /** {@link #rankingScore} of each of {@code candidates}, the history's θ rows computed once. */
  public float[] rankingScores(UserHistory h, int[] candidates) {
    int k = k();
    float[] rows = thetaRows(h);
    double den = h.weightSum();
    float[] out = new float[candidates.length];
    for (int j = 0; j < candidates.length; j++) {
      double sum = 0;
      for (int r = 0; r < h.length(); r++) {
        float similarity = dot(rows, r * k, phi, candidates[j] * k, k);
        sum += aggregation.contribution(h.weights()[r], alpha(similarity), similarity, den);
      }
      out[j] = (float) sum;
    }
    return out;
  }

  /** The target-independent user vector u = Σ_i a_i θ_i, a_i = w_i exp(e_i) / Σ_l w_l exp(e_l). */
  public float[] userVector(UserHistory h) {
    return userVector(h, thetaRows(h));
  }

  /** {@link #userVector(UserHistory)} from the history's θ rows, already computed ({@link #thetaRows}). */
  public float[] userVector(UserHistory h, float[] rows) {
    int k = k();
    double[] u = new double[k];
    double norm = 0;
    for (int r = 0; r < h.length(); r++) {
      double a = h.weights()[r] * Math.exp(poolLogit[h.items()[r]]);
      norm += a;
      for (int c = 0; c < k; c++) {
        u[c] += a * rows[r * k + c];
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
    return Sigmoid.of(dot(userVector, 0, phi, candidate * k(), k()) + pooledBias);
  }

  private static float dot(float[] x, int xo, float[] y, int yo, int k) {
    float s = 0;
    for (int c = 0; c < k; c++) {
      s += x[xo + c] * y[yo + c];
    }
    return s;
  }
}
