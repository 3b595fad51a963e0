package io.attnflow.core.model;

import java.io.Serializable;
import java.util.Map;

/**
 * The weight w_i of one history event: the weight of its event type times its recency,
 * {@code w = eventWeight(event) · (floor + (1 − floor) · d)} with
 * {@code d = 2^(−age / halfLifeDays) · 2^(−newer / halfLifeEvents)}. The age is measured from a
 * reference time (the time of the predicted event in training, the scoring date at night);
 * {@code newer} counts the history's events after this one (0 for the newest), so the last few
 * events speak loudest even when a whole history was rated in one sitting. A half-life of 0 turns
 * that decay off. The floor is the share of its weight an event keeps however old, so that a user's
 * long-standing taste is not decayed away. Events whose type has weight 0 (or no weight) are not
 * part of a history.
 */
public final class HistoryWeights implements Serializable {
  private static final long serialVersionUID = 3L;
  private static final double MICROS_PER_DAY = 86_400e6;

  private final Map<String, Double> eventWeights;
  private final double halfLifeDays;
  private final double halfLifeEvents;
  private final double decayFloor;

  public HistoryWeights(Map<String, Double> eventWeights, double halfLifeDays, double halfLifeEvents,
      double decayFloor) {
    if (halfLifeDays < 0 || halfLifeEvents < 0) {
      throw new IllegalArgumentException("Cannot decay with a negative half-life: " + halfLifeDays + " days, "
          + halfLifeEvents + " events");
    }
    if (!(decayFloor >= 0 && decayFloor <= 1)) {
      throw new IllegalArgumentException("Cannot decay to a floor of " + decayFloor + " (expected a share in [0, 1])");
    }
    this.eventWeights = Map.copyOf(eventWeights);
    this.halfLifeDays = halfLifeDays;
    this.halfLifeEvents = halfLifeEvents;
    this.decayFloor = decayFloor;
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

  public double halfLifeEvents() {
    return halfLifeEvents;
  }

  /** The share of its weight an event keeps however old. */
  public double decayFloor() {
    return decayFloor;
  }

  public Map<String, Double> eventWeights() {
    return eventWeights;
  }

  /**
   * w for an event at {@code tsMicros} seen from {@code refMicros} with {@code newer} history events
   * after it; future events decay as if now.
   */
  public float weight(String event, long tsMicros, long refMicros, int newer) {
    double decay = 1;
    if (halfLifeDays > 0) {
      double ageDays = Math.max(0, refMicros - tsMicros) / MICROS_PER_DAY;
      decay *= Math.pow(0.5, ageDays / halfLifeDays);
    }
    if (halfLifeEvents > 0) {
      decay *= Math.pow(0.5, newer / halfLifeEvents);
    }
    return (float) (eventWeight(event) * (decayFloor + (1 - decayFloor) * decay));
  }
}
