package io.attnflow.jobs.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import io.attnflow.core.model.AttentionNetwork;
import io.attnflow.core.model.NetworkSpec;
import io.attnflow.core.model.Manifest;
import io.attnflow.core.model.ModelFiles;
import io.attnflow.core.model.ModelShape;
import io.attnflow.core.model.Vocabulary;
import io.attnflow.jobs.config.Settings;
import io.attnflow.jobs.model.ModelStore;
import io.attnflow.jobs.score.ScoreJob;
import io.attnflow.jobs.score.ScoreResult;
import io.attnflow.jobs.spark.Warehouse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.ml.recommendation.ALS;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The scoring job against Spark ML's {@code ALSModel.recommendForAllUsers} on the same users ×
 * items at the same rank, timed in the same run (DESIGN §8). Data: MovieLens 1M's user-item pairs
 * when a pairs file is given (user TAB item, in the original order), else the same shape generated
 * (6,040 users, 3,706 items, 1,000,209 pairs, Zipf-like popularity). The attention model is
 * untrained (random parameters): throughput does not depend on what the numbers are. ALS computes
 * one k-dot per (user, item) pair; the attention score computes m of them (one α per history item).
 */
public final class ScoreBenchmark {
  private ScoreBenchmark() {}

  public static List<String> run(SparkSession spark, Path pairs, Path work, int k, int m, int topK, long seed) throws Exception {
    Dataset<Row> events = pairs != null && Files.exists(pairs) ? readPairs(spark, pairs) : generate(spark, seed);
    String wh = work.resolve("warehouse").toString();
    events.write().mode("overwrite").parquet(wh + "/interactions");
    Dataset<Row> interactions = spark.read().parquet(wh + "/interactions").cache();
    long n = interactions.count();
    long users = interactions.select("user_id").distinct().count();
    List<String> ids = interactions.select("item_id").distinct().orderBy("item_id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    Vocabulary vocabulary = Vocabulary.of(ids);
    ModelShape shape = new ModelShape(vocabulary.size(), k, k, 16, m);
    Manifest manifest = new Manifest(ModelFiles.FORMAT_VERSION, "bench", Instant.now().toString(), shape, seed,
        Map.of("event_weights", Map.of("click", 1.0), "half_life_days", 0.0), Map.of(), List.of(), 0, Map.of());
    ModelStore store = new ModelStore(new Warehouse(wh, spark.sparkContext().hadoopConfiguration()),
        spark.sparkContext().hadoopConfiguration());
    store.save("bench", AttentionNetwork.create(NetworkSpec.basic(shape), seed), vocabulary, null, List.of(), manifest);
    store.promote("bench");

    ScoreResult ours = ScoreJob.run(spark, Settings.load(List.of(), List.of("warehouse=" + wh, "score.top-k=" + topK,
        "score.dt=2030-01-01", "score.mode=exhaustive")).score(), "bench-score");
    ScoreResult two = ScoreJob.run(spark, Settings.load(List.of(), List.of("warehouse=" + wh, "score.top-k=" + topK,
        "score.dt=2030-01-01", "score.mode=two-stage")).score(), "bench-score-two-stage");

    Dataset<Row> ratings = interactions.select(col("user_id").cast("int").as("user"), col("item_id").cast("int").as("item"),
        lit(1.0f).as("rating")).cache();
    ratings.count();
    ALSModel als = new ALS().setRank(k).setMaxIter(2).setImplicitPrefs(true).setSeed(seed)
        .setUserCol("user").setItemCol("item").setRatingCol("rating").fit(ratings);
    long t0 = System.nanoTime();
    als.recommendForAllUsers(topK).write().format("noop").mode("overwrite").save();
    double alsSeconds = (System.nanoTime() - t0) / 1e9;

    double pairsCount = (double) users * vocabulary.size();
    double oursSeconds = ours.seconds().get("score");
    double oursDots = ours.alphas() / oursSeconds;
    double alsDots = pairsCount / alsSeconds;
    double twoSeconds = two.seconds().get("score");
    List<String> out = new ArrayList<>();
    out.add(String.format("score benchmark: %,d events, %,d users × %,d items = %,.0f pairs, k = %d, m = %d, top %d (%s)",
        n, users, vocabulary.size(), pairsCount, k, m, topK, pairs != null && Files.exists(pairs) ? pairs.getFileName() : "generated"));
    out.add(String.format("  %-32s %14s %14s %14s", "", "attnflow score", "two-stage", "ALS"));
    out.add(String.format("  %-32s %14.2f %14.2f %14.2f", "wall seconds (top-K for all users)", oursSeconds, twoSeconds,
        alsSeconds));
    out.add(String.format("  %-32s %,14.0f %,14.0f %14s", "α per second", ours.alphasPerSecond(), two.alphasPerSecond(), "-"));
    out.add(String.format("  %-32s %,14.0f %14s %,14.0f", "k-dot products per second", oursDots, "-", alsDots));
    out.add(String.format("  %-32s %,14.0f %,14.0f %,14.0f", "user-item pairs per second", pairsCount / oursSeconds,
        pairsCount / twoSeconds, pairsCount / alsSeconds));
    out.add(String.format("  %-32s %14.2f %14s %14s", "dot products/s vs ALS", oursDots / alsDots, "-", "1.00"));
    out.add(String.format("  %-32s %14.2f %14.2f %14s", "pairs/s vs ALS", alsSeconds / oursSeconds, alsSeconds / twoSeconds,
        "1.00"));
    out.add(String.format("  (totals incl. reading histories and writing Parquet: %.2f s exhaustive, %.2f s two-stage with "
        + "%d candidates a user)", ours.seconds().get("total"), two.seconds().get("total"),
        Settings.load(List.of(), List.of()).score().shortlist()));
    return out;
  }

  private static Dataset<Row> readPairs(SparkSession spark, Path pairs) {
    return spark.read().option("sep", "\t").csv(pairs.toString()).toDF("user_id", "item_id")
        .withColumn("ts", expr("timestamp_seconds(978300000 + monotonically_increasing_id())"))
        .withColumn("event", lit("click")).withColumn("value", lit(null).cast("double"));
  }

  /** The ml-1m shape with Zipf-like item popularity, seeded. */
  private static Dataset<Row> generate(SparkSession spark, long seed) {
    int users = 6040;
    int items = 3706;
    int total = 1_000_209;
    SplittableRandom random = new SplittableRandom(seed);
    double[] cumulative = new double[items];
    double sum = 0;
    for (int i = 0; i < items; i++) {
      sum += 1.0 / Math.pow(i + 1, 0.8);
      cumulative[i] = sum;
    }
    List<Row> rows = new ArrayList<>(total);
    long ts = 978_300_000_000_000L;
    for (int e = 0; e < total; e++) {
      int user = 1 + (int) ((long) e * users / total);
      double x = random.nextDouble() * sum;
      int item = java.util.Arrays.binarySearch(cumulative, x);
      item = item < 0 ? -item - 1 : item;
      rows.add(RowFactory.create(Integer.toString(user), Integer.toString(item + 1),
          java.sql.Timestamp.from(Instant.EPOCH.plusNanos((ts + e * 1_000_000L) * 1000)), "click", null));
    }
    StructType schema = new StructType().add("user_id", DataTypes.StringType).add("item_id", DataTypes.StringType)
        .add("ts", DataTypes.TimestampType).add("event", DataTypes.StringType).add("value", DataTypes.DoubleType);
    return spark.createDataFrame(rows, schema).dropDuplicates("user_id", "item_id");
  }
}
