package io.attnflow.jobs.config;

import io.attnflow.core.content.ItemWords;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the embed job reads from configuration ({@code warehouse}, {@code embed.*}), validated.
 *
 * @param words           the text fields read and their weights
 * @param textWeight      the text part's weight in the content vector
 * @param vectorWeight    the supplied part's weight in the content vector
 * @param vectorDimension the length supplied vectors must have, 0 for the corpus's most common length
 * @param fitAlways       fit Word2Vec on every run (else only when the warehouse has none)
 */
public record EmbedSettings(
    String warehouse,
    ItemWords words,
    double textWeight,
    double vectorWeight,
    int vectorDimension,
    boolean fitAlways,
    int vectorSize,
    int minCount,
    int window,
    int iterations,
    double stepSize,
    long seed,
    int lockLeaseSeconds,
    boolean allowNonAtomicWarehouse) {

  static EmbedSettings from(ConfigReader r) {
    Map<String, String> raw = r.stringMap("embed.text-fields");
    Map<String, Double> fields = new LinkedHashMap<>();
    raw.forEach((field, w) -> {
      String key = "embed.text-fields." + field;
      try {
        double v = Double.parseDouble(w);
        r.check(v >= 0 && Double.isFinite(v), key, w, "a weight >= 0"); // other fields are unknown keys
        if (v >= 0 && Double.isFinite(v) && ItemWords.FIELDS.contains(field)) {
          fields.put(field, v);
        }
      } catch (NumberFormatException e) {
        r.problem(key, w, "a weight >= 0");
      }
    });
    EmbedSettings s = new EmbedSettings(
        r.nonEmptyString("warehouse"),
        new ItemWords(fields),
        r.doubleIn("embed.text-weight", 0, 1e6),
        r.doubleIn("embed.vector-weight", 0, 1e6),
        r.intIn("embed.vector-dimension", 0, 1 << 16),
        r.oneOf("embed.fit", List.of("missing", "always")).equals("always"),
        r.intIn("embed.word2vec.vector-size", 1, 4096),
        r.intIn("embed.word2vec.min-count", 1, Integer.MAX_VALUE),
        r.intIn("embed.word2vec.window", 1, 1000),
        r.intIn("embed.word2vec.iterations", 1, 1000),
        r.doubleIn("embed.word2vec.step-size", 1e-6, 10),
        r.intIn("embed.word2vec.seed", 0, Integer.MAX_VALUE),
        r.intIn("embed.lock-lease-seconds", 10, 7 * 24 * 3600),
        r.bool("allow-non-atomic-warehouse"));
    r.check(s.textWeight > 0 || s.vectorWeight > 0, "embed.text-weight", s.textWeight,
        "a weight above 0 for the text or the supplied vector (embed.vector-weight)");
    return s;
  }

  /** The settings as the Word2Vec manifest and the embed report record them. */
  public Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("text_fields", words.fields());
    m.put("text_weight", textWeight);
    m.put("vector_weight", vectorWeight);
    m.put("vector_dimension", vectorDimension);
    m.put("vector_size", vectorSize);
    m.put("min_count", minCount);
    m.put("window", window);
    m.put("iterations", iterations);
    m.put("step_size", stepSize);
    m.put("seed", seed);
    return m;
  }
}
