package io.attnflow.core.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.attnflow.core.model.UserSequence;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LeaveOneOutTest {
  private static UserSequence user(int... items) {
    long[] ts = new long[items.length];
    Arrays.setAll(ts, i -> 1000L * i);
    String[] events = new String[items.length];
    Arrays.fill(events, "view");
    return new UserSequence("u", items, ts, events);
  }

  @Test
  void trainingLeavesOutTheTwoTargetsThenTheHeldOutItemsAndTheTestSplitKeepsTheValidationEvent() {
    boolean[] held = new boolean[6];
    held[2] = true;
    UserSequence evaluable = user(1, 2, 3, 4, 5);
    assertThat(LeaveOneOut.train(evaluable).items()).containsExactly(1, 2, 3);
    assertThat(LeaveOneOut.train(evaluable, held).items()).containsExactly(1, 3);
    assertThat(LeaveOneOut.train(evaluable, held).ts()).containsExactly(0L, 2000L);
    assertThat(LeaveOneOut.beforeTest(evaluable, held).items()).containsExactly(1, 3, 4);
    // fewer than three events: nothing held out as a target, every event trains but the held-out item's
    assertThat(LeaveOneOut.train(user(2, 4), held).items()).containsExactly(4);
    assertThat(LeaveOneOut.beforeTest(user(2, 4), held).items()).containsExactly(4);
  }
}
