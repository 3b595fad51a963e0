package io.attnflow.core.ingest;

import java.util.List;

/**
 * An optional field (an item's {@code published_at} or tags, an interaction's {@code value}) that could not be
 * read: the record is kept with the field null, and ingest counts the reason. Only a bad required field
 * rejects a record ({@code ingest.strict-optional-fields = true} rejects for these too).
 *
 * @param reason why the field was dropped
 * @param detail the field and what was expected, as a reject's detail reads
 */
public record DroppedField(RejectReason reason, String detail) {
  /** A parse of an optional field: its value, or a reason to drop it. */
  @FunctionalInterface
  public interface Read<T> {
    T read() throws BadRecordException;
  }

  /** The field's value, or null after noting in {@code dropped} why it could not be read. */
  static <T> T optional(List<DroppedField> dropped, Read<T> field) {
    try {
      return field.read();
    } catch (BadRecordException e) {
      dropped.add(new DroppedField(e.reason(), e.detail()));
      return null;
    }
  }

  /** For strict parsing: the first dropped field, as the record's reject. */
  static void rejectAny(List<DroppedField> dropped) throws BadRecordException {
    if (!dropped.isEmpty()) {
      throw new BadRecordException(dropped.get(0).reason(), dropped.get(0).detail());
    }
  }
}
