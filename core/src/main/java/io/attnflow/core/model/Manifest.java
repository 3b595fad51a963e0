package io.attnflow.core.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * {@code manifest.json} of a model folder: what the model is, how it was made, and the SHA-256 of
 * every other file, so that loading can refuse a truncated or altered folder.
 *
 * @param formatVersion the folder layout's version ({@link ModelFiles#FORMAT_VERSION})
 * @param version       the model's version, also its folder name
 * @param createdAt     ISO-8601 instant of the save
 * @param shape         the model's dimensions
 * @param seed          the training seed
 * @param config        the training settings
 * @param data          the training data: window, counts, split
 * @param epochs        per-epoch training loss and validation metrics
 * @param bestEpoch     the epoch whose parameters were kept (1-based)
 * @param files         file name (relative to the folder) to its SHA-256, hex
 */
public record Manifest(
    @JsonProperty("format_version") int formatVersion,
    @JsonProperty("version") String version,
    @JsonProperty("created_at") String createdAt,
    @JsonProperty("shape") ModelShape shape,
    @JsonProperty("seed") long seed,
    @JsonProperty("config") Map<String, Object> config,
    @JsonProperty("data") Map<String, Object> data,
    @JsonProperty("epochs") List<Map<String, Object>> epochs,
    @JsonProperty("best_epoch") int bestEpoch,
    @JsonProperty("files") Map<String, String> files) {

  /** The same manifest listing {@code files}. */
  public Manifest withFiles(Map<String, String> files) {
    return new Manifest(formatVersion, version, createdAt, shape, seed, config, data, epochs, bestEpoch, files);
  }

  /** The metrics of the kept epoch, or an empty map. */
  public Map<String, Object> bestMetrics() {
    return epochs.stream().filter(e -> Integer.valueOf(bestEpoch).equals(e.get("epoch"))).findFirst().orElse(Map.of());
  }
}
