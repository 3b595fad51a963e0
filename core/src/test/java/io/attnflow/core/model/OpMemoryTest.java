package io.attnflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;

/**
 * A SameDiff session's manager hands a step's arrays to the next step of the same shapes, and nothing else: outside a
 * step arrays are SameDiff's, an array released within a step serves that step again, and free arrays beyond the
 * limit are freed. ({@code AttentionModelTest} trains through it and holds the gradients to DL4J's.)
 */
class OpMemoryTest {
  private static final LongShapeDescriptor BIG = LongShapeDescriptor.fromShape(new long[] {32, 50, 64}, DataType.FLOAT);
  private static final LongShapeDescriptor SMALL = LongShapeDescriptor.fromShape(new long[] {32, 64}, DataType.FLOAT);

  @Test
  void aStepsArraysServeTheNextStep() {
    OpMemory.Recycling memory = new OpMemory.Recycling();
    long first;
    long second;
    try (OpMemory.Step step = OpMemory.step()) {
      first = address(memory.allocate(false, BIG));
      second = address(memory.allocate(false, BIG));
    }
    try (OpMemory.Step step = OpMemory.step()) {
      long a = address(memory.allocate(false, BIG));
      long b = address(memory.allocate(false, BIG));
      assertThat(java.util.Set.of(a, b)).containsExactlyInAnyOrder(first, second);
      assertThat(address(memory.allocate(false, BIG))).isNotIn(first, second); // a third: new
      assertThat(memory.allocate(false, SMALL).shape()).containsExactly(32, 64);
    }
    memory.close();
  }

  @Test
  void anArrayReleasedInAStepServesItAgainAndOutsideAStepNothingIsKept() {
    OpMemory.Recycling memory = new OpMemory.Recycling();
    try (OpMemory.Step step = OpMemory.step()) {
      INDArray dead = memory.allocate(false, BIG);
      long address = address(dead);
      memory.release(dead);
      assertThat(address(memory.allocate(false, BIG))).isEqualTo(address);
    }
    INDArray outside = memory.allocate(false, SMALL);
    try (OpMemory.Step step = OpMemory.step()) {
      assertThat(address(memory.allocate(false, SMALL))).isNotEqualTo(address(outside));
    }
    memory.close();
  }

  @Test
  void freeArraysBeyondTheLimitAreFreedTheLeastRecentShapeFirst() {
    OpMemory.Recycling memory = new OpMemory.Recycling();
    long big = 32 * 50 * 64 * 4;
    memory.setMaxCacheBytes(big + 32 * 64 * 4);
    INDArray one;
    INDArray two;
    try (OpMemory.Step step = OpMemory.step()) {
      one = memory.allocate(false, BIG);
      two = memory.allocate(false, BIG);
    }
    assertThat(one.wasClosed() ^ two.wasClosed()).isTrue(); // one of the two stays free
    long kept;
    try (OpMemory.Step step = OpMemory.step()) {
      kept = address(memory.allocate(false, SMALL));
    }
    try (OpMemory.Step step = OpMemory.step()) {
      assertThat(address(memory.allocate(false, SMALL))).isEqualTo(kept);
      memory.allocate(false, SMALL);
    }
    // Two small ones and the big one are over the limit: the big one, unused for two steps, goes.
    assertThat(one.wasClosed() && two.wasClosed()).isTrue();
    try (OpMemory.Step step = OpMemory.step()) {
      long a = address(memory.allocate(false, SMALL));
      long b = address(memory.allocate(false, SMALL));
      assertThat(java.util.Set.of(a, b)).contains(kept);
    }
    memory.close();
  }

  @Test
  void stepsDoNotNest() {
    try (OpMemory.Step step = OpMemory.step()) {
      assertThatThrownBy(OpMemory::step).isInstanceOf(IllegalStateException.class);
    }
    OpMemory.step().close();
  }

  private static long address(INDArray array) {
    return array.data().addressPointer().address();
  }
}
