package io.attnflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NegativeSamplerTest {
  private static final long[] COUNTS = {10_000, 100, 0, 100, 0, 0, 0, 0, 0, 0};

  @Test
  void uniformDrawsEveryUnseenItemAlikeAndNeverASeenOne() {
    int[] drawn = draw(NegativeSampler.uniform(10), new int[] {1, 3}, 80_000);
    assertThat(drawn[1]).isZero();
    assertThat(drawn[3]).isZero();
    for (int j : new int[] {0, 2, 4, 9}) {
      assertThat(drawn[j] / 80_000.0).as("item %d", j).isCloseTo(1 / 8.0, within(0.01));
    }
  }

  @Test
  void popularDrawsFollowSmoothedPopularityAndSkipSeenItems() {
    int[] drawn = draw(NegativeSampler.mixed(COUNTS, 1.0), new int[] {3}, 100_000);
    assertThat(drawn[3]).isZero();
    assertThat(drawn[2] + drawn[4] + drawn[9]).as("never-counted items").isZero();
    // 10,000 vs 100 events: (100)^0.75 ≈ 31.6 times as often, not 100 times
    assertThat(drawn[0] / (double) drawn[1]).isCloseTo(Math.pow(100, 0.75), within(3.0));
  }

  @Test
  void aMixedSamplerDrawsItsShareByPopularity() {
    int[] drawn = draw(NegativeSampler.mixed(COUNTS, 0.5), new int[0], 100_000);
    // half uniform (1/10 each), half by popularity (item 0: 1000 / (1000 + 2 × 31.6))
    double p0 = 0.5 * 0.1 + 0.5 * 1000 / (1000 + 2 * Math.pow(100, 0.75));
    assertThat(drawn[0] / 100_000.0).isCloseTo(p0, within(0.01));
    assertThat(drawn[5] / 100_000.0).isCloseTo(0.05, within(0.005));
  }

  @Test
  void impressionsSupplyTheirShareAndHeldOutItemsAreNeverDrawn() {
    boolean[] held = new boolean[10];
    held[7] = true;
    held[8] = true;
    NegativeSampler sampler = NegativeSampler.uniform(10).withImpressions(0.5).excluding(held);
    int[] shown = {2, 8, 9}; // 8 is held out: never drawn, even from the impressions
    int[] drawn = new int[10];
    java.util.SplittableRandom random = new java.util.SplittableRandom(3);
    for (int i = 0; i < 60_000; i++) {
      drawn[sampler.sample(new int[] {1, 9}, shown, random)]++; // 9 was seen: never drawn
    }
    assertThat(drawn[1] + drawn[7] + drawn[8] + drawn[9]).isZero();
    // half from the impressions, where item 2 alone is drawable (found within 8 draws with probability 1 − (2/3)^8);
    // the rest uniform over the 6 items left
    double fromImpressions = 0.5 * (1 - Math.pow(2.0 / 3, 8));
    double uniform = (1 - fromImpressions) / 6;
    assertThat(drawn[2] / 60_000.0).isCloseTo(fromImpressions + uniform, org.assertj.core.api.Assertions.within(0.01));
    assertThat(drawn[0] / 60_000.0).isCloseTo(uniform, org.assertj.core.api.Assertions.within(0.01));
    assertThat(sampler.canDraw(new int[] {0, 1, 1, 2, 3, 4, 5, 6, 7})).isTrue(); // 9 is left
    assertThat(sampler.canDraw(new int[] {0, 1, 2, 3, 4, 5, 6, 9, 9})).isFalse(); // 7 and 8 are held out
  }

  @Test
  void aSequenceWithoutHeldOutItemsKeepsTheRestInOrder() {
    UserSequence s = new UserSequence("u", new int[] {3, 7, 1, 7, 2}, new long[] {1, 2, 3, 4, 5},
        new String[] {"a", "b", "c", "d", "e"});
    boolean[] held = new boolean[8];
    held[7] = true;
    UserSequence kept = s.without(held);
    assertThat(kept.items()).containsExactly(3, 1, 2);
    assertThat(kept.ts()).containsExactly(1, 3, 5);
    assertThat(kept.events()).containsExactly("a", "c", "e");
    assertThat(s.without(new boolean[8])).isSameAs(s);
  }

  @Test
  void aUserWhoSawThePopularItemsStillGetsNegatives() {
    int[] drawn = draw(NegativeSampler.mixed(COUNTS, 1.0), new int[] {0, 1, 3}, 7000);
    assertThat(drawn[0] + drawn[1] + drawn[3]).isZero();
    for (int j : new int[] {2, 4, 5, 6, 7, 8, 9}) {
      assertThat(drawn[j] / 7000.0).as("item %d", j).isCloseTo(1 / 7.0, within(0.02));
    }
  }

  private static int[] draw(NegativeSampler sampler, int[] seen, int n) {
    SplittableRandom random = new SplittableRandom(7);
    int[] drawn = new int[sampler.vocabularySize()];
    for (int i = 0; i < n; i++) {
      drawn[sampler.sample(seen, random)]++;
    }
    return drawn;
  }
}
