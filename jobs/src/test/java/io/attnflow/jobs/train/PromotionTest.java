package io.attnflow.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PromotionTest {
  @Test
  void theFirstModelIsAlwaysPromoted() {
    assertThat(Promotion.decide("v1", 0.01, Optional.empty(), 0).promoted()).isTrue();
  }

  @Test
  void aModelWithinTheToleranceIsPromotedOneBelowItIsNot() {
    Optional<Map.Entry<String, Double>> latest = Optional.of(Map.entry("v1", 0.40));
    assertThat(Promotion.decide("v2", 0.395, latest, 0.01).promoted()).isTrue();
    assertThat(Promotion.decide("v2", 0.45, latest, 0.0).promoted()).isTrue();
    Promotion kept = Promotion.decide("v2", 0.385, latest, 0.01);
    assertThat(kept.promoted()).isFalse();
    assertThat(kept.reason()).contains("0.3850 against 0.4000 of latest v1").contains("latest stays v1")
        .contains("--set model.version=v2");
  }

  @Test
  void aLatestWithoutRecordedMetricsDoesNotBlock() {
    assertThat(Promotion.decide("v2", 0.1, Optional.of(Map.entry("v1", Double.NaN)), 0).promoted()).isTrue();
  }
}
