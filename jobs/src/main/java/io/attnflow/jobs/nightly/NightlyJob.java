package io.attnflow.jobs.nightly;

import static org.apache.spark.sql.functions.col;

import io.attnflow.jobs.config.Settings;
import io.attnflow.jobs.embed.EmbedJob;
import io.attnflow.jobs.embed.EmbedResult;
import io.attnflow.jobs.ingest.IngestJob;
import io.attnflow.jobs.ingest.IngestResult;
import io.attnflow.jobs.model.ModelStore;
import io.attnflow.jobs.score.ScoreJob;
import io.attnflow.jobs.score.ScoreResult;
import io.attnflow.jobs.spark.Warehouse;
import io.attnflow.jobs.train.TrainJob;
import io.attnflow.jobs.train.TrainResult;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The nightly run: ingest the configured inputs, turn item content into vectors ({@code nightly.embed}), train when there is no model yet (or every night
 * with {@code nightly.retrain}), score the day, then read the written partition back and check it:
 * every scored user has ranks 1..n without gaps, the row count is what scoring reported, and the
 * partition carries its {@code _SUCCESS}. A failed check fails the run.
 */
public final class NightlyJob {
  private NightlyJob() {}

  /** What the night did; {@code trained} is empty when an existing model was used. */
  public record NightlyResult(IngestResult ingest, Optional<EmbedResult> embedded, Optional<TrainResult> trained,
      ScoreResult score, List<String> sample) {}

  public static NightlyResult run(SparkSession spark, Settings settings, LocalDate dt, String runId) {
    settings.ingest().requireInputs();
    IngestResult ingest = IngestJob.run(spark, settings.ingest(), runId + "-ingest");
    Optional<EmbedResult> embedded = settings.nightlyEmbed()
        ? Optional.of(EmbedJob.run(spark, settings.embed(), runId + "-embed"))
        : Optional.empty();
    Warehouse wh = new Warehouse(settings.train().warehouse(), spark.sparkContext().hadoopConfiguration());
    boolean noModel = new ModelStore(wh, spark.sparkContext().hadoopConfiguration()).latest().isEmpty();
    Optional<TrainResult> trained = noModel || settings.nightlyRetrain()
        ? Optional.of(TrainJob.run(spark, settings.train(), TrainJob.newVersion()))
        : Optional.empty();
    ScoreResult score = ScoreJob.run(spark, settings.score().withDt(dt), runId + "-score");
    verify(spark, score);
    return new NightlyResult(ingest, embedded, trained, score, sample(spark, wh, score));
  }

  /** Reads the partition back and checks it; throws {@link IllegalStateException} naming what is wrong. */
  static void verify(SparkSession spark, ScoreResult score) {
    Dataset<Row> recs = spark.read().parquet(score.recommendationsPath());
    long rows = recs.count();
    long gaps = recs.groupBy("user_id").agg(
            org.apache.spark.sql.functions.count("*").as("n"), org.apache.spark.sql.functions.max("rank").as("top"))
        .filter(col("n").notEqual(col("top"))).count();
    List<String> problems = new ArrayList<>();
    if (rows != score.recommendationRows()) {
      problems.add(rows + " rows read back, " + score.recommendationRows() + " written");
    }
    if (gaps > 0) {
      problems.add(gaps + " users whose ranks have gaps");
    }
    org.apache.hadoop.fs.Path success = new org.apache.hadoop.fs.Path(score.recommendationsPath() + "/_SUCCESS");
    try {
      if (!success.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(success)) {
        problems.add("no _SUCCESS");
      }
    } catch (java.io.IOException e) {
      problems.add("cannot look for _SUCCESS: " + e.getMessage());
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException("Cannot confirm " + score.recommendationsPath() + ": " + String.join("; ", problems));
    }
  }

  /** One user's top 5, with the history items behind each pick, titled from items/ where known. */
  static List<String> sample(SparkSession spark, Warehouse wh, ScoreResult score) {
    Dataset<Row> recs = spark.read().parquet(score.recommendationsPath()).filter(col("source").isin("attention", "two_stage"));
    List<Row> first = recs.select("user_id").orderBy("user_id").limit(1).collectAsList();
    if (first.isEmpty()) {
      return List.of();
    }
    String user = first.get(0).getString(0);
    List<Row> picks = recs.filter(col("user_id").equalTo(user)).orderBy("rank").limit(5).collectAsList();
    // the titles of just the items shown: items/ may hold millions
    java.util.Set<String> shown = new java.util.HashSet<>();
    for (Row r : picks) {
      shown.add(r.getString(2));
      r.<Row>getList(4).forEach(reason -> shown.add(reason.getString(0)));
    }
    java.util.Map<String, String> titles = new java.util.HashMap<>();
    spark.read().parquet(wh.items()).filter(col("item_id").isin(shown.toArray())).select("item_id", "title").collectAsList()
        .forEach(r -> titles.put(r.getString(0), r.getString(1)));
    List<String> out = new ArrayList<>();
    out.add("user " + user + ":");
    for (Row r : picks) {
      out.add(String.format("  %d. %s  (score %.3f)", r.getInt(1), titles.getOrDefault(r.getString(2), r.getString(2)),
          r.getFloat(3)));
      for (Row reason : r.<Row>getList(4)) {
        out.add(String.format("       because of %s  (α %.3f, weight %.2f)",
            titles.getOrDefault(reason.getString(0), reason.getString(0)), reason.getFloat(1), reason.getFloat(2)));
      }
    }
    return out;
  }
}
