package io.attnflow.core.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The part of a {@link TrainingLoss#SOFTMAX} training step that grows with the batch's pool of N negatives, written by
 * hand: every target position's attention score against the pool and the softmax cross-entropy of its own item
 * against them, forward and backward, as {@link AttentionVertex}'s equations define them. SameDiff ran this part as
 * some twenty elementwise ops over [B, L, N] tensors and their gradients, each a pass through memory (at ML-1M's
 * shape, half of a step's time in ops, docs/experiments.md, session 26); here each elementwise stage is one SIMD pass
 * (the Vector API's exp), between the GEMMs, over buffers kept from one step to the next. With R = B·L rows, one a
 * target position, and the window's rows of its history items:
 *
 * <pre>
 *   ℓ = Θ Φᵀ                                  [R, N]   Θ the history items' θ rows, Φ the pool's φ rows
 *   T = α ⊙ ℓ (interest) or α (mean),         α = σ(ℓ / τ + b)
 *   Z_w = W_w T_w                             [L, N] per window w, W_w its normalised history weights [L, L]
 *   Z_wj = −10³⁰ where pooled negative j is one of window w's own items (left out of its softmax)
 *   loss_t = counted_t · (log(e^{z+_t} + Σ_j e^{Z_tj}) − z+_t)      z+_t the position's own item's score (SameDiff's)
 * backward, from the gradient 1 of every window's loss:
 *   dZ_tj = counted_t · softmax_tj,   dz+_t = counted_t · (softmax_t+ − 1)
 *   dW_w = dZ_w T_wᵀ,   dT_w = W_wᵀ dZ_w
 *   dℓ = dT ⊙ ∂T/∂ℓ,   db = Σ dT ⊙ ∂T/∂b
 *   dΘ = dℓ Φ,   dΦ = dℓᵀ Θ
 * </pre>
 * Not thread-safe: one head per thread ({@link OnePassVertex} keeps it with the thread's graph).
 */
final class PoolHead {
  private static final VectorSpecies<Float> SPECIES = Lanes.FLOATS;
  private static final ByteOrder ORDER = ByteOrder.nativeOrder();
  private static final FloatVector ONE = FloatVector.broadcast(SPECIES, 1f);

  private final boolean interest;
  private final float inverseTemperature;

  /** ℓ, then kept for the backward pass [R, N]. */
  private INDArray similarity;
  /** T, then dT, then dℓ [R, N]. */
  private INDArray terms;
  /** Z, then dZ [R, N]. */
  private INDArray scores;
  private ByteBuffer similarityBytes;
  private ByteBuffer termsBytes;
  private ByteBuffer scoresBytes;

  /**
   * The score that leaves a pooled negative out of a window's softmax: e^(Z − max) is then 0 (or, by {@link Exp}'s
   * clamp, 10^−38), and with it the negative's share and gradient ({@link TrainingWindows#ownInPool}).
   */
  static final float LEFT_OUT = -1e30f;

  /** What one step gives back: every window's loss, and the gradients SameDiff's part of the step continues from. */
  record Step(float[] loss, INDArray theta, INDArray phi, INDArray weights, INDArray targets, double bias) {}

  PoolHead(Aggregation aggregation, double alphaTemperature) {
    this.interest = aggregation == Aggregation.INTEREST;
    this.inverseTemperature = (float) (1 / alphaTemperature);
  }

  /**
   * One step over a batch of B windows of L target positions.
   *
   * @param theta the history items' θ rows [B·L, k]
   * @param phi the pool's φ rows [N, k]
   * @param weights each window's history weights, normalised along each target's row [B, L, L]
   * @param targets each position's score of its own item, z+ [B, L, 1] (or [B, L])
   * @param counted 1 where a position counts, 0 where it is padding [B, L]
   * @param ownInPool true at (w, j) where pooled negative j is one of window w's own items [B × N], left out of its
   *     softmax; null: none ({@link TrainingWindows#ownInPool})
   * @param bias b of α
   * @param gradients whether to compute the gradients (else only the loss)
   * @param weightGradient whether to compute the weights' too (null in the step otherwise: history weights that come
   *     from the windows alone, as the {@link StepPass}'s, need none)
   */
  Step step(INDArray theta, INDArray phi, INDArray weights, INDArray targets, INDArray counted, boolean[] ownInPool,
      float bias, boolean gradients, boolean weightGradient) {
    int windows = (int) weights.size(0);
    int positions = (int) weights.size(1);
    int rows = windows * positions;
    int n = (int) phi.size(0);
    reserve(rows, n);
    Nd4j.matmul(theta, phi, similarity, false, true, false);
    termsForward(rows * n, bias);
    INDArray terms3 = terms.reshape(windows, positions, n);
    INDArray scores3 = scores.reshape(windows, positions, n);
    Nd4j.matmul(weights, terms3, scores3, false, false, false);
    if (ownInPool != null) { // a window's few own items, found once, then left out of each of its positions' rows
      int[] marked = new int[n];
      for (int w = 0; w < windows; w++) {
        int count = 0;
        for (int j = 0; j < n; j++) {
          if (ownInPool[w * n + j]) {
            marked[count++] = j;
          }
        }
        for (int r = w * positions; r < (w + 1) * positions; r++) {
          for (int i = 0; i < count; i++) {
            scoresBytes.putFloat((r * n + marked[i]) * Float.BYTES, LEFT_OUT);
          }
        }
      }
    }

    float[] positive = targets.reshape(rows).toFloatVector();
    float[] count = counted.reshape(rows).toFloatVector();
    float[] loss = new float[windows];
    float[] positiveGradient = new float[rows];
    for (int r = 0; r < rows; r++) {
      loss[r / positions] += softmaxRow(r, n, positive, count, positiveGradient, gradients);
    }
    if (!gradients) {
      return new Step(loss, null, null, null, null, 0);
    }
    INDArray weightsGradient = !weightGradient ? null
        : Nd4j.matmul(scores3, terms3, Nd4j.create(DataType.FLOAT, windows, positions, positions), false, true, false);
    Nd4j.matmul(weights, scores3, terms3, true, false, false);
    double biasGradient = termsBackward(rows, n, bias);
    INDArray thetaGradient = Nd4j.matmul(terms, phi, Nd4j.create(DataType.FLOAT, rows, phi.size(1)), false, false, false);
    INDArray phiGradient = Nd4j.matmul(terms, theta, Nd4j.create(DataType.FLOAT, n, theta.size(1)), true, false, false);
    return new Step(loss, thetaGradient, phiGradient, weightsGradient,
        Nd4j.create(positiveGradient, new long[] {windows, positions, 1}, 'c'), biasGradient);
  }

  /** α = σ(ℓ / τ + b), the attention weight at similarity ℓ. */
  float alpha(float similarity, float bias) {
    return Sigmoid.of(similarity * inverseTemperature + bias);
  }

  /** T(ℓ): α ℓ (interest) or α (mean), what a history item adds to a candidate's score. */
  float term(float similarity, float bias) {
    float alpha = alpha(similarity, bias);
    return interest ? alpha * similarity : alpha;
  }

  /** ∂T/∂b at ℓ, given its α ({@link #alpha}): one σ serves both derivatives. */
  float termByBias(float alpha, float similarity) {
    float slope = alpha * (1 - alpha);                                                       // dα/du, u = ℓ/τ + b
    return interest ? slope * similarity : slope;
  }

  /** ∂T/∂ℓ at ℓ, given its α ({@link #alpha}). */
  float termBySimilarity(float alpha, float similarity) {
    float slope = alpha * (1 - alpha);
    return interest ? alpha + slope * similarity * inverseTemperature : slope * inverseTemperature;
  }

  /** The buffers for R × N, kept while the shape repeats (a training run's minibatches mostly share one). */
  private void reserve(int rows, int n) {
    if (similarity != null && similarity.size(0) == rows && similarity.size(1) == n) {
      return;
    }
    similarity = Nd4j.create(DataType.FLOAT, rows, n);
    terms = Nd4j.create(DataType.FLOAT, rows, n);
    scores = Nd4j.create(DataType.FLOAT, rows, n);
    similarityBytes = similarity.data().asNio().order(ORDER);
    termsBytes = terms.data().asNio().order(ORDER);
    scoresBytes = scores.data().asNio().order(ORDER);
  }

  /** T from ℓ, element by element over the {@code length} values. */
  private void termsForward(int length, float bias) {
    int lanes = SPECIES.length();
    int bound = SPECIES.loopBound(length);
    for (int o = 0; o < bound; o += lanes) {
      FloatVector l = FloatVector.fromByteBuffer(SPECIES, similarityBytes, o * Float.BYTES, ORDER);
      FloatVector alpha = Sigmoid.weighted(ONE, l.mul(inverseTemperature).add(bias));
      (interest ? alpha.mul(l) : alpha).intoByteBuffer(termsBytes, o * Float.BYTES, ORDER);
    }
    for (int o = bound; o < length; o++) {
      termsBytes.putFloat(o * Float.BYTES, term(similarityBytes.getFloat(o * Float.BYTES), bias));
    }
  }

  /**
   * Row {@code r}'s loss; with {@code gradients}, its dZ in place of Z and its dz+. Max-shifted, as a softmax must be
   * at these logits' magnitudes; each e^(Z − max) is computed once, kept in place of Z for the gradient.
   */
  private float softmaxRow(int r, int n, float[] positive, float[] count, float[] positiveGradient,
      boolean gradients) {
    int lanes = SPECIES.length();
    int bound = SPECIES.loopBound(n);
    int start = r * n * Float.BYTES;
    float c = count[r];
    if (c == 0) {
      if (gradients) {
        for (int j = 0; j < n; j++) {
          scoresBytes.putFloat(start + j * Float.BYTES, 0f);
        }
      }
      return 0;
    }
    float max = positive[r];
    for (int j = 0; j < bound; j += lanes) {
      max = Math.max(max, FloatVector.fromByteBuffer(SPECIES, scoresBytes, start + j * Float.BYTES, ORDER)
          .reduceLanes(VectorOperators.MAX));
    }
    for (int j = bound; j < n; j++) {
      max = Math.max(max, scoresBytes.getFloat(start + j * Float.BYTES));
    }
    FloatVector sums = FloatVector.zero(SPECIES);
    for (int j = 0; j < bound; j += lanes) {
      int at = start + j * Float.BYTES;
      FloatVector e = Exp.of(FloatVector.fromByteBuffer(SPECIES, scoresBytes, at, ORDER).sub(max));
      e.intoByteBuffer(scoresBytes, at, ORDER);
      sums = sums.add(e);
    }
    double positiveShare = Math.exp(positive[r] - max);
    double sum = positiveShare + sums.reduceLanes(VectorOperators.ADD);
    for (int j = bound; j < n; j++) {
      int at = start + j * Float.BYTES;
      float e = Exp.of(scoresBytes.getFloat(at) - max); // as the lanes above
      scoresBytes.putFloat(at, e);
      sum += e;
    }
    if (gradients) { // dZ = c e / Σ, dz+ = c (e+ / Σ − 1)
      float scale = (float) (c / sum);
      for (int j = 0; j < bound; j += lanes) {
        int at = start + j * Float.BYTES;
        FloatVector.fromByteBuffer(SPECIES, scoresBytes, at, ORDER).mul(scale).intoByteBuffer(scoresBytes, at, ORDER);
      }
      for (int j = bound; j < n; j++) {
        int at = start + j * Float.BYTES;
        scoresBytes.putFloat(at, scoresBytes.getFloat(at) * scale);
      }
      positiveGradient[r] = (float) (c * (positiveShare / sum - 1));
    }
    return (float) (c * (max + Math.log(sum) - positive[r]));
  }

  /** dℓ in place of dT, element by element; returns db. */
  private double termsBackward(int rows, int n, float bias) {
    int lanes = SPECIES.length();
    int bound = SPECIES.loopBound(n);
    double biasGradient = 0;
    for (int r = 0; r < rows; r++) {
      int start = r * n * Float.BYTES;
      FloatVector sum = FloatVector.zero(SPECIES);
      for (int j = 0; j < bound; j += lanes) {
        int at = start + j * Float.BYTES;
        FloatVector l = FloatVector.fromByteBuffer(SPECIES, similarityBytes, at, ORDER);
        FloatVector g = FloatVector.fromByteBuffer(SPECIES, termsBytes, at, ORDER);
        FloatVector alpha = Sigmoid.weighted(ONE, l.mul(inverseTemperature).add(bias));
        FloatVector slope = alpha.mul(alpha.neg().add(1f));                         // dα/du, u = ℓ/τ + b
        FloatVector perBias = interest ? slope.mul(l) : slope;                       // ∂T/∂b
        FloatVector perSimilarity = interest ? alpha.add(perBias.mul(inverseTemperature))
            : slope.mul(inverseTemperature);                                          // ∂T/∂ℓ
        sum = sum.add(g.mul(perBias));
        g.mul(perSimilarity).intoByteBuffer(termsBytes, at, ORDER);
      }
      biasGradient += sum.reduceLanes(VectorOperators.ADD);
      for (int j = bound; j < n; j++) {
        int at = start + j * Float.BYTES;
        float l = similarityBytes.getFloat(at);
        float g = termsBytes.getFloat(at);
        float alpha = alpha(l, bias);
        biasGradient += g * termByBias(alpha, l);
        termsBytes.putFloat(at, g * termBySimilarity(alpha, l));
      }
    }
    return biasGradient;
  }
}
