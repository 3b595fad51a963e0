package io.attnflow.core.eval;

import io.attnflow.core.model.UserSequence;

/** The most-popular baseline: every user gets the items with the most users in the training events. */
public final class MostPopular implements Scorer {
  private static final long serialVersionUID = 1L;
  private final float[] users;

  private MostPopular(float[] users) {
    this.users = users;
  }

  /** Counts, per item, the users of {@code training} who interacted with it. */
  public static MostPopular of(Iterable<UserSequence> training, int items) {
    float[] users = new float[items];
    for (UserSequence s : training) {
      for (int i : distinct(s)) {
        users[i]++;
      }
    }
    return new MostPopular(users);
  }

  static int[] distinct(UserSequence s) {
    return java.util.Arrays.stream(s.items()).sorted().distinct().toArray();
  }

  @Override
  public String name() {
    return "most_popular";
  }

  @Override
  public void scoreAll(HeldOutCase c, float[] out) {
    System.arraycopy(users, 0, out, 0, out.length);
  }
}
