package io.attnflow.jobs.spark;

import io.attnflow.jobs.config.SparkSettings;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/** Builds the one Spark session of a run, and says where the run executes. */
public final class Sessions {
  private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);

  private Sessions() {}

  /**
   * The session for {@code settings}, or the running one (tests share one; Spark's shutdown hook
   * stops it when the process exits, so commands need not). Under spark-submit the submitted master and application name
   * win. attnflow's Spark properties ({@link SparkDefaults}) are merged into the submitted ones (bin/attnflow has done
   * so already; a job submitted otherwise, e.g. by Airflow, gets them here), and into an in-process run's, so that
   * local runs and tests serialize as a cluster does (Kryo, with attnflow's serializers). Two properties are fixed
   * because the output contract depends on them: UTC session time and Parquet timestamps as INT64 microseconds (Spark's
   * default is INT96).
   */
  public static SparkSession create(SparkSettings settings) {
    SparkConf conf = new SparkConf(); // picks up spark.* system properties, as spark-submit sets them
    Map<String, String> submitted = new java.util.HashMap<>();
    for (Tuple2<String, String> p : conf.getAll()) {
      submitted.put(p._1(), p._2());
    }
    SparkDefaults.merge(submitted, SparkDefaults.attnflow()).properties().forEach(conf::set);
    if (!conf.contains("spark.master")) {
      conf.setMaster(settings.master());
    }
    if (!conf.contains("spark.app.name")) {
      conf.setAppName(settings.appName());
    }
    settings.properties().forEach(conf::set);
    conf.set("spark.sql.session.timeZone", "UTC");
    conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS");
    String listeners = conf.get("spark.extraListeners", "");
    if (!listeners.contains(ExecutorLog.class.getName())) {
      conf.set("spark.extraListeners", (listeners.isBlank() ? "" : listeners + ",") + ExecutorLog.class.getName());
    }
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    RunLocation where = RunLocation.of(spark);
    if (where.local() && System.getenv("SPARK_HOME") != null) {
      LOG.warn("SPARK_HOME is set, but this run executes in local mode on this machine: {}", where.describe());
    } else {
      LOG.info("running on {}", where.describe());
    }
    return spark;
  }
}
