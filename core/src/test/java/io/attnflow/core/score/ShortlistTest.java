package io.attnflow.core.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class ShortlistTest {
  /** Scores from a few values, so that ties (broken by item index) are common; items offered in a scrambled order. */
  @Property(tries = 500)
  void keepsTheSetATopKKeeps(@ForAll @Size(max = 400) List<@IntRange(min = -6, max = 6) Integer> scores,
      @ForAll @IntRange(min = 1, max = 40) int c, @ForAll long seed) {
    Shortlist shortlist = new Shortlist(c);
    TopK top = new TopK(c);
    List<Integer> order = new ArrayList<>(IntStream.range(0, scores.size()).boxed().toList());
    Collections.shuffle(order, new Random(seed));
    for (int item : order) {
      shortlist.offer(item, scores.get(item));
      top.offer(item, scores.get(item));
    }
    int[] expected = top.items();
    Arrays.sort(expected);
    assertThat(shortlist.items()).containsExactly(expected);
  }

  @Test
  void thresholdRisesOnlyWhenTheBufferIsSelected() {
    Shortlist shortlist = new Shortlist(2);
    shortlist.offer(1, 0.5f);
    shortlist.offer(2, 0.9f);
    shortlist.offer(3, 0.7f);
    assertThat(shortlist.threshold()).isEqualTo(Float.NEGATIVE_INFINITY);
    shortlist.offer(4, 0.1f); // the buffer of 2c is full: the best 2 stay, the worst of them sets the threshold
    assertThat(shortlist.threshold()).isEqualTo(0.7f);
    shortlist.offer(5, 0.6f); // refused
    shortlist.offer(0, 0.7f); // enters: as good as item 3, and a lower index
    assertThat(shortlist.items()).containsExactly(0, 2);
  }

  @Test
  void nanIsRefusedNamingTheItem() {
    Shortlist shortlist = new Shortlist(3);
    assertThatThrownBy(() -> shortlist.offer(7, Float.NaN)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("item 7").hasMessageContaining("NaN");
  }
}
