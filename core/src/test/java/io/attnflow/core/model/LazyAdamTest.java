package io.attnflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The item table trained lazily: the rows a step touches move as Adam moves them, the others stay where they are (Adam
 * moves them by their momentum), and the choice survives the configuration's JSON, which models and dl4j-spark keep.
 */
class LazyAdamTest {
  private static final HistoryWeights WEIGHTS = new HistoryWeights(Map.of("click", 1.0), 3, 2, 0);
  private static final ModelShape SHAPE = new ModelShape(14, 4, 4, 2, 3);

  private static NetworkSpec spec(boolean lazy) {
    return new NetworkSpec(SHAPE, 3, 2, Aggregation.INTEREST, TrainingLoss.SOFTMAX, 3, 1, 0, 0, WEIGHTS, 0.05, 0,
        lazy);
  }

  /** A window of these four items (three predicted) and two negatives. */
  private static TrainingWindows.Window window(int a, int b, int c, int d, int negative1, int negative2) {
    return new TrainingWindows.Window(new int[] {a, b, c, d}, new float[] {1, 1, 1}, new float[] {1, 1, 1},
        new float[] {-3, -2, -1, 0}, new int[] {negative1, negative2});
  }

  private static INDArray table(ComputationGraph net) {
    return net.paramTable().get(AttentionNetwork.EMBED + "_W").dup();
  }

  @Test
  void touchedRowsMoveAsAdamMovesThemAndTheOthersStay() {
    ComputationGraph lazy = AttentionNetwork.create(spec(true), 5);
    ComputationGraph dense = AttentionNetwork.create(spec(false), 5);
    assertThat(lazy.params()).isEqualTo(dense.params());
    INDArray start = table(lazy);
    // step 1 touches items 1-11; step 2 only items 1-6; items 0, 12 and 13 never
    MultiDataSet first = TrainingWindows.batch(List.of(window(1, 2, 3, 4, 5, 6), window(7, 8, 9, 10, 11, 5)));
    MultiDataSet second = TrainingWindows.batch(List.of(window(1, 2, 3, 4, 5, 6), window(4, 3, 2, 1, 6, 5)));

    lazy.fit(first);
    dense.fit(first);
    // no row had a moment before: Adam moved only the touched rows too, by the same arithmetic
    assertClose(lazy.params(), dense.params(), 1e-6);
    INDArray afterFirst = table(lazy);
    for (int item = 0; item < SHAPE.items(); item++) {
      boolean touched = item >= 1 && item <= 11;
      assertThat(afterFirst.getRow(item).equals(start.getRow(item))).as("item %d", item).isEqualTo(!touched);
    }

    lazy.fit(second);
    dense.fit(second);
    INDArray lazyTable = table(lazy);
    INDArray denseTable = table(dense);
    for (int item = 0; item < SHAPE.items(); item++) {
      if (item >= 1 && item <= 6) { // touched again: the same step from the same state
        assertClose(lazyTable.getRow(item), denseTable.getRow(item), 1e-6);
        assertThat(lazyTable.getRow(item).equals(afterFirst.getRow(item))).isFalse();
      } else if (item >= 7 && item <= 11) { // touched before, not now: Adam's momentum moves them, lazily they stay
        assertThat(lazyTable.getRow(item)).isEqualTo(afterFirst.getRow(item));
        assertThat(denseTable.getRow(item).equals(afterFirst.getRow(item))).as("item %d", item).isFalse();
      } else {
        assertThat(lazyTable.getRow(item)).isEqualTo(start.getRow(item));
        assertThat(denseTable.getRow(item)).isEqualTo(start.getRow(item));
      }
    }
  }

  @Test
  void theEmbeddingAloneIsLazyAndStaysSoThroughJson() {
    ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(
        AttentionNetwork.configuration(spec(true), 5, false).toJson());
    assertThat(updater(conf, AttentionNetwork.EMBED)).isInstanceOf(LazyAdam.class);
    assertThat(((Adam) updater(conf, AttentionNetwork.EMBED)).getLearningRate()).isEqualTo(0.05);
    AttentionVertex vertex = (AttentionVertex) conf.getVertices().get(AttentionNetwork.VERTEX);
    assertThat(vertex.getUpdater()).isNotInstanceOf(LazyAdam.class).isInstanceOf(Adam.class);
    ComputationGraphConfiguration plain = AttentionNetwork.configuration(spec(false), 5, false);
    assertThat(updater(plain, AttentionNetwork.EMBED)).isNotInstanceOf(LazyAdam.class);
    // DL4J puts parameters with equal updaters into one block, updated by the first one's updater
    assertThat(new LazyAdam(0.05)).isNotEqualTo(new Adam(0.05)).isEqualTo(new LazyAdam(0.05));
    assertThat(new Adam(0.05)).isNotEqualTo(new LazyAdam(0.05));
    assertThat(new LazyAdam(0.05).clone()).isInstanceOf(LazyAdam.class).isEqualTo(new LazyAdam(0.05));
  }

  private static Object updater(ComputationGraphConfiguration conf, String layer) {
    return ((BaseLayer) ((LayerVertex) conf.getVertices().get(layer)).getLayerConf().getLayer()).getIUpdater();
  }

  private static void assertClose(INDArray actual, INDArray expected, double tolerance) {
    double scale = Math.max(1, expected.amaxNumber().doubleValue());
    assertThat(actual.sub(expected).amaxNumber().doubleValue()).isLessThanOrEqualTo(tolerance * scale);
  }
}
