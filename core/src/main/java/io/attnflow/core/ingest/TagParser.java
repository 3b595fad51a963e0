package io.attnflow.core.ingest;

import java.io.Serializable;

/**
 * Reads MovieLens {@code tags.csv} ({@code userId,movieId,tag,timestamp}): each row adds one tag to
 * one item's text.
 */
public final class TagParser implements Serializable {
  private static final long serialVersionUID = 1L;

  /** One tag of one item. */
  public record Tag(String itemId, String tag) {}

  private final FieldReader reader;

  private TagParser(FieldReader reader) {
    this.reader = reader;
  }

  public static TagParser forFile(String file, String headerLine) throws InputLayoutException {
    return new TagParser(FieldReader.fromHeader(Delimited.csv(), headerLine, file, 2, "movieId", "tag"));
  }

  public Tag parse(String line) throws BadRecordException {
    String[] f = reader.read(line);
    String tag = f[1].trim();
    if (tag.isEmpty()) {
      throw new BadRecordException(RejectReason.MISSING_FIELD, "tag: empty");
    }
    return new Tag(InteractionParser.requireId("item_id", f[0]), tag);
  }
}
