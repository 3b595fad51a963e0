package io.attnflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

class HistoryWeightsTest {
  private static final long DAY = 86_400_000_000L;

  @Test
  void eventWeightTimesHalvingPerHalfLife() {
    HistoryWeights w = new HistoryWeights(Map.of("click", 1.0, "like", 2.0), 10, 0, 0);
    // like (2) aged 20 days with a 10-day half-life: 2 · 2^(−20/10) = 0.5
    assertThat(w.weight("like", 0, 20 * DAY, 0)).isCloseTo(0.5f, within(1e-6f));
    // click aged 5 days: 2^(−0.5) = 0.707107
    assertThat(w.weight("click", 10 * DAY, 15 * DAY, 0)).isCloseTo(0.707107f, within(1e-6f));
    // an event after the reference time does not grow
    assertThat(w.weight("click", 20 * DAY, 15 * DAY, 0)).isEqualTo(1f);
  }

  @Test
  void unlistedEventsDoNotCountAndZeroHalfLivesMeanNoDecay() {
    HistoryWeights w = new HistoryWeights(Map.of("rating", 1.0, "impression", 0.0), 0, 0, 0);
    assertThat(w.counts("rating")).isTrue();
    assertThat(w.counts("impression")).isFalse();
    assertThat(w.counts("view")).isFalse();
    assertThat(w.weight("rating", 0, 3650 * DAY, 40)).isEqualTo(1f);
  }

  @Test
  void weightsHalveWithEveryHalfLifeOfNewerEventsOnTopOfTheTimeDecay() {
    HistoryWeights w = new HistoryWeights(Map.of("click", 1.0, "like", 2.0), 10, 2, 0);
    assertThat(w.weight("like", 15 * DAY, 15 * DAY, 0)).isEqualTo(2f);
    // like with 4 newer events and a 2-event half-life: 2 · 2^(−2) = 0.5; aged 10 days as well: 0.25
    assertThat(w.weight("like", 15 * DAY, 15 * DAY, 4)).isCloseTo(0.5f, within(1e-6f));
    assertThat(w.weight("like", 5 * DAY, 15 * DAY, 4)).isCloseTo(0.25f, within(1e-6f));
  }

  @Test
  void aFloorKeepsAShareOfTheWeightHoweverOld() {
    HistoryWeights w = new HistoryWeights(Map.of("like", 2.0), 10, 1, 0.25);
    // the newest, undecayed: all of it
    assertThat(w.weight("like", 15 * DAY, 15 * DAY, 0)).isEqualTo(2f);
    // 2 newer events and 10 days old, decay 2^(−2) · 2^(−1) = 1/8: 2 · (0.25 + 0.75 / 8) = 0.6875
    assertThat(w.weight("like", 5 * DAY, 15 * DAY, 2)).isCloseTo(0.6875f, within(1e-6f));
    // however old, never below the floor's share
    assertThat(w.weight("like", 0, 5000 * DAY, 49)).isCloseTo(0.5f, within(1e-6f));
    assertThatThrownBy(() -> new HistoryWeights(Map.of("like", 2.0), 10, 1, 1.5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("floor of 1.5");
  }

  @Test
  void aHistoryIsTheLastMCountedEventsDecayedByPositionFromTheNewest() {
    HistoryWeights w = new HistoryWeights(Map.of("click", 1.0, "like", 2.0), 0, 1, 0);
    UserSequence seq = new UserSequence("u", new int[] {7, 8, 9, 10, 11},
        new long[] {1, 2, 3, 4, 5}, new String[] {"click", "like", "impression", "click", "click"});
    // predicting position 4 (item 11) with m = 2: the counted events before it, newest first, are
    // 10 (click, 0 newer) and 8 (like, 1 newer; the impression between them does not count)
    UserHistory h = seq.historyBefore(4, 2, w, 5);
    assertThat(h.items()).containsExactly(8, 10);
    assertThat(h.weights()).containsExactly(1f, 1f);
    UserHistory all = seq.historyBefore(5, 10, w, 6);
    assertThat(all.items()).containsExactly(7, 8, 10, 11);
    assertThat(all.weights()).containsExactly(0.125f, 0.5f, 0.5f, 1f);
  }

  @Test
  void eventsDecayedToNothingLeaveTheHistory() {
    HistoryWeights w = new HistoryWeights(Map.of("click", 1.0), 1, 0, 0);
    UserSequence seq = new UserSequence("u", new int[] {1, 2}, new long[] {0, 9000 * DAY}, new String[] {"click", "click"});
    UserHistory h = seq.historyBefore(2, 10, w, 9000 * DAY);
    assertThat(h.items()).containsExactly(2);
  }
}
