package io.attnflow.jobs.train;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The promotion gate's decision on a newly trained model: it becomes {@code latest} unless its
 * validation NDCG@10 is more than the tolerance below the current latest's. A model kept back stays
 * under {@code models/} and can still be scored with {@code --set model.version=<version>}.
 *
 * @param reason one sentence for the log and the command's summary
 */
public record Promotion(boolean promoted, String reason) {

  /**
   * @param ndcg      the new model's validation NDCG@10
   * @param latest    the current latest version and its validation NDCG@10, if there is one
   * @param tolerance how far below the latest's NDCG@10 the new model may be
   */
  public static Promotion decide(String version, double ndcg, Optional<Map.Entry<String, Double>> latest, double tolerance) {
    if (latest.isEmpty()) {
      return new Promotion(true, "promoted " + version + " to latest (no model was latest)");
    }
    String current = latest.get().getKey();
    double currentNdcg = latest.get().getValue();
    String figures = String.format(Locale.ROOT, "validation NDCG@10 %.4f against %.4f of latest %s (tolerance %s)",
        ndcg, currentNdcg, current, tolerance);
    if (Double.isNaN(currentNdcg) || ndcg >= currentNdcg - tolerance) {
      return new Promotion(true, "promoted " + version + " to latest: " + figures);
    }
    return new Promotion(false, "kept " + version + " unpromoted: " + figures + "; latest stays " + current
        + " (score with the new model anyway: --set model.version=" + version + ")");
  }
}
