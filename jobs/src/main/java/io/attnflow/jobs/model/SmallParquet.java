package io.attnflow.jobs.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

/**
 * Small Parquet files written and read on the driver alone (a model's vocabulary and split), with
 * Parquet's own writer rather than a Spark job: they belong in a model folder that is assembled
 * locally, checksummed, then published. Columns are strings, 32-bit ints, UTC microsecond
 * timestamps (all required) or lists of floats (a repeated field, read back as {@code float[]}).
 */
public final class SmallParquet {
  /** A column: its name and kind. */
  public record Column(String name, Kind kind) {}

  /** The column kinds these files use. */
  public enum Kind { STRING, INT, TIMESTAMP_MICROS, FLOATS }

  private SmallParquet() {}

  public static void write(Configuration conf, Path file, String name, List<Column> columns, Iterable<Object[]> rows) {
    Types.MessageTypeBuilder b = Types.buildMessage();
    for (Column c : columns) {
      switch (c.kind()) {
        case STRING -> b.required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(c.name());
        case INT -> b.required(PrimitiveTypeName.INT32).named(c.name());
        case TIMESTAMP_MICROS -> b.required(PrimitiveTypeName.INT64)
            .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS)).named(c.name());
        case FLOATS -> b.repeated(PrimitiveTypeName.FLOAT).named(c.name());
      }
    }
    MessageType schema = b.named(name);
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> w = ExampleParquetWriter.builder(file).withConf(conf).withType(schema)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE).withCompressionCodec(CompressionCodecName.SNAPPY).build()) {
      for (Object[] row : rows) {
        Group g = groups.newGroup();
        for (int i = 0; i < columns.size(); i++) {
          switch (columns.get(i).kind()) {
            case STRING -> g.append(columns.get(i).name(), (String) row[i]);
            case INT -> g.append(columns.get(i).name(), (Integer) row[i]);
            case TIMESTAMP_MICROS -> g.append(columns.get(i).name(), (Long) row[i]);
            case FLOATS -> {
              for (float f : (float[]) row[i]) {
                g.append(columns.get(i).name(), f);
              }
            }
          }
        }
        w.write(g);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** Every row, its values in the file's column order (String, Integer, Long or float[]). */
  public static List<Object[]> read(Configuration conf, Path file) throws IOException {
    List<Object[]> rows = new ArrayList<>();
    try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(), file).withConf(conf).build()) {
      for (Group g = r.read(); g != null; g = r.read()) {
        List<Type> fields = g.getType().getFields();
        Object[] row = new Object[fields.size()];
        for (int i = 0; i < row.length; i++) {
          PrimitiveTypeName t = fields.get(i).asPrimitiveType().getPrimitiveTypeName();
          if (fields.get(i).isRepetition(Type.Repetition.REPEATED) && t == PrimitiveTypeName.FLOAT) {
            float[] values = new float[g.getFieldRepetitionCount(i)];
            for (int j = 0; j < values.length; j++) {
              values[j] = g.getFloat(i, j);
            }
            row[i] = values;
            continue;
          }
          row[i] = switch (t) {
            case BINARY -> g.getString(i, 0);
            case INT32 -> g.getInteger(i, 0);
            case INT64 -> g.getLong(i, 0);
            default -> throw new IOException("Cannot read column " + fields.get(i).getName() + " of type " + t);
          };
        }
        rows.add(row);
      }
    }
    return rows;
  }
}
