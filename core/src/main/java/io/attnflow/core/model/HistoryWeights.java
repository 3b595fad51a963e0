package io.attnflow.core.model;

import java.io.Serializable;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The weight w_i of one history event: the weight of its event type times its recency,
 * {@code w = eventWeight(event) · (floor + (1 − floor) · d)} with
 * {@code d = 2^(−age / halfLifeDays) · 2^(−newer / halfLifeEvents)}. The age is measured from a
 * reference time (the time of the predicted event in training, the scoring date at night);
 * {@code newer} counts the history's events after this one (0 for the newest), so the last few
 * events speak loudest even when a whole history was rated in one sitting. A half-life of 0 turns
 * that decay off. The floor is the share of its weight an event keeps however old, so that a user's
 * long-standing taste is not decayed away. Events whose type has weight 0 (or no weight) are not
 * part of a history. {@link #weight} is the formula for one event (scoring, evaluation);
 * {@link #matrix} the same formula for every (target, history item) pair of a training window.
 */
public final class HistoryWeights implements Serializable {
  private static final long serialVersionUID = 3L;
  static final double MICROS_PER_DAY = 86_400e6;

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
    return (float) (eventWeight(event) * share(Math.max(0, refMicros - tsMicros) / MICROS_PER_DAY, newer));
  }

  /** The share of its type's weight that an event keeps {@code ageDays} old, with {@code newer} events after it. */
  private double share(double ageDays, int newer) {
    double decay = 1;
    if (halfLifeDays > 0) {
      decay *= Math.pow(0.5, ageDays / halfLifeDays);
    }
    if (halfLifeEvents > 0) {
      decay *= Math.pow(0.5, newer / halfLifeEvents);
    }
    return decayFloor + (1 - decayFloor) * decay;
  }

  /**
   * {@link #matrix(SameDiff, SDVariable, java.util.function.Supplier, int, int)} over plain row-major arrays, for the
   * training step by hand ({@link StepPass}).
   *
   * @param eventWeights [B × L]
   * @param days         [B × (L+1)]
   * @return [B × L × L]
   */
  float[] matrix(float[] eventWeights, float[] days, int windows, int window, int m) {
    float[] w = new float[windows * window * window];
    for (int b = 0; b < windows; b++) {
      for (int t = 0; t < window; t++) {
        double to = days[b * (window + 1) + t + 1];
        for (int i = Math.max(0, t - m + 1); i <= t; i++) {
          double age = Math.max(0, to - days[b * (window + 1) + i]); // future events decay as if now
          w[(b * window + t) * window + i] = (float) (eventWeights[b * window + i] * share(age, t - i));
        }
      }
    }
    return w;
  }

  /**
   * The banded, causal matrix of history weights of a training window, the same formula as
   * {@link #weight} in SameDiff: w[t, i] is the weight of window item i in the history that predicts
   * item t + 1, nonzero for the m items i ≤ t, with t − i newer events and an age of
   * days[t+1] − days[i].
   *
   * @param eventWeights [B, L], the event weight of each window item (0 on padding)
   * @param days         [B, L+1], each window item's time in days (any origin); asked for only when
   *                     weights decay by age
   * @return [B, L, L]
   */
  SDVariable matrix(SameDiff sd, SDVariable eventWeights, java.util.function.Supplier<SDVariable> days, int window,
      int m) {
    float[] band = new float[window * window];
    float[] byPosition = new float[window * window];
    for (int t = 0; t < window; t++) {
      for (int i = Math.max(0, t - m + 1); i <= t; i++) {
        band[t * window + i] = 1;
        byPosition[t * window + i] = (float) (halfLifeEvents > 0 ? Math.pow(0.5, (t - i) / halfLifeEvents) : 1);
      }
    }
    long[] shape = {1, window, window};
    SDVariable decay = sd.constant(Nd4j.create(byPosition, shape, 'c'));
    if (halfLifeDays > 0) {
      SDVariable time = days.get();
      SDVariable from = time.get(SDIndex.all(), SDIndex.interval(0, window)).reshape(-1, 1, window);
      SDVariable to = time.get(SDIndex.all(), SDIndex.interval(1, window + 1)).reshape(-1, window, 1);
      SDVariable age = sd.nn.relu(to.sub(from), 0);                                       // future events decay as if now
      decay = decay.mul(sd.math.exp(age.mul(-Math.log(2) / halfLifeDays)));
    }
    SDVariable shares = decay.mul(1 - decayFloor).add(sd.constant(Nd4j.create(band, shape, 'c')).mul(decayFloor));
    return shares.mul(eventWeights.reshape(-1, 1, window));
  }
}
