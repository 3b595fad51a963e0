package io.attnflow.core.eval;

import io.attnflow.core.model.UserHistory;
import java.io.Serializable;

/**
 * One leave-one-out case: a user's history before the held-out target as the attention model sees
 * it (last m, weighted), the target, the sampled negatives it is ranked against in the sampled
 * protocol (items the user never interacted with), every other item the user interacted with
 * (sorted, distinct), which the full-ranking protocol leaves out of the candidates, and every item
 * before the target (distinct, sorted), the profile of history-based baselines.
 */
public record HeldOutCase(UserHistory history, int target, int[] negatives, int[] seen, int[] before)
    implements Serializable {

  public String userId() {
    return history.userId();
  }

  /** The candidates of the sampled protocol: the target first, then the negatives. */
  public int[] candidates() {
    int[] c = new int[negatives.length + 1];
    c[0] = target;
    System.arraycopy(negatives, 0, c, 1, negatives.length);
    return c;
  }
}
