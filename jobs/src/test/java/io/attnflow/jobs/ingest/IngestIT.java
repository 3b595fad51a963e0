package io.attnflow.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attnflow.jobs.BadInputException;
import io.attnflow.jobs.DuckDb;
import io.attnflow.jobs.Main;
import io.attnflow.jobs.Processes;
import io.attnflow.jobs.TestSpark;
import io.attnflow.jobs.config.IngestSettings;
import io.attnflow.jobs.config.Settings;
import io.attnflow.jobs.spark.FaultInjection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ingest through real Spark, read back with DuckDB. */
class IngestIT {
  private static SparkSession spark;

  @BeforeAll
  static void spark() {
    spark = TestSpark.session();
  }

  private static IngestSettings settings(Path warehouse, String... sets) {
    List<String> all = new ArrayList<>(List.of("warehouse=" + warehouse));
    all.addAll(List.of(sets));
    return Settings.load(List.of(), all).ingest();
  }

  private static IngestSettings demo(Path warehouse) {
    Path d = TestSpark.demoData();
    return settings(warehouse,
        "input.interactions.path=" + d.resolve("ratings.csv"), "input.interactions.format=movielens-csv",
        "input.items.path=" + d.resolve("movies.csv"), "input.items.format=movielens-csv",
        "input.items.tags-path=" + d.resolve("tags.csv"));
  }

  @Test
  void demoDataIsIngestedWholeWithContractTypes(@TempDir Path wh) {
    IngestResult r = IngestJob.run(spark, demo(wh), "ingest-demo");

    // The counts ml-latest-small's README states: 100,836 ratings, 9,742 movies, 3,683 tags.
    assertThat(r.account("interactions")).extracting(InputAccount::read, InputAccount::accepted, InputAccount::rejected)
        .containsExactly(100_836L, 100_836L, 0L);
    assertThat(r.account("items")).extracting(InputAccount::read, InputAccount::accepted, InputAccount::rejected)
        .containsExactly(9_742L, 9_742L, 0L);
    assertThat(r.account("tags").accepted()).isEqualTo(3_683L);

    String interactions = wh.resolve("interactions") + "/*.parquet";
    assertThat(DuckDb.types(interactions)).containsExactly(
        Map.entry("user_id", "VARCHAR"), Map.entry("item_id", "VARCHAR"),
        Map.entry("ts", "TIMESTAMP WITH TIME ZONE"), Map.entry("event", "VARCHAR"), Map.entry("value", "DOUBLE"));
    assertThat(DuckDb.types(wh.resolve("items") + "/*.parquet")).containsExactly(
        Map.entry("item_id", "VARCHAR"), Map.entry("title", "VARCHAR"), Map.entry("text", "VARCHAR"),
        Map.entry("category", "VARCHAR"), Map.entry("tags", "VARCHAR[]"),
        Map.entry("published_at", "TIMESTAMP WITH TIME ZONE"), Map.entry("vector", "FLOAT[]"));
    assertThat(DuckDb.scalar("SELECT count(*) FROM parquet_metadata('" + interactions + "') WHERE type = 'INT96'"))
        .isEqualTo(0L);
    assertThat(DuckDb.scalar("SELECT count(*) FROM read_parquet('" + interactions + "')")).isEqualTo(100_836L);
    // ratings.csv line 2: 1,1,4.0,964982703 -> 2000-07-30T18:45:03Z
    assertThat(DuckDb.scalar("SELECT strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S') || ' ' || value || ' ' || event"
        + " FROM read_parquet('" + interactions + "') WHERE user_id = '1' AND item_id = '1'"))
        .isEqualTo("2000-07-30T18:45:03 4.0 rating");
    // Toy Story: genres, a user tag from tags.csv ("pixar"), publication year from the title.
    Map<String, Object> toyStory = DuckDb.query("SELECT category, list_contains(tags, 'pixar') AS pixar, "
        + "year(published_at) AS y, text FROM read_parquet('" + wh.resolve("items") + "/*.parquet') WHERE item_id = '1'").get(0);
    assertThat(toyStory).containsEntry("category", "Adventure").containsEntry("pixar", true).containsEntry("y", 1995L);
    assertThat((String) toyStory.get("text")).startsWith("Toy Story (1995) Adventure Animation").contains("pixar");

    // A second run on the same input gives the same tables, not more rows.
    String fingerprint = "SELECT count(*) AS n, sum(hash(user_id, item_id, ts, event, value)) AS h FROM read_parquet('" + interactions + "')";
    Object before = DuckDb.query(fingerprint);
    IngestJob.run(spark, demo(wh), "ingest-demo-again");
    assertThat(DuckDb.query(fingerprint)).isEqualTo(before);
  }

