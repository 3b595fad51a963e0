package io.attnflow.jobs.embed;

import java.util.Map;

/**
 * What one embed run did.
 *
 * @param version          the Word2Vec model the text vectors came from
 * @param fitted           true when this run fitted it, false when it reused the latest
 * @param items            items read from items/, each written once to item_vectors/
 * @param byContent        items by what their content vector holds: {@code text+vector}, {@code text},
 *                         {@code vector}, {@code none}; they sum to {@code items}
 * @param rejectedVectors  supplied vectors rejected, by reason (their items keep their text vector)
 * @param vocabulary       the words the Word2Vec model has vectors for
 * @param textDimension    the text vector's length
 * @param vectorDimension  the supplied vectors' length (0 when none is supplied)
 * @param seconds          wall time by stage: fit (or load), vectors, total
 */
public record EmbedResult(String runId, String version, boolean fitted, long items, Map<String, Long> byContent,
    Map<String, Long> rejectedVectors, long vocabulary, int textDimension, int vectorDimension,
    Map<String, Double> seconds, String itemVectorsPath, String reportPath) {

  /** True when every item read is in exactly one content class. */
  public boolean balanced() {
    return byContent.values().stream().mapToLong(Long::longValue).sum() == items;
  }
}
