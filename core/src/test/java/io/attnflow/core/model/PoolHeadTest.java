package io.attnflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The pool head's gradients against finite differences of its loss, in double precision. */
class PoolHeadTest {
  private static final int WINDOWS = 3;
  private static final int POSITIONS = 4;
  private static final int K = 5;
  private static final int N = 11; // a SIMD vector's lanes and a tail

  @ParameterizedTest
  @EnumSource(Aggregation.class)
  void gradientsAreTheLossesSlopes(Aggregation aggregation) {
    SplittableRandom random = new SplittableRandom(3);
    INDArray theta = gaussian(random, WINDOWS * POSITIONS, K);
    INDArray phi = gaussian(random, N, K);
    INDArray weights = Nd4j.rand(DataType.FLOAT, WINDOWS, POSITIONS, POSITIONS);
    weights.divi(weights.sum(true, 2));
    INDArray targets = gaussian(random, WINDOWS, POSITIONS, 1);
    INDArray counted = Nd4j.ones(DataType.FLOAT, WINDOWS, POSITIONS);
    counted.putScalar(1, 2, 0);
    float bias = 0.7f;
    PoolHead head = new PoolHead(aggregation, 2);
    PoolHead.Step step = head.step(theta, phi, weights, targets, counted, null, bias, true, true);
    double eps = 1e-2;
    double db = (loss(head, theta, phi, weights, targets, counted, bias + eps)
        - loss(head, theta, phi, weights, targets, counted, bias - eps)) / (2 * eps);
    assertThat(step.bias()).as("db").isCloseTo(db, within(2e-3 * Math.max(1, Math.abs(db))));
    INDArray[] values = {theta, phi, weights, targets};
    INDArray[] gradients = {step.theta(), step.phi(), step.weights(), step.targets()};
    for (int v = 0; v < values.length; v++) {
      for (int e = 0; e < values[v].length(); e += 3) {
        double x = values[v].getDouble(e);
        values[v].putScalar(e, x + eps);
        double up = loss(head, theta, phi, weights, targets, counted, bias);
        values[v].putScalar(e, x - eps);
        double down = loss(head, theta, phi, weights, targets, counted, bias);
        values[v].putScalar(e, x);
        double numeric = (up - down) / (2 * eps);
        assertThat(gradients[v].getDouble(e)).as("value %d, element %d", v, e)
            .isCloseTo(numeric, within(2e-3 * Math.max(1, Math.abs(numeric))));
      }
    }
  }

  private static double loss(PoolHead head, INDArray theta, INDArray phi, INDArray weights, INDArray targets,
      INDArray counted, double bias) {
    double sum = 0;
    for (float l : head.step(theta, phi, weights, targets, counted, null, (float) bias, false, false).loss()) {
      sum += l;
    }
    return sum;
  }

  private static INDArray gaussian(SplittableRandom random, long... shape) {
    INDArray a = Nd4j.create(DataType.FLOAT, shape);
    AttentionVertex.gaussian(a, 1, random);
    return a;
  }
}