  /** One line per bad-row kind among good ones; line numbers are the file's own (header = line 1). */
  private static Path badRows(Path dir) throws IOException {
    Files.writeString(dir.resolve("items.csv"), String.join("\n",
        "item_id,title,category",
        "i1,One,news",
        "i2,Two,sport",
        "i3,Three,news",
        "i2,Two again,sport",          // line 5: duplicate_item
        ",Nameless,news") + "\n");     // line 6: empty_id
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<String> lines = List.of(
        "user_id,item_id,ts,event,value",
        "u1,i1,2024-01-01T10:00:00Z,click,1",        // 2 ok
        "u1,i2,2024-01-01T11:00:00Z,click,",         // 3 ok (no value)
        "u2,i3,2024-01-02T09:00:00Z,view,2.5",       // 4 ok
        "u1,i1,2024-01-01T10:00:00Z,click,1",        // 5 duplicate_event of line 2
        "u2,i1",                                      // 6 missing_field
        "u2,i1,2024-01-02T09:00:00Z,view,1,extra",   // 7 extra_fields
        "u2,i1,2024-01-02T09:00:00Z,view,lots",      // 8 bad_number
        "u2,i1,yesterday,view,1",                     // 9 bad_timestamp
        "u2,i1,1890-01-01T00:00:00Z,view,1",         // 10 timestamp_out_of_range
        ",i1,2024-01-02T09:00:00Z,view,1",           // 11 empty_id
        "u3,i9,2024-01-02T09:00:00Z,view,1",         // 12 unknown_item
        "u3,\"i1,2024-01-02T09:00:00Z,view,1",       // 13 malformed (unterminated quote)
        "u3,i1,2024-01-02T09:00:00Z,view," + "9".repeat(300), // 14 line_too_long (max 256 bytes)
        "u3,i2,2024-01-03T09:00:00Z,view,1");        // 16 ok (15 is the bad-encoding line)
    for (int i = 0; i < lines.size(); i++) {
      out.write((lines.get(i) + "\n").getBytes(StandardCharsets.UTF_8));
      if (i == 13) {
        // line 15: invalid_encoding (0xC3 0x28 is not UTF-8)
        out.write(new byte[] {'u', '4', ',', 'i', '1', ',', (byte) 0xC3, 0x28, '\n'});
      }
    }
    Files.write(dir.resolve("interactions.csv"), out.toByteArray());
    return dir;
  }

  private static String[] badRowSettings(Path in) {
    return new String[] {
        "input.interactions.path=" + in.resolve("interactions.csv"),
        "input.items.path=" + in.resolve("items.csv"),
        "input.items.columns.text=", "input.items.columns.tags=", "input.items.columns.published_at=",
        "input.items.columns.vector=",
        "ingest.max-line-bytes=256", "ingest.max-reject-rate=1",
        // every reject kind, line 8's unreadable value among them: optional fields reject too
        "ingest.strict-optional-fields=true"};
  }

