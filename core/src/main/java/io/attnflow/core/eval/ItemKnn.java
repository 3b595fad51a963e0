package io.attnflow.core.eval;

import io.attnflow.core.model.Lanes;
import io.attnflow.core.model.UserSequence;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The item-kNN baseline: cosine similarity over co-occurrence in the training users' item sets,
 * sim(i, j) = |U_i ∩ U_j| / √(|U_i| |U_j|), and a candidate's score is the sum of its similarities to
 * the items before the target. Up to {@value #DENSE_ITEMS} items, the item × item matrix (built once per JVM, at most
 * 64 MB) and a case sums its profile's rows; past that, without the matrix: through the users who share an item with
 * the profile, s_j = (1/√|U_j|) Σ_v [j ∈ I_v] Σ_{i ∈ profile ∩ I_v} 1/√|U_i|.
 */
public final class ItemKnn implements Scorer {
  private static final long serialVersionUID = 2L;
  /** The most items for which a case sums rows of the item × item matrix (ML-1M's 3,416 do, 7.5 ms a case without). */
  static final int DENSE_ITEMS = 4096;
  private static final VectorSpecies<Float> VECTOR = Lanes.FLOATS;
  private final int[][] userItems;
  private final int[][] itemUsers;
  private final float[] inverseNorm;
  private final boolean dense;
  /** sim(i, j) at i · items + j, built on first use in this JVM when {@link #dense}. */
  private transient volatile float[] similarity;

  private ItemKnn(int[][] userItems, int[][] itemUsers, float[] inverseNorm, boolean dense) {
    this.userItems = userItems;
    this.itemUsers = itemUsers;
    this.inverseNorm = inverseNorm;
    this.dense = dense;
  }

  /** @param users each training user's items, each once ({@link UserSequence#distinctItems}) */
  public static ItemKnn of(List<int[]> users, int items) {
    return of(users, items, items <= DENSE_ITEMS);
  }

  /** As {@link #of(List, int)}, with the item × item matrix or without it. */
  static ItemKnn of(List<int[]> users, int items, boolean dense) {
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
    return new ItemKnn(users.toArray(int[][]::new), itemUsers, inverseNorm, dense);
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
    if (dense) {
      sumRows(c.before(), out);
      return;
    }
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

  /** {@code out} = Σ over {@code profile} of the items' rows of the similarity matrix. */
  private void sumRows(int[] profile, float[] out) {
    float[] sim = similarity();
    int items = out.length;
    int bound = VECTOR.loopBound(items);
    java.util.Arrays.fill(out, 0f);
    for (int i : profile) {
      int row = i * items;
      int j = 0;
      for (; j < bound; j += VECTOR.length()) {
        FloatVector.fromArray(VECTOR, sim, row + j).add(FloatVector.fromArray(VECTOR, out, j)).intoArray(out, j);
      }
      for (; j < items; j++) {
        out[j] += sim[row + j];
      }
    }
  }

  /** The item × item cosine similarities: per item i, the co-occurrence counts over the users of i, then normed. */
  private float[] similarity() {
    float[] sim = similarity;
    if (sim == null) {
      synchronized (this) {
        sim = similarity;
        if (sim == null) {
          int items = itemUsers.length;
          sim = new float[items * items];
          int[] counts = new int[items];
          for (int i = 0; i < items; i++) {
            for (int v : itemUsers[i]) {
              for (int j : userItems[v]) {
                counts[j]++;
              }
            }
            for (int j = 0; j < items; j++) {
              sim[i * items + j] = (float) ((double) counts[j] * inverseNorm[i] * inverseNorm[j]);
              counts[j] = 0;
            }
          }
          similarity = sim;
        }
      }
    }
    return sim;
  }
}
