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
  void nonFiniteScoresRankLast() {
    float nan = Float.NaN;
    // a diverged model's NaN target is beaten by every finite candidate: no hit
    assertThat(Ranking.rank(new float[] {0.1f, nan, -3f}, new int[] {5, 6, 7}, 1)).isEqualTo(2);
    // NaN and infinite competitors rank after a finite target
    assertThat(Ranking.rank(new float[] {nan, 0.2f, Float.POSITIVE_INFINITY}, new int[] {1, 6, 2}, 1)).isZero();
    // both protocols: all-NaN scores hit nothing (a NaN ranked first when nothing could beat it)
    float[] scores = {nan, nan, nan, nan, nan, 0.5f};
    HeldOutCase c = new HeldOutCase(new io.attnflow.core.model.UserHistory("u", new int[] {4}, new float[] {1}), 3,
        new int[] {0, 5}, new int[] {4}, new int[0]);
    // sampled: after item 5's 0.5 and item 0's NaN (equal, lower index); full: after 5, 0, 1 and 2
    assertThat(Protocol.SAMPLED.rank(c, scores, 1).rank()).isEqualTo(2);
    assertThat(Protocol.SAMPLED.rank(c, scores, 1).top()).containsExactly(5);
    assertThat(Protocol.FULL.rank(c, scores, 1).rank()).isEqualTo(4);
  }

  @Test
  void fullRankingAmongSomeItemsOnly() {
    // target 3; item 4 seen; items 0, 2, 5 beat it, but only 2 and 3 are among the new items
    float[] scores = {0.9f, 0.1f, 0.8f, 0.5f, 1f, 0.7f};
    HeldOutCase c = new HeldOutCase(new io.attnflow.core.model.UserHistory("u", new int[] {4}, new float[] {1}), 3,
        new int[] {1}, new int[] {4}, new int[0]);
    boolean[] fresh = {false, true, true, false, true, false};
    assertThat(Protocol.FULL.rank(c, scores, 2).rank()).isEqualTo(3);
    assertThat(Protocol.FULL.rank(c, scores, 2).top()).containsExactly(0, 2);
    // the target competes whether it is among them or not; the seen item 4 never does
    assertThat(Protocol.FULL.rank(c, scores, 2, fresh).rank()).isEqualTo(1);
    assertThat(Protocol.FULL.rank(c, scores, 2, fresh).top()).containsExactly(2, 3);
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
