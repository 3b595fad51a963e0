package io.attnflow.jobs.score;

import java.time.LocalDate;
import java.util.Map;

/**
 * What one scoring run did.
 *
 * @param mode         {@code broadcast} or {@code blocked}
 * @param ranking      {@code exhaustive} or {@code two_stage}
 * @param users        users with at least one pick
 * @param alphas       α_ij evaluated
 * @param newItems     items of items/ new to the model, and how many were placed by content ({@link io.attnflow.jobs.model.NewItems})
 * @param seconds      wall time per stage
 * @param reportPath   the run manifest under runs/
 */
public record ScoreResult(
    String runId,
    LocalDate dt,
    String modelVersion,
    String mode,
    String ranking,
    long users,
    long fallbackUsers,
    long recommendationRows,
    long attentionRows,
    long alphas,
    Map<String, Long> newItems,
    Map<String, Double> seconds,
    String recommendationsPath,
    String attentionPath,
    String reportPath) {

  /** α evaluations per second of the scoring stage. */
  public double alphasPerSecond() {
    double s = seconds.getOrDefault("score", 0.0);
    return s > 0 ? alphas / s : 0;
  }
}
