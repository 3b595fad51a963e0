package io.attnflow.jobs.score;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.attnflow.core.model.AttentionModel;
import io.attnflow.jobs.config.ScoreSettings;
import io.attnflow.jobs.spark.Warehouse;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The scoring job's output, the BI contract of DESIGN §5: {@code recommendations/dt=…} and
 * {@code attention/dt=…}, each written with dynamic partition overwrite (a re-run replaces exactly
 * its own day), sorted by user_id and rank, in files of about {@code score.target-file-mb} holding
 * ranges of users (so row-group statistics on user_id make look-ups cheap); each day's folder then
 * gets its {@code _SUCCESS}, and the run its manifest under {@code runs/}.
 */
final class ScoreOutput {
  /** The columns of recommendations/, dt last. */
  static final String[] RECOMMENDATION_COLUMNS = {"user_id", "rank", "item_id", "score", "reasons", "source",
      "model_version", "run_id", "generated_at", "dt"};
  /** The columns of attention/, dt last. */
  static final String[] ATTENTION_COLUMNS = {"user_id", "item_id", "history_item_id", "alpha", "weight", "contribution", "dt"};
  /** Bytes one row takes in Parquet, roughly, to size files (3 reasons, snappy). */
  private static final long ROW_BYTES = 64;

  private ScoreOutput() {}

  static String recommendations(Warehouse wh, LocalDate dt) {
    return wh.root() + "/recommendations/dt=" + dt;
  }

  static String attention(Warehouse wh, LocalDate dt) {
    return wh.root() + "/attention/dt=" + dt;
  }

  /**
   * Writes both tables of one day from the scored picks ({@link ScoreJob#PICKS} rows).
   *
   * @return the attention rows written
   */
  static long write(Warehouse wh, Dataset<Row> picks, long pickRows, ScoreSettings s, String modelVersion, String runId,
      Instant generatedAt) {
    Column day = lit(java.sql.Date.valueOf(s.dt())).as("dt");
    Dataset<Row> recommendations = picks.select(col("user_id"), col("rank"), col("item_id"), col("score"),
        expr("transform(reasons, r -> named_struct('item_id', r.item_id, 'alpha', r.alpha, 'weight', r.weight))").as("reasons"),
        col("source"), lit(modelVersion).as("model_version"), lit(runId).as("run_id"),
        lit(Timestamp.from(generatedAt)).as("generated_at"), day);
    Dataset<Row> attention = picks.select(col("user_id"), col("rank"), col("item_id"), expr("explode(reasons)").as("r"))
        .select(col("user_id"), col("item_id"), col("r.item_id").as("history_item_id"), col("r.alpha").as("alpha"),
            col("r.weight").as("weight"), col("r.contribution").as("contribution"), day, col("rank"));
    long attentionRows = attention.count();
    // dt leads the sort: the writer needs rows ordered by its partition column and would otherwise
    // add a sort of its own that does not keep the user order.
    write(recommendations, wh.root() + "/recommendations", pickRows, s, RECOMMENDATION_COLUMNS,
        col("dt"), col("user_id"), col("rank"));
    write(attention, wh.root() + "/attention", attentionRows, s, ATTENTION_COLUMNS,
        col("dt"), col("user_id"), col("rank"), col("contribution").desc(), col("history_item_id"));
    wh.writeText(recommendations(wh, s.dt()) + "/_SUCCESS", "");
    wh.writeText(attention(wh, s.dt()) + "/_SUCCESS", "");
    return attentionRows;
  }

  /** Replaces exactly the dt partition of {@code path} with {@code columns} of {@code rows}. */
  private static void write(Dataset<Row> rows, String path, long count, ScoreSettings s, String[] columns, Column... sort) {
    int files = (int) Math.max(1, Math.min(10_000, count * ROW_BYTES / s.targetFileBytes() + 1));
    rows.repartitionByRange(files, col("user_id")).sortWithinPartitions(sort)
        .select(Arrays.stream(columns).map(org.apache.spark.sql.functions::col).toArray(Column[]::new))
        .write().mode("overwrite").option("partitionOverwriteMode", "dynamic").partitionBy("dt").parquet(path);
  }

  /** The run manifest: model, mode, counts, timings per stage, α/s. */
  static void writeManifest(Warehouse wh, ScoreResult r, ScoreSettings s, AttentionModel model, int candidates) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("run_id", r.runId());
    m.put("job", "score");
    m.put("dt", r.dt().toString());
    m.put("model_version", r.modelVersion());
    m.put("mode", r.mode());
    m.put("users", r.users());
    m.put("fallback_users", r.fallbackUsers());
    m.put("candidates", candidates);
    m.put("recommendation_rows", r.recommendationRows());
    m.put("attention_rows", r.attentionRows());
    m.put("alpha_evaluations", r.alphas());
    m.put("alphas_per_second", Math.round(r.alphasPerSecond()));
    m.put("seconds", r.seconds());
    m.put("config", Map.of("top_k", s.topK(), "reasons", s.reasons(), "user_batch", s.userBatch(),
        "item_block", s.itemBlock(), "history_length", s.model().historyLength(), "model_table_mb", model.tableBytes() >> 20));
    m.put("tables", Map.of("recommendations", r.recommendationsPath(), "attention", r.attentionPath()));
    try {
      wh.writeText(r.reportPath(), new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("Cannot render the run manifest: " + e.getMessage(), e);
    }
  }
}
