package io.attnflow.core.model;

import java.io.Serializable;
import java.util.Map;

/**
 * The weight w_i of one history event: the weight of its event type times a recency decay,
 * {@code w = eventWeight(event) · 2^(−age / halfLife)}, with the age measured from a reference time
 * (the time of the predicted event in training, the scoring date at night). A half-life of 0 turns
 * the decay off. Events whose type has weight 0 (or no weight) are not part of a history.
 */
public final class HistoryWeights implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final double MICROS_PER_DAY = 86_400e6;

  private final Map<String, Double> eventWeights;
  private final double halfLifeDays;

  public HistoryWeights(Map<String, Double> eventWeights, double halfLifeDays) {
    if (halfLifeDays < 0) {
      throw new IllegalArgumentException("Cannot decay with a negative half-life: " + halfLifeDays + " days");
    }
    this.eventWeights = Map.copyOf(eventWeights);
    this.halfLifeDays = halfLifeDays;
  }

  /** The weight of an event type, 0 for types not listed. */
  public double eventWeight(String event) {
    return eventWeights.getOrDefault(event, 0.0);
  }

  /** True when events of this type count at all (in histories and as training targets). */
  public boolean counts(String event) {
    return eventWeight(event) > 0;
  }

  public double halfLifeDays() {
    return halfLifeDays;
  }

  public Map<String, Double> eventWeights() {
    return eventWeights;
  }

  /** w for an event at {@code tsMicros} seen from {@code refMicros}; future events decay as if now. */
  public float weight(String event, long tsMicros, long refMicros) {
    double w = eventWeight(event);
    if (halfLifeDays > 0) {
      double ageDays = Math.max(0, refMicros - tsMicros) / MICROS_PER_DAY;
      w *= Math.pow(0.5, ageDays / halfLifeDays);
    }
    return (float) w;
  }
}
