package io.attnflow.jobs.train;

import io.attnflow.core.model.Manifest;

/**
 * What a training run produced.
 *
 * @param version  the new model's version (its folder under models/)
 * @param promotion whether it became the latest, and why
 * @param seconds   wall time of the run
 */
public record TrainResult(String version, Manifest manifest, Promotion promotion, double seconds) {
  public boolean promoted() {
    return promotion.promoted();
  }
}
