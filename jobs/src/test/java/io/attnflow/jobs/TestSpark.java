package io.attnflow.jobs;

import io.attnflow.jobs.config.SparkSettings;
import io.attnflow.jobs.spark.Sessions;
import io.attnflow.core.data.Interaction;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The one Spark session of a test JVM ({@code local[2]}, UI off, few shuffle partitions), built
 * through the same factory the jobs use; Spark's shutdown hook stops it when the JVM exits.
 */
public final class TestSpark {
  private static SparkSession spark;

  private TestSpark() {}

  public static synchronized SparkSession session() {
    if (spark == null) {
      spark = Sessions.create(new SparkSettings("local[2]", "attnflow-tests", Map.of(
          "spark.ui.enabled", "false",
          "spark.sql.shuffle.partitions", "4",
          "spark.default.parallelism", "2")));
    }
    return spark;
  }

  /** Writes {@code interactions} as the warehouse's interactions/ table. */
  public static void writeInteractions(Path warehouse, List<Interaction> interactions) {
    StructType schema = new StructType()
        .add("user_id", DataTypes.StringType).add("item_id", DataTypes.StringType)
        .add("ts", DataTypes.TimestampType).add("event", DataTypes.StringType).add("value", DataTypes.DoubleType);
    List<Row> rows = interactions.stream().map(i -> RowFactory.create(i.userId(), i.itemId(),
        Timestamp.from(Instant.EPOCH.plusNanos(i.tsMicros() * 1000)), i.event(), i.value())).toList();
    session().createDataFrame(rows, schema).write().mode("overwrite").parquet(warehouse.resolve("interactions").toString());
  }

  /** The bundled demo data (data/ml-latest-small), from the jobs module's folder. */
  public static Path demoData() {
    return Path.of("..", "data", "ml-latest-small").toAbsolutePath().normalize();
  }
}
