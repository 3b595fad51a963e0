package io.attnflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class GroupedSoftmaxLossTest {
  private final GroupedSoftmaxLoss loss = new GroupedSoftmaxLoss(2);
  private final ActivationIdentity identity = new ActivationIdentity();

  @Test
  void scoreIsEachGroupsSoftmaxCrossEntropy() {
    INDArray logits = Nd4j.create(new double[][] {{2, 0, 0, 1, 1, 1}}).castTo(DataType.DOUBLE);
    INDArray labels = Nd4j.create(new double[][] {{1, 0, 0, 0, 1, 0}}).castTo(DataType.DOUBLE);
    double first = -Math.log(Math.exp(2) / (Math.exp(2) + 2));
    double second = -Math.log(1 / 3.0);
    assertThat(loss.computeScore(labels, logits, identity, null, false)).isCloseTo(first + second, within(1e-6));
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    Nd4j.getRandom().setSeed(5);
    INDArray logits = Nd4j.randn(DataType.DOUBLE, 3, 8).muli(2);
    INDArray labels = Nd4j.zeros(DataType.DOUBLE, 3, 8);
    for (int r = 0; r < 3; r++) {
      labels.putScalar(r, r, 1);     // group 0: the positive at column r
      labels.putScalar(r, 4 + r, 1); // group 1: the same candidate's pooled score
    }
    INDArray gradient = loss.computeGradient(labels, logits, identity, null);
    double h = 1e-2; // scores are summed in float: a larger step keeps rounding out of the difference
    for (int r = 0; r < 3; r++) {
      for (int c = 0; c < 8; c++) {
        INDArray up = logits.dup();
        up.putScalar(r, c, logits.getDouble(r, c) + h);
        INDArray down = logits.dup();
        down.putScalar(r, c, logits.getDouble(r, c) - h);
        double numeric = (loss.computeScore(labels, up, identity, null, false)
            - loss.computeScore(labels, down, identity, null, false)) / (2 * h);
        assertThat(gradient.getDouble(r, c)).as("row %d column %d", r, c).isCloseTo(numeric, within(1e-3));
      }
    }
  }

  @Test
  void theNetworkTrainsWithItAndKeepsItInItsJson() {
    var conf = AttentionNetwork.configuration(new ModelShape(20, 8, 6, 4, 5), Aggregation.INTEREST, 3, 0.01, 0, 42,
        TrainingLoss.SOFTMAX);
    assertThat(org.deeplearning4j.nn.conf.ComputationGraphConfiguration.fromJson(conf.toJson())).isEqualTo(conf);
    assertThat(conf.toJson()).contains("GroupedSoftmaxLoss").contains("\"logits\" : true");
  }
}
