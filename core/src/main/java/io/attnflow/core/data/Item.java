package io.attnflow.core.data;

import java.util.List;
import java.util.Objects;

/**
 * One item of the corpus, the row of the warehouse's {@code items/} table.
 *
 * @param itemId            the item, never empty
 * @param title             a short title, may be empty
 * @param text              free text used for content vectors (title, abstract, genres, tags)
 * @param category          the primary category, or {@code null}
 * @param tags              secondary labels (genres, sub-categories, user tags), never null
 * @param publishedAtMicros publication time in microseconds since the epoch, or {@code null}
 * @param vector            a content embedding made elsewhere, or {@code null}
 */
public record Item(
    String itemId,
    String title,
    String text,
    String category,
    List<String> tags,
    Long publishedAtMicros,
    float[] vector) {
  public Item {
    Objects.requireNonNull(itemId, "itemId");
    tags = List.copyOf(tags);
  }
}
