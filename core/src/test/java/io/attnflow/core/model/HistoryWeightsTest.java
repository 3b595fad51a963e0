package io.attnflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

class HistoryWeightsTest {
  private static final long DAY = 86_400_000_000L;

  @Test
  void eventWeightTimesHalvingPerHalfLife() {
    HistoryWeights w = new HistoryWeights(Map.of("click", 1.0, "like", 2.0), 10);
    // like (2) aged 20 days with a 10-day half-life: 2 · 2^(−20/10) = 0.5
    assertThat(w.weight("like", 0, 20 * DAY)).isCloseTo(0.5f, within(1e-6f));
    // click aged 5 days: 2^(−0.5) = 0.707107
    assertThat(w.weight("click", 10 * DAY, 15 * DAY)).isCloseTo(0.707107f, within(1e-6f));
    // an event after the reference time does not grow
    assertThat(w.weight("click", 20 * DAY, 15 * DAY)).isEqualTo(1f);
  }

  @Test
  void unlistedEventsDoNotCountAndZeroHalfLifeMeansNoDecay() {
    HistoryWeights w = new HistoryWeights(Map.of("rating", 1.0, "impression", 0.0), 0);
    assertThat(w.counts("rating")).isTrue();
    assertThat(w.counts("impression")).isFalse();
    assertThat(w.counts("view")).isFalse();
    assertThat(w.weight("rating", 0, 3650 * DAY)).isEqualTo(1f);
  }
}
