package io.attnflow.core.content;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The words of an item's text fields, each with the weight of the field it came from. Words are the
 * lower-cased runs of letters and digits (any script); everything else separates them. A field of
 * weight 0 is not read.
 *
 * @param fields each text field read ({@code title}, {@code text}, {@code tags}, {@code category}) with its
 *               weight, in reading order
 */
public record ItemWords(Map<String, Double> fields) implements Serializable {
  public static final List<String> FIELDS = List.of("title", "text", "tags", "category");

  public ItemWords {
    fields = new LinkedHashMap<>(fields);
    for (Map.Entry<String, Double> e : fields.entrySet()) {
      if (!FIELDS.contains(e.getKey()) || !(e.getValue() >= 0) || Double.isInfinite(e.getValue())) {
        throw new IllegalArgumentException("Cannot read the text field " + e.getKey() + " with weight " + e.getValue()
            + " (expected one of " + FIELDS + " with a finite weight of 0 or more)");
      }
    }
  }

  /** An item's words and their weights, field by field in reading order. */
  public record Words(List<String> words, double[] weights) {}

  /**
   * @param values the field values by name (a missing or null field has no words; tags are joined by spaces)
   */
  public Words of(Map<String, String> values) {
    List<String> words = new ArrayList<>();
    List<Double> weights = new ArrayList<>();
    for (Map.Entry<String, Double> f : fields.entrySet()) {
      if (f.getValue() == 0) {
        continue;
      }
      for (String w : tokens(values.get(f.getKey()))) {
        words.add(w);
        weights.add(f.getValue());
      }
    }
    return new Words(words, weights.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /** The lower-cased runs of letters and digits of {@code text}, in order; none for null. */
  public static List<String> tokens(String text) {
    List<String> out = new ArrayList<>();
    if (text == null) {
      return out;
    }
    int start = -1;
    for (int i = 0; i <= text.length(); ) {
      int cp = i < text.length() ? text.codePointAt(i) : -1;
      boolean wordChar = cp >= 0 && Character.isLetterOrDigit(cp);
      if (wordChar && start < 0) {
        start = i;
      } else if (!wordChar && start >= 0) {
        out.add(text.substring(start, i).toLowerCase(Locale.ROOT));
        start = -1;
      }
      i += cp >= 0 ? Character.charCount(cp) : 1;
    }
    return out;
  }
}
