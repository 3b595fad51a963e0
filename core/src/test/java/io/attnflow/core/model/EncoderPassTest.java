package io.attnflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The {@link EncoderPass}'s backward pass against central differences of its forward pass: for a loss Σ encoded ⊙ G,
 * the gradient of every parameter value and every input value.
 * ({@code AttentionModelTest} holds the pass to SameDiff's encoder inside a training step.)
 */
class EncoderPassTest {
  private static final int BLOCKS = 2;
  private static final int SLOTS = 4;
  private static final int DIM = 5;
  private static final int WINDOWS = 2;

  @Test
  void theBackwardPassIsTheForwardPassesGradient() {
    SplittableRandom random = new SplittableRandom(3);
    Map<String, float[]> params = new HashMap<>();
    params.put(HistoryEncoder.POSITIONS, values(SLOTS * DIM, 0.5, random));
    params.put(HistoryEncoder.FINAL_GAIN, shifted(values(DIM, 0.3, random)));
    params.put(HistoryEncoder.FINAL_SHIFT, values(DIM, 0.3, random));
    for (int b = 0; b < BLOCKS; b++) {
      for (String m : List.of("q", "k", "v", "f1", "f2")) {
        params.put(m + b, values(DIM * DIM, 0.6, random));
      }
      for (String v : List.of("g1", "g2")) {
        params.put(v + b, shifted(values(DIM, 0.3, random)));
      }
      for (String v : List.of("s1", "s2", "fb1", "fb2")) {
        params.put(v + b, values(DIM, 0.3, random));
      }
    }
    int rows = WINDOWS * SLOTS;
    float[] items = values(rows * DIM, 1, random);
    float[] events = {0, 1, 0.5f, 1, 1, 0, 1, 1}; // padding first, a slot of weight 0 inside
    float[] g = values(rows * DIM, 1, random);
    for (int r : new int[] {0, 5}) { // what weighs nothing downstream gets no gradient there
      java.util.Arrays.fill(g, r * DIM, (r + 1) * DIM, 0);
    }
    EncoderPass pass = new EncoderPass(BLOCKS, SLOTS, DIM, false);
    pass.forward(items, events, SLOTS, params);
    float[] input = new float[rows * DIM];
    Map<String, INDArray> gradients = pass.backward(g, input);

    assertThat(gradients.keySet()).isEqualTo(params.keySet());
    double checked = 0;
    for (String name : params.keySet()) {
      float[] analytic = EncoderPass.values(gradients.get(name));
      float[] value = params.get(name);
      for (int i = 0; i < value.length; i++) {
        double numeric = difference(value, i, () -> loss(items, events, params, g));
        assertThat(analytic[i]).as("%s[%d]", name, i).isCloseTo((float) numeric,
            org.assertj.core.api.Assertions.within((float) (3e-3 + 2e-2 * Math.abs(numeric))));
        checked += Math.abs(numeric);
      }
    }
    for (int i = 0; i < items.length; i++) {
      double numeric = difference(items, i, () -> loss(items, events, params, g));
      assertThat(input[i]).as("input[%d]", i).isCloseTo((float) numeric,
          org.assertj.core.api.Assertions.within((float) (3e-3 + 2e-2 * Math.abs(numeric))));
    }
    assertThat(checked).isGreaterThan(1); // the gradients are not all zero
  }

  /** Σ encoded ⊙ g, in double, of a fresh pass. */
  private static double loss(float[] items, float[] events, Map<String, float[]> params, float[] g) {
    float[] encoded = new EncoderPass(BLOCKS, SLOTS, DIM, false).forward(items, events, SLOTS, params);
    double sum = 0;
    for (int i = 0; i < encoded.length; i++) {
      sum += (double) encoded[i] * g[i];
    }
    return sum;
  }

  /** The central difference of the loss in value i. */
  private static double difference(float[] values, int i, java.util.function.DoubleSupplier loss) {
    float saved = values[i];
    float step = 2e-3f;
    values[i] = saved + step;
    double up = loss.getAsDouble();
    values[i] = saved - step;
    double down = loss.getAsDouble();
    values[i] = saved;
    return (up - down) / (2 * step);
  }

  private static float[] values(int n, double scale, SplittableRandom random) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
    }
    return v;
  }

  private static float[] shifted(float[] v) {
    for (int i = 0; i < v.length; i++) {
      v[i] += 1;
    }
    return v;
  }
}
