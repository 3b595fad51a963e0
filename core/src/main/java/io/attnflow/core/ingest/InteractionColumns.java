package io.attnflow.core.ingest;

import java.io.Serializable;
import java.util.Objects;

/**
 * Which input column holds each field of an interaction, for the formats that take a mapping
 * (csv, tsv, jsonl, parquet). An empty {@code event} or {@code value} column means the input has
 * none: events then get the configured default name and values are null.
 */
public record InteractionColumns(String userId, String itemId, String ts, String event, String value)
    implements Serializable {
  /** How many of {@link #inOrder()}, from the first, an input must have: user, item and time. */
  public static final int REQUIRED = 3;

  public InteractionColumns {
    Objects.requireNonNull(userId);
    Objects.requireNonNull(itemId);
    Objects.requireNonNull(ts);
    Objects.requireNonNull(event);
    Objects.requireNonNull(value);
  }

  /** The mapped column names in the order user, item, ts, event, value ("" where unmapped). */
  public String[] inOrder() {
    return new String[] {userId, itemId, ts, event, value};
  }
}
