package io.attnflow.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.attnflow.jobs.config.Settings;
import io.attnflow.jobs.score.ScoreJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spark-submit path: bin/attnflow with SPARK_HOME set (a distribution assembled from Maven's Spark
 * jars by bin/spark-home) runs ingest, train and score through spark-submit, with the Spark settings of
 * conf/spark-defaults.conf (Kryo with ND4J's registrator among them), and scores exactly as the
 * embedded session does. The Spark home names no master, so each run warns first that it stays local.
 */
class SparkSubmitIT {
  @Test
  void ingestTrainAndScoreRunUnderSparkSubmitAndScoreAsEmbedded(@TempDir Path tmp) throws Exception {
    Processes.Run home = Processes.run(Map.of(), "bin/spark-home");
    assertThat(home.exit()).as(home.err()).isZero();
    String sparkHome = home.out().strip();
    assertThat(Path.of(sparkHome, "jars")).isDirectoryContaining("glob:**/spark-core_2.12-*.jar");

    // a slice of the demo ratings, so that training takes seconds
    List<String> ratings = Files.readAllLines(Processes.HOME.resolve("data/ml-latest-small/ratings.csv"));
    Files.write(tmp.resolve("ratings.csv"), ratings.subList(0, 4000));
    Path wh = tmp.resolve("warehouse");
    Map<String, String> env = Map.of("SPARK_HOME", sparkHome);
    List<String[]> jobs = List.of(
        new String[] {"ingest", "--set", "input.interactions.path=" + tmp.resolve("ratings.csv")},
        new String[] {"train", "--set", "train.epochs=1", "--set", "train.dim=8", "--set", "train.projection=8", "--set",
            "train.content=false"},
        new String[] {"score", "--dt", "2018-09-30"});
    for (String[] job : jobs) {
      List<String> command = new ArrayList<>(List.of("bin/attnflow"));
      command.addAll(List.of(job));
      command.addAll(List.of("--set", "warehouse=" + wh));
      Processes.Run r = Processes.run(env, command.toArray(String[]::new));
      assertThat(r.exit()).as("%s\n%s", command, r.err()).isZero();
      assertThat(r.err()).contains("spark-class (" + sparkHome + "): org.apache.spark.deploy.SparkSubmit");
      // no master anywhere: spark-submit's local[*], and the first line says so
      assertThat(r.err().lines().findFirst().orElse("")).startsWith("attnflow: WARNING: SPARK_HOME is set, but Spark's master is local[*]");
      assertThat(r.out()).contains(job[0] + " ").contains(": ok");
    }

    // the same model and day scored by the embedded session: the same lists, up to near-ties (users are
    // batched differently, and BLAS rounds a row's dot products by its place in the batch, ~1e-7)
    ScoreJob.run(TestSpark.session(), Settings.load(List.of(), List.of("warehouse=" + wh)).score()
        .withDt(LocalDate.parse("2018-10-01")), "embedded");
    String submitted = wh + "/recommendations/dt=2018-09-30/*.parquet";
    String embedded = wh + "/recommendations/dt=2018-10-01/*.parquet";
    assertThat(DuckDb.scalar("SELECT count(*) FROM read_parquet('" + submitted + "')")).isNotEqualTo(0L)
        .isEqualTo(DuckDb.scalar("SELECT count(*) FROM read_parquet('" + embedded + "')"));
    assertThat(DuckDb.differencesBeyondNearTies(submitted, embedded)).isZero();
  }
}
