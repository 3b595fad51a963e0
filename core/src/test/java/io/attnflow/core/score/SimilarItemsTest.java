package io.attnflow.core.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class SimilarItemsTest {
  private static final int N = 53;
  private static final int DIM = 6;

  private static float[] rows(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] rows = new float[N * DIM];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return rows;
  }

  private static double dot(float[] rows, int a, int b) {
    double s = 0;
    for (int d = 0; d < DIM; d++) {
      s += (double) rows[a * DIM + d] * rows[b * DIM + d];
    }
    return s;
  }

  @ParameterizedTest
  @EnumSource(SimilarItems.Metric.class)
  void blockedNeighboursAreTheBruteForceOnesWithoutTheItemItself(SimilarItems.Metric metric) {
    float[] rows = rows(3);
    // blocks of 7 leave a ragged last block of 4
    SimilarItems index = new SimilarItems(rows, DIM, metric, 7);
    int[] queries = {0, 8, 52, 20};
    List<SimilarItems.Neighbours> found = index.of(queries, 5);
    for (int r = 0; r < queries.length; r++) {
      int q = queries[r];
      Comparator<Integer> best = metric == SimilarItems.Metric.COSINE
          ? Comparator.comparingDouble((Integer j) -> -dot(rows, q, j) / Math.sqrt(dot(rows, q, q) * dot(rows, j, j)))
          : Comparator.comparingDouble((Integer j) -> dot(rows, q, q) + dot(rows, j, j) - 2 * dot(rows, q, j));
      int[] expected = IntStream.range(0, N).filter(j -> j != q).boxed().sorted(best).limit(5).mapToInt(Integer::intValue).toArray();
      SimilarItems.Neighbours nb = found.get(r);
      assertThat(nb.item()).isEqualTo(q);
      assertThat(nb.items()).as("query %d", q).containsExactly(expected);
      for (int i = 0; i < 5; i++) {
        int j = expected[i];
        assertThat(nb.similarity()[i]).isCloseTo((float) (dot(rows, q, j) / Math.sqrt(dot(rows, q, q) * dot(rows, j, j))), within(1e-5f));
        assertThat(nb.distance()[i]).isCloseTo((float) Math.sqrt(dot(rows, q, q) + dot(rows, j, j) - 2 * dot(rows, q, j)), within(1e-5f));
      }
    }
  }

  @Test
  void anIndexOfOneItemHasNoNeighboursAndCosineRefusesAZeroRow() {
    assertThat(new SimilarItems(new float[] {1, 2}, 2, SimilarItems.Metric.COSINE, 4).of(new int[] {0}, 3).get(0).items()).isEmpty();
    assertThatThrownBy(() -> new SimilarItems(new float[] {1, 2, 0, 0}, 2, SimilarItems.Metric.COSINE, 4))
        .hasMessageContaining("row 1");
  }
}
