package io.attnflow.core.ingest;

import io.attnflow.core.data.Interaction;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Turns one input record into interactions, or a {@link BadRecordException} saying why not. Most
 * layouts give one interaction a record; a MIND impression log gives one per history item
 * ({@code history}), clicked impression ({@code click}) and shown-but-not-clicked impression
 * ({@code impression}).
 *
 * <p>Instances are immutable and serializable: the ingest job builds one on the driver (after
 * reading a file's header) and ships it to its tasks.
 */
public final class InteractionParser implements Serializable {
  private static final long serialVersionUID = 1L;

  /** MIND writes impression times as {@code 11/11/2019 9:05:58 AM}. */
  static final String MIND_TIME_PATTERN = "M/d/yyyy h:mm:ss a";

  /** The event name of MIND's click history, which carries no time of its own. */
  public static final String HISTORY_EVENT = "history";
  /** The event of an item an impression showed and its user did not click. */
  public static final String IMPRESSION_EVENT = "impression";

  private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

  private final InputFormat format;
  private final FieldReader reader; // null for MIND
  private final Timestamps timestamps;
  private final String defaultEvent;

  private InteractionParser(InputFormat format, FieldReader reader, Timestamps timestamps, String defaultEvent) {
    this.format = format;
    this.reader = reader;
    this.timestamps = timestamps;
    this.defaultEvent = defaultEvent;
  }

  /**
   * A parser for one file.
   *
   * @param headerLine the file's first line for formats with a header, else ignored
   * @param columns    the column mapping (csv, tsv, jsonl, parquet only)
   * @param tsFormat   the timestamp format (csv, tsv, jsonl, parquet only; fixed layouts know theirs)
   * @param defaultEvent the event name when the input has no event column
   */
  public static InteractionParser forFile(
      InputFormat format,
      String file,
      String headerLine,
      InteractionColumns columns,
      String tsFormat,
      String defaultEvent,
      Instant minTs,
      Instant maxTs)
      throws InputLayoutException {
    return switch (format) {
      case CSV, TSV -> new InteractionParser(
          format,
          FieldReader.fromHeader(format == InputFormat.CSV ? Delimited.csv() : Delimited.tsv(), headerLine, file,
              InteractionColumns.REQUIRED, columns.inOrder()),
          Timestamps.of(tsFormat, minTs, maxTs),
          defaultEvent);
      case JSONL, PARQUET -> new InteractionParser(
          format, FieldReader.json(columns.inOrder()), Timestamps.of(tsFormat, minTs, maxTs), defaultEvent);
      case MOVIELENS_CSV -> new InteractionParser(
          format,
          FieldReader.fromHeader(Delimited.csv(), headerLine, file, 5, "userId", "movieId", "timestamp", "", "rating"),
          Timestamps.of("epoch-seconds", minTs, maxTs),
          "rating");
      // u.data: user item rating timestamp
      case MOVIELENS_100K -> new InteractionParser(
          format, FieldReader.fixed(Delimited.tsv(), 4, 0, 1, 3, -1, 2), Timestamps.of("epoch-seconds", minTs, maxTs), "rating");
      // ratings.dat: UserID::MovieID::Rating::Timestamp
      case MOVIELENS_1M -> new InteractionParser(
          format, FieldReader.fixed(Delimited.on("::"), 4, 0, 1, 3, -1, 2), Timestamps.of("epoch-seconds", minTs, maxTs), "rating");
      case MIND -> new InteractionParser(format, null, Timestamps.of(MIND_TIME_PATTERN, minTs, maxTs), "click");
    };
  }

  /** The optional mapped columns this file's header lacks: their fields are empty in all of its interactions. */
  public List<String> absentColumns() {
    return reader == null ? List.of() : reader.absentColumns();
  }

  /** The interactions in one text line. */
  public List<Interaction> parse(String line) throws BadRecordException {
    List<DroppedField> dropped = new ArrayList<>();
    List<Interaction> interactions = parse(line, dropped);
    DroppedField.rejectAny(dropped);
    return interactions;
  }

  /**
   * The interactions in one text line. A {@code value} that is not a number is left null and noted in
   * {@code dropped}; only a bad required field rejects the record.
   */
  public List<Interaction> parse(String line, List<DroppedField> dropped) throws BadRecordException {
    if (format == InputFormat.MIND) {
      return parseMindImpressions(line);
    }
    String[] f = reader.read(line);
    String[] names = {"user_id", "item_id", "ts"};
    for (int k = 0; k < names.length; k++) {
      if (f[k] == null) {
        throw new BadRecordException(RejectReason.MISSING_FIELD, names[k] + ": absent");
      }
    }
    return List.of(fromFields(f[0], f[1], f[2], orEmpty(f[3]), orEmpty(f[4]), dropped));
  }

  /** One interaction from its fields as text ({@code ""} where absent); an unreadable value goes to {@code dropped}. */
  Interaction fromFields(String user, String item, String ts, String event, String value, List<DroppedField> dropped)
      throws BadRecordException {
    String userId = requireId("user_id", user);
    String itemId = requireId("item_id", item);
    long micros = timestamps.parse("ts", ts);
    String ev = event.trim().isEmpty() ? defaultEvent : event.trim();
    Double v = value.trim().isEmpty() ? null : DroppedField.optional(dropped, () -> parseNumber("value", value));
    return new Interaction(userId, itemId, micros, ev, v);
  }

  /**
   * The key under which two interactions count as the same event. Exact duplicates agree on every
   * field; MIND repeats a user's click history in each of the user's impression logs, stamped here
   * just before each log's time, so history events are the same event whatever their time.
   */
  public static String dedupKey(Interaction i) {
    String base = i.userId() + '\u0001' + i.itemId() + '\u0001' + i.event();
    return HISTORY_EVENT.equals(i.event()) ? base : base + '\u0001' + i.tsMicros() + '\u0001' + i.value();
  }

  // behaviors.tsv: impression id, user id, time, history (space-separated), impressions (Nxx-1/Nxx-0)
  private List<Interaction> parseMindImpressions(String line) throws BadRecordException {
    String[] f = FieldReader.fixed(Delimited.tsv(), 5, 0, 1, 2, 3, 4).read(line);
    String userId = requireId("user_id", f[1]);
    long micros = timestamps.parse("time", f[2]);
    List<Interaction> out = new ArrayList<>();
    // the history carries no times, only its order (oldest first): its items end 1 µs apart just before the
    // impression, so that a user's sequence keeps that order (the same time for all would order them by news id)
    List<String> history = java.util.Arrays.stream(f[3].trim().split(" ")).filter(item -> !item.isEmpty()).toList();
    for (int i = 0; i < history.size(); i++) {
      out.add(new Interaction(userId, history.get(i), micros - (history.size() - i), HISTORY_EVENT, null));
    }
    for (String token : f[4].trim().split(" ")) {
      if (token.isEmpty()) {
        continue;
      }
      int dash = token.lastIndexOf('-');
      String label = dash < 0 ? "" : token.substring(dash + 1);
      if (dash <= 0 || !(label.equals("0") || label.equals("1"))) {
        throw new BadRecordException(
            RejectReason.MALFORMED,
            "impressions: \"" + Timestamps.abbreviate(token) + "\" is not <news id>-0 or <news id>-1");
      }
      boolean clicked = label.equals("1");
      out.add(new Interaction(userId, token.substring(0, dash), micros, clicked ? "click" : IMPRESSION_EVENT, clicked ? 1.0 : 0.0));
    }
    if (out.isEmpty()) {
      throw new BadRecordException(RejectReason.MISSING_FIELD, "history and impressions are both empty");
    }
    return out;
  }

  /** A decimal number as people write it ({@code 4}, {@code -0.5}, {@code 1e3}); not NaN, hex or {@code 4d}. */
  static double parseNumber(String field, String text) throws BadRecordException {
    String t = text.trim();
    if (!NUMBER.matcher(t).matches()) {
      throw new BadRecordException(RejectReason.BAD_NUMBER, field + ": \"" + Timestamps.abbreviate(t) + "\" is not a number");
    }
    double d = Double.parseDouble(t);
    if (Double.isInfinite(d)) {
      throw new BadRecordException(RejectReason.BAD_NUMBER, field + ": " + t + " is not a finite number");
    }
    return d;
  }

  static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  static String requireId(String field, String text) throws BadRecordException {
    String id = text.trim();
    if (id.isEmpty()) {
      throw new BadRecordException(RejectReason.EMPTY_ID, field + ": empty");
    }
    return id;
  }
}
