package io.attnflow.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.attnflow.jobs.config.Settings;
import io.attnflow.jobs.score.ScoreJob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spark-submit path: bin/attnflow with SPARK_HOME set (a distribution assembled from Maven's Spark
 * jars by bin/spark-home) runs ingest, train and score through spark-submit, with the Spark settings of
 * conf/spark-defaults.conf (Kryo with ND4J's registrator among them), and scores exactly as the
 * embedded session does.
 */
class SparkSubmitIT {
  private static final Path HOME = Path.of("..").toAbsolutePath().normalize();

  private record Run(int exit, String out, String err) {}

  private static Run run(Map<String, String> env, String... command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(HOME.toFile());
    pb.environment().putAll(env);
    Path out = Files.createTempFile("attnflow-out", ".txt");
    Path err = Files.createTempFile("attnflow-err", ".txt");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish in 5 minutes");
    }
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  @Test
  void ingestTrainAndScoreRunUnderSparkSubmitAndScoreAsEmbedded(@TempDir Path tmp) throws Exception {
    Run home = run(Map.of(), "bin/spark-home");
    assertThat(home.exit()).as(home.err()).isZero();
    String sparkHome = home.out().strip();
    assertThat(Path.of(sparkHome, "jars")).isDirectoryContaining("glob:**/spark-core_2.12-*.jar");

    // a slice of the demo ratings, so that training takes seconds
    List<String> ratings = Files.readAllLines(HOME.resolve("data/ml-latest-small/ratings.csv"));
    Files.write(tmp.resolve("ratings.csv"), ratings.subList(0, 4000));
    Path wh = tmp.resolve("warehouse");
    Map<String, String> env = Map.of("SPARK_HOME", sparkHome);
    List<String[]> jobs = List.of(
        new String[] {"ingest", "--set", "input.interactions.path=" + tmp.resolve("ratings.csv")},
        new String[] {"train", "--set", "train.epochs=1", "--set", "train.dim=8", "--set", "train.projection=8"},
        new String[] {"score", "--dt", "2018-09-30"});
    for (String[] job : jobs) {
      List<String> command = new ArrayList<>(List.of("bin/attnflow"));
      command.addAll(List.of(job));
      command.addAll(List.of("--set", "warehouse=" + wh));
      Run r = run(env, command.toArray(String[]::new));
      assertThat(r.exit()).as("%s\n%s", command, r.err()).isZero();
      assertThat(r.err()).contains("spark-class (" + sparkHome + "): org.apache.spark.deploy.SparkSubmit");
      assertThat(r.out()).contains(job[0] + " ").contains(": ok");
    }

    // the same model and day scored by the embedded session: the same lists, up to near-ties (users are
    // batched differently, and BLAS rounds a row's dot products by its place in the batch, ~1e-7)
    ScoreJob.run(TestSpark.session(), Settings.load(List.of(), List.of("warehouse=" + wh)).score()
        .withDt(LocalDate.parse("2018-10-01")), "embedded");
    String submitted = "read_parquet('" + wh + "/recommendations/dt=2018-09-30/*.parquet')";
    String embedded = "read_parquet('" + wh + "/recommendations/dt=2018-10-01/*.parquet')";
    assertThat(DuckDb.scalar("SELECT count(*) FROM " + submitted)).isNotEqualTo(0L)
        .isEqualTo(DuckDb.scalar("SELECT count(*) FROM " + embedded));
    assertThat(DuckDb.scalar("SELECT count(*) FROM " + submitted + " s FULL JOIN " + embedded + " e USING (user_id, rank) "
        + "WHERE e.score IS NULL OR s.score IS NULL OR abs(s.score - e.score) > 1e-5 OR s.source <> e.source")).isEqualTo(0L);
    // an item in one list only must tie (within 1e-5) with the other list's last pick
    assertThat(DuckDb.scalar("SELECT count(*) FROM " + submitted + " s LEFT JOIN " + embedded + " e USING (user_id, item_id) "
        + "WHERE e.item_id IS NULL AND s.score > (SELECT min(score) FROM " + embedded + " l WHERE l.user_id = s.user_id) + 1e-5"))
        .isEqualTo(0L);
  }
}
