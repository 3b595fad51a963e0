package io.attnflow.jobs.train;

import io.attnflow.core.model.Manifest;

/**
 * What a training run produced.
 *
 * @param version  the new model's version (its folder under models/)
 * @param promoted whether it became the latest
 * @param seconds  wall time of the run
 */
public record TrainResult(String version, Manifest manifest, boolean promoted, double seconds) {}
