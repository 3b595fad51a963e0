package io.attnflow.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.attnflow.core.model.HistoryWeights;
import io.attnflow.core.model.NegativeSampler;
import io.attnflow.core.model.TrainingWindows;
import io.attnflow.core.model.UserSequence;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TrainJobTest {
  @Test
  void aUsersHeldOutTargetsAreDrawnAsItsNegativesLikeAnyItemItHasNotMetInTraining() {
    // items 1-6 train; 7 is the validation target and 8 the test target; 9 the user never took
    UserSequence user = new UserSequence("u", new int[] {1, 2, 3, 4, 5, 6, 7, 8},
        IntStream.range(0, 8).mapToLong(i -> i * 60_000_000L).toArray(), fill(8, "click"));
    HistoryWeights weights = new HistoryWeights(Map.of("click", 1.0), 0, 0, 0);
    TreeSet<Integer> drawn = new TreeSet<>();
    for (int seed = 0; seed < 40; seed++) {
      for (TrainingWindows.Window w : TrainJob.windowsOf(new TrainJob.Trainee(user, new int[0]), new boolean[10], 3,
          weights, 2, NegativeSampler.uniform(10), new SplittableRandom(seed))) {
        Arrays.stream(w.negatives()).forEach(drawn::add);
        // and the windows hold the training events alone
        assertThat(w.items()).doesNotContain(7, 8);
      }
    }
    assertThat(drawn).contains(7, 8, 9).doesNotContain(1, 2, 3, 4, 5, 6);
  }

  private static String[] fill(int n, String event) {
    String[] a = new String[n];
    Arrays.fill(a, event);
    return a;
  }
}
