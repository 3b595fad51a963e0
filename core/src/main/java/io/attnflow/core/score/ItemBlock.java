package io.attnflow.core.score;

import io.attnflow.core.model.AttentionModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A block of candidate items, ascending indices, with their φ rows gathered into one C-order
 * matrix (n × k) ready to be the right-hand side of the kernel's GEMM. Built once per block and
 * reused for every user batch.
 */
public record ItemBlock(int[] items, INDArray phi) {

  public static ItemBlock of(AttentionModel model, int[] items) {
    int k = model.k();
    float[] rows = new float[items.length * k];
    float[] table = model.phiTable();
    for (int j = 0; j < items.length; j++) {
      System.arraycopy(table, items[j] * k, rows, j * k, k);
    }
    return new ItemBlock(items, Nd4j.create(rows, new long[] {items.length, k}, 'c').castTo(DataType.FLOAT));
  }

  /** Consecutive blocks of at most {@code size} items covering {@code items} (ascending). */
  public static ItemBlock[] split(AttentionModel model, int[] items, int size) {
    int n = (items.length + size - 1) / size;
    ItemBlock[] blocks = new ItemBlock[n];
    for (int b = 0; b < n; b++) {
      blocks[b] = of(model, java.util.Arrays.copyOfRange(items, b * size, Math.min(items.length, (b + 1) * size)));
    }
    return blocks;
  }

  public int size() {
    return items.length;
  }
}
