package io.attnflow.jobs.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.attnflow.jobs.DuckDb;
import io.attnflow.jobs.Processes;
import io.attnflow.jobs.TestSpark;
import io.attnflow.jobs.model.ModelStore;
import io.attnflow.jobs.spark.FaultInjection;
import io.attnflow.jobs.spark.Warehouse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * attnflow on a real multi-JVM Spark cluster: a standalone master and two one-core workers on
 * loopback, the jobs submitted by bin/attnflow through spark-submit (SPARK_HOME from bin/spark-home), the
 * master and the executors' settings named only in the Spark home's {@code conf/spark-defaults.conf}, as an
 * admin configures an edge node. Training (dl4j-spark parameter averaging over the two executors) and scoring give exactly the model
 * and rows of the same jobs under {@code local[2]}; an executor JVM killed mid-scoring is replaced and
 * the run still writes a clean run's rows.
 */
class StandaloneClusterIT {
  private static final String CLEAN_DAY = "2030-03-01";
  /** The columns a run decides (model_version, run_id and generated_at name the run). */
  private static final String ROWS = "SELECT user_id, rank, item_id, score, reasons::VARCHAR AS reasons, source "
      + "FROM read_parquet('%s/recommendations/dt=%s/*.parquet') ORDER BY user_id, rank";
  private static final String ATTENTION = "SELECT * EXCLUDE (dt) FROM read_parquet('%s/attention/dt=%s/*.parquet', "
      + "hive_partitioning = true) ORDER BY ALL";

  @TempDir
  static Path tmp;
  static Path wh;
  static String sparkHome;
  static StandaloneCluster cluster;
  static String modelOnCluster;
  static Path adminConf;
  static Processes.Run trainOnCluster;
  static Processes.Run scoreOnCluster;

  @BeforeAll
  static void trainAndScoreOnTheCluster() throws Exception {
    Processes.Run home = Processes.run(Map.of(), "bin/spark-home");
    assertThat(home.exit()).as(home.err()).isZero();
    sparkHome = home.out().strip();
    cluster = StandaloneCluster.start(sparkHome, tmp.resolve("cluster"), 2);
    // the admin's file: the cluster's master, the driver's address, the executors' memory and a flag of their own
    adminConf = Path.of(sparkHome, "conf", "spark-defaults.conf");
    Files.writeString(adminConf, String.join("\n",
        "spark.master                       " + cluster.url(),
        "spark.driver.host                  127.0.0.1",
        "spark.executor.memory              1g",
        "spark.executor.defaultJavaOptions  -Dorg.bytedeco.javacpp.cachedir=" + System.getProperty("org.bytedeco.javacpp.cachedir"),
        "spark.executor.extraJavaOptions    -Dattnflow.test.admin=kept", ""));

    // a slice of the demo ratings, ingested locally (ingest is not what this test is about)
    List<String> ratings = Files.readAllLines(Processes.HOME.resolve("data/ml-latest-small/ratings.csv"));
    Files.write(tmp.resolve("ratings.csv"), ratings.subList(0, 6000));
    wh = tmp.resolve("warehouse");
    local("ingest", "--set", "input.interactions.path=" + tmp.resolve("ratings.csv"));
    local("embed"); // the items' content vectors, which the executors get with their windows

    trainOnCluster = onCluster("train");
    modelOnCluster = version(trainOnCluster);
    // both executors trained: each ran tasks of this application
    List<Path> trainers = cluster.executorLogs();
    assertThat(trainers).hasSize(2).allSatisfy(log -> assertThat(Files.readString(log)).contains("Running task"));
    scoreOnCluster = onCluster("score", "--dt", CLEAN_DAY, "--set", "model.version=" + modelOnCluster);
  }

