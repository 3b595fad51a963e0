package io.attnflow.jobs.score;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.attnflow.jobs.DuckDb;
import io.attnflow.jobs.Processes;
import io.attnflow.jobs.TestSpark;
import io.attnflow.jobs.config.Settings;
import io.attnflow.jobs.ingest.IngestJob;
import io.attnflow.jobs.spark.FaultInjection;
import io.attnflow.jobs.train.TrainJob;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failure proof: with a master that retries tasks ({@code local[2,4]}) and half of the first attempts
 * of the scoring tasks failing, broadcast and blocked scoring still write exactly a clean run's rows.
 * Each run is its own bin/attnflow process, as a scheduler starts it.
 */
class TaskFailureIT {
  @TempDir
  Path wh;

  @Test
  void failedScoringTasksAreRetriedAndTheOutputEqualsACleanRun() throws Exception {
    SparkSession spark = TestSpark.session();
    Path d = TestSpark.demoData();
    List<String> base = List.of("warehouse=" + wh, "input.interactions.path=" + d.resolve("ratings.csv"),
        "input.interactions.format=movielens-csv", "input.items.path=" + d.resolve("movies.csv"),
        "input.items.format=movielens-csv");
    IngestJob.run(spark, Settings.load(List.of(), base).ingest(), "ingest-faults");
    spark.read().parquet(wh.resolve("interactions").toString()).filter(col("user_id").cast("int").leq(80))
        .write().parquet(wh.resolve("slice").toString());
    spark.read().parquet(wh.resolve("slice").toString()).write().mode("overwrite").parquet(wh.resolve("interactions").toString());
    List<String> train = new ArrayList<>(base);
    train.addAll(List.of("train.epochs=1", "train.dim=16", "train.projection=16", "model.history-length=20"));
    TrainJob.run(spark, Settings.load(List.of(), train).train(), "m1");

    Processes.Run clean = score("2030-01-01", Map.of());
    Map<String, String> faults = Map.of("ATTNFLOW_JAVA_OPTS", "-D" + FaultInjection.PROPERTY + "=0.5");
    Processes.Run broadcast = score("2030-01-02", faults);
    Processes.Run blocked = score("2030-01-03", faults, "--set", "score.broadcast-budget-mb=0", "--set", "score.item-block=2000");
    for (Processes.Run r : List.of(clean, broadcast, blocked)) {
      assertThat(r.exit()).as(r.err()).isZero();
    }
    assertThat(clean.err()).doesNotContain("attnflow injected fault");
    assertThat(broadcast.err()).contains("attnflow injected fault: scoring a user partition");
    assertThat(blocked.err()).contains("attnflow injected fault: scoring users against an item block");

    String columns = "user_id, rank, item_id, score, reasons::VARCHAR AS reasons, source, model_version";
    String day = "SELECT " + columns + " FROM read_parquet('" + wh + "/recommendations/dt=%s/*.parquet') ORDER BY user_id, rank";
    List<Map<String, Object>> expected = DuckDb.query(String.format(day, "2030-01-01"));
    assertThat(expected).hasSize(80 * 10);
    assertThat(DuckDb.query(String.format(day, "2030-01-02"))).isEqualTo(expected);
    // blocked mode batches users differently: the same lists up to float near-ties
    assertThat(DuckDb.differencesBeyondNearTies(wh + "/recommendations/dt=2030-01-03/*.parquet",
        wh + "/recommendations/dt=2030-01-01/*.parquet")).isZero();
  }

  /** bin/attnflow score in a process of its own, with a master that retries each task up to 4 times. */
  private Processes.Run score(String dt, Map<String, String> env, String... sets) throws Exception {
    List<String> command = new ArrayList<>(List.of("bin/attnflow", "score", "--dt", dt, "--set", "warehouse=" + wh,
        "--set", "spark.master=local[2,4]", "--set", "score.partitions=8"));
    command.addAll(List.of(sets));
    return Processes.run(env, command.toArray(String[]::new));
  }
}
