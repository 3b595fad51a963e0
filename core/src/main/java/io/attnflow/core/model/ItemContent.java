package io.attnflow.core.model;

import java.io.Serializable;

/**
 * The content vectors of a vocabulary's items, as a model reads them: row i (c floats) is item i's
 * content vector ({@code item_vectors/}' {@code vector}), zeros for an item without one, which then
 * has its learned id embedding alone. An item's representation is x_i = E_i + W_cᵀ c_i
 * ({@link AttentionVertex}), so that an item no training event touched still has θ and φ.
 *
 * @param dim     c, the length of every content vector
 * @param vectors row-major [N × c]
 */
public record ItemContent(int dim, float[] vectors) implements Serializable {
  public ItemContent {
    if (dim < 1 || vectors.length % dim != 0) {
      throw new IllegalArgumentException("Cannot hold content vectors of length " + dim + " in " + vectors.length + " floats");
    }
  }

  /** Items (rows). */
  public int items() {
    return vectors.length / dim;
  }

  /** True when item i has a content vector (a row not all zeros). */
  public boolean has(int item) {
    for (int c = 0; c < dim; c++) {
      if (vectors[item * dim + c] != 0) {
        return true;
      }
    }
    return false;
  }

  /** The rows of {@code items}, in their order, into {@code out} from {@code offset} on. */
  public void gather(int[] items, float[] out, int offset) {
    for (int r = 0; r < items.length; r++) {
      System.arraycopy(vectors, items[r] * dim, out, offset + r * dim, dim);
    }
  }
}
