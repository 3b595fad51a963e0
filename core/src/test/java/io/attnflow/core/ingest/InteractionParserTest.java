package io.attnflow.core.ingest;

import static io.attnflow.core.ingest.Rejects.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import io.attnflow.core.data.Interaction;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InteractionParserTest {
  static final Instant MIN = Instant.parse("1990-01-01T00:00:00Z");
  static final Instant MAX = Instant.parse("2030-01-01T00:00:00Z");
  static final String RANGE = " is outside [1990-01-01T00:00:00Z, 2030-01-01T00:00:00Z]";
  // 2019-11-11T09:05:58Z = 18211 days * 86400 + 32758 s = 1573463158 s (see TimestampsTest)
  static final long MIND_MICROS = 1_573_463_158_000_000L;
  static final InteractionColumns USER_ITEM_TS = new InteractionColumns("user", "item", "ts", "", "");

  private static InteractionParser parser(InputFormat format, String header, InteractionColumns columns, String tsFormat)
      throws InputLayoutException {
    return InteractionParser.forFile(format, "in." + format.code(), header, columns, tsFormat, "view", MIN, MAX);
  }

  private static InteractionParser fixed(InputFormat format) throws InputLayoutException {
    return parser(format, null, null, null);
  }

  private static InteractionParser movielensCsv() throws InputLayoutException {
    return parser(InputFormat.MOVIELENS_CSV, "userId,movieId,rating,timestamp", null, null);
  }

  @Test
  void csvWithHeaderInAnotherOrderAndUnmappedEventAndValue() throws Exception {
    InteractionParser p = parser(InputFormat.CSV, "item,ts,score,user", USER_ITEM_TS, "yyyy-MM-dd HH:mm:ss");
    assertThat(p.parse("N7,2019-11-11 09:05:58,5,u1"))
        .containsExactly(new Interaction("u1", "N7", MIND_MICROS, "view", null));
  }

  @Test
  void csvHeaderWithByteOrderMarkAndSpaces() throws Exception {
    InteractionParser p = parser(InputFormat.CSV, "\uFEFFuser , item,ts", USER_ITEM_TS, "epoch-seconds");
    assertThat(p.parse(" u1 , i1 ,964982703"))
        .containsExactly(new Interaction("u1", "i1", 964_982_703_000_000L, "view", null));
  }

  @Test
  void tsvWithEventAndValue() throws Exception {
    InteractionColumns cols = new InteractionColumns("user", "item", "ts", "event", "value");
    InteractionParser p = parser(InputFormat.TSV, "user\titem\tts\tevent\tvalue", cols, "iso");
    assertThat(p.parse("u1\ti,1\t2019-11-11T09:05:58Z\tpurchase\t12.5"))
        .containsExactly(new Interaction("u1", "i,1", MIND_MICROS, "purchase", 12.5));
    // an empty event falls back to the default, an empty value is null
    assertThat(p.parse("u1\ti1\t2019-11-11T09:05:58Z\t\t"))
        .containsExactly(new Interaction("u1", "i1", MIND_MICROS, "view", null));
  }

  @Test
  void jsonlIgnoresExtraKeysAndReadsNumbersAsText() throws Exception {
    InteractionColumns cols = new InteractionColumns("uid", "iid", "time", "kind", "dwell");
    InteractionParser p = parser(InputFormat.JSONL, null, cols, "epoch-millis");
    String line = "{\"extra\":{\"x\":[1]},\"uid\":42,\"iid\":\"N7\",\"time\":1573463158000,\"kind\":\"read\",\"dwell\":3.5}";
    assertThat(p.parse(line)).containsExactly(new Interaction("42", "N7", MIND_MICROS, "read", 3.5));
    // null reads as absent
    assertThat(p.parse("{\"uid\":\"u\",\"iid\":\"i\",\"time\":1573463158000,\"kind\":null,\"dwell\":null}"))
        .containsExactly(new Interaction("u", "i", MIND_MICROS, "view", null));
  }

  @Test
  void jsonlAbsentKeysAreMissingFieldsAndEmptyIdsEmpty() throws Exception {
    InteractionParser p = parser(InputFormat.JSONL, null, USER_ITEM_TS, "epoch-seconds");
    assertRejected(() -> p.parse("{\"item\":\"i\",\"ts\":964982703}"), RejectReason.MISSING_FIELD, "user_id: absent");
    assertRejected(() -> p.parse("{\"user\":\"u\",\"ts\":964982703}"), RejectReason.MISSING_FIELD, "item_id: absent");
    assertRejected(() -> p.parse("{\"user\":\"u\",\"item\":\"i\"}"), RejectReason.MISSING_FIELD, "ts: absent");
    assertRejected(() -> p.parse("{\"user\":\"\",\"item\":\"i\",\"ts\":964982703}"), RejectReason.EMPTY_ID,
        "user_id: empty");
  }

  @Test
  void jsonlThatIsNoObjectIsMalformed() {
    InteractionParser p = assertNoLayoutError(InputFormat.JSONL);
    assertRejected(() -> p.parse("[1,2]"), RejectReason.MALFORMED, "not a JSON object (one object per line expected)");
    assertRejected(() -> p.parse(""), RejectReason.MALFORMED, "not a JSON object (one object per line expected)");
    assertRejected(() -> p.parse("{\"user\":\"u\"} trailing"), RejectReason.MALFORMED,
        "not a JSON object: Unrecognized token 'trailing': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')");
    assertRejected(() -> p.parse("{\"user\":\"u\"} {}"), RejectReason.MALFORMED,
        "not a JSON object (one object per line expected)");
    assertThatThrownBy(() -> p.parse("{\"user\":"))
        .isInstanceOfSatisfying(BadRecordException.class, e -> {
          assertThat(e.reason()).isEqualTo(RejectReason.MALFORMED);
          assertThat(e.detail()).startsWith("not a JSON object: ");
        });
  }

  private static InteractionParser assertNoLayoutError(InputFormat format) {
    try {
      return parser(format, null, USER_ITEM_TS, "epoch-seconds");
    } catch (InputLayoutException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void movielensCsvRatings() throws Exception {
    assertThat(movielensCsv().parse("1,1,4.0,964982703"))
        .containsExactly(new Interaction("1", "1", 964_982_703_000_000L, "rating", 4.0));
  }

  @Test
  void movielens100k() throws Exception {
    assertThat(fixed(InputFormat.MOVIELENS_100K).parse("196\t242\t3\t881250949"))
        .containsExactly(new Interaction("196", "242", 881_250_949_000_000L, "rating", 3.0));
  }

  @Test
  void movielens1m() throws Exception {
    assertThat(fixed(InputFormat.MOVIELENS_1M).parse("1::1193::5::978300760"))
        .containsExactly(new Interaction("1", "1193", 978_300_760_000_000L, "rating", 5.0));
  }

  @Test
  void mindImpressionLog() throws Exception {
    List<Interaction> out = fixed(InputFormat.MIND)
        .parse("1\tU13740\t11/11/2019 9:05:58 AM\tN55189 N42782\tN55689-1 N35729-0");
    // the history in its order (N55189 before N42782, against their ids' order), just before the impression
    assertThat(out).containsExactly(
        new Interaction("U13740", "N55189", MIND_MICROS - 2, "history", null),
        new Interaction("U13740", "N42782", MIND_MICROS - 1, "history", null),
        new Interaction("U13740", "N55689", MIND_MICROS, "click", 1.0),
        new Interaction("U13740", "N35729", MIND_MICROS, "impression", 0.0));
  }

  @Test
  void mindWithoutHistoryOrWithoutImpressions() throws Exception {
    InteractionParser p = fixed(InputFormat.MIND);
    assertThat(p.parse("2\tU1\t11/11/2019 9:05:58 AM\t\tN1-0  N2-1"))
        .extracting(Interaction::itemId, Interaction::event)
        .containsExactly(tuple("N1", "impression"),
            tuple("N2", "click"));
    assertThat(p.parse("3\tU1\t11/11/2019 9:05:58 AM\tN9\t")).containsExactly(
        new Interaction("U1", "N9", MIND_MICROS - 1, "history", null));
    assertRejected(() -> p.parse("4\tU1\t11/11/2019 9:05:58 AM\t \t"), RejectReason.MISSING_FIELD,
        "history and impressions are both empty");
  }

  @Test
  void mindMalformedImpressionToken() throws Exception {
    InteractionParser p = fixed(InputFormat.MIND);
    String prefix = "1\tU1\t11/11/2019 9:05:58 AM\tN9\t";
    assertRejected(() -> p.parse(prefix + "N0-1 N1-2"), RejectReason.MALFORMED,
        "impressions: \"N1-2\" is not <news id>-0 or <news id>-1");
    assertRejected(() -> p.parse(prefix + "N1"), RejectReason.MALFORMED,
        "impressions: \"N1\" is not <news id>-0 or <news id>-1");
    assertRejected(() -> p.parse(prefix + "-1"), RejectReason.MALFORMED,
        "impressions: \"-1\" is not <news id>-0 or <news id>-1");
  }

  @Test
  void mindBadRows() throws Exception {
    InteractionParser p = fixed(InputFormat.MIND);
    assertRejected(() -> p.parse("1\tU1\t11/11/2019 9:05:58 AM\tN9"), RejectReason.MISSING_FIELD,
        "expected 5 fields, found 4");
    assertRejected(() -> p.parse("1\t \t11/11/2019 9:05:58 AM\tN9\tN1-1"), RejectReason.EMPTY_ID, "user_id: empty");
    assertRejected(() -> p.parse("1\tU1\t2019-11-11\tN9\tN1-1"), RejectReason.BAD_TIMESTAMP,
        "time: \"2019-11-11\" is not a timestamp in format M/d/yyyy h:mm:ss a");
    assertRejected(() -> p.parse("1\tU1\t1/1/1980 9:05:58 AM\tN9\tN1-1"), RejectReason.TIMESTAMP_OUT_OF_RANGE,
        "time: 1980-01-01T09:05:58Z" + RANGE);
  }

  @Test
  void tooFewAndTooManyFields() throws Exception {
    assertRejected(() -> fixed(InputFormat.MOVIELENS_100K).parse("196\t242\t3"), RejectReason.MISSING_FIELD,
        "expected 4 fields, found 3");
    assertRejected(() -> fixed(InputFormat.MOVIELENS_100K).parse("196\t242\t3\t881250949\t"),
        RejectReason.EXTRA_FIELDS, "expected 4 fields, found 5");
    assertRejected(() -> movielensCsv().parse(""), RejectReason.MISSING_FIELD, "expected 4 fields, found 1");
    assertRejected(() -> fixed(InputFormat.MOVIELENS_1M).parse("1::1193::5::978300760::x"),
        RejectReason.EXTRA_FIELDS, "expected 4 fields, found 5");
  }

  @Test
  void malformedCsvRow() throws Exception {
    assertRejected(() -> movielensCsv().parse("1,\"1,4.0,964982703"), RejectReason.MALFORMED,
        "field 2: unterminated quote (a quoted field must end with \", within ingest.max-line-bytes and before the end of the file)");
  }

  @Test
  void anUnparsableValueIsDroppedNotTheInteraction() throws Exception {
    List<DroppedField> dropped = new ArrayList<>();
    List<Interaction> kept = movielensCsv().parse("1,1,abc,964982703", dropped);
    assertThat(kept).singleElement().satisfies(i -> {
      assertThat(i.userId()).isEqualTo("1");
      assertThat(i.value()).isNull();
      assertThat(i.tsMicros()).isEqualTo(964_982_703_000_000L);
    });
    assertThat(dropped).containsExactly(new DroppedField(RejectReason.BAD_NUMBER, "value: \"abc\" is not a number"));
    // a bad required field still rejects it
    assertRejected(() -> movielensCsv().parse("1,1,4.0,noon", new ArrayList<>()), RejectReason.BAD_TIMESTAMP,
        "ts: \"noon\" is not a timestamp in format epoch-seconds");
  }

  @Test
  void unparsableValue() throws Exception {
    assertRejected(() -> movielensCsv().parse("1,1,abc,964982703"), RejectReason.BAD_NUMBER,
        "value: \"abc\" is not a number");
    // only decimal notation: no NaN, infinities, Java suffixes or hex floats
    assertRejected(() -> movielensCsv().parse("1,1,NaN,964982703"), RejectReason.BAD_NUMBER,
        "value: \"NaN\" is not a number");
    assertRejected(() -> movielensCsv().parse("1,1,-Infinity,964982703"), RejectReason.BAD_NUMBER,
        "value: \"-Infinity\" is not a number");
    assertRejected(() -> movielensCsv().parse("1,1,4d,964982703"), RejectReason.BAD_NUMBER,
        "value: \"4d\" is not a number");
    assertRejected(() -> movielensCsv().parse("1,1,0x1p2,964982703"), RejectReason.BAD_NUMBER,
        "value: \"0x1p2\" is not a number");
    assertRejected(() -> movielensCsv().parse("1,1,1e999,964982703"), RejectReason.BAD_NUMBER,
        "value: 1e999 is not a finite number");
  }

  @Test
  void unparsableAndOutOfRangeTimestamp() throws Exception {
    assertRejected(() -> movielensCsv().parse("1,1,4.0,yesterday"), RejectReason.BAD_TIMESTAMP,
        "ts: \"yesterday\" is not a timestamp in format epoch-seconds");
    assertRejected(() -> movielensCsv().parse("1,1,4.0,0"), RejectReason.TIMESTAMP_OUT_OF_RANGE,
        "ts: 1970-01-01T00:00:00Z" + RANGE);
    assertRejected(() -> movielensCsv().parse("1,1,4.0,"), RejectReason.MISSING_FIELD,
        "ts: empty (expected a timestamp)");
  }

  @Test
  void emptyIds() throws Exception {
    assertRejected(() -> movielensCsv().parse(",1,4.0,964982703"), RejectReason.EMPTY_ID, "user_id: empty");
    assertRejected(() -> movielensCsv().parse("1, ,4.0,964982703"), RejectReason.EMPTY_ID, "item_id: empty");
    // ids are checked before the timestamp
    assertRejected(() -> movielensCsv().parse(",1,4.0,yesterday"), RejectReason.EMPTY_ID, "user_id: empty");
  }

  @Test
  void headerWithoutTheOptionalColumnsGivesDefaultEventsAndNoValues() throws Exception {
    InteractionColumns defaults = new InteractionColumns("user_id", "item_id", "ts", "event", "value");
    InteractionParser p = parser(InputFormat.CSV, "user_id,item_id,ts", defaults, "iso");

    assertThat(p.absentColumns()).containsExactly("event", "value");
    assertThat(p.parse("u1,i1,2024-01-01T00:00:00Z")).singleElement().satisfies(i -> {
      assertThat(i.event()).isEqualTo("view"); // the default event this test configures
      assertThat(i.value()).isNull();
    });
  }

  @Test
  void headerLackingAMappedColumn() {
    assertThatThrownBy(() -> parser(InputFormat.MOVIELENS_CSV, "userId,movieId,timestamp", null, null))
        .isInstanceOf(InputLayoutException.class)
        .hasMessage("Cannot read in.movielens-csv: its header [userId, movieId, timestamp] lacks the column(s) [rating]"
            + " (map the contract's fields to this file's columns with input.*.columns)");
    assertThatThrownBy(() -> parser(InputFormat.CSV, "userId,movieId", USER_ITEM_TS, "iso"))
        .isInstanceOf(InputLayoutException.class)
        .hasMessage("Cannot read in.csv: its header [userId, movieId] lacks the column(s) [user, item, ts]"
            + " (map the contract's fields to this file's columns with input.*.columns)");
  }

  @Test
  void unreadableHeader() {
    assertThatThrownBy(() -> parser(InputFormat.CSV, "user,\"item", USER_ITEM_TS, "iso"))
        .isInstanceOf(InputLayoutException.class)
        .hasMessage("Cannot read the header of in.csv: field 2: unterminated quote (a quoted field must end with \", within ingest.max-line-bytes and before the end of the file)");
  }

  @Test
  void dedupKeyOfExactDuplicatesIsEqual() throws Exception {
    Interaction a = movielensCsv().parse("1,1,4.0,964982703").get(0);
    Interaction b = movielensCsv().parse("1,1,4.0,964982703").get(0);
    assertThat(InteractionParser.dedupKey(a)).isEqualTo(InteractionParser.dedupKey(b));
  }

  @Test
  void dedupKeyDiffersWhenTsOrValueOrEventDiffers() {
    Interaction a = new Interaction("u", "i", 1L, "click", 1.0);
    assertThat(InteractionParser.dedupKey(new Interaction("u", "i", 2L, "click", 1.0)))
        .isNotEqualTo(InteractionParser.dedupKey(a));
    assertThat(InteractionParser.dedupKey(new Interaction("u", "i", 1L, "click", 0.0)))
        .isNotEqualTo(InteractionParser.dedupKey(a));
    assertThat(InteractionParser.dedupKey(new Interaction("u", "i", 1L, "impression", 1.0)))
        .isNotEqualTo(InteractionParser.dedupKey(a));
    assertThat(InteractionParser.dedupKey(new Interaction("u", "j", 1L, "click", 1.0)))
        .isNotEqualTo(InteractionParser.dedupKey(a));
  }

  @Test
  void dedupKeyOfHistoryIgnoresTheTime() throws Exception {
    InteractionParser p = fixed(InputFormat.MIND);
    // the same user's history repeated in two impression logs, 12 h apart
    Interaction morning = p.parse("1\tU1\t11/11/2019 9:05:58 AM\tN9\tN1-1").get(0);
    Interaction evening = p.parse("2\tU1\t11/11/2019 9:05:58 PM\tN9\tN1-1").get(0);
    assertThat(morning.event()).isEqualTo("history");
    assertThat(morning.tsMicros()).isNotEqualTo(evening.tsMicros());
    assertThat(InteractionParser.dedupKey(morning)).isEqualTo(InteractionParser.dedupKey(evening));
    assertThat(InteractionParser.dedupKey(new Interaction("U2", "N9", 0L, "history", null)))
        .isNotEqualTo(InteractionParser.dedupKey(morning));
  }
}
