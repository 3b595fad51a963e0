package io.attnflow.core.eval;

import io.attnflow.core.model.UserSequence;
import java.util.List;

/**
 * The item-kNN baseline: cosine similarity over co-occurrence in the training users' item sets,
 * sim(i, j) = |U_i ∩ U_j| / √(|U_i| |U_j|), and a candidate's score is the sum of its similarities to
 * the items before the target. Computed without the item × item matrix: through the users who share
 * an item with the profile, s_j = (1/√|U_j|) Σ_v [j ∈ I_v] Σ_{i ∈ profile ∩ I_v} 1/√|U_i|.
 */
public final class ItemKnn implements Scorer {
  private static final long serialVersionUID = 1L;
  private final int[][] userItems;
  private final int[][] itemUsers;
  private final float[] inverseNorm;

  private ItemKnn(int[][] userItems, int[][] itemUsers, float[] inverseNorm) {
    this.userItems = userItems;
    this.itemUsers = itemUsers;
    this.inverseNorm = inverseNorm;
  }

  /** @param users each training user's items, each once ({@link UserSequence#distinctItems}) */
  public static ItemKnn of(List<int[]> users, int items) {
    int[] count = new int[items];
    for (int[] distinct : users) {
      for (int i : distinct) {
        count[i]++;
      }
    }
    int[][] itemUsers = new int[items][];
    float[] inverseNorm = new float[items];
    for (int i = 0; i < items; i++) {
      itemUsers[i] = new int[count[i]];
      inverseNorm[i] = count[i] == 0 ? 0f : (float) (1 / Math.sqrt(count[i]));
    }
    int[] fill = new int[items];
    for (int v = 0; v < users.size(); v++) {
      for (int i : users.get(v)) {
        itemUsers[i][fill[i]++] = v;
      }
    }
    return new ItemKnn(users.toArray(int[][]::new), itemUsers, inverseNorm);
  }

  @Override
  public String name() {
    return "item_knn";
  }

  private synchronized ThreadLocal<Scratch> scratch() {
    if (scratch == null) {
      scratch = ThreadLocal.withInitial(() -> new Scratch(new double[userItems.length], new int[userItems.length]));
    }
    return scratch;
  }

  /** One thread's per-user weights (all 0 between cases) and the users a case touched. */
  private record Scratch(double[] userWeight, int[] touched) {}

  private transient ThreadLocal<Scratch> scratch;

  /**
   * Visits only the users who share an item with the profile (not every user: that made a whole evaluation
   * quadratic in users), in ascending order so that the sums are the same as a scan over all users.
   */
  @Override
  public void scoreAll(HeldOutCase c, float[] out) {
    Scratch s = scratch().get();
    double[] userWeight = s.userWeight();
    int[] touched = s.touched();
    int n = 0;
    for (int i : c.before()) {
      for (int v : itemUsers[i]) {
        if (userWeight[v] == 0) {
          touched[n++] = v;
        }
        userWeight[v] += inverseNorm[i];
      }
    }
    java.util.Arrays.sort(touched, 0, n);
    double[] sums = new double[out.length];
    for (int t = 0; t < n; t++) {
      int v = touched[t];
      for (int j : userItems[v]) {
        sums[j] += userWeight[v];
      }
      userWeight[v] = 0;
    }
    for (int j = 0; j < out.length; j++) {
      out[j] = (float) (sums[j] * inverseNorm[j]);
    }
  }
}
