package io.attnflow.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.attnflow.jobs.TestSpark;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

class EpochChunksIT {
  @Test
  void dealsEveryMinibatchOnceIntoEvenPartitionsOnePerWorkerTheSameEachTime() {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
    // three partitions of uneven sizes, as a chunk's users may leave its minibatches: 17, 3 and 41 of them
    List<List<Integer>> source = List.of(range(0, 17), range(17, 20), range(20, 61));
    JavaRDD<Integer> batches = jsc.parallelize(source, source.size()).flatMap(List::iterator);
    assertThat(batches.glom().collect()).isEqualTo(source);

    List<List<Integer>> dealt = EpochChunks.deal(batches, 2).glom().collect();

    assertThat(dealt).hasSize(2);
    assertThat(dealt.stream().flatMap(List::stream).sorted().toList()).isEqualTo(range(0, 61));
    // partition p's first card to worker p mod 2, then in turn: 9 + 1 + 21 cards and 8 + 2 + 20
    assertThat(dealt.get(0)).containsExactlyInAnyOrderElementsOf(join(every2(0, 17), List.of(18), every2(20, 61)));
    assertThat(dealt.get(1)).containsExactlyInAnyOrderElementsOf(join(every2(1, 17), List.of(17, 19), every2(21, 61)));
    // in rounds: each partition's first card for the worker, then each one's second, ...
    assertThat(dealt.get(0)).startsWith(0, 2, 18, 20, 4, 22, 6, 24).endsWith(56, 58, 60);
    assertThat(dealt.get(1)).startsWith(1, 17, 3, 19, 21, 5, 23).endsWith(57, 59);
    assertThat(EpochChunks.deal(batches, 2).glom().collect()).isEqualTo(dealt);
  }

  private static List<Integer> range(int from, int to) {
    return IntStream.range(from, to).boxed().toList();
  }

  private static List<Integer> every2(int from, int to) {
    return IntStream.range(from, to).filter(i -> (i - from) % 2 == 0).boxed().toList();
  }

  @SafeVarargs
  private static List<Integer> join(List<Integer>... parts) {
    return java.util.Arrays.stream(parts).flatMap(List::stream).toList();
  }
}
