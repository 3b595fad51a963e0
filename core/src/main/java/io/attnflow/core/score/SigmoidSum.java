package io.attnflow.core.score;

import io.attnflow.core.model.Aggregation;
import io.attnflow.core.model.Lanes;
import io.attnflow.core.model.Sigmoid;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The kernel's fused σ and weighted sum over a user's rows of scaled similarities x_ij = θ_iᵀφ_j / τ,
 * in one pass with the Vector API (SIMD lanes, the JDK's vectorised exp), so that no α is ever written
 * back to memory: the ranking scores Σ_i w_i σ(x_ij + b) for {@link Aggregation#MEAN},
 * Σ_i w_i σ(x_ij + b) x_ij for {@link Aggregation#INTEREST} (whose s_uj is σ of it; the kernel's
 * weights carry the τ that turns x back into ℓ). b is added here, not in the GEMM: ℓ recovered as
 * (ℓ/τ + b) − b would lose the digits that b's magnitude takes. Needs the JVM flag {@code --add-modules=jdk.incubator.vector}.
 */
final class SigmoidSum {
  private static final VectorSpecies<Float> SPECIES = Lanes.FLOATS;
  private static final ByteOrder ORDER = ByteOrder.nativeOrder();

  private SigmoidSum() {}

  /** Whether this JVM was started with the Vector API module. */
  static boolean available() {
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }

  /** Floats a SIMD vector holds here; {@link #accumulate} takes rows of whole vectors. */
  /** {@code n} columns rounded up to whole SIMD vectors: what the σ pass reads. */
  static int width(int n) {
    int lanes = lanes();
    return (n + lanes - 1) / lanes * lanes;
  }

  static int lanes() {
    return SPECIES.length();
  }

  /**
   * Overwrites {@code out[0, n)} with the ranking scores of rows {@code from ≤ i < to} (weights already
   * divided by their sum) of the row-major float matrix in {@code logits} (n floats a row, native
   * byte order; n a multiple of {@link #lanes()}). Rows are summed in order and every column goes
   * through the same SIMD arithmetic, so a user's scores depend neither on which users share the
   * batch nor on where a candidate falls in its block.
   */
  static void accumulate(ByteBuffer logits, int n, int from, int to, float[] weights, Aggregation aggregation, float bias,
      float[] out) {
    if (n % SPECIES.length() != 0) {
      throw new IllegalArgumentException("Rows of " + n + " floats are not whole vectors of " + SPECIES.length());
    }
    Arrays.fill(out, 0, n, 0f);
    boolean interest = aggregation == Aggregation.INTEREST;
    for (int i = from; i < to; i += 2) {
      // two rows a pass: one load and store of the sums for two σ; an odd last row pairs with itself at weight 0
      boolean pair = i + 1 < to;
      addRows(logits, n, i, pair ? i + 1 : i, weights[i], pair ? weights[i + 1] : 0f, interest, bias, out);
    }
  }

  private static void addRows(ByteBuffer logits, int n, int r0, int r1, float w0, float w1, boolean interest, float bias,
      float[] out) {
    FloatVector v0 = FloatVector.broadcast(SPECIES, w0);
    FloatVector v1 = FloatVector.broadcast(SPECIES, w1);
    int row0 = r0 * n * Float.BYTES;
    int row1 = r1 * n * Float.BYTES;
    for (int j = 0; j < n; j += SPECIES.length()) {
      FloatVector x0 = FloatVector.fromByteBuffer(SPECIES, logits, row0 + j * Float.BYTES, ORDER);
      FloatVector x1 = FloatVector.fromByteBuffer(SPECIES, logits, row1 + j * Float.BYTES, ORDER);
      FloatVector a0 = Sigmoid.weighted(v0, x0.add(bias));
      FloatVector a1 = Sigmoid.weighted(v1, x1.add(bias));
      if (interest) { // w α x: the attention-weighted similarity
        a0 = a0.mul(x0);
        a1 = a1.mul(x1);
      }
      FloatVector.fromArray(SPECIES, out, j).add(a0).add(a1).intoArray(out, j);
    }
  }
}
