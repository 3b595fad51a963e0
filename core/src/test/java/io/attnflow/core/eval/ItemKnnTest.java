package io.attnflow.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.attnflow.core.model.UserHistory;
import io.attnflow.core.model.UserSequence;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.IntStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Item-kNN against its definition, Σ over the profile of cosine similarities of the items' user sets, with the item ×
 * item matrix and without it.
 */
class ItemKnnTest {
  @Property(tries = 50)
  void scoresAreSumsOfCosineSimilaritiesToTheProfile(@ForAll @IntRange(min = 1, max = 40) int users,
      @ForAll @IntRange(min = 2, max = 30) int items, @ForAll boolean dense, @ForAll long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<UserSequence> training = new ArrayList<>();
    List<TreeSet<Integer>> sets = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      int n = 1 + random.nextInt(8);
      int[] seq = IntStream.range(0, n).map(x -> random.nextInt(items)).toArray();
      training.add(new UserSequence("u" + u, seq, new long[n], new String[n]));
      TreeSet<Integer> set = new TreeSet<>();
      IntStream.of(seq).forEach(set::add);
      sets.add(set);
    }
    ItemKnn knn = ItemKnn.of(training.stream().map(UserSequence::distinctItems).toList(), items, dense);
    for (int c = 0; c < 3; c++) { // several cases in a row: nothing of one case stays for the next
      int[] before = IntStream.range(0, items).filter(i -> random.nextInt(3) == 0).toArray();
      float[] out = new float[items];
      knn.scoreAll(new HeldOutCase(new UserHistory("x", new int[0], new float[0]), 0, new int[0], new int[0], before), out);
      for (int j = 0; j < items; j++) {
        double expected = 0;
        for (int i : before) {
          int both = 0;
          int withI = 0;
          int withJ = 0;
          for (TreeSet<Integer> s : sets) {
            both += s.contains(i) && s.contains(j) ? 1 : 0;
            withI += s.contains(i) ? 1 : 0;
            withJ += s.contains(j) ? 1 : 0;
          }
          expected += withI == 0 || withJ == 0 ? 0 : both / Math.sqrt((double) withI * withJ);
        }
        assertThat((double) out[j]).as("item %d", j).isCloseTo(expected, within(1e-5 * Math.max(1, expected)));
      }
    }
  }
}
