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

  @Test
  void aWindowsOwnItemsInThePoolAreItsHistoryAndTargetsNotItsPadding() {
    // L = 3, M = 2. Window 0: slot 0 padding (item 0), history 5 and 6, target 7 in the newest slot; window 1 has only
    // targets and history of its own (8, 9, 10, 11)
    var first = new TrainingWindows.Window(new int[] {0, 5, 6, 7}, new float[] {0, 1, 1}, new float[] {0, 1, 1},
        new float[4], new int[] {20, 21});
    var second = new TrainingWindows.Window(new int[] {8, 9, 10, 11}, new float[] {1, 1, 1}, new float[] {1, 1, 1},
        new float[4], new int[] {7, 0});
    var batch = TrainingWindows.batch(java.util.List.of(first, second));
    float[] items = batch.getFeatures(0).dup('c').data().asFloat();
    float[] context = batch.getFeatures(1).dup('c').data().asFloat();

    boolean[] own = TrainingWindows.ownInPool(items, context, 2, 3, 2);

    // the pool: 20, 21 (window 0's), 7, 0 (window 1's); 7 is window 0's target, 0 only its padding
    assertThat(own).containsExactly(false, false, true, false, false, false, false, false);
    assertThat(TrainingWindows.ownInPool(items, context, 1, 3, 2)).isNull(); // window 0 alone: nothing of its own
  }

  private static String[] fill(int n, String event) {
    String[] a = new String[n];
    Arrays.fill(a, event);
    return a;
  }
}
