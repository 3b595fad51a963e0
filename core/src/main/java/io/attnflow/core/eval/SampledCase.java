package io.attnflow.core.eval;

import io.attnflow.core.model.UserHistory;
import java.io.Serializable;

/**
 * One leave-one-out case of the sampled protocol: a user's history, the held-out target and the
 * sampled negatives (items the user never interacted with) it is ranked against.
 */
public record SampledCase(UserHistory history, int target, int[] negatives) implements Serializable {

  /** The candidates to score: the target first, then the negatives. */
  public int[] candidates() {
    int[] c = new int[negatives.length + 1];
    c[0] = target;
    System.arraycopy(negatives, 0, c, 1, negatives.length);
    return c;
  }
}
