package io.attnflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The scoring encoder's matrix product: every element as one fused multiply-add after another, whatever the shape. */
class HistoryEncoderTest {
  @Property(tries = 60)
  void theProductIsEveryElementsOrderedSum(@ForAll @IntRange(min = 1, max = 11) int n,
      @ForAll @IntRange(min = 1, max = 20) int d, @ForAll @IntRange(min = 1, max = 70) int m, @ForAll long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[n * d];
    float[] w = new float[d * m];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) random.nextGaussian();
    }
    float[] out = new float[n * m];
    java.util.Arrays.fill(out, Float.NaN);
    HistoryEncoder.multiply(x, n, d, w, m, out);
    for (int r = 0; r < n; r++) {
      for (int c = 0; c < m; c++) {
        float s = 0;
        for (int p = 0; p < d; p++) {
          s = Math.fma(x[r * d + p], w[p * m + c], s);
        }
        assertThat(out[r * m + c]).as("row %d, column %d", r, c).isEqualTo(s);
      }
    }
  }
}
