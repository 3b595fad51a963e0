package io.attnflow.core.score;

import io.attnflow.core.model.AttentionModel;
import java.io.Serializable;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A block of candidate items, ascending indices, with their φ rows (n × k, row-major). Serializable,
 * so that blocks can be shipped to tasks when the whole item table is too large to broadcast; the
 * ND4J matrix the kernel multiplies by is made on first use, once per block and task.
 */
public final class ItemBlock implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int[] items;
  private final float[] rows;
  private final int k;
  private transient INDArray phi;

  /** @param rows n rows of k floats: φ_j */
  public ItemBlock(int[] items, float[] rows, int k) {
    if (rows.length != items.length * k) {
      throw new IllegalArgumentException("Cannot make a block of " + items.length + " items from " + rows.length
          + " floats (k = " + k + " a row)");
    }
    this.items = items;
    this.rows = rows;
    this.k = k;
  }

  public static ItemBlock of(AttentionModel model, int[] items) {
    int k = model.k();
    float[] rows = new float[items.length * k];
    float[] table = model.phiTable();
    for (int j = 0; j < items.length; j++) {
      System.arraycopy(table, items[j] * k, rows, j * k, k);
    }
    return new ItemBlock(items, rows, k);
  }

  /** Consecutive blocks of at most {@code size} items covering {@code items} (ascending). */
  public static ItemBlock[] split(AttentionModel model, int[] items, int size) {
    int n = (items.length + size - 1) / size;
    ItemBlock[] blocks = new ItemBlock[n];
    for (int b = 0; b < n; b++) {
      blocks[b] = of(model, Arrays.copyOfRange(items, b * size, Math.min(items.length, (b + 1) * size)));
    }
    return blocks;
  }

  public int size() {
    return items.length;
  }

  public int[] items() {
    return items;
  }

  /** φ of the block's j-th item, k floats from {@code j * k}. */
  float[] rows() {
    return rows;
  }

  /**
   * The block's rows as a C-order {@link #width()} × k matrix: the n rows, then zero rows up to
   * whole SIMD vectors, so that the kernel's σ pass runs on whole vectors only. The padding columns
   * of the kernel's logits are computed but never offered to a heap.
   */
  public synchronized INDArray phi() { // blocks may be shared by an executor's tasks
    if (phi == null) {
      phi = Nd4j.create(Arrays.copyOf(rows, width() * k), new long[] {width(), k}, 'c');
    }
    return phi;
  }

  /** The block's size rounded up to whole SIMD vectors. */
  public int width() {
    return SigmoidSum.width(items.length);
  }

  /** The position of {@code item} in this block, or a negative number. */
  int indexOf(int item) {
    return Arrays.binarySearch(items, item);
  }
}
