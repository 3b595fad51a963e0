package io.attnflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * {@link Exp}: every lane the bits of the one-value form (IEEE arithmetic alone, so also whether interpreted or
 * compiled), within a few ulp of e^x over float's range, and neither 0 nor infinite beyond it.
 */
class ExpTest {
  private static final int LANES = Lanes.FLOATS.length();

  @Test
  void lanesAreTheOneValueFormAndCloseToTheExponential() {
    SplittableRandom random = new SplittableRandom(5);
    float[] x = new float[LANES * 20_000];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (random.nextDouble() * (Exp.HIGH - Exp.LOW) + Exp.LOW);
    }
    float[] lanes = new float[x.length];
    for (int i = 0; i < x.length; i += LANES) {
      Exp.of(FloatVector.fromArray(Lanes.FLOATS, x, i)).intoArray(lanes, i);
    }
    double worst = 0;
    for (int i = 0; i < x.length; i++) {
      float one = Exp.of(x[i]);
      assertThat(Float.floatToRawIntBits(lanes[i])).as("e^%s", x[i]).isEqualTo(Float.floatToRawIntBits(one));
      double exact = Math.exp(x[i]);
      if (exact >= Float.MIN_NORMAL) { // below it float's own spacing is coarser than 2^−126 · 2^−23
        worst = Math.max(worst, Math.abs(one - exact) / Math.ulp((float) exact));
      }
    }
    assertThat(worst).as("worst error in ulp").isLessThanOrEqualTo(3);
  }

  @Test
  void smallIntegersAndTheEndsOfTheRange() {
    assertThat(Exp.of(0f)).isEqualTo(1f);
    assertThat((double) Exp.of(1f)).isCloseTo(Math.E, within(1e-6));
    assertThat((double) Exp.of(-1f)).isCloseTo(1 / Math.E, within(1e-7));
    for (float x : new float[] {-1000f, Float.NEGATIVE_INFINITY, -88f}) {
      assertThat(Exp.of(x)).as("e^%s", x).isPositive().isLessThan(1e-37f);
    }
    for (float x : new float[] {1000f, Float.POSITIVE_INFINITY, 89f}) {
      assertThat(Exp.of(x)).as("e^%s", x).isGreaterThan(1e38f).isLessThan(Float.POSITIVE_INFINITY);
    }
  }
}
