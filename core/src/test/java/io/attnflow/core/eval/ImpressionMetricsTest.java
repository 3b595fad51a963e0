package io.attnflow.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ImpressionMetricsTest {
  private static double log2(int x) {
    return Math.log(x) / Math.log(2);
  }

  @Test
  void figuresOfOneImpressionWorkedByHand() {
    // shown in this order; ranked by score: c (0.9), a (0.8), e (0.5), b (0.3), d (0.1); clicked: a and d
    float[] scores = {0.8f, 0.3f, 0.9f, 0.1f, 0.5f};
    boolean[] clicked = {true, false, false, true, false};
    ImpressionMetrics.Figures f = ImpressionMetrics.of(scores, clicked);
    // pairs (clicked, not): a beats b and e, not c; d beats none: 2 of 6
    assertThat(f.auc()).isCloseTo(2.0 / 6, within(1e-12));
    // a at rank 2, d at rank 5
    assertThat(f.mrr()).isCloseTo((1.0 / 2 + 1.0 / 5) / 2, within(1e-12));
    double ideal = 1 + 1 / log2(3);
    assertThat(f.ndcg5()).isCloseTo((1 / log2(3) + 1 / log2(6)) / ideal, within(1e-12));
    assertThat(f.ndcg10()).isEqualTo(f.ndcg5());
  }

  @Test
  void aPerfectRankingScoresOneAndTiesCountHalf() {
    ImpressionMetrics.Figures perfect = ImpressionMetrics.of(new float[] {0.1f, 0.9f, 0.2f}, new boolean[] {false, true, false});
    assertThat(perfect).isEqualTo(new ImpressionMetrics.Figures(1, 1, 1, 1));
    ImpressionMetrics.Figures tied = ImpressionMetrics.of(new float[] {0.5f, 0.5f}, new boolean[] {false, true});
    assertThat(tied.auc()).isEqualTo(0.5);
    assertThat(tied.mrr()).as("equal scores rank in the order shown").isEqualTo(0.5);
  }

  @Test
  void sumsMergeIntoMeansOverImpressions() {
    ImpressionMetrics a = new ImpressionMetrics();
    a.add(new ImpressionMetrics.Figures(1, 1, 1, 1));
    ImpressionMetrics b = new ImpressionMetrics();
    b.add(new ImpressionMetrics.Figures(0, 0.5, 0.25, 0.5));
    b.add(new ImpressionMetrics.Figures(0.5, 0, 0.5, 0));
    ImpressionMetrics all = a.merge(b);
    assertThat(all.impressions()).isEqualTo(3);
    assertThat(all.mean().auc()).isCloseTo(0.5, within(1e-12));
    assertThat(all.mean().mrr()).isCloseTo(0.5, within(1e-12));
    assertThat(all.mean().ndcg5()).isCloseTo(1.75 / 3, within(1e-12));
  }

  @Test
  void anImpressionWithoutBothClassesIsRefused() {
    assertThatThrownBy(() -> ImpressionMetrics.of(new float[] {1, 2}, new boolean[] {true, true}))
        .hasMessageContaining("2 clicked");
    assertThatThrownBy(() -> ImpressionMetrics.of(new float[] {1}, new boolean[] {false}))
        .hasMessageContaining("0 clicked");
  }
}
