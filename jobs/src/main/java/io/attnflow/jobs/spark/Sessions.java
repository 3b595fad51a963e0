package io.attnflow.jobs.spark;

import io.attnflow.jobs.config.SparkSettings;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Builds the one Spark session of a run. */
public final class Sessions {
  private Sessions() {}

  /**
   * The session for {@code settings}, or the running one (tests share one; Spark's shutdown hook
   * stops it when the process exits, so commands need not). Under spark-submit the submitted master and application name
   * win. Two properties are fixed because the output contract depends on them: UTC session time and
   * Parquet timestamps as INT64 microseconds (Spark's default is INT96).
   */
  public static SparkSession create(SparkSettings settings) {
    SparkConf conf = new SparkConf(); // picks up spark.* system properties, as spark-submit sets them
    if (!conf.contains("spark.master")) {
      conf.setMaster(settings.master());
    }
    if (!conf.contains("spark.app.name")) {
      conf.setAppName(settings.appName());
    }
    settings.properties().forEach(conf::set);
    conf.set("spark.sql.session.timeZone", "UTC");
    conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS");
    return SparkSession.builder().config(conf).getOrCreate();
  }
}
