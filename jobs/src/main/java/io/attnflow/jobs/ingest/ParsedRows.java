package io.attnflow.jobs.ingest;

import io.attnflow.core.data.Interaction;
import io.attnflow.core.data.Item;
import io.attnflow.core.ingest.BadRecordException;
import io.attnflow.core.ingest.DroppedField;
import io.attnflow.core.ingest.InteractionParser;
import io.attnflow.core.ingest.ItemParser;
import io.attnflow.core.ingest.LineDecoder;
import io.attnflow.core.ingest.TagParser;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The rows ingest works on: every input record becomes rows of one of these schemas, carrying its
 * origin ({@code source}, {@code line}, {@code raw}) and either parsed fields (with the reasons of any optional
 * field {@code dropped}) or a {@code reason}. The core parsers run here, inside Spark tasks.
 */
final class ParsedRows {
  /** The longest raw text kept in {@code rejects/} for one row. */
  static final int MAX_RAW_CHARS = 4096;

  private static final List<StructField> ORIGIN = List.of(
      DataTypes.createStructField("source", DataTypes.StringType, false),
      DataTypes.createStructField("line", DataTypes.LongType, false),
      DataTypes.createStructField("raw", DataTypes.StringType, false),
      DataTypes.createStructField("reason", DataTypes.StringType, true),
      DataTypes.createStructField("detail", DataTypes.StringType, true),
      // an accepted row's optional fields that could not be read (left null), by reason
      DataTypes.createStructField("dropped", DataTypes.createArrayType(DataTypes.StringType, false), true));

  static final StructType INTERACTIONS = schema(
      DataTypes.createStructField("user_id", DataTypes.StringType, true),
      DataTypes.createStructField("item_id", DataTypes.StringType, true),
      DataTypes.createStructField("ts", DataTypes.LongType, true),
      DataTypes.createStructField("event", DataTypes.StringType, true),
      DataTypes.createStructField("value", DataTypes.DoubleType, true),
      DataTypes.createStructField("dedup_key", DataTypes.StringType, true));

  static final StructType ITEMS = schema(
      DataTypes.createStructField("item_id", DataTypes.StringType, true),
      DataTypes.createStructField("title", DataTypes.StringType, true),
      DataTypes.createStructField("text", DataTypes.StringType, true),
      DataTypes.createStructField("category", DataTypes.StringType, true),
      DataTypes.createStructField("tags", DataTypes.createArrayType(DataTypes.StringType, false), true),
      DataTypes.createStructField("published_at", DataTypes.LongType, true),
      DataTypes.createStructField("vector", DataTypes.createArrayType(DataTypes.FloatType, false), true));

  static final StructType TAGS = schema(
      DataTypes.createStructField("item_id", DataTypes.StringType, true),
      DataTypes.createStructField("tag", DataTypes.StringType, true));

  private ParsedRows() {}

  /** A record's parse: the fields of each accepted value, or a reject. */
  @FunctionalInterface
  interface RecordParser<P> extends java.io.Serializable {
    List<Object[]> parse(P parser, String text, List<DroppedField> dropped) throws BadRecordException;
  }

  /** What a record with an unreadable optional field becomes. */
  enum OptionalFields {
    /** kept, the field null (the default) */
    DROP_FIELD,
    /** rejected, as a bad required field is ({@code ingest.strict-optional-fields = true}) */
    REJECT_RECORD
  }

  static FlatMapFunction<SourceLine, Row> interactions(Map<String, InteractionParser> parsers, Charset cs, int maxBytes,
      OptionalFields optional) {
    return rows(parsers, cs, maxBytes, optional, INTERACTIONS.size() - ORIGIN.size(), (p, text, dropped) -> {
      List<Object[]> out = new ArrayList<>();
      for (Interaction i : p.parse(text, dropped)) {
        out.add(new Object[] {i.userId(), i.itemId(), i.tsMicros(), i.event(), i.value(), InteractionParser.dedupKey(i)});
      }
      return out;
    });
  }

  static FlatMapFunction<SourceLine, Row> items(Map<String, ItemParser> parsers, Charset cs, int maxBytes,
      OptionalFields optional) {
    return rows(parsers, cs, maxBytes, optional, ITEMS.size() - ORIGIN.size(), (p, text, dropped) -> {
      Item i = p.parse(text, dropped);
      // Spark's row encoder takes Java arrays (or Scala Seqs) for array columns, not java.util.List.
      return List.<Object[]>of(new Object[] {
          i.itemId(), i.title(), i.text(), i.category(), i.tags().toArray(String[]::new), i.publishedAtMicros(), i.vector()});
    });
  }

  static FlatMapFunction<SourceLine, Row> tags(Map<String, TagParser> parsers, Charset cs, int maxBytes) {
    return rows(parsers, cs, maxBytes, OptionalFields.REJECT_RECORD, TAGS.size() - ORIGIN.size(), (p, text, dropped) -> {
      TagParser.Tag t = p.parse(text);
      return List.<Object[]>of(new Object[] {t.itemId(), t.tag()});
    });
  }

  /**
   * Decodes and parses each line with the parser of its file ({@code "*"}: one parser for every
   * file); a line that fails becomes one reject row, with nulls for the value fields.
   */
  private static <P> FlatMapFunction<SourceLine, Row> rows(
      Map<String, P> parsers, Charset cs, int maxBytes, OptionalFields optional, int width, RecordParser<P> parse) {
    LineDecoder decoder = new LineDecoder(cs, maxBytes);
    String charset = cs.name(); // Charset itself is not serializable
    return line -> {
      P parser = parsers.containsKey("*") ? parsers.get("*") : parsers.get(line.source());
      String raw = LineDecoder.display(line.bytes(), Math.min(line.bytes().length, MAX_RAW_CHARS * 4), Charset.forName(charset), MAX_RAW_CHARS);
      List<Row> out = new ArrayList<>(1);
      try {
        String text = decoder.decode(line.bytes(), line.bytes().length);
        List<DroppedField> dropped = new ArrayList<>(0);
        List<Object[]> parsed = parse.parse(parser, text, dropped);
        if (optional == OptionalFields.REJECT_RECORD && !dropped.isEmpty()) {
          throw new BadRecordException(dropped.get(0).reason(), dropped.get(0).detail());
        }
        String[] reasons = dropped.isEmpty() ? null : dropped.stream().map(d -> d.reason().code()).toArray(String[]::new);
        for (Object[] values : parsed) {
          out.add(row(line, raw, null, null, reasons, values));
        }
      } catch (BadRecordException e) {
        out.add(row(line, raw, e.reason().code(), e.detail(), null, new Object[width]));
      }
      return out.iterator();
    };
  }

  private static Row row(SourceLine line, String raw, String reason, String detail, String[] dropped, Object[] values) {
    Object[] all = new Object[ORIGIN.size() + values.length];
    all[0] = line.source();
    all[1] = line.line();
    all[2] = raw;
    all[3] = reason;
    all[4] = detail;
    all[5] = dropped;
    System.arraycopy(values, 0, all, ORIGIN.size(), values.length);
    return RowFactory.create(all);
  }

  private static StructType schema(StructField... fields) {
    List<StructField> all = new ArrayList<>(ORIGIN);
    all.addAll(List.of(fields));
    return DataTypes.createStructType(all);
  }
}
