package io.attnflow.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.attnflow.jobs.DuckDb;
import io.attnflow.jobs.Main;
import io.attnflow.jobs.TestSpark;
import io.attnflow.jobs.bench.ScaleBenchmark.Measurement;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench-scale at a small size: the generator's shape, and both modes scoring what it wrote. */
class ScaleBenchmarkIT {
  @TempDir
  Path work;

  @Test
  void generatedWarehouseIsHeavyTailedAndScoresInBothModes() {
    SparkSession spark = TestSpark.session();
    String wh = work.resolve("wh").toString();
    long events = ScaleBenchmark.generate(spark, wh, 600, 400, 7);
    String interactions = "read_parquet('" + wh + "/interactions/*.parquet')";
    Map<String, Object> users = DuckDb.query("SELECT count(*) AS users, min(n) AS least, median(n) AS median, max(n) AS most, "
        + "sum(n)::BIGINT AS events FROM (SELECT user_id, count(*) AS n FROM " + interactions + " GROUP BY user_id)").get(0);
    assertThat(users).containsEntry("users", 600L).containsEntry("least", 5L).containsEntry("events", events);
    // heavy-tailed activity and Zipf popularity
    assertThat((Long) users.get("most")).isGreaterThan(5 * ((Number) users.get("median")).longValue());
    Map<String, Object> items = DuckDb.query("SELECT max(n) AS top, median(n) AS median FROM (SELECT item_id, count(*) AS n FROM "
        + interactions + " GROUP BY item_id)").get(0);
    assertThat(((Number) items.get("top")).doubleValue()).isGreaterThan(20 * ((Number) items.get("median")).doubleValue());
    assertThat(DuckDb.scalar("SELECT count(*) FROM read_parquet('" + wh + "/items/*.parquet')")).isEqualTo(400L);
    assertThat((Long) DuckDb.scalar("SELECT count(DISTINCT category) FROM read_parquet('" + wh + "/items/*.parquet')"))
        .isBetween(40L, 50L);
    // the same seed, the same data
    String again = work.resolve("again").toString();
    ScaleBenchmark.generate(spark, again, 600, 400, 7);
    assertThat(DuckDb.scalar("SELECT count(*) FROM (SELECT * FROM " + interactions + " EXCEPT SELECT * FROM read_parquet('"
        + again + "/interactions/*.parquet'))")).isEqualTo(0L);

    ScaleBenchmark.untrainedModel(spark, wh, 400, 7);
    Measurement exhaustive = ScaleBenchmark.score(spark, wh, "exhaustive", 600, 400);
    Measurement twoStage = ScaleBenchmark.score(spark, wh, "two-stage", 600, 400);
    for (Measurement m : List.of(exhaustive, twoStage)) {
      assertThat(m.recommendationRows()).isEqualTo(6000);
      assertThat(m.attentionRows()).isBetween(6000L, 18000L); // up to 3 reasons a pick, one per distinct history item
      assertThat(m.driverPeakRssBytes()).isPositive();
      assertThat(m.executorPeakRssBytes()).as("local mode: no executor JVM of its own").isZero();
    }
    assertThat(twoStage.ranking()).isEqualTo("two_stage");
    assertThat(twoStage.alphas()).isEqualTo(exhaustive.alphas() / 2); // 200 candidates of 400
    assertThat(ScaleBenchmark.table(List.of(exhaustive, twoStage))).hasSize(3);
  }

  @Test
  void oneSizeFromTheCommandLine() {
    assertThat(Main.run("bench-scale", "--users", "200", "--items", "300", "--mode", "two-stage", "--work",
        work.toString())).isEqualTo(0);
    assertThat(DuckDb.scalar("SELECT count(*) FROM read_parquet('" + work.resolve("users-200-items-300")
        + "/recommendations/*/*.parquet') WHERE source = 'two_stage'")).isEqualTo(2000L);
    assertThat(Main.run("bench-scale", "--users", "200")).isEqualTo(2);
  }
}
