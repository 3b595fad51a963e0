package io.attnflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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
  void atMostSoManyWindowsTheNewestAlwaysTheOlderOnesDrawnAfreshEachTime() {
    int length = 41; // windows of 4 end at positions 40, 36, ..., 4: ten of them
    UserSequence s = new UserSequence("u", IntStream.range(0, length).map(i -> i + 1).toArray(),
        IntStream.range(0, length).mapToLong(i -> i * 60_000_000L).toArray(), fill(length, "click"));
    Set<Integer> drawn = new TreeSet<>();
    for (int seed = 0; seed < 40; seed++) {
      var windows = TrainingWindows.of(s, new int[0], new int[0], 4, 3, WEIGHTS, 2, NegativeSampler.uniform(50),
          new SplittableRandom(seed));
      assertThat(windows).hasSize(TrainingWindows.count(length, 4, 3)).hasSize(3);
      // a window is known by its last item (the item at its end position, plus one): the newest first, then older
      // ones, none twice
      int[] ends = windows.stream().mapToInt(w -> w.items()[4] - 1).toArray();
      assertThat(ends[0]).as("seed %d", seed).isEqualTo(length - 1);
      assertThat(ends).as("seed %d", seed).isSortedAccordingTo(Comparator.reverseOrder())
          .doesNotHaveDuplicates();
      Arrays.stream(ends).forEach(e -> assertThat((length - 1 - e) % 4).isZero());
      Arrays.stream(ends).forEach(drawn::add);
    }
    assertThat(drawn).as("every window drawn in forty epochs").hasSize(TrainingWindows.count(length, 4));
    assertThat(TrainingWindows.of(s, new int[0], new int[0], 4, 0, WEIGHTS, 2, NegativeSampler.uniform(50),
        new SplittableRandom(1))).as("0: all").hasSize(10);
  }

  private static String[] fill(int n, String event) {
    String[] a = new String[n];
    Arrays.fill(a, event);
    return a;
  }
}
