package io.attnflow.core.ingest;

import static io.attnflow.core.ingest.Rejects.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TimestampsTest {
  static final Instant MIN = Instant.parse("1990-01-01T00:00:00Z");
  static final Instant MAX = Instant.parse("2030-01-01T00:00:00Z");

  // 2019-11-11T09:05:58Z: 1970-01-01..2019-01-01 is 49*365 + 12 leap days = 17897 days;
  // Jan..Oct 2019 = 304 days, +10 days = 18211 days * 86400 = 1573430400 s; + 9:05:58 (32758 s) = 1573463158 s
  static final long MIND_SECONDS = 1_573_463_158L;
  static final long MIND_MICROS = MIND_SECONDS * 1_000_000L;

  private static Timestamps ts(String format) {
    return Timestamps.of(format, MIN, MAX);
  }

  @Test
  void epochSeconds() throws Exception {
    // 964982703 s (2000-07-30T18:45:03Z) * 1e6
    assertThat(ts("epoch-seconds").parse("ts", "964982703")).isEqualTo(964_982_703_000_000L);
    assertThat(ts("epoch-seconds").parse("ts", "  964982703 ")).isEqualTo(964_982_703_000_000L);
  }

  @Test
  void epochMillisAndMicros() throws Exception {
    assertThat(ts("epoch-millis").parse("ts", "1573463158123")).isEqualTo(1_573_463_158_123_000L);
    assertThat(ts("epoch-micros").parse("ts", "1573463158123456")).isEqualTo(1_573_463_158_123_456L);
  }

  @Test
  void integralDecimalEpochIsAcceptedFractionalIsNot() throws Exception {
    assertThat(ts("epoch-seconds").parse("ts", "964982703.0")).isEqualTo(964_982_703_000_000L);
    assertRejected(() -> ts("epoch-seconds").parse("ts", "964982703.5"), RejectReason.BAD_TIMESTAMP,
        "ts: \"964982703.5\" is not a timestamp in format epoch-seconds");
  }

  @Test
  void isoInstantOffsetLocalAndDate() throws Exception {
    Timestamps iso = ts("iso");
    assertThat(iso.parse("ts", "2019-11-11T09:05:58Z")).isEqualTo(MIND_MICROS);
    // 11:05:58 at +02:00 is 09:05:58 UTC
    assertThat(iso.parse("ts", "2019-11-11T11:05:58+02:00")).isEqualTo(MIND_MICROS);
    assertThat(iso.parse("ts", "2019-11-11T09:05:58")).isEqualTo(MIND_MICROS); // local, taken as UTC
    assertThat(iso.parse("ts", "2019-11-11T09:05:58.123456Z")).isEqualTo(MIND_MICROS + 123_456L);
    // a date is its midnight UTC: 18211 days * 86400 = 1573430400 s
    assertThat(iso.parse("ts", "2019-11-11")).isEqualTo(1_573_430_400_000_000L);
  }

  @Test
  void pattern() throws Exception {
    assertThat(ts("yyyy-MM-dd HH:mm:ss").parse("ts", "2019-11-11 09:05:58")).isEqualTo(MIND_MICROS);
  }

  @Test
  void mindPattern() throws Exception {
    Timestamps mind = ts(InteractionParser.MIND_TIME_PATTERN);
    assertThat(mind.parse("time", "11/11/2019 9:05:58 AM")).isEqualTo(MIND_MICROS);
    // PM adds 12 h = 43200 s
    assertThat(mind.parse("time", "11/11/2019 9:05:58 PM")).isEqualTo((MIND_SECONDS + 43_200L) * 1_000_000L);
  }

  @Test
  void badTextNamesFieldAndFormat() {
    assertRejected(() -> ts("epoch-seconds").parse("ts", "yesterday"), RejectReason.BAD_TIMESTAMP,
        "ts: \"yesterday\" is not a timestamp in format epoch-seconds");
    assertRejected(() -> ts("iso").parse("published_at", "2019-11-11 09:05:58"), RejectReason.BAD_TIMESTAMP,
        "published_at: \"2019-11-11 09:05:58\" is not a timestamp in format iso");
    assertRejected(() -> ts(InteractionParser.MIND_TIME_PATTERN).parse("time", "2019-11-11"),
        RejectReason.BAD_TIMESTAMP, "time: \"2019-11-11\" is not a timestamp in format M/d/yyyy h:mm:ss a");
  }

  @Test
  void longBadTextIsAbbreviatedInTheMessage() {
    String text = "x".repeat(100);
    assertRejected(() -> ts("iso").parse("ts", text), RejectReason.BAD_TIMESTAMP,
        "ts: \"" + "x".repeat(57) + "...\" is not a timestamp in format iso");
  }

  @Test
  void overflowingEpochIsOutOfRange() {
    // Long.MAX_VALUE seconds * 1e6 overflows a long of microseconds: far outside any range
    assertRejected(() -> ts("epoch-seconds").parse("ts", "9223372036854775807"), RejectReason.TIMESTAMP_OUT_OF_RANGE,
        "ts: 9223372036854775807 overflows (epoch-seconds)");
  }

  @Test
  void outOfRange() {
    assertRejected(() -> ts("epoch-seconds").parse("ts", "0"), RejectReason.TIMESTAMP_OUT_OF_RANGE,
        "ts: 1970-01-01T00:00:00Z is outside [1990-01-01T00:00:00Z, 2030-01-01T00:00:00Z]");
    assertRejected(() -> ts("iso").parse("ts", "2031-01-01T00:00:00Z"), RejectReason.TIMESTAMP_OUT_OF_RANGE,
        "ts: 2031-01-01T00:00:00Z is outside [1990-01-01T00:00:00Z, 2030-01-01T00:00:00Z]");
  }

  @Test
  void rangeBoundsAreInclusive() throws Exception {
    // 1990-01-01 = 7305 days * 86400 = 631152000 s
    assertThat(ts("epoch-seconds").parse("ts", "631152000")).isEqualTo(631_152_000_000_000L);
    assertThat(ts("iso").parse("ts", "2030-01-01T00:00:00Z")).isEqualTo(Timestamps.toMicros(MAX));
    assertRejected(() -> ts("epoch-micros").parse("ts", "631151999999999"), RejectReason.TIMESTAMP_OUT_OF_RANGE,
        "ts: 1989-12-31T23:59:59Z is outside [1990-01-01T00:00:00Z, 2030-01-01T00:00:00Z]");
  }

  @Test
  void emptyIsMissingField() {
    assertRejected(() -> ts("epoch-seconds").parse("ts", ""), RejectReason.MISSING_FIELD,
        "ts: empty (expected a timestamp)");
    assertRejected(() -> ts("iso").parse("time", "   "), RejectReason.MISSING_FIELD,
        "time: empty (expected a timestamp)");
  }

  @Test
  void isValidFormat() {
    for (String named : Timestamps.NAMED) {
      assertThat(Timestamps.isValidFormat(named)).as(named).isTrue();
    }
    assertThat(Timestamps.isValidFormat("yyyy-MM-dd HH:mm:ss")).isTrue();
    assertThat(Timestamps.isValidFormat(InteractionParser.MIND_TIME_PATTERN)).isTrue();
    assertThat(Timestamps.isValidFormat("yyyy-MM-dd'")).isFalse(); // unterminated literal
    assertThat(Timestamps.isValidFormat("epoch-secs")).isFalse(); // 'o' is no pattern letter
  }

  @Test
  void ofRefusesAnInvalidPattern() {
    assertThatThrownBy(() -> Timestamps.of("yyyy-MM-dd'", MIN, MAX))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("yyyy-MM-dd'");
    assertThat(ts("iso").format()).isEqualTo("iso");
  }

  @Test
  void toMicros() {
    assertThat(Timestamps.toMicros(Instant.ofEpochSecond(MIND_SECONDS, 123_456_789))).isEqualTo(MIND_MICROS + 123_456L);
    // -0.5 s = -500000 micros
    assertThat(Timestamps.toMicros(Instant.ofEpochSecond(-1, 500_000_000))).isEqualTo(-500_000L);
  }

  @Test
  void patternStillWorksAfterSerialization() throws Exception {
    Timestamps original = ts(InteractionParser.MIND_TIME_PATTERN);
    original.parse("time", "11/11/2019 9:05:58 AM"); // builds the transient formatter
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(original);
    }
    Timestamps copy;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (Timestamps) in.readObject();
    }
    assertThat(copy.parse("time", "11/11/2019 9:05:58 AM")).isEqualTo(MIND_MICROS);
    assertRejected(() -> copy.parse("time", "1/1/1970 12:00:00 AM"), RejectReason.TIMESTAMP_OUT_OF_RANGE,
        "time: 1970-01-01T00:00:00Z is outside [1990-01-01T00:00:00Z, 2030-01-01T00:00:00Z]");
  }

  @Test
  void dateOnlyPattern() throws Exception {
    assertThat(Timestamps.isValidFormat("yyyy-MM-dd")).isTrue();
    // midnight UTC of 2019-11-11 = 18211 days * 86400 = 1573430400 s
    assertThat(ts("yyyy-MM-dd").parse("published_at", "2019-11-11")).isEqualTo(1_573_430_400_000_000L);
  }

  @Test
  void patternWithOffsetHonoursTheOffset() throws Exception {
    assertThat(ts("yyyy-MM-dd'T'HH:mm:ssXXX").parse("ts", "2019-11-11T11:05:58+02:00")).isEqualTo(MIND_MICROS);
  }
}
