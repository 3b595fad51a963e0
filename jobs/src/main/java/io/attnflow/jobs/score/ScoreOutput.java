package io.attnflow.jobs.score;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.attnflow.core.model.AttentionModel;
import io.attnflow.jobs.config.ScoreSettings;
import io.attnflow.jobs.spark.FaultInjection;
import io.attnflow.jobs.spark.RunLocation;
import io.attnflow.jobs.spark.RunLock;
import io.attnflow.jobs.spark.Warehouse;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scoring job's output, the BI contract of DESIGN §5: {@code recommendations/dt=…} and
 * {@code attention/dt=…}, sorted by user_id and rank, in files of about {@code score.target-file-mb}
 * holding ranges of users (so row-group statistics on user_id make look-ups cheap).
 *
 * <p>A day is published whole or not at all: both tables are first written, each with its
 * {@code _SUCCESS}, under {@code staging/score-dt=<day>/<run>/} (outside the tables, so no reader ever sees
 * them), and only then swapped in, one folder rename per table; the day's previous partitions move
 * to the staging's {@code replaced/} and are deleted after the swap. A run that dies before
 * the swap leaves the published day as it was; the next run of the day (which takes over the dead
 * run's lock) restores a partition a swap cut short and deletes the dead run's staging. Other days
 * are never touched. The run's manifest goes under {@code runs/}.
 */
final class ScoreOutput {
  /** The columns of recommendations/, dt last. */
  static final String[] RECOMMENDATION_COLUMNS = {"user_id", "rank", "item_id", "score", "reasons", "source",
      "model_version", "run_id", "generated_at", "dt"};
  /** The columns of attention/, dt last. */
  static final String[] ATTENTION_COLUMNS = {"user_id", "item_id", "history_item_id", "alpha", "weight", "contribution", "dt"};
  private static final Logger LOG = LoggerFactory.getLogger(ScoreOutput.class);
  /** The day's tables, in the order they are swapped in. */
  private static final String[] TABLES = {"recommendations", "attention"};
  /** Bytes one row takes in Parquet, roughly, to size files (3 reasons, snappy). */
  private static final long ROW_BYTES = 64;

  private ScoreOutput() {}

  static String recommendations(Warehouse wh, LocalDate dt) {
    return wh.root() + "/recommendations/dt=" + dt;
  }

  static String attention(Warehouse wh, LocalDate dt) {
    return wh.root() + "/attention/dt=" + dt;
  }

  /** A run's staging folder for its day. */
  static String staging(Warehouse wh, LocalDate dt, String runId) {
    return wh.root() + "/staging/score-dt=" + dt + "/" + runId;
  }

  /**
   * Writes both tables of one day from the scored picks ({@link ScoreJob#PICKS} rows) and publishes them.
   *
   * @return the attention rows written
   */
  static long write(Warehouse wh, Dataset<Row> picks, long pickRows, ScoreSettings s, String modelVersion, String runId,
      Instant generatedAt, RunLock lock) {
    Dataset<Row> recommendations = picks.select(col("user_id"), col("rank"), col("item_id"), col("score"),
        expr("transform(reasons, r -> named_struct('item_id', r.item_id, 'alpha', r.alpha, 'weight', r.weight))").as("reasons"),
        col("source"), lit(modelVersion).as("model_version"), lit(runId).as("run_id"),
        lit(Timestamp.from(generatedAt)).as("generated_at"));
    Dataset<Row> attention = picks.select(col("user_id"), col("rank"), col("item_id"), expr("explode(reasons)").as("r"))
        .select(col("user_id"), col("item_id"), col("r.item_id").as("history_item_id"), col("r.alpha").as("alpha"),
            col("r.weight").as("weight"), col("r.contribution").as("contribution"), col("rank"));
    long attentionRows = attention.count();
    String staging = staging(wh, s.dt(), runId);
    String day = "/dt=" + s.dt();
    write(wh, recommendations, staging + "/recommendations" + day, pickRows, s, RECOMMENDATION_COLUMNS,
        col("user_id"), col("rank"));
    FaultInjection.pause("staged-recommendations");
    write(wh, attention, staging + "/attention" + day, attentionRows, s, ATTENTION_COLUMNS,
        col("user_id"), col("rank"), col("contribution").desc(), col("history_item_id"));
    lock.verify();
    wh.swapIn(staging, tables(s.dt()));
    return attentionRows;
  }

  /** Writes one table's day, {@code columns} of {@code rows} (dt lives in the folder name), ending with its _SUCCESS. */
  private static void write(Warehouse wh, Dataset<Row> rows, String path, long count, ScoreSettings s, String[] columns, Column... sort) {
    int files = (int) Math.max(1, Math.min(10_000, count * ROW_BYTES / s.targetFileBytes() + 1));
    rows.repartitionByRange(files, col("user_id")).sortWithinPartitions(sort)
        .select(Arrays.stream(columns).filter(c -> !c.equals("dt")).map(org.apache.spark.sql.functions::col)
            .toArray(Column[]::new))
        .write().mode("overwrite").parquet(path);
    wh.writeText(path + "/_SUCCESS", "");
  }

  /** The day's folder of each table, relative to the warehouse root. */
  private static List<String> tables(LocalDate dt) {
    return Arrays.stream(TABLES).map(t -> t + "/dt=" + dt).toList();
  }

  /**
   * Clears what the dead run {@code runId} left of day {@code dt}: a table whose day it had moved
   * aside but not replaced gets its previous partition back; its staging is deleted.
   */
  static void recover(Warehouse wh, String runId, LocalDate dt) {
    String staging = staging(wh, dt, runId);
    LOG.warn("score {}: deleting the staging {} of the dead run {}, if any", dt, staging, runId);
    for (String table : wh.recover(staging, tables(dt))) {
      LOG.warn("score {}: restored {} from the dead run {}", dt, table, runId);
    }
  }

  /** The run manifest: model, mode, counts, timings per stage, α/s, and where the run executed. */
  static void writeManifest(Warehouse wh, ScoreResult r, ScoreSettings s, AttentionModel model, int candidates,
      RunLocation where) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("run_id", r.runId());
    m.put("job", "score");
    m.put("dt", r.dt().toString());
    m.put("model_version", r.modelVersion());
    m.put("mode", r.mode());
    m.put("ranking", r.ranking());
    m.put("users", r.users());
    m.put("fallback_users", r.fallbackUsers());
    m.put("candidates", candidates);
    m.put("new_items", r.newItems());
    m.put("recommendation_rows", r.recommendationRows());
    m.put("attention_rows", r.attentionRows());
    m.put("alpha_evaluations", r.alphas());
    m.put("alphas_per_second", Math.round(r.alphasPerSecond()));
    m.put("seconds", r.seconds());
    m.put("config", Map.of("top_k", s.topK(), "reasons", s.reasons(), "user_batch", s.userBatch(),
        "item_block", s.itemBlock(), "history_length", s.model().historyLength(), "model_table_mb", model.tableBytes() >> 20,
        "mode", s.mode().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'), "two_stage_candidates", s.shortlist()));
    m.put("tables", Map.of("recommendations", r.recommendationsPath(), "attention", r.attentionPath()));
    m.put("spark", where.manifest());
    try {
      wh.writeText(r.reportPath(), new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("Cannot render the run manifest: " + e.getMessage(), e);
    }
  }
}
