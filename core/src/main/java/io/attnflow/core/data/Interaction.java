package io.attnflow.core.data;

import java.util.Objects;

/**
 * One user-item event, the row of the warehouse's {@code interactions/} table.
 *
 * @param userId   the user, never empty
 * @param itemId   the item, never empty
 * @param tsMicros when it happened, microseconds since the epoch, UTC
 * @param event    what happened: {@code rating}, {@code click}, {@code view}, ...
 * @param value    a rating, a dwell time, or {@code null} when the event carries none
 */
public record Interaction(String userId, String itemId, long tsMicros, String event, Double value) {
  public Interaction {
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(itemId, "itemId");
    Objects.requireNonNull(event, "event");
  }
}
