package io.attnflow.core.model;

import java.nio.FloatBuffer;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Adam for the item embedding table, lazily and without momentum: a step moves the values whose gradient is non-zero,
 * the rows of the items in the minibatch, and leaves every other value and its moments as they are, where Adam moves
 * every row of the table at every step. For touched values the arithmetic is libnd4j's {@code adam_updater}'s, in
 * float: m = β₁m + (1 − β₁)g, v = β₂v + (1 − β₂)g², update = m · lr √(1 − β₂ᵗ) / (1 − β₁ᵗ) / (√v + ε) with t the
 * iteration plus one.
 *
 * <p>β₁ is 0 for the table ({@link #LazyAdam(double)}). With Adam's 0.9 a row that a minibatch touches once keeps moving
 * for some ten steps after, by its momentum; lazily it would not, and a row touched seldom learns about ten times more
 * slowly (TensorFlow's LazyAdam does that; on the demo, whose 9,724 rows a minibatch touches one in ten, validation
 * trailed from the third epoch). Without momentum a touch moves the row at once by what Adam's momentum would move it
 * over all the steps after: Σⱼ (1 − β₁) β₁ʲ / √(β₂ʲ) = 1.005 times g lr / √v.
 *
 * <p>Dense Adam over the demo's table takes a fifth of a training step, about 8 ms of 43 at one thread. Here a step
 * reads the gradient once and works on its non-zero values; validation was level with Adam on ML-1M and on the demo
 * (docs/experiments.md, session 34; {@code train.lazy-embedding}). With L2 regularisation every value's gradient is
 * non-zero, and this is Adam without momentum. The state (m, v) is Adam's, so dl4j-spark averages it as it averages
 * Adam's.
 */
public final class LazyAdam extends Adam {
  /** For JSON and Java serialization (the configuration that dl4j-spark ships). */
  public LazyAdam() {}

  /** The item table's: β₁ = 0, Adam's β₂ and ε. */
  public LazyAdam(double learningRate) {
    this(learningRate, 0, DEFAULT_ADAM_BETA2_VAR_DECAY, DEFAULT_ADAM_EPSILON);
  }

  public LazyAdam(double learningRate, double beta1, double beta2, double epsilon) {
    super(learningRate, beta1, beta2, epsilon);
  }

  private LazyAdam(Adam settings) {
    this(settings.getLearningRate(), settings.getBeta1(), settings.getBeta2(), settings.getEpsilon());
    setLearningRateSchedule(settings.getLearningRateSchedule());
  }

  @Override
  public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
    return withState(super.instantiate(viewArray, initializeViewArray));
  }

  @Override
  public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
    return withState(super.instantiate(updaterState, initializeStateArrays));
  }

  /** A lazy updater over the moments that Adam's instantiation set up (its views of the updater state). */
  private GradientUpdater withState(GradientUpdater adam) {
    SparseUpdater lazy = new SparseUpdater(this);
    lazy.setM(((AdamUpdater) adam).getM());
    lazy.setV(((AdamUpdater) adam).getV());
    lazy.setGradientReshapeOrder(((AdamUpdater) adam).getGradientReshapeOrder());
    return lazy;
  }

  @Override
  public LazyAdam clone() {
    return new LazyAdam(this);
  }

  @Override
  protected boolean canEqual(Object other) {
    return other instanceof LazyAdam; // so that DL4J never puts Adam's parameters into this updater's block
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LazyAdam && super.equals(o);
  }

  @Override
  public int hashCode() {
    return 31 * super.hashCode() + 1;
  }

  @Override
  public String toString() {
    return "Lazy" + super.toString();
  }

  /** The step: libnd4j's Adam on the values with a non-zero gradient, nothing on the others. */
  static final class SparseUpdater extends AdamUpdater {
    SparseUpdater(Adam config) {
      super(config);
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
      FloatBuffer g = floats(gradient);
      FloatBuffer m = floats(getM());
      FloatBuffer v = floats(getV());
      if (g == null || m == null || v == null || gradient.length() != getM().length()) {
        super.applyUpdater(gradient, iteration, epoch); // not a contiguous view: Adam over every value
        return;
      }
      Adam config = getConfig();
      float beta1 = (float) config.getBeta1();
      float beta2 = (float) config.getBeta2();
      float epsilon = (float) config.getEpsilon();
      float lr = (float) config.getLearningRate(iteration, epoch);
      float beta1T = (float) Math.pow(beta1, iteration + 1);
      float beta2T = (float) Math.pow(beta2, iteration + 1);
      float step = lr * (float) Math.sqrt(1 - beta2T) / (1 - beta1T);
      if (Float.isNaN(step) || Float.isInfinite(step) || step == 0) {
        step = epsilon; // as libnd4j
      }
      int n = (int) gradient.length();
      for (int i = 0; i < n; i++) {
        float gi = g.get(i);
        if (gi == 0) {
          continue;
        }
        float mi = beta1 * m.get(i) + gi * (1 - beta1);
        float vi = beta2 * v.get(i) + gi * gi * (1 - beta2);
        m.put(i, mi);
        v.put(i, vi);
        g.put(i, mi * step / ((float) Math.sqrt(vi) + epsilon));
      }
    }

    /** The values of a contiguous float vector, read and written in place; null for any other layout. */
    private static FloatBuffer floats(INDArray array) {
      if (array.dataType() != org.nd4j.linalg.api.buffer.DataType.FLOAT || !(array.isVector() || array.isScalar())
          || (array.length() > 1 && array.elementWiseStride() != 1)) {
        return null;
      }
      // a view's own address: asNio() would start at the buffer it views, not at its offset
      return new FloatPointer(array.data().addressPointer()).capacity(array.length()).asBuffer();
    }
  }
}
