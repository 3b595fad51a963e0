package io.attnflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The item table trained lazily: the values a step's gradient touches move as Adam moves them, the others and their
 * moments stay where they are (Adam moves them by their momentum); the table's updater has no momentum, and the choice
 * survives the configuration's JSON, which models and dl4j-spark keep.
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
  void touchedValuesMoveAsAdamMovesThemAndTheOthersStay() {
    int n = 8;
    INDArray lazyState = Nd4j.zeros(DataType.FLOAT, 1, 2 * n);
    INDArray adamState = Nd4j.zeros(DataType.FLOAT, 1, 2 * n);
    GradientUpdater<?> lazy = new LazyAdam(0.05, 0.9, 0.999, 1e-8).instantiate(lazyState, true);
    GradientUpdater<?> adam = new Adam(0.05, 0.9, 0.999, 1e-8).instantiate(adamState, true);
    float[] first = {0.3f, -1.2f, 0.05f, 2.0f, -0.7f, 0.4f, -0.01f, 1.1f};
    float[] second = {-0.2f, 0, 0.6f, 1.5f, 0, -0.9f, 0, 0.25f}; // values 1, 4 and 6 untouched
    INDArray[] updates = new INDArray[2];
    for (int step = 0; step < 2; step++) {
      float[] gradient = step == 0 ? first : second;
      INDArray lazyUpdate = Nd4j.createFromArray(gradient).reshape(1, n);
      INDArray adamUpdate = lazyUpdate.dup();
      INDArray lazyBefore = lazyState.dup();
      lazy.applyUpdater(lazyUpdate, step, 0);
      adam.applyUpdater(adamUpdate, step, 0);
      updates[step] = lazyUpdate;
      for (int i = 0; i < n; i++) {
        if (gradient[i] != 0) { // Adam's arithmetic, and Adam's new moments
          assertThat(lazyUpdate.getDouble(0, i)).isCloseTo(adamUpdate.getDouble(0, i), within(1e-7));
          assertThat(lazyState.getDouble(0, i)).isCloseTo(adamState.getDouble(0, i), within(1e-7));
          assertThat(lazyState.getDouble(0, n + i)).isCloseTo(adamState.getDouble(0, n + i), within(1e-7));
        } else { // lazily nothing; Adam moves it by its momentum and decays its moments
          assertThat(lazyUpdate.getDouble(0, i)).isZero();
          assertThat(lazyState.getDouble(0, i)).isEqualTo(lazyBefore.getDouble(0, i));
          assertThat(lazyState.getDouble(0, n + i)).isEqualTo(lazyBefore.getDouble(0, n + i));
          assertThat(adamUpdate.getDouble(0, i)).isNotZero();
        }
      }
    }
    assertThat(updates[1].getDouble(0, 0)).isNotZero();
  }

  @Test
  void theTableMovesOnlyWhereAStepTouchedIt() {
    ComputationGraph net = AttentionNetwork.create(spec(true), 5);
    INDArray start = table(net);
    // step 1 touches items 1-11; step 2 only items 1-6; items 0, 12 and 13 never
    net.fit(TrainingWindows.batch(List.of(window(1, 2, 3, 4, 5, 6), window(7, 8, 9, 10, 11, 5))));
    INDArray afterFirst = table(net);
    net.fit(TrainingWindows.batch(List.of(window(1, 2, 3, 4, 5, 6), window(4, 3, 2, 1, 6, 5))));
    INDArray afterSecond = table(net);
    for (int item = 0; item < SHAPE.items(); item++) {
      boolean first = item >= 1 && item <= 11;
      boolean second = item >= 1 && item <= 6;
      assertThat(afterFirst.getRow(item).equals(start.getRow(item))).as("item %d", item).isEqualTo(!first);
      assertThat(afterSecond.getRow(item).equals(afterFirst.getRow(item))).as("item %d", item).isEqualTo(!second);
    }
  }

  @Test
  void theEmbeddingAloneIsLazyAndStaysSoThroughJson() {
    ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(
        AttentionNetwork.configuration(spec(true), 5, false).toJson());
    assertThat(updater(conf, AttentionNetwork.EMBED)).isInstanceOf(LazyAdam.class);
    assertThat(((Adam) updater(conf, AttentionNetwork.EMBED)).getLearningRate()).isEqualTo(0.05);
    assertThat(((Adam) updater(conf, AttentionNetwork.EMBED)).getBeta1()).isZero();
    AttentionVertex vertex = (AttentionVertex) conf.getVertices().get(AttentionNetwork.VERTEX);
    assertThat(vertex.getUpdater()).isNotInstanceOf(LazyAdam.class).isInstanceOf(Adam.class);
    assertThat(((Adam) vertex.getUpdater()).getBeta1()).isEqualTo(0.9);
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

}
