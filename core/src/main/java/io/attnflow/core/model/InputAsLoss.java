package io.attnflow.core.model;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * The loss of a network whose last vertex computes its own loss per example ([B, 1], the
 * {@link AttentionVertex}'s windows): the score is that input, the gradient 1, the labels unused.
 * DL4J ships it inside the network's JSON (Jackson, by class).
 */
public final class InputAsLoss implements ILossFunction {
  private static final long serialVersionUID = 1L;

  @Override
  public double computeScore(INDArray labels, INDArray preOutput, IActivation activation, INDArray mask, boolean average) {
    double sum = preOutput.sumNumber().doubleValue();
    return average ? sum / preOutput.size(0) : sum;
  }

  @Override
  public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activation, INDArray mask) {
    return preOutput.dup().reshape(preOutput.size(0), 1);
  }

  @Override
  public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activation, INDArray mask) {
    return preOutput.ulike().assign(1);
  }

  @Override
  public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activation,
      INDArray mask, boolean average) {
    return Pair.of(computeScore(labels, preOutput, activation, mask, average),
        computeGradient(labels, preOutput, activation, mask));
  }

  @Override
  public String name() {
    return "InputAsLoss";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InputAsLoss;
  }

  @Override
  public int hashCode() {
    return InputAsLoss.class.hashCode();
  }

  @Override
  public String toString() {
    return name();
  }
}