  @Test
  void anOptionalFieldThatCannotBeReadIsDroppedAndCountedNotTheRow(@TempDir Path in, @TempDir Path wh) throws IOException {
    List<String> sets = new ArrayList<>(List.of(badRowSettings(badRows(in))));
    sets.add("ingest.strict-optional-fields=false");
    IngestResult r = IngestJob.run(spark, settings(wh, sets.toArray(String[]::new)), "ingest-lenient");

    // line 8 (u2,i1,...,view,lots) is kept with a null value; the other bad kinds are rejected as before
    InputAccount interactions = r.account("interactions");
    assertThat(interactions).extracting(InputAccount::read, InputAccount::accepted, InputAccount::rejected)
        .containsExactly(15L, 5L, 10L);
    assertThat(interactions.rejectedByReason()).doesNotContainKey("bad_number");
    assertThat(interactions.droppedByReason()).containsExactly(Map.entry("bad_number", 1L));
    assertThat(DuckDb.query("SELECT value FROM read_parquet('" + wh.resolve("interactions") + "/*.parquet') "
        + "WHERE user_id = 'u2' AND item_id = 'i1'")).singleElement().satisfies(row -> assertThat(row.get("value")).isNull());
    assertThat(Files.readString(Path.of(r.reportPath()))).contains("\"accepted_with_fields_dropped\" : {\n      \"bad_number\" : 1");
  }

  @Test
  void everyBadRowKindIsRejectedWithItsLineAndTheCountsBalance(@TempDir Path in, @TempDir Path wh) throws IOException {
    IngestResult r = IngestJob.run(spark, settings(wh, badRowSettings(badRows(in))), "ingest-bad");

    InputAccount items = r.account("items");
    assertThat(items).extracting(InputAccount::read, InputAccount::accepted, InputAccount::rejected).containsExactly(5L, 3L, 2L);
    InputAccount interactions = r.account("interactions");
    assertThat(interactions.read()).isEqualTo(15);
    assertThat(interactions.accepted()).isEqualTo(4);
    assertThat(interactions.balanced()).isTrue();
    assertThat(interactions.rejectedByReason()).containsOnly(
        Map.entry("duplicate_event", 1L), Map.entry("missing_field", 1L), Map.entry("extra_fields", 1L),
        Map.entry("bad_number", 1L), Map.entry("bad_timestamp", 1L), Map.entry("timestamp_out_of_range", 1L),
        Map.entry("empty_id", 1L), Map.entry("unknown_item", 1L), Map.entry("malformed", 1L),
        Map.entry("line_too_long", 1L), Map.entry("invalid_encoding", 1L));

    Map<Long, String> byLine = DuckDb.query("SELECT line, reason || ': ' || detail AS why FROM read_parquet('"
            + wh.resolve("rejects") + "/*.parquet') WHERE input = 'interactions' ORDER BY line").stream()
        .collect(Collectors.toMap(m -> (Long) m.get("line"), m -> (String) m.get("why")));
    String file = "file:" + in.resolve("interactions.csv");
    assertThat(byLine).containsOnly(
        Map.entry(5L, "duplicate_event: same as " + file + " line 2"),
        Map.entry(6L, "missing_field: expected 5 fields, found 2"),
        Map.entry(7L, "extra_fields: expected 5 fields, found 6"),
        Map.entry(8L, "bad_number: value: \"lots\" is not a number"),
        Map.entry(9L, "bad_timestamp: ts: \"yesterday\" is not a timestamp in format iso"),
        Map.entry(10L, "timestamp_out_of_range: ts: 1890-01-01T00:00:00Z is outside [1970-01-01T00:00:00Z, 2100-01-01T00:00:00Z]"),
        Map.entry(11L, "empty_id: user_id: empty"),
        Map.entry(12L, "unknown_item: item_id i9 is not in the items input"),
        Map.entry(13L, "malformed: field 2: unterminated quote (a quoted field must end with \", within ingest.max-line-bytes and before the end of the file)"),
        Map.entry(14L, "line_too_long: 332 bytes (at most 256, ingest.max-line-bytes)"),
        Map.entry(15L, "invalid_encoding: bytes that are not valid UTF-8 (Input length = 1)"));
    assertThat(DuckDb.scalar("SELECT raw FROM read_parquet('" + wh.resolve("rejects") + "/*.parquet') WHERE line = 8 AND input = 'interactions'"))
        .isEqualTo("u2,i1,2024-01-02T09:00:00Z,view,lots");
    assertThat(DuckDb.query("SELECT line, reason FROM read_parquet('" + wh.resolve("rejects") + "/*.parquet') WHERE input = 'items' ORDER BY line"))
        .containsExactly(Map.of("line", 5L, "reason", "duplicate_item"), Map.of("line", 6L, "reason", "empty_id"));
    assertThat(DuckDb.scalar("SELECT count(*) FROM read_parquet('" + wh.resolve("interactions") + "/*.parquet')")).isEqualTo(4L);
  }

