package io.attnflow.core.model;

import java.util.Objects;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Softmax cross-entropy over consecutive groups of columns: output [B, G·C] holds G groups of C
 * logits (the attention vertex's scores, then its pooled scores), each a softmax over the C
 * candidates against its labels (the positive's 1 among 0s). Score per row: −Σ_g Σ_j y_gj log p_gj;
 * gradient: p_gj Σ_j y_gj − y_gj. DL4J ships it inside the network's JSON (Jackson, by class).
 */
public final class GroupedSoftmaxLoss implements ILossFunction {
  private static final long serialVersionUID = 1L;

  @JsonProperty private int groups;

  public GroupedSoftmaxLoss() {}

  public GroupedSoftmaxLoss(int groups) {
    this.groups = groups;
  }

  /** Per-row scores [B, 1] and the gradient with respect to the logits [B, G·C]. */
  private Pair<INDArray, INDArray> scoresAndGradient(INDArray labels, INDArray preOutput, IActivation activation,
      INDArray mask) {
    INDArray out = activation.getActivation(preOutput.dup(), true);
    int rows = (int) out.size(0);
    int cols = (int) out.size(1);
    if (cols % groups != 0) {
      throw new IllegalArgumentException("GroupedSoftmaxLoss: " + cols + " columns are not " + groups + " equal groups");
    }
    int c = cols / groups;
    float[] z = out.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').data().asFloat();
    float[] y = labels.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').data().asFloat();
    float[] m = mask == null ? null : mask.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').data().asFloat();
    float[] score = new float[rows];
    float[] grad = new float[rows * cols];
    for (int r = 0; r < rows; r++) {
      float rowMask = m == null ? 1f : m[m.length == rows ? r : r * cols];
      for (int g = 0; g < groups; g++) {
        int from = r * cols + g * c;
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < c; j++) {
          max = Math.max(max, z[from + j]);
        }
        double sum = 0;
        for (int j = 0; j < c; j++) {
          sum += Math.exp(z[from + j] - max);
        }
        double logSum = max + Math.log(sum);
        double labelSum = 0;
        for (int j = 0; j < c; j++) {
          labelSum += y[from + j];
        }
        for (int j = 0; j < c; j++) {
          double logP = z[from + j] - logSum;
          score[r] -= (float) (rowMask * y[from + j] * logP);
          grad[from + j] = (float) (rowMask * (Math.exp(logP) * labelSum - y[from + j]));
        }
      }
    }
    INDArray dLdOut = Nd4j.create(grad, new long[] {rows, cols}, 'c').castTo(preOutput.dataType());
    INDArray dLdPre = activation.backprop(preOutput.dup(), dLdOut).getFirst();
    return Pair.of(Nd4j.create(score, new long[] {rows, 1}, 'c').castTo(preOutput.dataType()), dLdPre);
  }

  @Override
  public double computeScore(INDArray labels, INDArray preOutput, IActivation activation, INDArray mask, boolean average) {
    INDArray scores = scoresAndGradient(labels, preOutput, activation, mask).getFirst();
    double sum = scores.sumNumber().doubleValue();
    return average ? sum / scores.size(0) : sum;
  }

  @Override
  public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activation, INDArray mask) {
    return scoresAndGradient(labels, preOutput, activation, mask).getFirst();
  }

  @Override
  public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activation, INDArray mask) {
    return scoresAndGradient(labels, preOutput, activation, mask).getSecond();
  }

  @Override
  public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activation,
      INDArray mask, boolean average) {
    Pair<INDArray, INDArray> both = scoresAndGradient(labels, preOutput, activation, mask);
    double sum = both.getFirst().sumNumber().doubleValue();
    return Pair.of(average ? sum / both.getFirst().size(0) : sum, both.getSecond());
  }

  @Override
  public String name() {
    return "GroupedSoftmaxLoss(" + groups + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GroupedSoftmaxLoss l && l.groups == groups;
  }

  @Override
  public int hashCode() {
    return Objects.hash(groups);
  }

  @Override
  public String toString() {
    return name();
  }
}