  @AfterAll
  static void stopTheCluster() throws Exception {
    if (adminConf != null) {
      Files.deleteIfExists(adminConf);
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void theAdminsSparkDefaultsAloneSendTheRunToTheClusterAndTheirExecutorFlagsSurviveBesideAttnflows() throws Exception {
    String err = trainOnCluster.err();
    System.out.println("bin/attnflow train, configured by the Spark home's spark-defaults.conf alone; its first lines:");
    err.lines().limit(12).forEach(l -> System.out.println("  " + l));
    assertThat(err).contains("spark-class").contains("org.apache.spark.deploy.SparkSubmit")
        .contains("running on master " + cluster.url() + " (client deploy mode), Spark 3.5")
        .containsPattern("executor \\d+ registered on 127\\.0\\.0\\.1: 1 cores")
        .doesNotContain("local mode").doesNotContain("WARNING: SPARK_HOME is set");
    // every executor JVM (standalone writes its command line atop its stderr) got the admin's flag and attnflow's
    for (Path log : cluster.executorLogs()) {
      String command = Files.readString(log).lines().filter(l -> l.startsWith("Spark Executor Command:")).findFirst().orElseThrow();
      assertThat(command).contains("-Dattnflow.test.admin=kept").contains("--add-modules=jdk.incubator.vector")
          .contains("-Dorg.bytedeco.javacpp.maxphysicalbytes=").contains("-XX:+ExplicitGCInvokesConcurrent");
    }
    // and the model records where it was trained
    ModelStore store = new ModelStore(new Warehouse(wh.toString(), TestSpark.session().sparkContext().hadoopConfiguration()),
        TestSpark.session().sparkContext().hadoopConfiguration());
    @SuppressWarnings("unchecked")
    Map<String, Object> where = (Map<String, Object>) store.manifest(modelOnCluster).data().get("spark");
    assertThat(where).containsEntry("master", cluster.url()).containsEntry("deploy_mode", "client")
        .containsEntry("executors", 2).containsEntry("cores", 2);
    assertThat((String) where.get("application_id")).startsWith("app-");
  }

  @Test
  void trainingAndScoringOnTheClusterGiveTheLocalRunsModelAndRows() throws Exception {
    // the cluster's model scored under local[2]: exactly the rows the cluster wrote
    local("score", "--dt", "2030-03-02", "--set", "model.version=" + modelOnCluster, "--set", "spark.master=local[2]");
    List<Map<String, Object>> rows = DuckDb.query(String.format(ROWS, wh, CLEAN_DAY));
    assertThat(rows).hasSizeGreaterThan(200);
    assertThat(DuckDb.query(String.format(ROWS, wh, "2030-03-02"))).isEqualTo(rows);
    assertThat(DuckDb.query(String.format(ATTENTION, wh, "2030-03-02")))
        .isEqualTo(DuckDb.query(String.format(ATTENTION, wh, CLEAN_DAY)));

    // the same training under local[2]: the same parameters, bit for bit, and so the same rows
    String localModel = version(local("train", "--set", "spark.master=local[2]"));
    local("score", "--dt", "2030-03-04", "--set", "model.version=" + localModel, "--set", "spark.master=local[2]");
    ModelStore store = new ModelStore(new Warehouse(wh.toString(), TestSpark.session().sparkContext().hadoopConfiguration()),
        TestSpark.session().sparkContext().hadoopConfiguration());
    float[] clusterParams = store.load(modelOnCluster).network().params().data().asFloat();
    float[] localParams = store.load(localModel).network().params().data().asFloat();
    assertThat(clusterParams).hasSameSizeAs(localParams).hasSizeGreaterThan(1000);
    int differing = 0;
    double maxDifference = 0;
    for (int i = 0; i < localParams.length; i++) {
      differing += clusterParams[i] == localParams[i] ? 0 : 1;
      maxDifference = Math.max(maxDifference, Math.abs(clusterParams[i] - localParams[i]));
    }
    System.out.printf("cluster vs local[2] training: %d parameters, %d differ, largest difference %.2e%n",
        localParams.length, differing, maxDifference);
    assertThat(differing).as("parameters that differ (largest difference %.2e)", maxDifference).isZero();
    assertThat(DuckDb.query(String.format(ROWS, wh, "2030-03-04"))).isEqualTo(rows);
  }

  @Test
  void benchScaleOnTheClusterMeasuresTheExecutorsMemoryApartFromTheDrivers() throws Exception {
    Processes.Run r = onCluster("bench-scale", "--users", "400", "--items", "300", "--mode", "two-stage", "--work",
        tmp.resolve("bench-scale").toString());
    List<String> table = r.out().lines().dropWhile(l -> !l.strip().startsWith("users")).toList();
    System.out.println("bin/attnflow bench-scale on the cluster:");
    table.forEach(l -> System.out.println("  " + l));
    assertThat(table.get(0)).contains("driver GB").contains("executor GB");
    String[] run = table.get(1).strip().split("\\s+");
    assertThat(run[0]).isEqualTo("400");
    double driver = Double.parseDouble(run[9]);
    double executor = Double.parseDouble(run[10]); // "(driver's)" in local mode: not a number
    assertThat(driver).isBetween(0.1, 16.0);
    // the largest executor JVM (1 GB of heap) as it reported its own resident memory
    assertThat(executor).isBetween(0.1, 4.0);
    assertThat(run[11]).isEqualTo("4,000");
  }

  /** Failure proof 2: an executor JVM killed (SIGKILL) while it scores; the worker starts another, tasks rerun. */
  @Test
  void anExecutorKilledMidScoringIsReplacedAndTheRunWritesACleanRunsRows() throws Exception {
    String day = "2030-03-03";
    List<Path> earlier = cluster.executorLogs();
    Map<String, String> stall = Map.of("ATTNFLOW_JAVA_OPTS", "-D" + FaultInjection.STALL + "=3000");
    long killed;
    String killedExecutor;
    Processes.Run run;
    long started = System.nanoTime();
    try (Processes.Started scoring = Processes.start(submitEnv(stall), command("score", "--dt", day,
        "--set", "model.version=" + modelOnCluster))) {
      Path log = awaitStall(earlier, scoring);
      String executorId = log.getParent().getFileName().toString();
      String appId = log.getParent().getParent().getFileName().toString();
      ProcessHandle executor = cluster.executor(appId, executorId).orElseThrow(
          () -> new AssertionError("no executor JVM " + executorId + " of " + appId));
      killed = executor.pid();
      killedExecutor = executorId + " of " + appId;
      assertThat(executor.destroyForcibly()).isTrue();
      executor.onExit().get();
      run = scoring.await();
    }
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.err()).contains("ExecutorLostFailure");
    System.out.printf("proof 2: killed executor %s (pid %d) mid-scoring; the run ended in %.1f s; %d lost task attempts%n",
        killedExecutor, killed, (System.nanoTime() - started) / 1e9, run.err().lines().filter(l -> l.contains("ExecutorLostFailure")).count());
    assertThat(ProcessHandle.of(killed).map(ProcessHandle::isAlive)).isNotEqualTo(java.util.Optional.of(true));
    List<Path> executors = new ArrayList<>(cluster.executorLogs());
    executors.removeAll(earlier);
    assertThat(executors).as("a replacement executor was started").hasSizeGreaterThanOrEqualTo(3);
    assertThat(DuckDb.query(String.format(ROWS, wh, day))).isEqualTo(DuckDb.query(String.format(ROWS, wh, CLEAN_DAY)));
    assertThat(DuckDb.query(String.format(ATTENTION, wh, day)))
        .isEqualTo(DuckDb.query(String.format(ATTENTION, wh, CLEAN_DAY)));
    // the tasks Spark re-ran (the lost executor's finished ones among them) are not counted twice
    assertThat(run.scoreCounts()).isEqualTo(scoreOnCluster.scoreCounts());
  }

  /** The first executor log of this application that announces an injected stall. */
  private static Path awaitStall(List<Path> earlier, Processes.Started scoring) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (System.nanoTime() < deadline) {
      for (Path log : cluster.executorLogs()) {
        if (!earlier.contains(log) && Files.readString(log).contains("attnflow injected stall")) {
          return log;
        }
      }
      if (!scoring.process().isAlive()) {
        throw new AssertionError("scoring ended before any task stalled:\n" + scoring.err());
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no scoring task stalled within 3 minutes:\n" + scoring.err());
  }

  /** bin/attnflow {@code args} submitted to the cluster through spark-submit; it must succeed. */
  private static Processes.Run onCluster(String... args) throws Exception {
    Processes.Run r = Processes.run(submitEnv(Map.of()), command(args));
    assertThat(r.exit()).as("%s\n%s", List.of(args), r.err()).isZero();
    return r;
  }

  /** SPARK_HOME set (whose spark-defaults.conf names the cluster), the driver on loopback. */
  private static Map<String, String> submitEnv(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(extra);
    env.put("SPARK_HOME", sparkHome);
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.put("OMP_NUM_THREADS", "1");
    return env;
  }

  /**
   * bin/attnflow {@code args} in-process (no SPARK_HOME); it must succeed. One native thread per task,
   * as on the one-core executors: ND4J splits its sums across its threads, so the thread count decides
   * their rounding.
   */
  private static Processes.Run local(String... args) throws Exception {
    Processes.Run r = Processes.run(Map.of("OMP_NUM_THREADS", "1"), command(args));
    assertThat(r.exit()).as("%s\n%s", List.of(args), r.err()).isZero();
    return r;
  }

  private static String[] command(String... args) {
    List<String> c = new ArrayList<>(List.of("bin/attnflow"));
    c.addAll(List.of(args));
    c.addAll(List.of("--set", "warehouse=" + wh, "--set", "score.partitions=8", "--set", "train.epochs=2",
        "--set", "train.dim=8", "--set", "train.projection=8"));
    return c.toArray(String[]::new);
  }

  private static String version(Processes.Run train) {
    Matcher m = Pattern.compile("^train (\\S+): ok", Pattern.MULTILINE).matcher(train.out());
    assertThat(m.find()).as(train.out()).isTrue();
    return m.group(1);
  }
}
