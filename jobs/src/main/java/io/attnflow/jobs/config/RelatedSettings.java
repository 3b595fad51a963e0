package io.attnflow.jobs.config;

import io.attnflow.core.score.SimilarItems;
import java.util.List;
import java.util.Locale;

/**
 * Everything the related job reads from configuration ({@code warehouse}, {@code model.version}, {@code related.*}).
 *
 * @param fromContent rank by the content vectors of item_vectors/ (else by the model's learned φ)
 */
public record RelatedSettings(String warehouse, String modelVersion, int topK, boolean fromContent,
    SimilarItems.Metric metric, int itemBlock, int batch, int lockLeaseSeconds, boolean allowNonAtomicWarehouse) {

  static RelatedSettings from(ConfigReader r, ModelSettings model) {
    return new RelatedSettings(
        r.nonEmptyString("warehouse"),
        model.version(),
        r.intIn("related.top-k", 1, 1000),
        r.oneOf("related.basis", List.of("content", "phi")).equals("content"),
        SimilarItems.Metric.valueOf(r.oneOf("related.metric", List.of("cosine", "euclidean")).toUpperCase(Locale.ROOT)),
        r.intIn("related.item-block", 1, 1 << 20),
        r.intIn("related.batch", 1, 1 << 16),
        r.intIn("related.lock-lease-seconds", 10, 7 * 24 * 3600),
        r.bool("allow-non-atomic-warehouse"));
  }
}
