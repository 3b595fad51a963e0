package io.attnflow.core.ingest;

/**
 * Why an input record was not accepted. The {@link #code()} is what the {@code rejects/} table and
 * the run report carry, so it is part of the output contract: never rename one.
 */
public enum RejectReason {
  MISSING_FIELD("missing_field", "a required field is absent or empty"),
  EXTRA_FIELDS("extra_fields", "more fields than the layout has columns"),
  MALFORMED("malformed", "the record cannot be split into fields (bad quoting, not a JSON object)"),
  BAD_NUMBER("bad_number", "a numeric field does not parse"),
  BAD_TIMESTAMP("bad_timestamp", "a timestamp does not parse"),
  TIMESTAMP_OUT_OF_RANGE("timestamp_out_of_range", "a timestamp lies outside ingest.timestamps"),
  EMPTY_ID("empty_id", "user_id or item_id is empty"),
  INVALID_ENCODING("invalid_encoding", "the bytes are not valid in the input's charset"),
  LINE_TOO_LONG("line_too_long", "the record is longer than ingest.max-line-bytes"),
  DUPLICATE_EVENT("duplicate_event", "the same event was already read (first occurrence kept)"),
  DUPLICATE_ITEM("duplicate_item", "the same item_id was already read (first occurrence kept)"),
  UNKNOWN_ITEM("unknown_item", "the interaction's item is absent from the items input");

  private final String code;
  private final String meaning;

  RejectReason(String code, String meaning) {
    this.code = code;
    this.meaning = meaning;
  }

  /** The stable snake_case name written to {@code rejects/}. */
  public String code() {
    return code;
  }

  /** One line for people reading a report. */
  public String meaning() {
    return meaning;
  }
}
