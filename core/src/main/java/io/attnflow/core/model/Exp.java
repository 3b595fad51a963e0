package io.attnflow.core.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * e^x in float, lane by lane or one value, from additions, multiplications and fused multiply-adds alone, so that it
 * gives the same bits whether the JVM interprets the code or has compiled it, and the same in a vector lane as
 * {@link #of(float)} gives alone. The Vector API's own {@code EXP} does not: compiled, it calls a vector library whose
 * results differ from the interpreter's in the last bit for about one value in 25, and when a method is compiled
 * depends on timing, which made training runs of the same seed and data differ. Cody and Waite's reduction
 * x = n ln 2 + r, |r| ≤ ln 2 / 2, then Cephes' polynomial for e^r, scaled by 2^n through
 * the exponent bits. Inputs are clamped to [{@value #LOW}, {@value #HIGH}], so the result is never 0 or infinite
 * (from about 8 · 10^−39 to 2.4 · 10^38): a σ or a softmax term that e^x would take to 0 is left at about 10^−38.
 * Its accuracy is the polynomial's: within a few ulp of e^x ({@code ExpTest}).
 */
final class Exp {
  private static final VectorSpecies<Float> SPECIES = Lanes.FLOATS;
  static final float LOW = -87.33f;
  static final float HIGH = 88.37f;
  private static final float LOG2E = 1.44269504088896341f;
  /** ln 2 in two parts: n · LN2_HIGH is exact for the n that occur. */
  private static final float LN2_HIGH = 0.693359375f;
  private static final float LN2_LOW = -2.12194440e-4f;
  /** 1.5 · 2^23: adding it rounds a float of magnitude below 2^22 to an integer, left in the low mantissa bits. */
  private static final float ROUNDER = 12582912f;
  private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);
  private static final float[] POLYNOMIAL = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f,
      1.6666665459e-1f, 5.0000001201e-1f};
  private static final FloatVector LOW_LANES = broadcast(LOW);
  private static final FloatVector HIGH_LANES = broadcast(HIGH);
  private static final FloatVector LOG2E_LANES = broadcast(LOG2E);
  private static final FloatVector ROUNDER_LANES = broadcast(ROUNDER);
  private static final FloatVector MINUS_LN2_HIGH = broadcast(-LN2_HIGH);
  private static final FloatVector MINUS_LN2_LOW = broadcast(-LN2_LOW);
  private static final FloatVector P0 = broadcast(POLYNOMIAL[0]);
  private static final FloatVector P1 = broadcast(POLYNOMIAL[1]);
  private static final FloatVector P2 = broadcast(POLYNOMIAL[2]);
  private static final FloatVector P3 = broadcast(POLYNOMIAL[3]);
  private static final FloatVector P4 = broadcast(POLYNOMIAL[4]);
  private static final FloatVector P5 = broadcast(POLYNOMIAL[5]);
  private static final FloatVector ONE = broadcast(1f);

  private Exp() {}

  /** e^x for one float. */
  static float of(float x) {
    float clamped = Math.min(Math.max(x, LOW), HIGH);
    float t = Math.fma(clamped, LOG2E, ROUNDER);
    float n = t - ROUNDER;
    float r = Math.fma(n, -LN2_LOW, Math.fma(n, -LN2_HIGH, clamped));
    float p = POLYNOMIAL[0];
    for (int i = 1; i < POLYNOMIAL.length; i++) {
      p = Math.fma(p, r, POLYNOMIAL[i]);
    }
    float y = Math.fma(p, r * r, r) + 1f;
    return y * Float.intBitsToFloat((Float.floatToRawIntBits(t) - (ROUNDER_BITS - 127)) << 23);
  }

  /** e^x, lane by lane: each lane as {@link #of(float)}. Written out, so that it inlines into the callers' loops. */
  static FloatVector of(FloatVector x) {
    FloatVector clamped = x.max(LOW_LANES).min(HIGH_LANES);
    FloatVector t = clamped.fma(LOG2E_LANES, ROUNDER_LANES);
    FloatVector n = t.sub(ROUNDER_LANES);
    FloatVector r = n.fma(MINUS_LN2_LOW, n.fma(MINUS_LN2_HIGH, clamped));
    FloatVector p = P0.fma(r, P1).fma(r, P2).fma(r, P3).fma(r, P4).fma(r, P5);
    FloatVector y = p.fma(r.mul(r), r).add(ONE);
    return y.mul(t.reinterpretAsInts().sub(ROUNDER_BITS - 127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
  }

  private static FloatVector broadcast(float value) {
    return FloatVector.broadcast(SPECIES, value);
  }
}
