package io.attnflow.jobs.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.hash;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;

import io.attnflow.core.model.AttentionNetwork;
import io.attnflow.core.model.Manifest;
import io.attnflow.core.model.ModelFiles;
import io.attnflow.core.model.ModelShape;
import io.attnflow.core.model.Vocabulary;
import io.attnflow.jobs.config.Settings;
import io.attnflow.jobs.config.TrainSettings;
import io.attnflow.jobs.model.ModelStore;
import io.attnflow.jobs.score.ScoreJob;
import io.attnflow.jobs.score.ScoreResult;
import io.attnflow.jobs.spark.Warehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code bench-scale}: the score job at sizes no dataset here has. {@link #generate} writes a seeded synthetic
 * warehouse the jobs read as they read ingested data: users with heavy-tailed event counts (Pareto, shape 1.2,
 * at least 5, at most 2,000; mean about 30), items of Zipf popularity (exponent 0.9), each in one of 50
 * categories. {@link #untrainedModel} saves and promotes a model of the default sizes (throughput does not
 * depend on what its numbers are). {@link #score} runs the score job in one mode and reports wall time per
 * stage, α/s, user-item pairs/s, the peak resident memory of the driver's JVM and of the largest executor JVM
 * ({@link ExecutorPeaks}; in local mode the executors are the driver's JVM) and the rows written.
 */
public final class ScaleBenchmark {
  /** The day scored: every generated event lies before it. */
  static final String DAY = "2030-01-01";
  private static final long FIRST_EVENT_MICROS = 1_800_000_000_000_000L; // 2027-01-15

  /** One measured run. */
  public record Measurement(long users, int items, String ranking, double prepareSeconds, double scoreSeconds,
      double writeSeconds, double totalSeconds, long alphas, long recommendationRows, long attentionRows,
      long driverPeakRssBytes, long executorPeakRssBytes) {

    /** User-item pairs ranked per second of the score stage (every user against every candidate, whatever the mode). */
    public double pairsPerSecond() {
      return (double) users * items / scoreSeconds;
    }

    public double alphasPerSecond() {
      return alphas / scoreSeconds;
    }
  }

  private ScaleBenchmark() {}

  /**
   * Writes {@code interactions/} and {@code items/} of a warehouse as ingest would, seeded.
   *
   * @return the number of events written
   */
  public static long generate(SparkSession spark, String warehouse, long users, int items, long seed) {
    spark.range(items).select(
            format_string("i%08d", col("id")).as("item_id"),
            concat(lit("item "), col("id")).as("title"),
            lit(null).cast("string").as("text"),
            concat(lit("c"), pmod(hash(col("id"), lit(seed)), lit(50))).as("category"),
            lit(null).cast("array<string>").as("tags"),
            lit(null).cast("timestamp").as("published_at"),
            lit(null).cast("array<float>").as("vector"))
        .write().mode("overwrite").parquet(warehouse + "/items");

    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<double[]> zipf = jsc.broadcast(zipfCumulative(items, 0.9));
    int partitions = (int) Math.max(jsc.defaultParallelism(), users / 50_000);
    StructType schema = new StructType().add("user_id", DataTypes.StringType, false).add("item_id", DataTypes.StringType, false)
        .add("ts", DataTypes.TimestampType, false).add("event", DataTypes.StringType, false)
        .add("value", DataTypes.DoubleType, true);
    var rows = spark.range(0, users, 1, partitions).javaRDD().flatMap(id -> {
      long u = id;
      SplittableRandom random = new SplittableRandom(seed * 1_000_003L + u);
      int events = (int) Math.min(2000, Math.floor(5 / Math.pow(1 - random.nextDouble(), 1 / 1.2)));
      double[] cumulative = zipf.value();
      String user = String.format(Locale.ROOT, "u%08d", u);
      List<Row> out = new ArrayList<>(events);
      long t = FIRST_EVENT_MICROS + random.nextLong(86_400_000_000L * 300);
      for (int e = 0; e < events; e++) {
        int item = java.util.Arrays.binarySearch(cumulative, random.nextDouble() * cumulative[cumulative.length - 1]);
        item = Math.min(cumulative.length - 1, item < 0 ? -item - 1 : item);
        t += 1_000_000L * (1 + random.nextInt(3600));
        out.add(RowFactory.create(user, String.format(Locale.ROOT, "i%08d", item), new Timestamp(t / 1000), "click", null));
      }
      return out.iterator();
    });
    spark.createDataFrame(rows, schema).write().mode("overwrite").parquet(warehouse + "/interactions");
    return spark.read().parquet(warehouse + "/interactions").count();
  }

  /** Cumulative Zipf weights 1 / rank^s of {@code items} items, the most popular first. */
  static double[] zipfCumulative(int items, double s) {
    double[] cumulative = new double[items];
    double sum = 0;
    for (int i = 0; i < items; i++) {
      sum += 1.0 / Math.pow(i + 1, s);
      cumulative[i] = sum;
    }
    return cumulative;
  }

  /**
   * Saves and promotes an untrained model of the default sizes ({@code train.*}, {@code model.*}) over the generated
   * items, replacing the warehouse's models.
   */
  public static void untrainedModel(SparkSession spark, String warehouse, int items, long seed) {
    Settings settings = Settings.load(List.of(), List.of("warehouse=" + warehouse));
    TrainSettings t = settings.train();
    List<String> ids = IntStream.range(0, items).mapToObj(i -> String.format(Locale.ROOT, "i%08d", i)).toList();
    ModelShape shape = new ModelShape(items, t.dim(), t.projection(), t.poolHidden(), t.model().historyLength());
    Manifest manifest = new Manifest(ModelFiles.FORMAT_VERSION, "bench-scale", Instant.now().toString(), shape, seed,
        t.asMap(), Map.of("synthetic", true), List.of(), 0, Map.of());
    var conf = spark.sparkContext().hadoopConfiguration();
    try { // a warehouse of the benchmark's own: an earlier run's model makes way
      org.apache.hadoop.fs.Path models = new org.apache.hadoop.fs.Path(warehouse + "/models");
      models.getFileSystem(conf).delete(models, true);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    ModelStore store = new ModelStore(new Warehouse(warehouse, conf), conf);
    store.save("bench-scale", AttentionNetwork.create(t.network(shape), seed), Vocabulary.of(ids), null, List.of(), manifest);
    store.promote("bench-scale");
  }

  /** Scores the warehouse's users in {@code mode} ({@code exhaustive} or {@code two-stage}) and measures the run. */
  public static Measurement score(SparkSession spark, String warehouse, String mode, long users, int items) {
    SparkContext sc = spark.sparkContext();
    ExecutorPeaks executors = ExecutorPeaks.listen(sc);
    resetPeakRss();
    ScoreResult r;
    try {
      r = ScoreJob.run(spark, Settings.load(List.of(), List.of("warehouse=" + warehouse, "score.dt=" + DAY,
          "score.mode=" + mode)).score(), "bench-scale-" + mode + "-" + System.currentTimeMillis());
      awaitListeners(sc);
    } finally {
      executors.stop(sc);
    }
    Map<String, Double> s = r.seconds();
    return new Measurement(users, items, r.ranking(), s.get("prepare"), s.get("score"), s.get("write"), s.get("total"),
        r.alphas(), r.recommendationRows(), r.attentionRows(), peakRss(), executors.largestExecutorPeak());
  }

  /** Waits (at most a minute) until the listeners have seen every event so far, such as the run's last task ends. */
  private static void awaitListeners(SparkContext sc) {
    try {
      sc.listenerBus().waitUntilEmpty(60_000);
    } catch (java.util.concurrent.TimeoutException e) {
      // still busy after a minute: the peaks that reached the listener
    }
  }

  /** The table's header and one line per measurement. */
  public static List<String> table(List<Measurement> runs) {
    List<String> out = new ArrayList<>();
    out.add(String.format(Locale.ROOT, "%9s %8s %-10s %8s %8s %8s %8s %12s %12s %9s %11s %11s %11s", "users", "items",
        "mode", "prepare", "score", "write", "total", "α/s", "pairs/s", "driver GB", "executor GB", "recs", "attention"));
    for (Measurement m : runs) {
      // in local mode the executors run in the driver's JVM: its one peak is the driver's column
      String executor = m.executorPeakRssBytes() > 0
          ? String.format(Locale.ROOT, "%.1f", m.executorPeakRssBytes() / 1e9) : "(driver's)";
      out.add(String.format(Locale.ROOT, "%,9d %,8d %-10s %8.1f %8.1f %8.1f %8.1f %,12.0f %,12.0f %9.1f %11s %,11d %,11d",
          m.users(), m.items(), m.ranking().replace('_', '-'), m.prepareSeconds(), m.scoreSeconds(), m.writeSeconds(),
          m.totalSeconds(), m.alphasPerSecond(), m.pairsPerSecond(), m.driverPeakRssBytes() / 1e9, executor,
          m.recommendationRows(), m.attentionRows()));
    }
    return out;
  }

  /**
   * The least-squares fit of exhaustive score seconds = c · users · items (through the origin) over the exhaustive
   * runs, with R²: how linear the exhaustive cost is in users and in items.
   */
  public static String linearFit(List<Measurement> runs) {
    List<Measurement> ex = runs.stream().filter(m -> m.ranking().equals("exhaustive")).toList();
    if (ex.size() < 2) {
      return "exhaustive cost fit: fewer than two exhaustive runs";
    }
    double sxy = 0;
    double sxx = 0;
    double mean = ex.stream().mapToDouble(Measurement::scoreSeconds).average().orElse(0);
    for (Measurement m : ex) {
      double x = (double) m.users() * m.items();
      sxy += x * m.scoreSeconds();
      sxx += x * x;
    }
    double c = sxy / sxx;
    double residual = 0;
    double total = 0;
    for (Measurement m : ex) {
      double y = m.scoreSeconds();
      residual += Math.pow(y - c * m.users() * m.items(), 2);
      total += Math.pow(y - mean, 2);
    }
    return String.format(Locale.ROOT, "exhaustive cost fit: score seconds = %.3g × users × items (%.1f ns per user-item pair), "
        + "R² = %.3f over %d runs", c, c * 1e9, total == 0 ? 1 : 1 - residual / total, ex.size());
  }

  /** Resets this process's peak resident set size (Linux: /proc/self/clear_refs), so that each run reports its own. */
  private static void resetPeakRss() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
    } catch (IOException | UnsupportedOperationException e) {
      // not Linux, or not allowed: the peak then covers the process so far
    }
  }

  /** This process's peak resident set size in bytes (Linux VmHWM), 0 where unknown. */
  static long peakRss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux
    }
    return 0;
  }
}