  /**
   * Real CSV (RFC 4180): quoted fields hold line breaks, commas and doubled quotes; a reject names its record's
   * first line; a header may leave out every optional column.
   */
  @Test
  void csvRecordsOverSeveralLinesAreWholeRowsAndOptionalColumnsMayBeAbsent(@TempDir Path in, @TempDir Path wh)
      throws IOException {
    Files.createDirectories(in.resolve("items"));
    Files.writeString(in.resolve("items/a.csv"), String.join("\r\n",
        "item_id,title,text",
        "m1,\"Arrival\",\"A linguist is recruited",             // 2: a record over lines 2-4
        "when ships land, \"\"worldwide\"\".",
        "Second paragraph.\"",
        "m2,Heat,\"One line, with a comma\"",                  // 5
        "m3,\"Up\",\"Balloons,",                                 // 6-7
        "and a house\"",
        "m4,\"Bad\",\"text over",                                // 8-9: text after the closing quote
        "two lines\"x",
        "m5,Fine,ok") + "\r\n");                              // 10
    Files.writeString(in.resolve("items/b.csv"), "item_id,title\nm6,\"Six\"\n");
    Files.writeString(in.resolve("interactions.csv"), String.join("\n",
        "user_id,item_id,ts",
        "u1,m1,2024-01-01T00:00:00Z",
        "u1,m2,2024-01-02T00:00:00Z",
        "u2,m3,2024-01-03T00:00:00Z",
        "u2,m6,2024-01-04T00:00:00Z") + "\n");

    IngestResult r = IngestJob.run(spark, settings(wh,
        "input.interactions.path=" + in.resolve("interactions.csv"), "input.items.path=" + in.resolve("items"),
        "ingest.max-reject-rate=1"), "ingest-rfc4180");

    assertThat(r.account("items")).extracting(InputAccount::records, InputAccount::accepted, InputAccount::rejected)
        .containsExactly(6L, 5L, 1L);
    assertThat(r.account("items").absentColumns()).containsExactly("text", "category", "tags", "published_at", "vector");
    assertThat(r.account("interactions")).extracting(InputAccount::records, InputAccount::accepted, InputAccount::rejected)
        .containsExactly(4L, 4L, 0L);
    assertThat(r.account("interactions").absentColumns()).containsExactly("event", "value");
    assertThat(DuckDb.query("SELECT source, line, reason, detail, raw FROM read_parquet('" + wh.resolve("rejects") + "/*.parquet')"))
        .containsExactly(Map.of("source", "file:" + in.resolve("items/a.csv"), "line", 8L, "reason", "malformed",
            "detail", "field 3: text after a closing quote (a quote inside a quoted field is written \"\", and a quoted field"
                + " ends at ',' or the end of the record)",
            "raw", "m4,\"Bad\",\"text over\ntwo lines\"x"));
    Map<String, String> text = DuckDb.query("SELECT item_id, text FROM read_parquet('" + wh.resolve("items") + "/*.parquet')")
        .stream().collect(Collectors.toMap(m -> (String) m.get("item_id"), m -> (String) m.get("text")));
    assertThat(text).containsOnly(
        Map.entry("m1", "A linguist is recruited\nwhen ships land, \"worldwide\".\nSecond paragraph."),
        Map.entry("m2", "One line, with a comma"),
        Map.entry("m3", "Balloons,\nand a house"),
        Map.entry("m5", "ok"),
        Map.entry("m6", "Six"));
    assertThat(DuckDb.query("SELECT DISTINCT event, value FROM read_parquet('" + wh.resolve("interactions") + "/*.parquet')"))
        .singleElement().satisfies(m -> {
          assertThat(m.get("event")).isEqualTo("interaction");
          assertThat(m.get("value")).isNull();
        });
    assertThat(Files.readString(Path.of(r.reportPath()))).contains("\"absent_columns\" : [ \"event\", \"value\" ]");
  }

