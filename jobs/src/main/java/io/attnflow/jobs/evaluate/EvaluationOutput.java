package io.attnflow.jobs.evaluate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.attnflow.jobs.config.EvaluateSettings;
import io.attnflow.jobs.evaluate.EvaluateJob.EvaluateResult;
import io.attnflow.jobs.evaluate.EvaluateJob.Figure;
import io.attnflow.jobs.spark.RunLocation;
import io.attnflow.jobs.spark.Warehouse;
import java.io.UncheckedIOException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The evaluation's BI output: {@code evaluations/metrics/run_id=<run>/} in Parquet, one row per
 * figure (evaluated_at, model_version, split, protocol, method, params, metric, k, value, users),
 * and the same figures with the configuration in {@code evaluations/reports/<run>.json}.
 */
final class EvaluationOutput {
  static final StructType SCHEMA = new StructType()
      .add("evaluated_at", DataTypes.TimestampType, false)
      .add("model_version", DataTypes.StringType, false)
      .add("split", DataTypes.StringType, false)
      .add("protocol", DataTypes.StringType, false)
      .add("method", DataTypes.StringType, false)
      .add("params", DataTypes.StringType, false)
      .add("metric", DataTypes.StringType, false)
      .add("k", DataTypes.IntegerType, true)
      .add("value", DataTypes.DoubleType, false)
      .add("users", DataTypes.LongType, false);

  private EvaluationOutput() {}

  static void write(SparkSession spark, Warehouse wh, EvaluateResult r, EvaluateSettings s) {
    List<Row> rows = new ArrayList<>();
    Timestamp at = Timestamp.from(r.evaluatedAt());
    for (Figure f : r.figures()) {
      rows.add(RowFactory.create(at, r.modelVersion(), f.split(), f.protocol(), f.method(), f.params(), f.metric(), f.k(),
          f.value(), f.users()));
    }
    spark.createDataFrame(rows, SCHEMA).coalesce(1).write().mode(SaveMode.Overwrite).parquet(r.metricsPath());

    Map<String, Object> report = new LinkedHashMap<>();
    report.put("run_id", r.runId());
    report.put("evaluated_at", r.evaluatedAt().toString());
    report.put("model_version", r.modelVersion());
    report.put("users", r.users());
    report.put("items", r.items());
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("ks", s.ks());
    config.put("negatives", s.negatives());
    config.put("seed", s.seed());
    config.put("users", s.users());
    config.put("als_ranks", s.alsRanks());
    config.put("als_reg_params", s.alsRegParams());
    config.put("als_alpha", s.alsAlpha());
    config.put("als_iterations", s.alsIterations());
    report.put("config", config);
    report.put("als_grid_validation_ndcg10_full", r.alsGrid());
    report.put("seconds", Math.round(r.seconds() * 10) / 10.0);
    report.put("figures", r.figures());
    report.put("spark", RunLocation.of(spark).manifest());
    try {
      wh.writeText(r.reportPath(), new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(new java.io.IOException("Cannot write " + r.reportPath() + ": " + e.getMessage(), e));
    }
  }
}
