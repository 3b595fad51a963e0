package io.attnflow.jobs.config;

import java.util.Map;

/**
 * How the Spark session is built.
 *
 * @param master     the master for in-process runs (spark-submit's own wins)
 * @param appName    the application name
 * @param properties extra Spark properties
 */
public record SparkSettings(String master, String appName, Map<String, String> properties) {
  public SparkSettings {
    properties = Map.copyOf(properties);
  }

  static SparkSettings from(ConfigReader r) {
    return new SparkSettings(r.nonEmptyString("spark.master"), r.nonEmptyString("spark.app-name"), r.stringMap("spark.properties"));
  }
}
