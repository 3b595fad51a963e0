package io.attnflow.core.ingest;

/**
 * Why an input record was not accepted. The {@link #code()} is what the {@code rejects/} table and
 * the run report carry, so it is part of the output contract: never rename one.
 */
public enum RejectReason {
  /** A required field is absent or empty. */
  MISSING_FIELD("missing_field"),
  /** More fields than the layout has columns. */
  EXTRA_FIELDS("extra_fields"),
  /** The record cannot be split into fields (bad quoting, not a JSON object). */
  MALFORMED("malformed"),
  /** A numeric field does not parse. */
  BAD_NUMBER("bad_number"),
  /** A timestamp does not parse. */
  BAD_TIMESTAMP("bad_timestamp"),
  /** A timestamp lies outside ingest.timestamps. */
  TIMESTAMP_OUT_OF_RANGE("timestamp_out_of_range"),
  /** user_id or item_id is empty. */
  EMPTY_ID("empty_id"),
  /** The bytes are not valid in the input's charset. */
  INVALID_ENCODING("invalid_encoding"),
  /** The record is longer than ingest.max-line-bytes. */
  LINE_TOO_LONG("line_too_long"),
  /** The same event was already read (first occurrence kept). */
  DUPLICATE_EVENT("duplicate_event"),
  /**
   * A click-history event that an impression log repeats from an earlier log of its user (MIND repeats the whole
   * history in every log; the first is kept). Expected of the layout: not counted toward ingest.max-reject-rate.
   */
  REPEATED_HISTORY("repeated_history"),
  /** The same item_id was already read (first occurrence kept). */
  DUPLICATE_ITEM("duplicate_item"),
  /** The interaction's item is absent from the items input. */
  UNKNOWN_ITEM("unknown_item");

  private final String code;

  RejectReason(String code) {
    this.code = code;
  }

  /** The stable snake_case name written to {@code rejects/}. */
  public String code() {
    return code;
  }
}
