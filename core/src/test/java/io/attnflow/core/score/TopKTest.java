package io.attnflow.core.score;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class TopKTest {
  /** (item, score) pairs fully sorted: higher score first, ties by lower item. */
  private static List<int[]> fullSort(List<Integer> scores) {
    List<int[]> all = new ArrayList<>();
    for (int i = 0; i < scores.size(); i++) {
      all.add(new int[] {i, scores.get(i)});
    }
    all.sort(Comparator.comparingInt((int[] e) -> -e[1]).thenComparingInt(e -> e[0]));
    return all;
  }

  @Property(tries = 300)
  void equalsThePrefixOfAFullSort(@ForAll @Size(max = 200) List<@IntRange(min = -5, max = 5) Integer> scores,
      @ForAll @IntRange(min = 1, max = 30) int k) {
    TopK top = new TopK(k);
    // offered in a scrambled order: the result must not depend on it
    for (int i = scores.size() - 1; i >= 0; i -= 2) {
      top.offer(i, scores.get(i));
    }
    for (int i = scores.size() % 2 == 0 ? 0 : 1; i < scores.size(); i += 2) {
      top.offer(i, scores.get(i));
    }
    List<int[]> expected = fullSort(scores).subList(0, Math.min(k, scores.size()));
    assertThat(top.items()).containsExactly(expected.stream().mapToInt(e -> e[0]).toArray());
    float[] s = top.scores();
    for (int i = 0; i < expected.size(); i++) {
      assertThat(s[i]).isEqualTo((float) expected.get(i)[1]);
    }
  }

  @Property(tries = 200)
  void mergingPartialListsEqualsOnePass(@ForAll @Size(max = 150) List<@IntRange(min = -3, max = 3) Integer> scores,
      @ForAll @IntRange(min = 1, max = 20) int k, @ForAll @IntRange(min = 1, max = 40) int blockSize) {
    TopK whole = new TopK(k);
    TopK merged = new TopK(k);
    for (int from = 0; from < scores.size(); from += blockSize) {
      TopK part = new TopK(k);
      for (int i = from; i < Math.min(scores.size(), from + blockSize); i++) {
        part.offer(i, scores.get(i));
        whole.offer(i, scores.get(i));
      }
      merged.merge(part);
    }
    assertThat(merged.items()).containsExactly(whole.items());
  }

  @Test
  void nanIsRefusedNamingTheItem() {
    TopK top = new TopK(3);
    top.offer(1, Float.NEGATIVE_INFINITY);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> top.offer(7, Float.NaN))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("item 7").hasMessageContaining("NaN");
    assertThat(top.items()).containsExactly(1);
  }

  @Test
  void thresholdIsTheWorstKeptOnceFull() {
    TopK top = new TopK(2);
    assertThat(top.threshold()).isEqualTo(Float.NEGATIVE_INFINITY);
    top.offer(1, 0.5f);
    top.offer(2, 0.9f);
    top.offer(3, 0.7f);
    assertThat(top.threshold()).isEqualTo(0.7f);
    assertThat(top.items()).containsExactly(2, 3);
  }
}
