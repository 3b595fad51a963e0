package io.attnflow.core.score;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The kernel's fused σ and weighted sum: s_j = Σ_i w_i σ(x_ij) over a user's rows of logits, in one
 * pass with the Vector API (SIMD lanes, the JDK's vectorised exp), so that no α is ever written back
 * to memory. Needs the JVM flag {@code --add-modules=jdk.incubator.vector}.
 */
final class SigmoidSum {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final ByteOrder ORDER = ByteOrder.nativeOrder();

  private SigmoidSum() {}

  /** Whether this JVM was started with the Vector API module. */
  static boolean available() {
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }

  /** Floats a SIMD vector holds here; {@link #accumulate} takes rows of whole vectors. */
  static int lanes() {
    return SPECIES.length();
  }

  /**
   * Overwrites {@code out[0, n)} with Σ_i weights[i] σ(x_ij) for rows {@code from ≤ i < to} of the
   * row-major float matrix in {@code logits} (n floats a row, native byte order; n a multiple of
   * {@link #lanes()}). Rows are summed in order and every column goes through the same SIMD
   * arithmetic, so a user's scores depend neither on which users share the batch nor on where a
   * candidate falls in its block.
   */
  static void accumulate(ByteBuffer logits, int n, int from, int to, float[] weights, float[] out) {
    if (n % SPECIES.length() != 0) {
      throw new IllegalArgumentException("Rows of " + n + " floats are not whole vectors of " + SPECIES.length());
    }
    Arrays.fill(out, 0, n, 0f);
    for (int i = from; i < to; i += 2) {
      // two rows a pass: one load and store of the sums for two σ; an odd last row pairs with itself at weight 0
      boolean pair = i + 1 < to;
      addRows(logits, n, i, pair ? i + 1 : i, weights[i], pair ? weights[i + 1] : 0f, out);
    }
  }

  private static void addRows(ByteBuffer logits, int n, int r0, int r1, float w0, float w1, float[] out) {
    FloatVector v0 = FloatVector.broadcast(SPECIES, w0);
    FloatVector v1 = FloatVector.broadcast(SPECIES, w1);
    int row0 = r0 * n * Float.BYTES;
    int row1 = r1 * n * Float.BYTES;
    for (int j = 0; j < n; j += SPECIES.length()) {
      FloatVector x0 = FloatVector.fromByteBuffer(SPECIES, logits, row0 + j * Float.BYTES, ORDER);
      FloatVector x1 = FloatVector.fromByteBuffer(SPECIES, logits, row1 + j * Float.BYTES, ORDER);
      FloatVector.fromArray(SPECIES, out, j).add(weightedSigmoid(v0, x0)).add(weightedSigmoid(v1, x1)).intoArray(out, j);
    }
  }

  /** w σ(x) = w / (1 + e^(−x)), lane by lane. */
  private static FloatVector weightedSigmoid(FloatVector w, FloatVector x) {
    return w.div(x.neg().lanewise(VectorOperators.EXP).add(1f));
  }
}