  /**
   * A CSV file whose lines are all whole records keeps its parallel splits; one with a record over several lines
   * is read whole, even where that record straddles two splits. Both number every record by its first line.
   */
  @Test
  void csvRecordsAcrossSplitBoundariesStayWhole(@TempDir Path in) throws IOException {
    StringBuilder plain = new StringBuilder("id,text\n");
    StringBuilder spanning = new StringBuilder("id,text\n");
    for (int n = 1; n <= 300; n++) {
      plain.append(n).append(",row ").append(n).append('\n');
      spanning.append(n).append(n == 150 ? ",\"first\n\nthird, \"\"line\"\"\"" : ",row " + n).append('\n');
    }
    Files.writeString(in.resolve("plain.csv"), plain);
    Files.writeString(in.resolve("spanning.csv"), spanning);
    org.apache.hadoop.conf.Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    String key = "mapreduce.input.fileinputformat.split.maxsize";
    hadoop.set(key, "256");
    try {
      TextInput.Lines lines = TextInput.records(spark,
          List.of("file:" + in.resolve("plain.csv"), "file:" + in.resolve("spanning.csv")), true, true, 1 << 20);

      assertThat(lines.count()).isEqualTo(600);
      assertThat(lines.rdd().getNumPartitions()).isGreaterThan(10);
      Map<String, List<SourceLine>> byFile = lines.rdd().collect().stream()
          .collect(Collectors.groupingBy(l -> Path.of(java.net.URI.create(l.source())).getFileName().toString()));
      assertThat(byFile.get("plain.csv")).extracting(SourceLine::line)
          .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(2, 301).boxed().toList());
      List<SourceLine> records = byFile.get("spanning.csv");
      assertThat(records).extracting(SourceLine::line).containsExactlyElementsOf(
          Stream.concat(java.util.stream.LongStream.rangeClosed(2, 151).boxed(),
              java.util.stream.LongStream.rangeClosed(154, 303).boxed()).toList());
      assertThat(new String(records.get(149).bytes(), StandardCharsets.UTF_8)).isEqualTo("150,\"first\n\nthird, \"\"line\"\"\"");
      assertThat(new String(records.get(150).bytes(), StandardCharsets.UTF_8)).isEqualTo("151,row 151");
    } finally {
      hadoop.unset(key);
    }
  }

  /** Failure proof: every bad-row kind sprinkled through a large file; each row is accepted or rejected where it stands. */
  @Test
  void everyBadRowKindSprinkledThroughALargeFileIsAccountedFor(@TempDir Path in, @TempDir Path wh) throws IOException {
    StringBuilder items = new StringBuilder("item_id,title,category\n");
    for (int i = 1; i <= 200; i++) {
      items.append("i").append(i).append(",Item ").append(i).append(",news\n");
    }
    Files.writeString(in.resolve("items.csv"), items);
    String[] kinds = {"duplicate_event", "missing_field", "extra_fields", "bad_number", "bad_timestamp",
        "timestamp_out_of_range", "empty_id", "unknown_item", "malformed", "line_too_long", "invalid_encoding"};
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write("user_id,item_id,ts,event,value\n".getBytes(StandardCharsets.UTF_8));
    Map<Long, String> expected = new java.util.TreeMap<>();
    String previous = null;
    int rows = 120_000;
    for (int n = 0; n < rows; n++) {
      long line = n + 2;
      String valid = "u" + (n % 5000) + ",i" + (n % 200 + 1) + "," + java.time.Instant.ofEpochSecond(1_700_000_000L + n) + ",view,1";
      if (n % 997 == 996) {
        String kind = kinds[(n / 997) % kinds.length];
        expected.put(line, kind);
        String bad = switch (kind) {
          case "duplicate_event" -> previous;
          case "missing_field" -> "u1,i1";
          case "extra_fields" -> valid + ",extra";
          case "bad_number" -> valid.replace(",view,1", ",view,lots");
          case "bad_timestamp" -> "u1,i1,yesterday,view,1";
          case "timestamp_out_of_range" -> "u1,i1,1890-01-01T00:00:00Z,view,1";
          case "empty_id" -> "," + valid.substring(valid.indexOf(',') + 1);
          case "unknown_item" -> "u1,i999," + java.time.Instant.ofEpochSecond(1_600_000_000L + n) + ",view,1";
          case "malformed" -> "u1,\"i1,2024-01-02T09:00:00Z,view,1";
          case "line_too_long" -> valid + "9".repeat(300);
          default -> null;
        };
        if (bad == null) {
          out.write(new byte[] {'u', '4', ',', 'i', '1', ',', (byte) 0xC3, 0x28, '\n'});
        } else {
          out.write((bad + "\n").getBytes(StandardCharsets.UTF_8));
        }
      } else {
        out.write((valid + "\n").getBytes(StandardCharsets.UTF_8));
        previous = valid;
      }
    }
    Files.write(in.resolve("interactions.csv"), out.toByteArray());

    IngestResult r = IngestJob.run(spark, settings(wh, badRowSettings(in)), "ingest-sprinkled");

    InputAccount interactions = r.account("interactions");
    assertThat(interactions.read()).isEqualTo(rows);
    assertThat(interactions.rejected()).isEqualTo(expected.size());
    assertThat(interactions.accepted() + interactions.rejected()).isEqualTo(interactions.read());
    assertThat(interactions.rejectedByReason().keySet()).containsExactlyInAnyOrder(kinds);
    Map<Long, String> rejected = new java.util.TreeMap<>();
    DuckDb.query("SELECT line, reason FROM read_parquet('" + wh.resolve("rejects") + "/*.parquet') WHERE input = 'interactions'")
        .forEach(m -> rejected.put((Long) m.get("line"), (String) m.get("reason")));
    assertThat(rejected).isEqualTo(expected);
    assertThat(DuckDb.scalar("SELECT count(*) FROM read_parquet('" + wh.resolve("interactions") + "/*.parquet')"))
        .isEqualTo(interactions.accepted());
  }

  @Test
  void keptUnknownItemsAreAccepted(@TempDir Path in, @TempDir Path wh) throws IOException {
    List<String> sets = new ArrayList<>(List.of(badRowSettings(badRows(in))));
    sets.add("ingest.unknown-items=keep");
    IngestResult r = IngestJob.run(spark, settings(wh, sets.toArray(String[]::new)), "ingest-keep");
    assertThat(r.account("interactions").accepted()).isEqualTo(5);
    assertThat(r.account("interactions").rejectedByReason()).doesNotContainKey("unknown_item");
  }

  @Test
  void tooManyRejectsStopWithExitThreeBeforeTablesAreWritten(@TempDir Path in, @TempDir Path wh) throws IOException {
    List<String> sets = new ArrayList<>(List.of(badRowSettings(badRows(in))));
    sets.add("ingest.max-reject-rate=0.5");
    assertThatThrownBy(() -> IngestJob.run(spark, settings(wh, sets.toArray(String[]::new)), "ingest-over"))
        .isInstanceOf(BadInputException.class)
        .hasMessageStartingWith("Cannot ingest interactions: 11 of 15 rows rejected (73.33%, above ingest.max-reject-rate = 50.00%)")
        .hasMessageContaining("bad_number: 1 rows, e.g.")
        .hasMessageContaining("interactions.csv:8 bad_number: value: \"lots\" is not a number | u2,i1,2024-01-02T09:00:00Z,view,lots")
        .hasMessageEndingWith("items/ and interactions/ were left unchanged.");
    assertThat(wh.resolve("interactions")).doesNotExist();
    assertThat(wh.resolve("items")).doesNotExist();
    assertThat(DuckDb.scalar("SELECT count(*) FROM read_parquet('" + wh.resolve("rejects") + "/*.parquet')")).isEqualTo(13L);
    assertThat(Files.list(wh.resolve("runs")).toList()).singleElement()
        .satisfies(p -> assertThat(Files.readString(p)).contains("\"status\" : \"failed\""));

    List<String> args = new ArrayList<>(List.of("ingest", "--set", "warehouse=" + wh));
    sets.forEach(s -> args.addAll(List.of("--set", s)));
    assertThat(Main.run(args.toArray(String[]::new))).isEqualTo(3);
  }

  /**
   * Failure proof: an ingest killed (SIGKILL) after staging items/ and before writing interactions/. The
   * published tables stay byte for byte as they were and readable; the next ingest takes over the dead run's
   * lock, deletes its staging and publishes the new tables whole.
   */
  @Test
  void anIngestKilledMidWriteLeavesThePublishedTablesWhole(@TempDir Path in, @TempDir Path wh) throws Exception {
    List<String> ratings = Files.readAllLines(TestSpark.demoData().resolve("ratings.csv"));
    Files.write(in.resolve("first.csv"), ratings.subList(0, 3001));
    Files.write(in.resolve("second.csv"), ratings.subList(0, 6001));
    Processes.Run first = Processes.run(Map.of(), ingestCommand(wh, in.resolve("first.csv")));
    assertThat(first.exit()).as(first.err()).isZero();
    Map<String, Long> published = listing(wh);
    assertThat(published).containsKeys("items/_SUCCESS", "interactions/_SUCCESS", "rejects/_SUCCESS");
    String interactions = "SELECT count(*) FROM read_parquet('" + wh.resolve("interactions") + "/*.parquet')";
    assertThat(DuckDb.scalar(interactions)).isEqualTo(3000L);

    try (Processes.Started killed = Processes.start(Map.of("ATTNFLOW_JAVA_OPTS", "-D" + FaultInjection.PAUSE
        + "=staged-items:600000"), ingestCommand(wh, in.resolve("second.csv")))) {
      killed.awaitErr(e -> e.contains("attnflow injected pause"), Duration.ofMinutes(3));
      try (Stream<Path> staged = Files.walk(wh.resolve("staging/ingest"))) {
        assertThat(staged.map(Path::toString)).anyMatch(p -> p.matches(".*/items/part-.*\\.parquet"));
      }
      killed.process().destroyForcibly(); // SIGKILL: no shutdown hook, no finally
      assertThat(killed.process().waitFor()).isNotZero();
    }

    assertThat(listing(wh)).isEqualTo(published);
    assertThat(DuckDb.scalar(interactions)).isEqualTo(3000L);
    assertThat(wh.resolve("locks/ingest")).exists();

    Processes.Run next = Processes.run(Map.of(), ingestCommand(wh, in.resolve("second.csv")));
    assertThat(next.exit()).as(next.err()).isZero();
    assertThat(next.err()).contains("taking over the lock").contains("is gone").contains("deleting the staging");
    assertThat(wh.resolve("staging/ingest")).isEmptyDirectory();
    assertThat(wh.resolve("locks/ingest")).doesNotExist();
    assertThat(DuckDb.scalar(interactions)).isEqualTo(6000L);
  }

  private static String[] ingestCommand(Path wh, Path ratings) {
    return new String[] {"bin/attnflow", "ingest", "--set", "warehouse=" + wh, "--set", "input.interactions.path=" + ratings,
        "--set", "spark.master=local[2]"};
  }

  /** Every file of the published tables, with its size and modification time. */
  private static Map<String, Long> listing(Path wh) throws IOException {
    Map<String, Long> files = new java.util.TreeMap<>();
    for (String table : List.of("items", "interactions", "rejects")) {
      try (Stream<Path> all = Files.list(wh.resolve(table))) {
        all.forEach(f -> files.put(table + "/" + f.getFileName(), f.toFile().length() * 1_000_000_007L + f.toFile().lastModified()));
      }
    }
    return files;
  }

  @Test
  void parquetInputRowsAreNumberedAndTimestampsRead(@TempDir Path in, @TempDir Path wh) throws IOException {
    spark.sql("SELECT * FROM VALUES ('u1', 'a', TIMESTAMP '2024-03-01 10:00:00', 'click'), "
            + "('', 'a', TIMESTAMP '2024-03-01 11:00:00', 'click'), ('u2', 'a', TIMESTAMP '2024-03-02 10:00:00', 'like') "
            + "AS t(uid, iid, at, kind)")
        .coalesce(1).write().parquet(in.resolve("events").toString());
    Files.writeString(in.resolve("items.jsonl"), "{\"item_id\": \"a\", \"title\": \"A\", \"vector\": [0.5, 1.5]}\n");
    IngestResult r = IngestJob.run(spark, settings(wh,
        "input.interactions.path=" + in.resolve("events"), "input.interactions.format=parquet",
        "input.interactions.columns.user_id=uid", "input.interactions.columns.item_id=iid",
        "input.interactions.columns.ts=at", "input.interactions.columns.event=kind",
        "input.items.path=" + in.resolve("items.jsonl"), "input.items.format=jsonl",
        "ingest.max-reject-rate=0.5"), "ingest-parquet");

    assertThat(r.account("interactions")).extracting(InputAccount::read, InputAccount::accepted).containsExactly(3L, 2L);
    // the default mapping's optional "value" column is not in the Parquet schema: read as absent, and said
    assertThat(r.account("interactions").absentColumns()).containsExactly("value");
    assertThat(DuckDb.query("SELECT line, reason FROM read_parquet('" + wh.resolve("rejects") + "/*.parquet')"))
        .containsExactly(Map.of("line", 2L, "reason", "empty_id"));
    assertThat(DuckDb.scalar("SELECT strftime(max(ts) AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') FROM read_parquet('"
        + wh.resolve("interactions") + "/*.parquet')")).isEqualTo("2024-03-02 10:00");
    assertThat(DuckDb.scalar("SELECT vector::VARCHAR FROM read_parquet('" + wh.resolve("items") + "/*.parquet')"))
        .isEqualTo("[0.5, 1.5]");
  }

  @Test
  void mindLogsExpandToEventsAndHistoryCountsOnce(@TempDir Path in, @TempDir Path wh) throws IOException {
    Files.writeString(in.resolve("news.tsv"), String.join("\n",
        "N1\tnews\tworld\tTitle one\tAbstract one\thttps://x/1\t[]\t[]",
        "N2\tsports\tsoccer\tTitle two\tAbstract two\thttps://x/2\t[]\t[]",
        "N3\tnews\tpolitics\tTitle three\t\thttps://x/3\t[]\t[]") + "\n");
    Files.writeString(in.resolve("behaviors.tsv"), String.join("\n",
        "1\tU1\t11/11/2019 9:05:58 AM\tN1\tN2-1 N3-0",
        "2\tU1\t11/12/2019 10:00:00 AM\tN1\tN3-1",   // N1 history again: the same event
        "3\tU2\t11/12/2019 10:00:00 AM\t\tN9-1") + "\n"); // N9 unknown
    IngestResult r = IngestJob.run(spark, settings(wh,
        "input.interactions.path=" + in.resolve("behaviors.tsv"), "input.interactions.format=mind",
        "input.items.path=" + in.resolve("news.tsv"), "input.items.format=mind", "ingest.max-reject-rate=0.5"), "ingest-mind");

    InputAccount a = r.account("interactions");
    // 3 lines -> 3 + 2 + 1 = 6 events; line 2's history repeats line 1's; N9 is unknown.
    assertThat(a.records()).isEqualTo(3);
    assertThat(a).extracting(InputAccount::read, InputAccount::accepted).containsExactly(6L, 4L);
    assertThat(a.rejectedByReason()).containsOnly(Map.entry("repeated_history", 1L), Map.entry("unknown_item", 1L));
    // the repeat is the layout's, not bad input: only the unknown item counts toward the reject rate
    assertThat(a.rejectRate()).isEqualTo(1.0 / 6);
    assertThat(DuckDb.query("SELECT event, count(*) AS n FROM read_parquet('" + wh.resolve("interactions")
        + "/*.parquet') GROUP BY event ORDER BY event")).containsExactly(
        Map.of("event", "click", "n", 2L), Map.of("event", "history", "n", 1L), Map.of("event", "impression", "n", 1L));
  }
}
