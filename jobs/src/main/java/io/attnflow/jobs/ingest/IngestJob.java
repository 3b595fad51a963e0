package io.attnflow.jobs.ingest;

import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.attnflow.core.ingest.InputFormat;
import io.attnflow.core.ingest.InputLayoutException;
import io.attnflow.core.ingest.InteractionColumns;
import io.attnflow.core.ingest.InteractionParser;
import io.attnflow.core.ingest.ItemColumns;
import io.attnflow.core.ingest.ItemParser;
import io.attnflow.core.ingest.RejectReason;
import io.attnflow.core.ingest.TagParser;
import io.attnflow.jobs.BadInputException;
import io.attnflow.jobs.config.IngestSettings;
import io.attnflow.jobs.config.InputSpec;
import io.attnflow.jobs.spark.FaultInjection;
import io.attnflow.jobs.spark.RunLocation;
import io.attnflow.jobs.spark.RunLock;
import io.attnflow.jobs.spark.Warehouse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ingest: reads the interaction and item inputs in any supported layout and writes the warehouse's
 * {@code items/}, {@code interactions/} and {@code rejects/} tables, losing nothing.
 *
 * <p>Every input row is either accepted or written to {@code rejects/} with its file, line, raw text
 * and reason, and the run report under {@code runs/} shows {@code read = accepted + rejected} per
 * input. Per-record checks run in the core parsers inside tasks; the checks that need other rows run
 * here: the first occurrence of an event or item wins (by time, then file and line) and later ones
 * are rejected as duplicates; interactions and tags whose item the items input lacks are rejected
 * (or, for interactions, kept when {@code ingest.unknown-items = keep}).
 *
 * <p>When an input's reject rate exceeds {@code ingest.max-reject-rate}, {@code rejects/} and the
 * report are written for diagnosis but {@code items/} and {@code interactions/} are left as they
 * were, and the run fails with {@link BadInputException} naming the top reasons with examples.
 * Outputs are sorted and replaced whole, so a re-run on the same input gives the same tables.
 *
 * <p>The tables are published as {@code score} publishes a day: written under {@code staging/ingest/<run>/},
 * then swapped in, one folder rename per table ({@link Warehouse#swapIn}); until then the previous tables
 * stay whole and readable, so a crash mid-write never leaves a partial table. The next ingest (which takes
 * over a dead run's lock) puts back a table a swap cut short and deletes the dead run's staging.
 */
public final class IngestJob {
  private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);
  /** The tables ingest publishes, in the order they are swapped in. */
  private static final List<String> TABLES = List.of("rejects", "items", "interactions");
  private static final String ISO_MICROS = "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX";

  private IngestJob() {}

  /**
   * Ingests under the warehouse's {@link RunLock} {@code locks/ingest}, first clearing what a dead ingest left.
   *
   * @throws io.attnflow.jobs.RunConflictException if another ingest is running
   */
  public static IngestResult run(SparkSession spark, IngestSettings s, String runId) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    Warehouse wh = new Warehouse(s.warehouse(), hadoop);
    wh.requireAtomicRename(s.allowNonAtomicWarehouse());
    try (RunLock lock = RunLock.acquire(wh, hadoop, "ingest", "ingest", runId, Duration.ofSeconds(s.lockLeaseSeconds()))) {
      wh.clearDeadRuns("ingest", TABLES).forEach(LOG::warn);
      return ingest(spark, wh, s, runId, lock);
    }
  }


  private static IngestResult ingest(SparkSession spark, Warehouse wh, IngestSettings s, String runId, RunLock lock) {
    Instant started = Instant.now();
    String staging = wh.root() + "/staging/ingest/" + runId;
    List<InputAccount> accounts = new ArrayList<>();
    List<Dataset<Row>> classified = new ArrayList<>();

    // Items first: interactions and tags are checked against the accepted item ids.
    Source items = read(spark, s, "input.items.path", s.items(), s.items().columns().inOrder(), ItemColumns.REQUIRED,
        s.items().columns().publishedAt());
    Map<String, ItemParser> itemParsers = parsers(spark, items, s.items(), (file, header, ts) ->
        ItemParser.forFile(s.items().format(), file, header, s.items().columns(), ts, s.tagSeparator(), s.minTs(), s.maxTs()));
    Dataset<Row> itemRows = frame(spark, items.lines.flatMap(
        ParsedRows.items(itemParsers, s.items().format().charset(), s.maxLineBytes(), optional(s))), ParsedRows.ITEMS);
    itemRows = rejectLaterDuplicates(itemRows, col("item_id"), RejectReason.DUPLICATE_ITEM, col("source"), col("line"))
        .persist(StorageLevel.MEMORY_AND_DISK());
    classified.add(itemRows.withColumn("input", lit("items")));
    accounts.add(account("items", items, itemRows, s.rejectExamples(), false,
        absentColumns("items", items, s.items().columns().inOrder(),
            itemParsers.values().stream().map(ItemParser::absentColumns))));
    Dataset<Row> knownItems = itemRows.filter(col("reason").isNull()).select(col("item_id").as("_known"));

    Dataset<Row> tagRows = null;
    if (!s.tagsPath().isBlank()) {
      InputSpec<?> tagSpec = new InputSpec<>(s.tagsPath(), InputFormat.MOVIELENS_CSV, null, "epoch-seconds");
      Source tags = read(spark, s, "input.items.tags-path", tagSpec, null, 0, "");
      Map<String, TagParser> tagParsers = parsers(spark, tags, tagSpec, (file, header, ts) -> TagParser.forFile(file, header));
      tagRows = frame(spark, tags.lines.flatMap(
          ParsedRows.tags(tagParsers, StandardCharsets.UTF_8, s.maxLineBytes())), ParsedRows.TAGS);
      tagRows = rejectUnknownItems(tagRows, knownItems).persist(StorageLevel.MEMORY_AND_DISK());
      classified.add(tagRows.withColumn("input", lit("tags")));
      accounts.add(account("tags", tags, tagRows, s.rejectExamples(), false, List.of()));
    }

    Source interactions = read(spark, s, "input.interactions.path", s.interactions(),
        s.interactions().columns().inOrder(), InteractionColumns.REQUIRED, s.interactions().columns().ts());
    Map<String, InteractionParser> interactionParsers = parsers(spark, interactions, s.interactions(), (file, header, ts) ->
        InteractionParser.forFile(s.interactions().format(), file, header, s.interactions().columns(), ts,
            s.defaultEvent(), s.minTs(), s.maxTs()));
    Dataset<Row> interactionRows = frame(spark, interactions.lines.flatMap(
        ParsedRows.interactions(interactionParsers, s.interactions().format().charset(), s.maxLineBytes(), optional(s))),
        ParsedRows.INTERACTIONS);
    interactionRows = rejectLaterDuplicates(interactionRows, col("dedup_key"), RejectReason.DUPLICATE_EVENT,
        col("ts"), col("source"), col("line"));
    // a repeated click history is what MIND's layout is, not bad input: its own reason, outside the reject rate
    interactionRows = interactionRows.withColumn("reason", when(col("reason").equalTo(RejectReason.DUPLICATE_EVENT.code())
        .and(col("event").equalTo(InteractionParser.HISTORY_EVENT)), lit(RejectReason.REPEATED_HISTORY.code()))
        .otherwise(col("reason")));
    if (s.unknownItems() == IngestSettings.UnknownItems.REJECT) {
      interactionRows = rejectUnknownItems(interactionRows, knownItems);
    }
    interactionRows = interactionRows.persist(StorageLevel.MEMORY_AND_DISK());
    classified.add(interactionRows.withColumn("input", lit("interactions")));
    accounts.add(account("interactions", interactions, interactionRows, s.rejectExamples(),
        s.interactions().format() == InputFormat.MIND,
        absentColumns("interactions", interactions, s.interactions().columns().inOrder(),
            interactionParsers.values().stream().map(InteractionParser::absentColumns))));

    writeRejects(staging + "/rejects", runId, classified);
    List<InputAccount> over = accounts.stream().filter(a -> a.rejectRate() > s.maxRejectRate()).toList();
    String report = wh.runs() + "/" + runId + ".json";
    if (!over.isEmpty()) {
      lock.verify();
      wh.swapIn(staging, List.of("rejects"));
      String message = tooManyRejects(over, s.maxRejectRate(), wh);
      writeReport(wh, report, runId, started, s, accounts, "failed", message, RunLocation.of(spark));
      throw new BadInputException(message);
    }

    Dataset<Row> acceptedItems = itemRows.filter(col("reason").isNull());
    if (tagRows != null) {
      Dataset<Row> userTags = tagRows.filter(col("reason").isNull())
          .groupBy("item_id").agg(array_sort(collect_set("tag")).as("_user_tags"));
      acceptedItems = acceptedItems.join(userTags, "item_id", "left")
          .withColumn("text", when(col("_user_tags").isNull(), col("text"))
              .otherwise(concat_ws(" ", col("text"), array_join(col("_user_tags"), " "))))
          .withColumn("tags", when(col("_user_tags").isNull(), col("tags"))
              .otherwise(array_distinct(concat(col("tags"), col("_user_tags")))));
    }
    Dataset<Row> acceptedInteractions = interactionRows.filter(col("reason").isNull());
    if (s.publishedAtFromFirstEvent()) { // an item without a time of its own: its first event's
      acceptedItems = acceptedItems.join(acceptedInteractions.groupBy("item_id").agg(min("ts").as("_first_event")),
          "item_id", "left").withColumn("published_at", coalesce(col("published_at"), col("_first_event")));
    }
    acceptedItems.select(col("item_id"), col("title"), col("text"), col("category"), col("tags"),
            expr("timestamp_micros(published_at)").as("published_at"), col("vector"))
        .orderBy("item_id")
        .write().mode("overwrite").parquet(staging + "/items");
    FaultInjection.pause("staged-items");
    acceptedInteractions
        .select(col("user_id"), col("item_id"), expr("timestamp_micros(ts)").as("ts"), col("event"), col("value"))
        .orderBy("user_id", "ts", "item_id", "event")
        .write().mode("overwrite").parquet(staging + "/interactions");
    lock.verify();
    wh.swapIn(staging, TABLES);

    writeReport(wh, report, runId, started, s, accounts, "ok", "", RunLocation.of(spark));
    classified.forEach(Dataset::unpersist);
    return new IngestResult(runId, accounts, report);
  }

  /**
   * An input's raw records, however it is stored; {@code absentColumns}: the optional mapped columns a Parquet
   * input lacks (a text input's are known from its headers, by its parsers).
   */
  private record Source(String key, List<String> files, JavaRDD<SourceLine> lines, long records, boolean parquetTimestamp,
      List<String> absentColumns) {}

  @FunctionalInterface
  private interface ParserFactory<P> {
    P create(String file, String header, String tsFormat) throws InputLayoutException;
  }

  /**
   * @param mapped   the input's mapped columns in the contract's order ({@code ""}: none)
   * @param required how many of {@code mapped}, from the first, the input must have
   */
  private static Source read(SparkSession spark, IngestSettings s, String key, InputSpec<?> spec, String[] mapped,
      int required, String tsColumn) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    List<String> files = TextInput.files(hadoop, key, spec.path());
    if (spec.format().isText()) {
      TextInput.Lines lines =
          TextInput.records(spark, files, spec.format().hasHeader(), spec.format().isCsv(), s.maxLineBytes());
      return new Source(key, files, lines.rdd(), lines.count(), false, List.of());
    }
    // Parquet: each row becomes the JSON object of its mapped columns, parsed like a JSON line.
    Dataset<Row> df = spark.read().parquet(files.toArray(String[]::new));
    StructType schema = df.schema();
    List<String> lacking = Arrays.stream(mapped).filter(c -> !c.isEmpty())
        .filter(c -> Arrays.stream(schema.fieldNames()).noneMatch(c::equals)).toList();
    List<String> missing = Arrays.stream(mapped, 0, required).filter(lacking::contains).toList();
    List<String> wanted = Arrays.stream(mapped).filter(c -> !c.isEmpty() && !lacking.contains(c)).toList();
    if (!missing.isEmpty()) {
      throw new BadInputException("Cannot read " + key + " = \"" + spec.path() + "\": its columns "
          + Arrays.toString(schema.fieldNames()) + " lack " + missing + " (map the contract's fields with input.*.columns)");
    }
    boolean tsIsTimestamp = !tsColumn.isEmpty() && wanted.contains(tsColumn)
        && schema.apply(tsColumn).dataType() == DataTypes.TimestampType;
    Column json = to_json(struct(wanted.stream().map(c -> col("`" + c + "`")).toArray(Column[]::new)),
        Map.of("timestampFormat", ISO_MICROS));
    JavaRDD<SourceLine> lines = df
        .select(col("_metadata.file_path").as("source"), col("_metadata.row_index").plus(1).as("line"), json.as("raw"))
        .javaRDD()
        .map(r -> new SourceLine(r.getString(0), r.getLong(1), r.getString(2).getBytes(StandardCharsets.UTF_8)));
    return new Source(key, files, lines, df.count(), tsIsTimestamp, lacking);
  }

  /** One parser per file for layouts with a header, else one for all ({@code "*"}). */
  private static <P> Map<String, P> parsers(SparkSession spark, Source src, InputSpec<?> spec, ParserFactory<P> factory) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    String ts = src.parquetTimestamp() ? "iso" : spec.tsFormat();
    Map<String, P> parsers = new HashMap<>();
    try {
      if (spec.format().hasHeader()) {
        for (String file : src.files()) {
          parsers.put(file, factory.create(file, TextInput.firstLine(hadoop, file, spec.format().charset()), ts));
        }
      } else {
        parsers.put("*", factory.create(src.key(), "", ts));
      }
    } catch (InputLayoutException e) {
      throw new BadInputException(e.getMessage());
    }
    return parsers;
  }

  private static Dataset<Row> frame(SparkSession spark, JavaRDD<Row> rows, StructType schema) {
    return spark.createDataFrame(rows, schema);
  }

  /** Among accepted rows with the same key, the first by {@code order} stays; the rest are rejected. */
  static Dataset<Row> rejectLaterDuplicates(Dataset<Row> rows, Column key, RejectReason reason, Column... order) {
    WindowSpec w = Window.partitionBy(key, col("reason").isNull()).orderBy(order);
    Column later = col("reason").isNull().and(col("_rn").gt(1));
    return rows
        .withColumn("_rn", row_number().over(w))
        .withColumn("_first", concat(first("source").over(w), lit(" line "), first("line").over(w)))
        .withColumn("detail", when(later, concat(lit("same as "), col("_first"))).otherwise(col("detail")))
        .withColumn("reason", when(later, lit(reason.code())).otherwise(col("reason")))
        .drop("_rn", "_first");
  }

  private static Dataset<Row> rejectUnknownItems(Dataset<Row> rows, Dataset<Row> knownItems) {
    Column unknown = col("reason").isNull().and(col("_known").isNull());
    return rows
        .join(knownItems, rows.col("item_id").equalTo(knownItems.col("_known")), "left")
        .withColumn("detail", when(unknown, concat(lit("item_id "), col("item_id"), lit(" is not in the items input")))
            .otherwise(col("detail")))
        .withColumn("reason", when(unknown, lit(RejectReason.UNKNOWN_ITEM.code())).otherwise(col("reason")))
        .drop("_known");
  }

  private static ParsedRows.OptionalFields optional(IngestSettings s) {
    return s.strictOptionalFields() ? ParsedRows.OptionalFields.REJECT_RECORD : ParsedRows.OptionalFields.DROP_FIELD;
  }

  /** The optional mapped columns ({@code mapped}) an input lacks, in their order, said once: their fields are null in every row. */
  private static List<String> absentColumns(String input, Source src, String[] mapped, Stream<List<String>> byFile) {
    Set<String> lacking = Stream.concat(src.absentColumns().stream(), byFile.flatMap(List::stream)).collect(Collectors.toSet());
    List<String> absent = Arrays.stream(mapped).filter(lacking::contains).toList();
    if (!absent.isEmpty()) {
      LOG.warn("ingest: {} has no column(s) {} (optional: left empty; set input.{}.columns to read others)",
          src.key(), absent, input);
    }
    return absent;
  }

  private static InputAccount account(String input, Source src, Dataset<Row> rows, int examples, boolean expands,
      List<String> absentColumns) {
    Map<String, Long> byReason = new TreeMap<>();
    long accepted = 0;
    for (Row r : rows.groupBy("reason").count().collectAsList()) {
      if (r.isNullAt(0)) {
        accepted = r.getLong(1);
      } else {
        byReason.put(r.getString(0), r.getLong(1));
      }
    }
    long read = accepted + byReason.values().stream().mapToLong(Long::longValue).sum();
    if (!expands && read != src.records()) {
      throw new IllegalStateException("Row accounting of " + input + " does not balance: " + src.records()
          + " records read from the files, but " + read + " rows classified (a bug: please report it)");
    }
    List<InputAccount.RejectExample> shown = new ArrayList<>();
    if (examples > 0 && !byReason.isEmpty()) {
      WindowSpec w = Window.partitionBy("reason").orderBy("source", "line");
      for (Row r : rows.filter(col("reason").isNotNull()).withColumn("_rn", row_number().over(w))
          .filter(col("_rn").leq(examples)).orderBy("reason", "source", "line")
          .select("reason", "source", "line", "detail", "raw").collectAsList()) {
        shown.add(new InputAccount.RejectExample(r.getString(0), r.getString(1), r.getLong(2), r.getString(3), r.getString(4)));
      }
    }
    Map<String, Long> dropped = new TreeMap<>();
    for (Row r : rows.filter(col("reason").isNull().and(col("dropped").isNotNull()))
        .select(explode(col("dropped")).as("why")).groupBy("why").count().collectAsList()) {
      dropped.put(r.getString(0), r.getLong(1));
    }
    return new InputAccount(input, src.files().size(), src.records(), read, accepted, byReason, dropped, absentColumns, shown);
  }

  private static void writeRejects(String path, String runId, List<Dataset<Row>> classified) {
    Dataset<Row> all = null;
    for (Dataset<Row> d : classified) {
      Dataset<Row> r = d.filter(col("reason").isNotNull())
          .select(lit(runId).as("run_id"), col("input"), col("source"), col("line"), col("raw"), col("reason"), col("detail"));
      all = all == null ? r : all.unionByName(r);
    }
    all.orderBy("input", "source", "line").coalesce(1).write().mode("overwrite").parquet(path);
  }

  private static String tooManyRejects(List<InputAccount> over, double max, Warehouse wh) {
    StringBuilder sb = new StringBuilder();
    for (InputAccount a : over) {
      sb.append(String.format("Cannot ingest %s: %d of %d rows rejected (%.2f%%, above ingest.max-reject-rate = %.2f%%)",
          a.input(), a.rejected(), a.read(), 100 * a.rejectRate(), 100 * max));
      a.rejectedByReason().entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
          .limit(3)
          .forEach(e -> {
            sb.append("\n  ").append(e.getKey()).append(": ").append(e.getValue()).append(" rows, e.g.");
            a.examples().stream().filter(x -> x.reason().equals(e.getKey())).limit(2)
                .forEach(x -> sb.append("\n    ").append(x));
          });
      sb.append('\n');
    }
    sb.append("Every rejected row is in ").append(wh.rejects()).append("; items/ and interactions/ were left unchanged.");
    return sb.toString();
  }

  private static void writeReport(Warehouse wh, String path, String runId, Instant started, IngestSettings s,
      List<InputAccount> accounts, String status, String message, RunLocation where) {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("run_id", runId);
    report.put("job", "ingest");
    report.put("status", status);
    report.put("message", message);
    report.put("started_at", started.toString());
    report.put("finished_at", Instant.now().toString());
    report.put("inputs", Map.of(
        "interactions", Map.of("path", s.interactions().path(), "format", s.interactions().format().code()),
        "items", Map.of("path", s.items().path(), "format", s.items().format().code(), "tags_path", s.tagsPath())));
    report.put("accounting", accounts.stream().map(a -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("input", a.input());
      m.put("files", a.files());
      m.put("records", a.records());
      m.put("read", a.read());
      m.put("accepted", a.accepted());
      m.put("rejected", a.rejected());
      m.put("balanced", a.balanced());
      m.put("rejected_by_reason", a.rejectedByReason());
      m.put("accepted_with_fields_dropped", a.droppedByReason());
      m.put("absent_columns", a.absentColumns());
      m.put("examples", a.examples().stream().map(InputAccount.RejectExample::toString).toList());
      return m;
    }).collect(Collectors.toList()));
    report.put("tables", Map.of("items", wh.items(), "interactions", wh.interactions(), "rejects", wh.rejects()));
    report.put("spark", where.manifest());
    try {
      wh.writeText(path, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).writeValueAsString(report));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("Cannot render the run report: " + e.getMessage(), e);
    }
  }
}
