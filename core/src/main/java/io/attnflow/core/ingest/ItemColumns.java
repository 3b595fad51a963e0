package io.attnflow.core.ingest;

import java.io.Serializable;
import java.util.Objects;

/**
 * Which input column holds each field of an item, for the formats that take a mapping (csv, tsv,
 * jsonl, parquet). Only {@code itemId} is required; an empty name means the input has no such
 * column.
 */
public record ItemColumns(
    String itemId, String title, String text, String category, String tags, String publishedAt, String vector)
    implements Serializable {
  /** How many of {@link #inOrder()}, from the first, an input must have: the item id. */
  public static final int REQUIRED = 1;

  public ItemColumns {
    Objects.requireNonNull(itemId);
    Objects.requireNonNull(title);
    Objects.requireNonNull(text);
    Objects.requireNonNull(category);
    Objects.requireNonNull(tags);
    Objects.requireNonNull(publishedAt);
    Objects.requireNonNull(vector);
  }

  /** The mapped column names in the order id, title, text, category, tags, published_at, vector. */
  public String[] inOrder() {
    return new String[] {itemId, title, text, category, tags, publishedAt, vector};
  }
}
