package io.attnflow.jobs.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchesTest {
  @Test
  void outputsEveryBatchInOrderReadingOneBatchAheadAtMost() {
    List<Integer> read = new ArrayList<>();
    Iterator<Integer> in = IntStream.range(0, 10).peek(read::add).iterator();
    // each batch of up to 4 gives its numbers doubled, and nothing for a batch of odd numbers only
    Iterator<Integer> out = Batches.flatMap(in, 4, batch -> batch.stream().map(i -> 2 * i).toList());
    assertThat(read).as("nothing read before the first output is asked for").isEmpty();
    assertThat(out.next()).isZero();
    assertThat(read).containsExactly(0, 1, 2, 3);
    List<Integer> rest = new ArrayList<>();
    out.forEachRemaining(rest::add);
    assertThat(rest).containsExactly(2, 4, 6, 8, 10, 12, 14, 16, 18);
    assertThat(Batches.flatMap(List.of(1, 3, 5).iterator(), 2, batch -> List.<Integer>of()).hasNext()).isFalse();
  }
}
