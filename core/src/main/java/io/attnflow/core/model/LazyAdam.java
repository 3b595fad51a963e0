package io.attnflow.core.model;

import java.nio.FloatBuffer;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Adam for the item embedding table, lazily (TensorFlow's LazyAdam, PyTorch's SparseAdam): a step moves the values whose
 * gradient is non-zero, the rows of the items in the minibatch, and leaves every other value and its moments as they
 * are, where Adam would move every row of the table by its momentum. For touched values the arithmetic is libnd4j's
 * {@code adam_updater}'s, in float: m = β₁m + (1 − β₁)g, v = β₂v + (1 − β₂)g², update = m · lr √(1 − β₂ᵗ) / (1 − β₁ᵗ) /
 * (√v + ε) with t the iteration plus one.
 *
 * <p>Dense Adam over the demo's table (9,724 items × 128) takes a fifth of a training step, about 8 ms of 43 at one
 * thread, though a minibatch touches about a tenth of the rows. Here a step reads the gradient once and works on its
 * non-zero values. The price: a row touched seldom learns more slowly, since Adam's momentum would have moved it for
 * some ten steps after each touch; on the demo that cost validation quality, so training uses it only when asked
 * ({@code train.lazy-embedding}; docs/experiments.md, session 34). With L2 regularisation every value's gradient is
 * non-zero, and this is Adam. The state (m, v) is Adam's, so dl4j-spark averages it as it averages Adam's.
 */
public final class LazyAdam extends Adam {
  /** For JSON and Java serialization (the configuration that dl4j-spark ships). */
  public LazyAdam() {}

  public LazyAdam(double learningRate) {
    super(learningRate);
  }

  private LazyAdam(Adam settings) {
    super(settings.getLearningRate(), settings.getBeta1(), settings.getBeta2(), settings.getEpsilon());
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
