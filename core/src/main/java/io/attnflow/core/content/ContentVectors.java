package io.attnflow.core.content;

import java.util.Map;

/**
 * An item's content vector from its words and its supplied vector.
 *
 * <p>The text vector is the weighted mean of the vectors of the words the vocabulary knows: unknown
 * words are left out of the sum <em>and</em> of the weight they are divided by, so they never dilute
 * it (Spark's {@code Word2VecModel.transform} divides by every word). An item without a known word has
 * no text vector (never NaN).
 *
 * <p>The content vector concatenates the two parts, each scaled to length √w (w its configured weight):
 * [√w_t · t/‖t‖, √w_s · s/‖s‖], zeros for a missing part. The cosine of two items that both have both
 * parts is then the weighted mean of their text and supplied cosines, (w_t cos_t + w_s cos_s) / (w_t + w_s).
 */
public final class ContentVectors {
  private ContentVectors() {}

  /** The text vector and how many of the words were known. */
  public record Text(float[] vector, int knownWords) {
    /** True when no word was known: the item has no text vector. */
    public boolean empty() {
      return vector == null;
    }
  }

  /**
   * @param words   an item's words, with the weights of their fields
   * @param vectors the vocabulary's word vectors, all of length {@code dim}
   */
  public static Text text(ItemWords.Words words, Map<String, float[]> vectors, int dim) {
    double[] sum = new double[dim];
    double weight = 0;
    int known = 0;
    for (int i = 0; i < words.words().size(); i++) {
      float[] v = vectors.get(words.words().get(i));
      double w = words.weights()[i];
      if (v == null || w == 0) {
        continue;
      }
      known++;
      weight += w;
      for (int d = 0; d < dim; d++) {
        sum[d] += w * v[d];
      }
    }
    if (known == 0) {
      return new Text(null, 0);
    }
    float[] mean = new float[dim];
    for (int d = 0; d < dim; d++) {
      mean[d] = (float) (sum[d] / weight);
    }
    return new Text(mean, known);
  }

  /**
   * The content vector of length {@code textDim + suppliedDim}, or null when both parts are missing
   * (or of length 0, e.g. a text vector of all zeros).
   */
  public static float[] combine(float[] text, int textDim, double textWeight, float[] supplied, int suppliedDim,
      double suppliedWeight) {
    float[] out = new float[textDim + suppliedDim];
    boolean any = scaled(text, textWeight, out, 0);
    any |= scaled(supplied, suppliedWeight, out, textDim);
    return any ? out : null;
  }

  /** Writes √weight · v/‖v‖ at {@code offset}; false when there is nothing to write. */
  private static boolean scaled(float[] v, double weight, float[] out, int offset) {
    if (v == null || weight == 0) {
      return false;
    }
    double norm = 0;
    for (float x : v) {
      norm += (double) x * x;
    }
    if (!(norm > 0)) {
      return false;
    }
    double scale = Math.sqrt(weight / norm);
    for (int i = 0; i < v.length; i++) {
      out[offset + i] = (float) (v[i] * scale);
    }
    return true;
  }
}
