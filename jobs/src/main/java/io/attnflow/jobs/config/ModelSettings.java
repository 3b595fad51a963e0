package io.attnflow.jobs.config;

import io.attnflow.core.model.HistoryWeights;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which model to use and how histories are formed ({@code model.*}): shared by training, scoring and
 * evaluation, since a model is only as good as the histories it is given.
 *
 * @param version       "latest" or a version folder under {@code models/}
 * @param historyLength m
 */
public record ModelSettings(String version, int historyLength, HistoryWeights weights) implements java.io.Serializable {

  /**
   * The history settings a model was trained with, from its manifest: scoring must form histories
   * the way training did, whatever the configuration says now.
   */
  public static ModelSettings of(io.attnflow.core.model.Manifest manifest) {
    Map<String, Object> c = manifest.config();
    Map<String, Double> weights = new LinkedHashMap<>();
    ((Map<?, ?>) c.get("event_weights")).forEach((k, v) -> weights.put((String) k, ((Number) v).doubleValue()));
    return new ModelSettings(manifest.version(), manifest.shape().history(),
        new HistoryWeights(weights, ((Number) c.get("half_life_days")).doubleValue(),
            // models trained before these settings existed had no decay by position, and no floor
            c.get("half_life_events") instanceof Number n ? n.doubleValue() : 0,
            c.get("decay_floor") instanceof Number f ? f.doubleValue() : 0));
  }

  static ModelSettings from(ConfigReader r) {
    Map<String, String> raw = r.stringMap("model.event-weights");
    Map<String, Double> weights = new LinkedHashMap<>();
    raw.forEach((event, w) -> {
      try {
        double v = Double.parseDouble(w);
        r.check(v >= 0 && Double.isFinite(v), "model.event-weights." + event, w, "a weight >= 0");
        weights.put(event, v);
      } catch (NumberFormatException e) {
        r.problem("model.event-weights." + event, w, "a weight >= 0");
      }
    });
    r.check(weights.values().stream().anyMatch(v -> v > 0), "model.event-weights", raw.toString(),
        "at least one event type with a weight above 0");
    return new ModelSettings(
        r.nonEmptyString("model.version"),
        r.intIn("model.history-length", 1, 1000),
        new HistoryWeights(weights, r.doubleIn("model.half-life-days", 0, 1e6),
            r.doubleIn("model.half-life-events", 0, 1e6), r.doubleIn("model.decay-floor", 0, 1)));
  }
}
