package io.attnflow.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RankingTest {
  @Test
  void rankCountsBetterCandidatesAndBreaksTiesByIndex() {
    float[] scores = {0.9f, 0.5f, 0.5f, 0.7f, 0.1f};
    int[] items = {40, 12, 30, 7, 3};
    // target = position 2 (item 30, 0.5): beaten by 0.9 and 0.7, and by item 12's equal 0.5 (12 < 30)
    assertThat(Ranking.rank(scores, items, 2)).isEqualTo(3);
    // position 1 (item 12, 0.5): the tie with item 30 goes its way
    assertThat(Ranking.rank(scores, items, 1)).isEqualTo(2);
    assertThat(Ranking.rank(scores, items, 0)).isZero();
  }

  @Test
  void hitNdcgAndReciprocalRank() {
    assertThat(Ranking.hit(9, 10)).isEqualTo(1.0);
    assertThat(Ranking.hit(10, 10)).isEqualTo(0.0);
    assertThat(Ranking.ndcg(0, 10)).isEqualTo(1.0);
    // rank 1 → 1/log2(3) = 0.630930
    assertThat(Ranking.ndcg(1, 10)).isCloseTo(0.630930, within(1e-6));
    assertThat(Ranking.ndcg(10, 10)).isZero();
    assertThat(Ranking.reciprocalRank(3)).isEqualTo(0.25);
  }
}
