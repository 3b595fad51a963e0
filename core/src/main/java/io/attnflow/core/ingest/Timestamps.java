package io.attnflow.core.ingest;

import java.io.Serializable;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.util.Locale;

/**
 * Parses timestamps in one configured format to microseconds since the epoch (UTC) and checks them
 * against an allowed range. Formats: {@code epoch-seconds}, {@code epoch-millis},
 * {@code epoch-micros}, {@code iso} (an ISO-8601 instant, offset date-time, local date-time taken as
 * UTC, or a date), or any {@link DateTimeFormatter} pattern, read as UTC.
 */
public final class Timestamps implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The named formats; anything else is taken as a pattern. */
  public static final java.util.List<String> NAMED =
      java.util.List.of("epoch-seconds", "epoch-millis", "epoch-micros", "iso");

  private final String format;
  private final long minMicros;
  private final long maxMicros;
  private transient DateTimeFormatter pattern;

  private Timestamps(String format, long minMicros, long maxMicros) {
    this.format = format;
    this.minMicros = minMicros;
    this.maxMicros = maxMicros;
  }

  /**
   * @throws IllegalArgumentException if {@code format} is neither a named format nor a valid pattern
   */
  public static Timestamps of(String format, Instant min, Instant max) {
    if (!NAMED.contains(format)) {
      DateTimeFormatter.ofPattern(format, Locale.ROOT); // validate now, not per record
    }
    return new Timestamps(format, toMicros(min), toMicros(max));
  }

  /** True when {@code format} is accepted by {@link #of}. */
  public static boolean isValidFormat(String format) {
    if (NAMED.contains(format)) {
      return true;
    }
    if (format.isBlank()) {
      return false;
    }
    try {
      DateTimeFormatter.ofPattern(format, Locale.ROOT);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  public String format() {
    return format;
  }

  /**
   * @param field the field's name, for the message
   * @return microseconds since the epoch
   */
  public long parse(String field, String text) throws BadRecordException {
    String t = text.trim();
    if (t.isEmpty()) {
      throw new BadRecordException(RejectReason.MISSING_FIELD, field + ": empty (expected a timestamp)");
    }
    long micros;
    try {
      micros = switch (format) {
        case "epoch-seconds" -> Math.multiplyExact(parseEpoch(t), 1_000_000L);
        case "epoch-millis" -> Math.multiplyExact(parseEpoch(t), 1_000L);
        case "epoch-micros" -> parseEpoch(t);
        case "iso" -> parseIso(t);
        default -> parsePattern(t);
      };
    } catch (NumberFormatException | DateTimeException e) {
      throw new BadRecordException(
          RejectReason.BAD_TIMESTAMP, field + ": \"" + abbreviate(t) + "\" is not a timestamp in format " + format);
    } catch (ArithmeticException e) {
      throw new BadRecordException(
          RejectReason.TIMESTAMP_OUT_OF_RANGE, field + ": " + abbreviate(t) + " overflows (" + format + ")");
    }
    if (micros < minMicros || micros > maxMicros) {
      throw new BadRecordException(
          RejectReason.TIMESTAMP_OUT_OF_RANGE,
          field + ": " + Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L)) + " is outside ["
              + Instant.ofEpochSecond(minMicros / 1_000_000L) + ", " + Instant.ofEpochSecond(maxMicros / 1_000_000L) + "]");
    }
    return micros;
  }

  private static long parseEpoch(String t) {
    // Some exports write epoch seconds as "964982703.0"; accept an integral decimal, nothing else.
    if (t.indexOf('.') >= 0 || t.indexOf('e') >= 0 || t.indexOf('E') >= 0) {
      double d = Double.parseDouble(t);
      if (d != Math.rint(d) || Math.abs(d) > 9.0e15) {
        throw new NumberFormatException(t);
      }
      return (long) d;
    }
    return Long.parseLong(t);
  }

  private static long parseIso(String t) {
    try {
      return toMicros(OffsetDateTime.parse(t).toInstant());
    } catch (DateTimeParseException notOffset) {
      try {
        return toMicros(LocalDateTime.parse(t).toInstant(ZoneOffset.UTC));
      } catch (DateTimeParseException notLocal) {
        return toMicros(LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant());
      }
    }
  }

  /** A pattern's text as an instant: its offset when it has one, else UTC; a date alone is its midnight. */
  private long parsePattern(String t) {
    TemporalAccessor parsed = pattern().parseBest(t, OffsetDateTime::from, LocalDateTime::from, LocalDate::from);
    if (parsed instanceof OffsetDateTime odt) {
      return toMicros(odt.toInstant());
    }
    if (parsed instanceof LocalDateTime ldt) {
      return toMicros(ldt.toInstant(ZoneOffset.UTC));
    }
    return toMicros(((LocalDate) parsed).atStartOfDay(ZoneOffset.UTC).toInstant());
  }

  private DateTimeFormatter pattern() {
    if (pattern == null) {
      pattern = DateTimeFormatter.ofPattern(format, Locale.US);
    }
    return pattern;
  }

  public static long toMicros(Instant instant) {
    return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
  }

  static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}
