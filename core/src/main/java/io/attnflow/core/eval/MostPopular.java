package io.attnflow.core.eval;

/** The most-popular baseline: every user gets the items with the most users in the training events. */
public final class MostPopular implements Scorer {
  private static final long serialVersionUID = 1L;
  private final float[] users;

  private MostPopular(float[] users) {
    this.users = users;
  }

  /** @param users per item, the training users who interacted with it */
  public static MostPopular of(float[] users) {
    return new MostPopular(users.clone());
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
