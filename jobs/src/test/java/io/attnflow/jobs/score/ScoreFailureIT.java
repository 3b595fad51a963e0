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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failure proofs of the scoring job, each run its own bin/attnflow process, as a scheduler starts it:
 * failed task attempts are retried to exactly a clean run's output, and a run killed half-way through
 * writing its day leaves the published day as it was, invisible work included, for the next run to
 * take over.
 */
class ScoreFailureIT {
  @TempDir
  static Path wh;

  private static final String COLUMNS = "user_id, rank, item_id, score, reasons::VARCHAR AS reasons, source, model_version";

  @BeforeAll
  static void trainOnASlice() {
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
    train.addAll(List.of("train.epochs=1", "train.dim=16", "train.projection=16", "model.history-length=20",
        "train.content=false"));
    TrainJob.run(spark, Settings.load(List.of(), train).train(), "m1");
  }

  /**
   * Proof 1: with a master that retries tasks ({@code local[2,4]}), half of the scoring tasks' first attempts fail;
   * the rows and the run manifest's counts equal a clean run's.
   */
  @Test
  void failedScoringTasksAreRetriedAndTheOutputEqualsACleanRun() throws Exception {
    Processes.Run clean = score("2030-01-01", Map.of());
    Map<String, String> faults = Map.of("ATTNFLOW_JAVA_OPTS", "-D" + FaultInjection.FAIL + "=0.5");
    Processes.Run broadcast = score("2030-01-02", faults);
    Processes.Run blocked = score("2030-01-03", faults, "--set", "score.broadcast-budget-mb=0", "--set", "score.item-block=2000");
    for (Processes.Run r : List.of(clean, broadcast, blocked)) {
      assertThat(r.exit()).as(r.err()).isZero();
    }
    assertThat(clean.err()).doesNotContain("attnflow injected fault");
    assertThat(broadcast.err()).contains("attnflow injected fault: scoring a user partition");
    assertThat(blocked.err()).contains("attnflow injected fault: scoring users against an item block");

    List<Map<String, Object>> expected = rows("2030-01-01");
    assertThat(expected).hasSize(80 * 10);
    assertThat(rows("2030-01-02")).isEqualTo(expected);
    // blocked mode batches users differently: exactly the same picks
    assertThat(DuckDb.picks(wh + "/recommendations/dt=2030-01-03/*.parquet"))
        .isEqualTo(DuckDb.picks(wh + "/recommendations/dt=2030-01-01/*.parquet"));
    // the run manifests count exactly what a clean run counts: users, fallbacks, α evaluated, rows
    Map<String, Object> counts = clean.scoreCounts();
    assertThat(counts).containsEntry("users", 80).containsEntry("recommendation_rows", 800);
    assertThat(broadcast.scoreCounts()).isEqualTo(counts);
    assertThat(blocked.scoreCounts()).isEqualTo(counts);
  }

  /**
   * Proof 3: a re-run of a published day is killed (SIGKILL) after staging one of its two tables. The
   * published day stays readable and byte for byte unchanged, no reader sees any of the dead run's
   * rows, and the next run takes over its lock, clears its staging and publishes the day.
   */
  @Test
  void aRunKilledHalfWayThroughWritingLeavesThePublishedDayAsItWas() throws Exception {
    String day = "2030-02-01";
    assertThat(score(day, Map.of()).exit()).isZero();
    Map<String, Long> published = listing(day);
    assertThat(published).containsKeys("recommendations/dt=" + day + "/_SUCCESS", "attention/dt=" + day + "/_SUCCESS");
    List<Map<String, Object>> before = rows(day);
    long attentionRows = (Long) DuckDb.scalar(count("attention", "*/*.parquet", day));

    try (Processes.Started killed = Processes.start(
        Map.of("ATTNFLOW_JAVA_OPTS", "-D" + FaultInjection.PAUSE + "=staged-recommendations:600000"), scoreCommand(day))) {
      killed.awaitErr(e -> e.contains("attnflow injected pause"), Duration.ofMinutes(3));
      Path staging = wh.resolve("staging/score-dt=" + day);
      try (Stream<Path> staged = Files.walk(staging)) {
        assertThat(staged.map(Path::toString)).anyMatch(p -> p.matches(".*/recommendations/dt=" + day + "/part-.*\\.parquet"));
      }
      killed.process().destroyForcibly(); // SIGKILL: no shutdown hook, no finally
      assertThat(killed.process().waitFor()).isNotZero();
    }

    assertThat(listing(day)).isEqualTo(published);
    assertThat(rows(day)).isEqualTo(before);
    // what a BI tool or Spark reads over the whole tables: only the published rows
    for (String glob : List.of("*/*.parquet", "**/*.parquet")) {
      assertThat(DuckDb.scalar(count("recommendations", glob, day))).as(glob).isEqualTo((long) before.size());
      assertThat(DuckDb.scalar(count("attention", glob, day))).as(glob).isEqualTo(attentionRows);
    }
    assertThat(TestSpark.session().read().parquet(wh + "/recommendations").filter("dt = '" + day + "'").count())
        .isEqualTo(before.size());
    assertThat(wh.resolve("locks/score-dt=" + day)).exists();

    Processes.Run next = score(day, Map.of());
    assertThat(next.exit()).as(next.err()).isZero();
    assertThat(next.err()).contains("taking over the lock").contains("is gone").contains("deleting");
    assertThat(wh.resolve("staging/score-dt=" + day)).isEmptyDirectory();
    assertThat(wh.resolve("locks/score-dt=" + day)).doesNotExist();
    assertThat(rows(day)).isEqualTo(before);
    assertThat(listing(day)).containsKeys("recommendations/dt=" + day + "/_SUCCESS", "attention/dt=" + day + "/_SUCCESS")
        .isNotEqualTo(published);
  }

  /** bin/attnflow score in a process of its own, with a master that retries each task up to 4 times. */
  private static Processes.Run score(String dt, Map<String, String> env, String... sets) throws Exception {
    List<String> command = new ArrayList<>(List.of(scoreCommand(dt)));
    command.addAll(List.of(sets));
    return Processes.run(env, command.toArray(String[]::new));
  }

  private static String[] scoreCommand(String dt) {
    return new String[] {"bin/attnflow", "score", "--dt", dt, "--set", "warehouse=" + wh,
        "--set", "spark.master=local[2,4]", "--set", "score.partitions=8"};
  }

  private static List<Map<String, Object>> rows(String dt) {
    return DuckDb.query("SELECT " + COLUMNS + " FROM read_parquet('" + wh + "/recommendations/dt=" + dt
        + "/*.parquet') ORDER BY user_id, rank");
  }

  /** A BI query: the rows of one day of a table, read through a glob over the whole table. */
  private static String count(String table, String glob, String dt) {
    return "SELECT count(*) FROM read_parquet('" + wh + "/" + table + "/" + glob + "', hive_partitioning = true) "
        + "WHERE dt = DATE '" + dt + "'";
  }

  /** Every file of the day's two partitions, with its size and modification time. */
  private static Map<String, Long> listing(String dt) throws java.io.IOException {
    Map<String, Long> files = new TreeMap<>();
    for (String table : List.of("recommendations", "attention")) {
      try (Stream<Path> all = Files.list(wh.resolve(table + "/dt=" + dt))) {
        all.forEach(f -> files.put(table + "/dt=" + dt + "/" + f.getFileName(),
            f.toFile().length() * 1_000_000_007L + f.toFile().lastModified()));
      }
    }
    return files;
  }
}
