package io.attnflow.jobs;

import io.attnflow.jobs.config.SparkSettings;
import io.attnflow.jobs.spark.Sessions;
import java.nio.file.Path;
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

  /** The bundled demo data (data/ml-latest-small), from the jobs module's folder. */
  public static Path demoData() {
    return Path.of("..", "data", "ml-latest-small").toAbsolutePath().normalize();
  }
}
