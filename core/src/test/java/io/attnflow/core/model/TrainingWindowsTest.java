package io.attnflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TrainingWindowsTest {
  private static final HistoryWeights WEIGHTS = new HistoryWeights(Map.of("click", 1.0), 0, 0, 0);

  @Test
  void countIsTheNumberOfWindowsCutAndTheyCoverEveryTargetOnce() {
    for (int window = 1; window <= 7; window++) {
      for (int length = 0; length <= 30; length++) {
        UserSequence s = new UserSequence("u", IntStream.range(0, length).map(i -> i % 5).toArray(),
            IntStream.range(0, length).mapToLong(i -> i * 60_000_000L).toArray(), fill(length, "click"));
        var windows = TrainingWindows.of(s, new int[0], window, WEIGHTS, 2, NegativeSampler.uniform(50),
            new SplittableRandom(1));
        assertThat(TrainingWindows.count(length, window)).as("length %d, window %d", length, window)
            .isEqualTo(windows.size());
        // every position after the first is a target in exactly one window
        assertThat(windows.stream().mapToInt(TrainingWindows.Window::targets).sum()).isEqualTo(Math.max(0, length - 1));
      }
    }
  }

  private static String[] fill(int n, String event) {
    String[] a = new String[n];
    Arrays.fill(a, event);
    return a;
  }
}
