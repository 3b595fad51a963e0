package io.attnflow.core.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.samediff.SameDiffGraphVertex;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The attention mechanism as a DL4J graph vertex, written in SameDiff so that DL4J (and dl4j-spark)
 * can train it, at the level of whole sequences: one pass over a window of a user's L + 1 items
 * predicts each of its last L items from the items before it (causal target attention), so every
 * history projection is computed once for all the positions that see it.
 *
 * <p>Inputs: {@code x} [B, L+1+M, d], the embeddings of the window's items (oldest first, padded on
 * the left) followed by M negatives drawn for the window, from the one embedding table of the
 * network; {@code context} [B, 3L+1] (see {@link TrainingWindows}): the event weight of each history
 * position, whether each target counts, and each item's time in days; for a model that reads content,
 * {@code content} [B, L+1+M, c], the same items' content vectors ({@link ItemContent}), projected by a
 * learned W_c and added: an item is x_j = E_j + W_cᵀ c_j, whatever the equations below do with it; and when training
 * drops ids ({@link NetworkSpec#idDropout()}), {@code kept} [B, L+1+M], 1 where an item keeps its id part and 0 where
 * its id part is E_u instead, the learned id part of an item without one: x_j = E_u + W_cᵀ c_j, as scoring places an
 * item it has never seen (the scoring form keeps every id and has no {@code kept}); in training, {@code ids}
 * [B, L+1+M], the same items' indices (the network's {@code items} input), by which each window finds its own items
 * among the pooled negatives. The negatives of all B windows
 * form one pool of N = B·M that every position of the batch is scored against, so that they are
 * embedded and projected once for the batch. Per window, with t a target position (predicting item
 * t+1 from items i ≤ t):
 *
 * <pre>
 *   g_i  = x_i, or with c context blocks the i-th output of the {@link HistoryEncoder} over the window
 *   θ_i  = W_θᵀ g_i,   φ_j = W_φᵀ x_j                              (k-dim projections)
 *   ℓ_ij = θ_iᵀ φ_j,   α_ij = σ(ℓ_ij / τ + b)                       (seed eq. 4.1; τ the α temperature)
 *   w_ti = the history weight of item i seen from target t            ({@link HistoryWeights#matrix}: banded, causal)
 *   z_tj = Σ_i w_ti α_ij ℓ_ij / Σ_i w_ti                             (interest: {@link Aggregation#INTEREST}; s = σ(z))
 *     or Σ_i w_ti α_ij / Σ_i w_ti                                     (weighted mean: {@link Aggregation#MEAN})
 *   e_i  = vᵀ tanh(W_a x_i + b_a),  a_ti = w_ti exp(e_i) / Σ_l w_tl exp(e_l)   (additive attention pooling)
 *   u_t  = Σ_i a_ti θ_i,            p_tj = u_tᵀ φ_j + b_p           (target-independent user vector)
 * </pre>
 * The two weighted sums over the history are one batched product each: the banded matrix of w
 * [L × L] times the [L × N] terms of every pooled candidate. Each target position is scored against
 * its own item and the batch's N pooled negatives but those that are its window's own items, history or targets
 * ({@link TrainingWindows#ownInPool}: drawn for another window, they are items this user chose, and a softmax with them
 * pushes each position's other choices down); the loss ({@link TrainingLoss}) applies to z and to p,
 * so that the pooled user vector ranks like the attention score and can serve as a cheap first stage. p is trained
 * against its window's own M negatives only: against the whole pool it doubled the step's [B, L, N] work (the GEMM,
 * its gradient and the loss's elementwise ops) for a head that only shortlists.
 *
 * <p>Output: the window's loss [B, 1], summed over its counted targets (train with
 * {@link InputAsLoss}); or, in scoring form, [B, 2·L·(1+N)]: z of every target position and
 * candidate (its own item first, then the pool), then p, for parity checks against the scoring kernel.
 *
 * <p>Fields are Jackson properties because DL4J ships the network's configuration as JSON (to Spark
 * executors, into model files).
 */
public class AttentionVertex extends SameDiffVertex {
  public static final String W_THETA = "Wt";
  public static final String W_PHI = "Wp";
  public static final String BIAS = "b";
  public static final String W_POOL = "Wa";
  public static final String B_POOL = "ba";
  public static final String V_POOL = "v";
  public static final String B_POOLED = "bp";
  public static final String W_CONTENT = "Wc";
  /** E_u, the id part of an item without a learned one (a network trained with id dropout has it). */
  public static final String UNKNOWN_ID = "Eu";
  /** The system property that makes networks built after it use DL4J's two-pass vertex (see {@link #instantiate}). */
  public static final String TWO_PASSES = "attnflow.train.two-passes";
  /**
   * The system property that, set to "pooled", keeps each window's own items in its pool for networks built after it,
   * as networks before session 40 did (see {@link #ownLeftOut}): for benchmarks, and for the parity test against
   * DL4J's two-pass vertex, which cannot read the {@code ids} that the embedding layer reads too (its gradient for them
   * and the layer's none do not add up), and so always keeps them.
   */
  public static final String OWN_ITEMS = "attnflow.train.own-items";
  /**
   * The system property that chooses, for networks built after it, where a training step's pool part runs: "hand" (the
   * {@link PoolHead}) or "samediff"; unset, by the pool's size ({@link #handHead}). For benchmarks and tests.
   */
  public static final String POOL_PART = "attnflow.train.pool";
  /**
   * The fewest negatives a window that make the {@link PoolHead} the faster ({@link #handHead}):
   * {@code bin/bench-train-step --passes all}, session 26 (docs/experiments.md).
   */
  static final int HAND_HEAD_NEGATIVES = 32;
  /**
   * The system property that chooses, for networks built after it, where a training step's history encoder runs:
   * "hand" (the {@link EncoderPass}, the default) or "samediff". For benchmarks and tests.
   */
  public static final String ENCODER_PART = "attnflow.train.encoder";
  /**
   * The system property that chooses, for networks built after it, where the rest of a training step runs when its pool
   * part and encoder run by hand: "hand" (the {@link StepPass}, the default) or "samediff". For benchmarks and tests.
   */
  public static final String STEP_PART = "attnflow.train.step";
  /** The encoded history slots the {@link EncoderPass} hands the training graph, and whose gradient it takes back. */
  static final String ENCODED = "encoded";
  /** The values the training graph hands the {@link PoolHead}, and the gradients it takes back ({@link #handHead}). */
  static final String HEAD_THETA = "head_theta";
  static final String HEAD_PHI = "head_phi";
  static final String HEAD_WEIGHTS = "head_weights";
  static final String HEAD_TARGETS = "head_targets";
  static final String HEAD_POOLED_LOSS = "head_pooled_loss";
  static final String GRADIENT = "_gradient";
  /** The head's gradient of b, over the windows of the batch: every window adds its share of it through b ⊙ g. */
  static final String HEAD_BIAS_GRADIENT = "head_bias" + GRADIENT;

  /**
   * The initial spread of W_c: a unit content vector then starts at the size of an initial id embedding
   * (each of d values N(0, 0.1), {@link AttentionNetwork}).
   */
  private static final double CONTENT_INIT = 0.1;

  /** I, the vocabulary's items (the share of them a head's negatives make up calibrates {@link TrainingLoss#GBCE}). */
  @JsonProperty private int items;
  @JsonProperty private int dim;
  @JsonProperty private int projection;
  @JsonProperty private int poolHidden;
  @JsonProperty private int history;
  @JsonProperty private int window;
  @JsonProperty private int negatives;
  @JsonProperty private long seed;
  @JsonProperty private Aggregation aggregation;
  @JsonProperty private TrainingLoss loss;
  @JsonProperty private double alphaTemperature;
  /** c, the length of the content vectors read (0: items are ids only, no {@code content} input). */
  @JsonProperty private int content;
  /** The share of item occurrences whose id part training drops (0: none, no {@code kept} input). */
  @JsonProperty private double idDropout;
  /** Self-attention blocks of the {@link HistoryEncoder} (0: none, θ_i = W_θᵀ x_i). */
  @JsonProperty private int contextBlocks;
  @JsonProperty private double halfLifeDays;
  @JsonProperty private double halfLifeEvents;
  @JsonProperty private double decayFloor;
  /** Output every position's scores instead of the loss (parity checks). */
  @JsonProperty private boolean scores;
  /**
   * Whether a window's own items leave its pool (input {@code ids}): training networks built since session 40 (unless
   * {@value #OWN_ITEMS} or {@value #TWO_PASSES} says otherwise); false in the configuration of one built before, which
   * scored each position against the whole pool.
   */
  @JsonProperty private boolean ownLeftOut;
  /**
   * Whether a training step's pool part (z against the pooled negatives and its softmax) is the {@link PoolHead}'s, by
   * hand, outside the SameDiff graph: the graph then ends in the values the head reads (see {@link #defineVertex}).
   * Training networks of the softmax loss have it when the rest of the step can be by hand too ({@link #handStep}),
   * else when each window brings at least {@value #HAND_HEAD_NEGATIVES} negatives (or {@value #POOL_PART} says "hand";
   * never under {@value #TWO_PASSES}). With the rest in SameDiff, the head saves the pool's [B, L, N] ops and costs a
   * second SameDiff execution of that rest: at ML-1M's 32 windows and 2,048 negatives a step took 22% less, at the
   * demo's 16 and 256 8–9% more, at 32 a window as much or 10–13% less.
   */
  @JsonProperty private boolean handHead;
  /**
   * Whether a training step's history encoder is the {@link EncoderPass}'s, by hand, outside the SameDiff graph: the
   * graph then reads the encoded slots as {@value #ENCODED}. Training networks with context blocks have it (unless
   * {@value #ENCODER_PART} says "samediff", or under {@value #TWO_PASSES}); the scoring form computes the encoder in
   * SameDiff, for parity checks.
   */
  @JsonProperty private boolean handEncoder;
  /**
   * Whether the whole training step is by hand: the {@link StepPass} with the {@link PoolHead} and the
   * {@link EncoderPass}, no SameDiff execution at all. Training networks of the softmax loss have it when their
   * encoder is by hand or they have none (unless {@value #STEP_PART} or {@value #POOL_PART} says "samediff"): at the
   * demo's shape a step takes 31–33% less than in one SameDiff execution, at ML-1M's 8–20% less than with the head
   * alone by hand (docs/experiments.md, session 33).
   */
  @JsonProperty private boolean handStep;

  /** For DL4J's JSON configuration reader. */
  public AttentionVertex() {}

  public AttentionVertex(NetworkSpec spec, long seed, boolean scores) {
    this.items = spec.shape().items();
    this.dim = spec.shape().dim();
    this.projection = spec.shape().projection();
    this.poolHidden = spec.shape().poolHidden();
    this.content = spec.shape().content();
    this.idDropout = spec.idDropout();
    this.history = spec.shape().history();
    this.window = spec.window();
    this.negatives = spec.negatives();
    this.aggregation = spec.aggregation();
    this.loss = spec.loss();
    this.alphaTemperature = spec.alphaTemperature();
    this.contextBlocks = spec.contextBlocks();
    this.halfLifeDays = spec.weights().halfLifeDays();
    this.halfLifeEvents = spec.weights().halfLifeEvents();
    this.decayFloor = spec.weights().decayFloor();
    this.seed = seed;
    this.scores = scores;
    this.ownLeftOut = !scores && !Boolean.getBoolean(TWO_PASSES) && !"pooled".equals(System.getProperty(OWN_ITEMS));
    String pool = System.getProperty(POOL_PART, "");
    this.handEncoder = !scores && contextBlocks > 0 && !Boolean.getBoolean(TWO_PASSES)
        && !System.getProperty(ENCODER_PART, "hand").equals("samediff");
    boolean wholeStep = (contextBlocks == 0 || handEncoder)
        && !System.getProperty(STEP_PART, "hand").equals("samediff");
    this.handHead = !scores && loss == TrainingLoss.SOFTMAX && !Boolean.getBoolean(TWO_PASSES)
        && (pool.equals("hand") || !pool.equals("samediff") && (wholeStep || negatives >= HAND_HEAD_NEGATIVES));
    this.handStep = handHead && wholeStep;
  }

  /**
   * The vertex in a network: {@link OnePassVertex}, whose training steps run the graph once; with the system property
   * {@value #TWO_PASSES} true, DL4J's own, which runs it forward again inside the backward pass (for benchmarks).
   */
  @Override
  public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int index,
      INDArray params, boolean initialize, DataType dataType) {
    setName(name);
    // here, not where the graph is defined: the softmax step runs by hand and may never define it
    OpMemory.install();
    return Boolean.getBoolean(TWO_PASSES) && !handHead && !handEncoder
        ? new SameDiffGraphVertex(this, graph, name, index, params, initialize, dataType)
        : new OnePassVertex(this, graph, name, index, params, initialize, dataType);
  }

  @Override
  public void defineParametersAndInputs(SDVertexParams params) {
    List<String> inputs = new ArrayList<>(List.of("x", "context"));
    if (content > 0) {
      inputs.add("content");
      if (idDropout > 0 && !scores) {
        inputs.add("kept");
      }
    }
    if (ownLeftOut) {
      inputs.add("ids");
    }
    params.defineInputs(inputs.toArray(String[]::new));
    if (content > 0) {
      params.addWeightParam(W_CONTENT, content, dim);
      if (idDropout > 0) {
        params.addWeightParam(UNKNOWN_ID, 1, dim);
      }
    }
    params.addWeightParam(W_THETA, dim, projection);
    params.addWeightParam(W_PHI, dim, projection);
    params.addBiasParam(BIAS, 1, 1);
    params.addWeightParam(W_POOL, dim, poolHidden);
    params.addBiasParam(B_POOL, 1, poolHidden);
    params.addWeightParam(V_POOL, poolHidden, 1);
    params.addBiasParam(B_POOLED, 1, 1);
    if (contextBlocks > 0) {
      HistoryEncoder.declare(params, contextBlocks, window, dim);
    }
  }

  @Override
  public SDVariable defineVertex(SameDiff sd, Map<String, SDVariable> in, Map<String, SDVariable> p,
      Map<String, SDVariable> masks) {
    int l = window;
    int k = projection;
    SDVariable ids = in.get("x");
    if (idDropout > 0 && !scores) { // kept ⊙ E + (1 − kept) ⊗ E_u
      SDVariable kept = in.get("kept").reshape(-1, l + 1 + negatives, 1);
      ids = ids.mul(kept).add(kept.rsub(1).mul(p.get(UNKNOWN_ID).reshape(1, 1, dim)));
    }
    SDVariable x = content == 0 ? ids                                                       // [B, L+1+N, d]
        : ids.add(in.get("content").reshape(-1, content).mmul(p.get(W_CONTENT)).reshape(-1, l + 1 + negatives, dim));
    SDVariable context = in.get("context");                                                 // [B, 3L+1]
    SDVariable events = context.get(SDIndex.all(), SDIndex.interval(0, l));                  // [B, L]
    SDVariable counted = context.get(SDIndex.all(), SDIndex.interval(l, 2 * l));             // [B, L]
    // [B, L+1], sliced only when used: an unused slice breaks SameDiff's backward pass in ND4J 1.0.0-M2.1
    java.util.function.Supplier<SDVariable> days = () -> context.get(SDIndex.all(), SDIndex.interval(2 * l, 3 * l + 1));

    SDVariable xh = x.get(SDIndex.all(), SDIndex.interval(0, l), SDIndex.all()).reshape(-1, dim);
    SDVariable xt = x.get(SDIndex.all(), SDIndex.interval(1, l + 1), SDIndex.all()).reshape(-1, dim);
    SDVariable xn = x.get(SDIndex.all(), SDIndex.interval(l + 1, l + 1 + negatives), SDIndex.all()).reshape(-1, dim);
    SDVariable encoded = contextBlocks == 0 ? xh
        : handEncoder ? sd.placeHolder(ENCODED, DataType.FLOAT, -1, dim)                    // the EncoderPass's
        : HistoryEncoder.define(sd, x.get(SDIndex.all(), SDIndex.interval(0, l), SDIndex.all()), events, p,
            contextBlocks, l, dim);
    SDVariable thetaRows = encoded.mmul(p.get(W_THETA));                                    // [B·L, k]
    SDVariable theta = thetaRows.reshape(-1, l, k);                                        // [B, L(i), k]
    SDVariable phiTargets = xt.mmul(p.get(W_PHI)).reshape(-1, l, k);                       // [B, L(t), k]
    SDVariable phiPool = xn.mmul(p.get(W_PHI));                                            // [N = B·M, k]

    SDVariable w = weights().matrix(sd, events, days, l, history);                          // [B, L(t), L(i)]
    // w_ti / Σ_i w_ti: normalised before the products, so that no [B, L, N] tensor is divided (nor its gradient)
    SDVariable wn = w.div(w.sum(true, 2).add(1e-12));                                      // [B, L(t), L(i)]
    // z of each target's own item: the diagonal terms ℓ_{i,t+1}, weighted along each row of w
    SDVariable similarityTargets = sd.mmul(phiTargets, theta.permute(0, 2, 1));           // [B, L(t), L(i)]
    SDVariable zTargets = terms(sd, similarityTargets, p).mul(wn).sum(true, 2);             // [B, L, 1]
    SDVariable zNegatives = handHead ? null                                                 // the head's
        : sd.mmul(wn, terms(sd, againstPool(sd, theta, phiPool), p));                       // [B, L(t), N]
    if (ownLeftOut && zNegatives != null) {
      zNegatives = zNegatives.add(ownInPool(sd, in.get("ids"), events, counted).mul(PoolHead.LEFT_OUT));
    }

    SDVariable e = sd.math.tanh(xh.mmul(p.get(W_POOL)).add(p.get(B_POOL))).mmul(p.get(V_POOL))
        .reshape(-1, 1, l);                                                                 // [B, 1, L(i)]
    SDVariable we = w.mul(sd.math.exp(e));                                                  // w_ti exp(e_i)
    SDVariable a = we.div(we.sum(true, 2).add(1e-12));                                     // [B, L(t), L(i)]
    SDVariable u = sd.mmul(a, theta);                                                       // [B, L(t), k]
    SDVariable pTargets = u.mul(phiTargets).sum(true, 2).add(p.get(B_POOLED));              // [B, L, 1]
    // p trains against its window's own M negatives (class doc), is scored against the whole pool
    SDVariable pNegatives = (scores ? againstPool(sd, u, phiPool)                           // [B, L(t), N]
        : sd.mmul(u, phiPool.reshape(-1, negatives, k).permute(0, 2, 1))).add(p.get(B_POOLED)); // [B, L(t), M]

    if (scores) {
      SDVariable z = sd.concat(2, zTargets, zNegatives);                                   // [B, L, 1+N]
      SDVariable pooled = sd.concat(2, pTargets, pNegatives);
      SDVariable rows = sd.concat(0, z.shape().get(SDIndex.interval(0, 1)).castTo(DataType.LONG),
          sd.constant(Nd4j.createFromArray(-1L)));                                         // [B, -1]
      return sd.concat(1, z.reshape(rows), pooled.reshape(rows));
    }
    SDVariable pooledLoss = positionLoss(sd, pTargets, pNegatives).mul(counted).sum(true, 1); // [B, 1]
    if (handHead) {
      return headSurrogate(sd, thetaRows, phiPool, wn, zTargets, p.get(BIAS), pooledLoss);
    }
    return positionLoss(sd, zTargets, zNegatives).mul(counted).sum(true, 1).add(pooledLoss); // [B, 1]
  }

  /**
   * The graph's end when the {@link PoolHead} computes the pool part: the values it reads, named, and as output, per
   * window, the pooled head's loss plus Σ v ⊙ g over those values v and b, with g placeholders that
   * {@link OnePassVertex} feeds with the head's gradients of them. The gradient of that output (1 a window) with
   * respect to everything before is then the whole loss's: the chain rule from the head's gradients on. Its value is
   * not the loss (the vertex computes that from the head's loss and {@value #HEAD_POOLED_LOSS}).
   */
  private SDVariable headSurrogate(SameDiff sd, SDVariable thetaRows, SDVariable phiPool, SDVariable wn,
      SDVariable zTargets, SDVariable bias, SDVariable pooledLoss) {
    int l = window;
    int k = projection;
    SDVariable surrogate = pooledLoss.rename(HEAD_POOLED_LOSS);
    SDVariable[] values = {thetaRows.rename(HEAD_THETA), phiPool.rename(HEAD_PHI), wn.rename(HEAD_WEIGHTS),
        zTargets.rename(HEAD_TARGETS)};
    long[][] shapes = {{-1, k}, {-1, k}, {-1, l, l}, {-1, l, 1}};
    long[] perWindow = {(long) l * k, (long) negatives * k, (long) l * l, l};
    for (int v = 0; v < values.length; v++) {
      SDVariable gradient = sd.placeHolder(values[v].name() + GRADIENT, DataType.FLOAT, shapes[v]);
      surrogate = surrogate.add(values[v].mul(gradient).reshape(-1, perWindow[v]).sum(true, 1));
    }
    return surrogate.add(bias.mul(sd.placeHolder(HEAD_BIAS_GRADIENT, DataType.FLOAT, 1, 1)));
  }

  /**
   * {@link TrainingWindows#ownInPool} in the graph, [B, 1, N]: 1 where pooled negative j is one of window b's items (a
   * slot with an event weight above 0 as history, or counted as a target), else 0. Built from comparisons, whose
   * boolean results no gradient passes through.
   */
  private SDVariable ownInPool(SameDiff sd, SDVariable ids, SDVariable events, SDVariable counted) {
    int l = window;
    SDVariable own = ids.get(SDIndex.all(), SDIndex.interval(0, l + 1)).reshape(-1, l + 1, 1);     // [B, L+1, 1]
    SDVariable pool = ids.get(SDIndex.all(), SDIndex.interval(l + 1, l + 1 + negatives))
        .reshape(1, 1, -1);                                                                        // [1, 1, N]
    SDVariable same = sd.eq(own, pool).castTo(DataType.FLOAT);                                     // [B, L+1, N]
    SDVariable none = counted.sum(true, 1).mul(0);                                                 // [B, 1]
    SDVariable real = sd.neq(sd.concat(1, events, none).add(sd.concat(1, none, counted)), 0.0)
        .castTo(DataType.FLOAT);                                                                   // [B, L+1]
    return same.mul(real.reshape(-1, l + 1, 1)).max(true, 1);                                     // [B, 1, N]
  }

  /** Whether a window's own items leave its pool (see {@link #ownLeftOut}). */
  boolean ownLeftOut() {
    return ownLeftOut;
  }

  /** Whether a training step's pool part is the {@link PoolHead}'s (see {@link #handHead}). */
  boolean handHead() {
    return handHead;
  }

  /** Whether a training step's history encoder is the {@link EncoderPass}'s (see {@link #handEncoder}). */
  boolean handEncoder() {
    return handEncoder;
  }

  /** Whether a whole training step is the {@link StepPass}'s (see {@link #handStep}). */
  boolean handStep() {
    return handStep;
  }

  /** A whole training step, by hand, for a vertex with {@link #handStep()}. */
  StepPass stepPass() {
    return new StepPass(window, history, dim, projection, poolHidden, weights(), contextBlocks, poolHead());
  }

  /** The history encoder of a training step, by hand, for a vertex with {@link #handEncoder()}. */
  EncoderPass encoderPass() {
    return new EncoderPass(contextBlocks, window, dim, false);
  }

  /** The pool part of a training step, by hand, for a vertex with {@link #handHead()}. */
  PoolHead poolHead() {
    return new PoolHead(aggregation, alphaTemperature);
  }

  /**
   * Every row of {@code rows} [B, L, k] dotted with every pooled φ [N, k]: one 2-D GEMM, reshaped to
   * [B, L, N] (N is known only at run time; {@code tensorMmul}'s backward pass fails on these ranks).
   */
  private SDVariable againstPool(SameDiff sd, SDVariable rows, SDVariable phiPool) {
    SDVariable shape = sd.concat(0, sd.constant(Nd4j.createFromArray(-1L, window)),
        phiPool.shape().get(SDIndex.interval(0, 1)).castTo(DataType.LONG));
    return sd.mmul(rows.reshape(-1, projection), phiPool, false, true, false).reshape(shape);
  }

  /** What each history item adds for a candidate before the weighting: α ℓ (interest) or α (mean). */
  private SDVariable terms(SameDiff sd, SDVariable similarity, Map<String, SDVariable> p) {
    SDVariable alpha = sd.nn.sigmoid(similarity.div(alphaTemperature).add(p.get(BIAS)));
    return aggregation == Aggregation.MEAN ? alpha : alpha.mul(similarity);
  }

  /**
   * Per target position [B, L]: the loss of its own item's logit [B, L, 1] against the pool's
   * [B, L, N]. Built from elementwise arithmetic and whole-tensor reductions: in ND4J 1.0.0-M2.1 the
   * backward passes of {@code logSumExp}, of {@code logSoftmax} along a dimension and of a sum over a
   * slice fail on these shapes.
   */
  private SDVariable positionLoss(SameDiff sd, SDVariable positive, SDVariable pool) {
    if (loss == TrainingLoss.SOFTMAX || loss == TrainingLoss.SOFTMAX_AUC) {
      // −log softmax of the positive among 1 + N: log Σ_c exp(z_c) − z+
      SDVariable logits = sd.concat(2, positive, pool);
      SDVariable max = logits.max(true, 2);
      SDVariable softmax = sd.math.log(sd.math.exp(logits.sub(max)).sum(true, 2)).add(max).sub(positive);
      // + mean_j softplus(z_j − z+)
      return (loss == TrainingLoss.SOFTMAX ? softmax : softmax.add(sd.nn.softplus(pool.sub(positive)).mean(true, 2)))
          .reshape(-1, window);
    }
    if (loss == TrainingLoss.GBCE) { // −β log σ(z+) − Σ_j log(1 − σ(z_j)), β = 1 − t(1 − N / (I − 1))
      SDVariable share = pool.shape().get(SDIndex.point(2)).castTo(DataType.FLOAT).div(Math.max(1, items - 1));
      SDVariable beta = share.mul(TrainingLoss.GBCE_CALIBRATION).add(1 - TrainingLoss.GBCE_CALIBRATION);
      return sd.nn.softplus(positive.neg()).mul(beta).add(sd.nn.softplus(pool).sum(true, 2)).reshape(-1, window);
    }
    // −log σ(z+) − mean_j log(1 − σ(z_j)) = softplus(−z+) + mean_j softplus(z_j)
    return sd.nn.softplus(positive.neg()).add(sd.nn.softplus(pool).mean(true, 2)).reshape(-1, window);
  }

  private HistoryWeights weights() {
    return new HistoryWeights(Map.of(), halfLifeDays, halfLifeEvents, decayFloor);
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
    if (content > 0) {
      gaussian(params.get(W_CONTENT), CONTENT_INIT, random);
    }
    if (content > 0 && idDropout > 0) {
      params.get(UNKNOWN_ID).assign(0);
    }
    if (contextBlocks > 0) {
      HistoryEncoder.initialize(params, contextBlocks, dim, random);
    }
  }

  static void gaussian(INDArray target, double std, SplittableRandom random) {
    float[] values = new float[(int) target.length()];
    for (int i = 0; i < values.length; i++) {
      // Box-Muller: seeded and independent of ND4J's global random state
      double u1 = 1.0 - random.nextDouble();
      double u2 = random.nextDouble();
      values[i] = (float) (std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
    }
    target.assign(Nd4j.create(values, target.shape(), target.ordering()));
  }

  @Override
  public char paramReshapeOrder(String paramName) {
    return 'c';
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
    // the scores' width depends on the batch (its pooled negatives): declared for a batch of one window
    return InputType.feedForward(scores ? 2L * window * (1 + negatives) : 1);
  }

  /** A deep copy, inherited training state included (dl4j-spark clones configurations for its workers). */
  @Override
  public GraphVertex clone() {
    AttentionVertex c = new AttentionVertex();
    c.items = items;
    c.dim = dim;
    c.projection = projection;
    c.poolHidden = poolHidden;
    c.content = content;
    c.idDropout = idDropout;
    c.history = history;
    c.window = window;
    c.negatives = negatives;
    c.seed = seed;
    c.aggregation = aggregation;
    c.loss = loss;
    c.alphaTemperature = alphaTemperature;
    c.contextBlocks = contextBlocks;
    c.halfLifeDays = halfLifeDays;
    c.halfLifeEvents = halfLifeEvents;
    c.decayFloor = decayFloor;
    c.scores = scores;
    c.ownLeftOut = ownLeftOut;
    c.handHead = handHead;
    c.handEncoder = handEncoder;
    c.handStep = handStep;
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
    return o instanceof AttentionVertex v && v.items == items && v.dim == dim && v.projection == projection
        && v.poolHidden == poolHidden && v.content == content && v.idDropout == idDropout && v.history == history
        && v.window == window && v.negatives == negatives
        && v.seed == seed && v.aggregation == aggregation && v.loss == loss && v.alphaTemperature == alphaTemperature
        && v.contextBlocks == contextBlocks && v.halfLifeDays == halfLifeDays && v.halfLifeEvents == halfLifeEvents && v.decayFloor == decayFloor
        && v.scores == scores && v.ownLeftOut == ownLeftOut && v.handHead == handHead && v.handEncoder == handEncoder
        && v.handStep == handStep;
  }

  @Override
  public int hashCode() {
    return Objects.hash(items, dim, projection, poolHidden, content, idDropout, history, window, negatives, seed,
        aggregation, loss, alphaTemperature, contextBlocks, halfLifeDays, halfLifeEvents, decayFloor, scores,
        ownLeftOut, handHead, handEncoder, handStep);
  }

  /** The network this vertex belongs to, for a vocabulary of {@code items} and {@code negatives} a window (learning settings left at their defaults). */
  NetworkSpec spec(int items, int negatives) {
    return new NetworkSpec(new ModelShape(items, dim, projection, poolHidden, history, content), window, negatives, aggregation,
        loss, alphaTemperature, contextBlocks, 0, idDropout, weights(), 0.001, 0);
  }

  long seed() {
    return seed;
  }

  public Aggregation aggregation() {
    return aggregation;
  }

  /** τ of α_ij = σ(ℓ_ij / τ + b). */
  public double alphaTemperature() {
    return alphaTemperature;
  }

  /** Self-attention blocks of the history encoder, 0 for none. */
  public int contextBlocks() {
    return contextBlocks;
  }

  /** L, the target positions of a training window. */
  public int window() {
    return window;
  }

  /** N, the negatives a window's positions share. */
  public int negatives() {
    return negatives;
  }
}
