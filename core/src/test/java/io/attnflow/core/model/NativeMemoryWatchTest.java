package io.attnflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Dead ND4J arrays leave the process, though their handles are too small to fill the heap: the watch has them
 * collected while the resident memory is above its target.
 */
class NativeMemoryWatchTest {
  private static final long MB = 1L << 20;

  @Test
  void deadArraysAreFreedWithoutTheHeapFilling() throws InterruptedException {
    long before = Pointer.physicalBytes();
    Thread watch = NativeMemoryWatch.start(before + 256 * MB, 100, "native-memory-watch-test");
    try {
      long peak = before;
      INDArray last = null;
      // 3 GB of 8 MB arrays, each written (so its pages are resident) and dropped at once: a few KB of handles.
      for (int i = 0; i < 384; i++) {
        last = Nd4j.createUninitialized(DataType.FLOAT, 2 * MB).assign(i);
        peak = Math.max(peak, Pointer.physicalBytes());
        Thread.sleep(5);
      }
      assertThat(last.getFloat(0)).isEqualTo(383f);
      // Without a watch the process holds all 3 GB; with it, the target's 256 MB and what a few polls' writes add.
      assertThat(peak - before).isLessThan(768 * MB);
    } finally {
      watch.interrupt();
    }
  }

  /**
   * A network's first training pass starts the JVM's watch; making a network, or loading one to score, does not. The
   * softmax training step runs by hand and never defines its SameDiff graph (sessions 33–35 trained ML-1M without the
   * watch, which grew the process by about a GB an epoch at 40 minibatches an average), and a JVM that only scores keeps
   * no dead arrays for it to free (with the watch started by every network, ML-1M's evaluate took 5 min 14 s, against
   * 3 min 55 s without).
   */
  @Test
  void aTrainingPassStartsTheJvmWatchAndANetworkThatScoresDoesNot() {
    // the tests' JVM turns the watch off (-Dattnflow.collect-above=0); a target it never reaches turns it on, idle
    String off = System.setProperty(NativeMemoryWatch.TARGET_PROPERTY, "1024g");
    try {
      ModelShape shape = new ModelShape(10, 4, 4, 2, 3);
      NetworkSpec spec = NetworkSpec.basic(shape);
      ComputationGraph network = AttentionNetwork.create(spec, 3);
      UserSequence user = new UserSequence("u", new int[] {1, 2, 3, 4, 5}, new long[] {1, 2, 3, 4, 5},
          new String[] {"click", "click", "click", "click", "click"});
      List<TrainingWindows.Window> windows = TrainingWindows.of(user, user.sortedItems(), spec.window(),
          new HistoryWeights(Map.of("click", 1.0), 0, 0, 0), spec.negatives(),
          NegativeSampler.uniform(shape.items()), new SplittableRandom(1));
      assertThat(windows).hasSize(2);
      MultiDataSet batch = TrainingWindows.batch(windows);
      network.output(batch.getFeatures());
      assertThat(watchRuns()).isFalse();
      network.fit(batch);
      assertThat(watchRuns()).isTrue();
    } finally {
      if (off == null) {
        System.clearProperty(NativeMemoryWatch.TARGET_PROPERTY);
      } else {
        System.setProperty(NativeMemoryWatch.TARGET_PROPERTY, off);
      }
    }
  }

  private static boolean watchRuns() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals(NativeMemoryWatch.THREAD_NAME) && t.isAlive());
  }
}
