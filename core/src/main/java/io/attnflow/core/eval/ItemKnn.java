package io.attnflow.core.eval;

import io.attnflow.core.model.UserSequence;
import java.util.ArrayList;
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

  public static ItemKnn of(Iterable<UserSequence> training, int items) {
    List<int[]> users = new ArrayList<>();
    int[] count = new int[items];
    for (UserSequence s : training) {
      int[] distinct = MostPopular.distinct(s);
      users.add(distinct);
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

  @Override
  public void scoreAll(HeldOutCase c, float[] out) {
    double[] userWeight = new double[userItems.length];
    for (int i : c.before()) {
      for (int v : itemUsers[i]) {
        userWeight[v] += inverseNorm[i];
      }
    }
    double[] sums = new double[out.length];
    for (int v = 0; v < userItems.length; v++) {
      if (userWeight[v] != 0) {
        for (int j : userItems[v]) {
          sums[j] += userWeight[v];
        }
      }
    }
    for (int j = 0; j < out.length; j++) {
      out[j] = (float) (sums[j] * inverseNorm[j]);
    }
  }
}
