package io.attnflow.jobs.score;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.attnflow.core.model.AttentionNetwork;
import io.attnflow.core.model.TrainingWindows;
import io.attnflow.core.model.UserSequence;
import io.attnflow.core.model.Vocabulary;
import io.attnflow.jobs.DuckDb;
import io.attnflow.jobs.TestSpark;
import io.attnflow.jobs.config.ScoreSettings;
import io.attnflow.jobs.config.Settings;
import io.attnflow.jobs.embed.EmbedJob;
import io.attnflow.jobs.ingest.IngestJob;
import io.attnflow.jobs.model.ModelStore;
import io.attnflow.jobs.spark.Warehouse;
import io.attnflow.jobs.train.TrainJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The scoring job on a demo slice with a briefly trained model, read back with DuckDB. */
class ScoreIT {
  @TempDir
  static Path wh;

  private static SparkSession spark;
  private static final LocalDate DAY = LocalDate.of(2030, 1, 1);

  @BeforeAll
  static void warehouseWithAModel() {
    spark = TestSpark.session();
    Path d = TestSpark.demoData();
    IngestJob.run(spark, settings("input.interactions.path=" + d.resolve("ratings.csv"),
        "input.interactions.format=movielens-csv", "input.items.path=" + d.resolve("movies.csv"),
        "input.items.format=movielens-csv").ingest(), "ingest-score");
    spark.read().parquet(wh.resolve("interactions").toString()).filter(col("user_id").cast("int").leq(60))
        .write().parquet(wh.resolve("slice").toString());
    spark.read().parquet(wh.resolve("slice").toString()).write().mode("overwrite").parquet(wh.resolve("interactions").toString());
    EmbedJob.run(spark, settings().embed(), "embed-score"); // the titles and genres the model reads with the ids
    TrainJob.run(spark, settings("train.epochs=1", "train.dim=16", "train.projection=16", "model.history-length=20").train(),
        "m1");
  }

  private static Settings settings(String... sets) {
    List<String> all = new ArrayList<>(List.of("warehouse=" + wh));
    all.addAll(List.of(sets));
    return Settings.load(List.of(), all);
  }

  private static ScoreSettings score(LocalDate day, String... sets) {
    return settings(sets).score().withDt(day);
  }

  private static String recs(LocalDate day) {
    return "read_parquet('" + glob(day) + "')";
  }

  private static String glob(LocalDate day) {
    return wh.resolve("recommendations") + "/dt=" + day + "/*.parquet";
  }

  /** Every row but run_id and generated_at, which name the run. */
  private static List<Map<String, Object>> content(LocalDate day) {
    return DuckDb.query("SELECT user_id, rank, item_id, score, reasons::VARCHAR AS reasons, source, model_version FROM "
        + recs(day) + " ORDER BY user_id, rank");
  }

  /** The most picks one category has in one user's list on {@code day} (items without a category left out). */
  private static Object mostPerCategory(LocalDate day) {
    return DuckDb.scalar("SELECT max(n) FROM (SELECT r.user_id, i.category, count(*) AS n FROM " + recs(day)
        + " r JOIN read_parquet('" + wh.resolve("items") + "/*.parquet') i USING (item_id) WHERE i.category IS NOT NULL "
        + "GROUP BY r.user_id, i.category)");
  }

  @Test
  void aCategoryCapHoldsInBothModesAndEveryUserStillGetsK() {
    LocalDate free = DAY.plusDays(20);
    LocalDate capped = DAY.plusDays(21);
    LocalDate cappedBlocked = DAY.plusDays(22);
    ScoreJob.run(spark, score(free), "score-uncapped");
    assertThat((Long) mostPerCategory(free)).as("the cap must change something here").isGreaterThan(1L);

    ScoreJob.run(spark, score(capped, "score.categories.max-per-user=1"), "score-capped");
    ScoreResult blocked = ScoreJob.run(spark, score(cappedBlocked, "score.categories.max-per-user=1",
        "score.broadcast-budget-mb=0", "score.item-block=500"), "score-capped-blocked");
    assertThat(blocked.mode()).isEqualTo("blocked");

    assertThat(mostPerCategory(capped)).isEqualTo(1L);
    assertThat(DuckDb.scalar("SELECT min(n) FROM (SELECT user_id, count(*) AS n FROM " + recs(capped) + " GROUP BY user_id)"))
        .isEqualTo(10L);
    assertThat(DuckDb.picks(glob(cappedBlocked))).isEqualTo(DuckDb.picks(glob(capped)));
  }

  @Test
  void outputHonoursTheBiContract() {
    ScoreResult r = ScoreJob.run(spark, score(DAY), "score-contract");
    assertThat(r.mode()).isEqualTo("broadcast");
    assertThat(r.users()).isEqualTo(60);
    assertThat(r.recommendationRows()).isEqualTo(600);
    assertThat(r.attentionRows()).isEqualTo(1800);

    String all = "read_parquet('" + wh.resolve("recommendations") + "/*/*.parquet', hive_partitioning = true)";
    assertThat(DuckDb.types(wh.resolve("recommendations") + "/*/*.parquet")).containsKeys("dt");
    Map<String, Object> types = DuckDb.query("SELECT typeof(dt) AS dt, typeof(generated_at) AS g, typeof(rank) AS r, "
        + "typeof(score) AS s, typeof(reasons) AS reasons FROM " + all + " LIMIT 1").get(0);
    assertThat(types).containsEntry("dt", "DATE").containsEntry("g", "TIMESTAMP WITH TIME ZONE")
        .containsEntry("r", "INTEGER").containsEntry("s", "FLOAT")
        .containsEntry("reasons", "STRUCT(item_id VARCHAR, alpha FLOAT, weight FLOAT)[]");
    assertThat(DuckDb.query("SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet('" + wh.resolve("recommendations")
            + "/dt=" + DAY + "/*.parquet', hive_partitioning = false))")
        .stream().map(m -> m.get("column_name")).toList())
        .containsExactly("user_id", "rank", "item_id", "score", "reasons", "source", "model_version", "run_id", "generated_at");
    // ranks 1..K without gaps, one item once per user
    assertThat(DuckDb.scalar("SELECT count(*) FROM (SELECT user_id FROM " + recs(DAY) + " GROUP BY user_id "
        + "HAVING count(*) <> 10 OR min(rank) <> 1 OR max(rank) <> 10 OR count(DISTINCT rank) <> 10 OR count(DISTINCT item_id) <> 10)"))
        .isEqualTo(0L);
    // scores fall with rank; every α in (0, 1); no item the user has seen
    assertThat(DuckDb.scalar("SELECT count(*) FROM (SELECT score < lead(score) OVER (PARTITION BY user_id ORDER BY rank) AS up FROM "
        + recs(DAY) + ") WHERE up")).isEqualTo(0L);
    String attention = "read_parquet('" + wh.resolve("attention") + "/dt=" + DAY + "/*.parquet')";
    assertThat(DuckDb.query("SELECT count(*) AS n, min(alpha) > 0 AND max(alpha) < 1 AS inside FROM " + attention).get(0))
        .containsEntry("n", 1800L).containsEntry("inside", true);
    assertThat(DuckDb.scalar("SELECT count(*) FROM " + recs(DAY) + " r JOIN read_parquet('" + wh.resolve("interactions")
        + "/*.parquet') i USING (user_id, item_id)")).isEqualTo(0L);
    // explanations: every pick's reasons are its top history items by contribution, the same in both tables
    assertThat(DuckDb.scalar("SELECT count(*) FROM (SELECT contribution < lead(contribution) OVER (PARTITION BY user_id, item_id "
        + "ORDER BY contribution DESC, history_item_id) AS up FROM " + attention + ") WHERE up")).isEqualTo(0L);
    assertThat(DuckDb.scalar("SELECT count(*) FROM " + attention + " a JOIN (SELECT user_id, item_id, unnest(reasons) AS r FROM "
        + recs(DAY) + ") USING (user_id, item_id) WHERE a.history_item_id = r.item_id AND a.alpha = r.alpha")).isEqualTo(1800L);
    assertThat(DuckDb.scalar("SELECT count(*) FROM parquet_metadata('" + wh.resolve("recommendations") + "/*/*.parquet') "
        + "WHERE type = 'INT96'")).isEqualTo(0L);
    assertThat(wh.resolve("recommendations/dt=" + DAY + "/_SUCCESS")).exists();
    assertThat(wh.resolve("attention/dt=" + DAY + "/_SUCCESS")).exists();
    assertThat(r.reportPath()).endsWith("runs/score-contract.json");
  }

  @Test
  void blockedModeEqualsBroadcastAndReRunsReplaceOnlyTheirDay() {
    LocalDate a = DAY.plusDays(1);
    LocalDate b = DAY.plusDays(2);
    ScoreJob.run(spark, score(a), "score-a");
    ScoreResult blocked = ScoreJob.run(spark, score(b, "score.broadcast-budget-mb=0", "score.item-block=500"), "score-b");
    assertThat(blocked.mode()).isEqualTo("blocked");
    // another mode, other blockings and batchings: exactly the same picks, scores and reasons
    assertThat(DuckDb.picks(glob(b))).hasSizeGreaterThan(100).isEqualTo(DuckDb.picks(glob(a)));

    List<Map<String, Object>> before = content(b);
    ScoreJob.run(spark, score(a, "score.user-batch=7", "score.item-block=999", "score.partitions=3"), "score-a-again");
    assertThat(DuckDb.picks(glob(a))).isEqualTo(DuckDb.picks(glob(b)));
    assertThat(DuckDb.scalar("SELECT count(DISTINCT run_id) FROM " + recs(a))).isEqualTo(1L);
    assertThat(DuckDb.scalar("SELECT any_value(run_id) FROM " + recs(a))).isEqualTo("score-a-again");
    assertThat(content(b)).isEqualTo(before);
    assertThat(DuckDb.scalar("SELECT any_value(run_id) FROM " + recs(b))).isEqualTo("score-b");
  }

  @Test
  void twoStageScoresItsShortlistExactlyAndAutoChoosesByUsersTimesItems() {
    LocalDate exhaustive = DAY.plusDays(30);
    LocalDate whole = DAY.plusDays(31);
    LocalDate shortlisted = DAY.plusDays(32);
    ScoreResult e = ScoreJob.run(spark, score(exhaustive), "score-exhaustive");
    assertThat(e.ranking()).as("auto: 60 users × the slice's items are below the default budget").isEqualTo("exhaustive");
    String picks = "SELECT user_id, rank, item_id, score, reasons::VARCHAR AS reasons FROM read_parquet('%s') ORDER BY user_id, rank";

    // a shortlist as long as the corpus: the exhaustive picks, scores and reasons, from the second stage
    ScoreResult w = ScoreJob.run(spark, score(whole, "score.mode=two-stage", "score.two-stage.candidates=100000"), "score-whole");
    assertThat(w.ranking()).isEqualTo("two_stage");
    assertThat(DuckDb.query(picks.formatted(glob(whole)))).isEqualTo(DuckDb.query(picks.formatted(glob(exhaustive))));
    assertThat(DuckDb.scalar("SELECT string_agg(DISTINCT source) FROM " + recs(whole))).isEqualTo("two_stage");

    // 40 candidates a user, chosen by auto past a budget of 0 pairs: K picks each, α for 40 items instead of all
    ScoreResult r = ScoreJob.run(spark, score(shortlisted, "score.mode=auto", "score.two-stage.auto-above-pairs=0",
        "score.two-stage.candidates=40"), "score-shortlisted");
    assertThat(r.ranking()).isEqualTo("two_stage");
    assertThat(r.alphas()).isPositive().isLessThan(e.alphas() / 10);
    assertThat(r.recommendationRows()).isEqualTo(600);
    // a pick both runs make carries the same score and reasons: stage 2 is exhaustive scoring's arithmetic
    String both = "SELECT count(*) AS n, count(*) FILTER (WHERE a.score = b.score AND a.reasons::VARCHAR = b.reasons::VARCHAR) "
        + "AS same FROM " + recs(shortlisted) + " a JOIN " + recs(exhaustive) + " b USING (user_id, item_id)";
    Map<String, Object> agree = DuckDb.query(both).get(0);
    assertThat((Long) agree.get("n")).as("two-stage keeps some exhaustive picks").isGreaterThan(60L);
    assertThat(agree.get("same")).isEqualTo(agree.get("n"));
    assertThat(DuckDb.scalar("SELECT count(*) FROM (SELECT score < lead(score) OVER (PARTITION BY user_id ORDER BY rank) AS up "
        + "FROM " + recs(shortlisted) + ") WHERE up")).isEqualTo(0L);
    assertThat(DuckDb.scalar("SELECT count(*) FROM " + recs(shortlisted) + " r JOIN read_parquet('" + wh.resolve("interactions")
        + "/*.parquet') i USING (user_id, item_id)")).isEqualTo(0L);

    // two-stage needs the item tables broadcast: asked for, it fails and says so; auto scores exhaustively in blocks
    assertThatThrownBy(() -> ScoreJob.run(spark, score(DAY.plusDays(33), "score.mode=two-stage",
        "score.broadcast-budget-mb=0"), "score-two-stage-blocked"))
        .isInstanceOf(io.attnflow.jobs.BadInputException.class).hasMessageContaining("score.broadcast-budget-mb")
        .hasMessageContaining("score.mode = exhaustive");
    assertThat(wh.resolve("recommendations/dt=" + DAY.plusDays(33))).doesNotExist();
    ScoreResult auto = ScoreJob.run(spark, score(DAY.plusDays(34), "score.two-stage.auto-above-pairs=0",
        "score.broadcast-budget-mb=0", "score.item-block=500"), "score-auto-blocked");
    assertThat(auto.mode()).isEqualTo("blocked");
    assertThat(auto.ranking()).isEqualTo("exhaustive");
  }

  @Test
  void missingModelExitsFourBeforeWritingAnything(@TempDir Path empty) {
    assertThat(io.attnflow.jobs.Main.run("score", "--dt", "2030-01-01", "--set", "warehouse=" + empty)).isEqualTo(4);
    assertThat(empty.resolve("recommendations")).doesNotExist();
  }

  /** Failure proof: a model file truncated or altered after training is refused before anything is written. */
  @Test
  void aTruncatedOrAlteredModelIsRefusedBeforeAnyOutput(@TempDir Path copy) throws Exception {
    org.apache.commons.io.FileUtils.copyDirectory(wh.resolve("interactions").toFile(), copy.resolve("interactions").toFile());
    org.apache.commons.io.FileUtils.copyDirectory(wh.resolve("models").toFile(), copy.resolve("models").toFile());
    String[] score = {"score", "--dt", "2030-02-01", "--set", "warehouse=" + copy};
    assertThat(io.attnflow.jobs.Main.run(score)).isZero();
    Path day = copy.resolve("recommendations/dt=2030-02-01");
    Map<String, Long> before = listing(day);
    assertThat(before).containsKey("_SUCCESS");

    Path network = copy.resolve("models/m1/network.zip");
    byte[] bytes = Files.readAllBytes(network);
    Files.write(network, java.util.Arrays.copyOf(bytes, bytes.length / 2)); // truncated
    assertThat(io.attnflow.jobs.Main.run(score)).isEqualTo(4);
    assertThat(listing(day)).isEqualTo(before);

    bytes[bytes.length / 3] ^= 1; // one bit altered, length unchanged
    Files.write(network, bytes);
    assertThat(io.attnflow.jobs.Main.run(score)).isEqualTo(4);
    assertThat(listing(day)).isEqualTo(before);
    assertThat(copy.resolve("attention/dt=2030-02-01")).exists();
  }

  /**
   * Failure proof: two runs of one day at once: one scores, the other fails at once; never a mixed
   * partition. A lock whose holder stopped renewing it is taken over.
   */
  @Test
  void twoRunsOfOneDayAtOnceNeverMix() throws Exception {
    LocalDate day = DAY.plusDays(20);
    var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    var first = pool.submit(() -> ScoreJob.run(spark, score(day), "concurrent-1"));
    var second = pool.submit(() -> ScoreJob.run(spark, score(day), "concurrent-2"));
    List<Object> outcomes = new ArrayList<>();
    for (var f : List.of(first, second)) {
      try {
        outcomes.add(f.get().runId());
      } catch (java.util.concurrent.ExecutionException e) {
        outcomes.add(e.getCause());
      }
    }
    pool.shutdown();
    assertThat(outcomes).filteredOn(String.class::isInstance).hasSize(1);
    assertThat(outcomes).filteredOn(io.attnflow.jobs.RunConflictException.class::isInstance).singleElement()
        .extracting(o -> ((Exception) o).getMessage()).asString()
        .contains("Cannot score " + day + ": run concurrent-").contains("locks/score-dt=" + day);
    String winner = (String) outcomes.stream().filter(String.class::isInstance).findFirst().orElseThrow();
    assertThat(DuckDb.query("SELECT DISTINCT run_id FROM " + recs(day))).containsExactly(Map.of("run_id", winner));
    assertThat(wh.resolve("locks/score-dt=" + day)).doesNotExist();

    // a lock held on another host: refused with exit 5 while it is renewed, taken over once its lease ran out
    Path lock = wh.resolve("locks/score-dt=" + day);
    Files.writeString(lock, "run=elsewhere\nhost=another-host\npid=1\nsince=2030-01-01T00:00:00Z\n");
    String[] again = {"score", "--dt", day.toString(), "--set", "warehouse=" + wh, "--set", "score.lock-lease-seconds=60"};
    assertThat(io.attnflow.jobs.Main.run(again)).isEqualTo(5);
    assertThat(DuckDb.query("SELECT DISTINCT run_id FROM " + recs(day))).containsExactly(Map.of("run_id", winner));
    assertThat(lock.toFile().setLastModified(System.currentTimeMillis() - 61_000)).isTrue();
    assertThat(io.attnflow.jobs.Main.run(again)).isZero();
    assertThat(lock).doesNotExist();
    assertThat(DuckDb.query("SELECT DISTINCT run_id FROM " + recs(day))).doesNotContain(Map.of("run_id", winner));
  }

  /** Every file of a folder with its size and modification time. */
  private static Map<String, Long> listing(Path dir) throws java.io.IOException {
    try (var files = Files.list(dir)) {
      return files.collect(java.util.stream.Collectors.toMap(f -> f.getFileName().toString(),
          f -> f.toFile().length() * 1_000_000_007L + f.toFile().lastModified()));
    }
  }

  @Test
  void writtenScoresEqualDl4jOutputForSampledUsers() throws Exception {
    LocalDate day = DAY.plusDays(3);
    ScoreJob.run(spark, score(day), "score-parity");
    ModelStore.Loaded loaded = new ModelStore(new Warehouse(wh.toString(), spark.sparkContext().hadoopConfiguration()),
        spark.sparkContext().hadoopConfiguration()).load("latest");
    // histories as the job formed them: the model's m (20 here, while model.history-length says 50)
    ScoreSettings s = score(day).withModel(io.attnflow.jobs.config.ModelSettings.of(loaded.manifest()));
    assertThat(s.model().historyLength()).isEqualTo(20);
    int m = s.model().historyLength();
    int k = 10;
    var dl4j = AttentionNetwork.scoring(loaded.network(), k);
    Vocabulary vocabulary = loaded.model().vocabulary();
    List<Row> users = ScoreJob.users(spark, new Warehouse(wh.toString(), spark.sparkContext().hadoopConfiguration()), s,
        ScoreJob.endMicros(s)).filter(col("user_id").isin("3", "17", "42")).collectAsList();
    assertThat(users).hasSize(3);
    for (Row u : users) {
      var in = ScoreJob.userInput(u);
      assertThat(in.items()).allSatisfy(i -> assertThat(vocabulary.index(i)).isPresent());
      UserSequence seq = new UserSequence(in.userId(), java.util.Arrays.stream(in.items())
          .mapToInt(i -> vocabulary.index(i).getAsInt()).toArray(), in.ts(), in.events());
      List<Map<String, Object>> top = DuckDb.query("SELECT item_id, score FROM " + recs(day) + " WHERE user_id = '"
          + u.getString(0) + "' ORDER BY rank LIMIT " + k);
      int[] cand = top.stream().mapToInt(t -> vocabulary.index((String) t.get("item_id")).getAsInt()).toArray();
      INDArray out = dl4j.output(TrainingWindows.batch(List.of(TrainingWindows.at(seq, ScoreJob.endMicros(s), m,
          s.model().weights(), cand)), loaded.content()).getFeatures())[0];
      for (int j = 0; j < k; j++) {
        float z = out.getFloat(0, (m - 1) * (1 + k) + 1 + j); // the ranking score; s = σ(z)
        assertThat(((Number) top.get(j).get("score")).floatValue()).isCloseTo(loaded.model().aggregation().score(z),
            within(1e-4f));
      }
    }
    assertThat(Files.exists(wh.resolve("runs/score-parity.json"))).isTrue();
  }

  /**
   * News: the day's items are new to the model, and with {@code score.freshness-days} they are the only candidates.
   * Two of them have text the embedding knows (the titles and genres of two known films), one has none; the first two
   * are ranked for every user, with α and reasons, and scored as the model placed them.
   */
  @Test
  void newItemsAreRankedFromTheirContentWithTheirAlphaAndReasons(@TempDir Path copy) throws Exception {
    for (String table : List.of("interactions", "items", "item_vectors", "embeddings", "models")) {
      copyTree(wh.resolve(table), copy.resolve(table));
    }
    LocalDate day = DAY.plusDays(40);
    var items = spark.read().parquet(wh.resolve("items").toString());
    var published = org.apache.spark.sql.functions.lit(java.sql.Timestamp.valueOf(day.atTime(6, 0)));
    var twins = items.filter(col("item_id").isin("1", "260")) // Toy Story, Star Wars
        .withColumn("item_id", org.apache.spark.sql.functions.concat(org.apache.spark.sql.functions.lit("new-"), col("item_id")))
        .withColumn("published_at", published);
    var wordless = items.filter(col("item_id").equalTo("1"))
        .withColumn("item_id", org.apache.spark.sql.functions.lit("new-wordless"))
        .withColumn("title", org.apache.spark.sql.functions.lit("Qxzv"))
        .withColumn("tags", org.apache.spark.sql.functions.expr("filter(tags, t -> false)"))
        .withColumn("text", org.apache.spark.sql.functions.lit(null).cast("string"))
        .withColumn("category", org.apache.spark.sql.functions.lit(null).cast("string"))
        .withColumn("published_at", published);
    items.unionByName(twins).unionByName(wordless).write().mode("overwrite").parquet(copy.resolve("items-next").toString());
    ModelStore.deleteLocal(copy.resolve("items"));
    Files.move(copy.resolve("items-next"), copy.resolve("items"));
    List<String> at = List.of("warehouse=" + copy);
    EmbedJob.run(spark, Settings.load(List.of(), at).embed(), "embed-news"); // the saved Word2Vec, reused

    ScoreResult r = ScoreJob.run(spark, Settings.load(List.of(), List.of("warehouse=" + copy, "score.freshness-days=1"))
        .score().withDt(day), "score-news");
    // every item of items/ that the model never saw is new (here also the films no user of the slice rated), and placed
    // unless it has no content vector, as the wordless one
    var vocabulary = new ModelStore(new Warehouse(copy.toString(), spark.sparkContext().hadoopConfiguration()),
        spark.sparkContext().hadoopConfiguration()).load("latest").model().vocabulary();
    Object[] knownIds = java.util.stream.IntStream.range(0, vocabulary.size()).mapToObj(vocabulary::id).toArray();
    var fresh = spark.read().parquet(copy.resolve("item_vectors").toString()).filter(col("item_id").isin(knownIds).unary_$bang());
    long withoutVector = fresh.filter(col("vector").isNull()).count();
    assertThat(withoutVector).isGreaterThanOrEqualTo(1);
    assertThat(r.newItems()).containsEntry("new_items", fresh.count())
        .containsEntry("placed", fresh.count() - withoutVector).containsEntry("without_content", withoutVector)
        .containsEntry("not_embedded", 0L).containsEntry("other_embedding", 0L);
    String recs = "read_parquet('" + copy.resolve("recommendations") + "/dt=" + day + "/*.parquet')";
    String attention = "read_parquet('" + copy.resolve("attention") + "/dt=" + day + "/*.parquet')";
    assertThat(DuckDb.scalar("SELECT count(DISTINCT user_id) FROM " + recs + " WHERE source = 'attention'"))
        .isEqualTo(r.users() - r.fallbackUsers());
    assertThat(DuckDb.query("SELECT DISTINCT item_id FROM " + recs + " ORDER BY item_id"))
        .extracting(row -> row.get("item_id")).containsExactly("new-1", "new-260");
    assertThat(DuckDb.scalar("SELECT min(len(reasons)) FROM " + recs + " WHERE source = 'attention'")).isEqualTo(3L);
    assertThat(DuckDb.scalar("SELECT count(*) FROM " + attention + " WHERE NOT (alpha > 0 AND alpha < 1)")).isEqualTo(0L);

    // the written scores and α are the model's for items placed by their content
    ModelStore.Loaded loaded = new ModelStore(new Warehouse(copy.toString(), spark.sparkContext().hadoopConfiguration()),
        spark.sparkContext().hadoopConfiguration()).load("latest");
    List<Row> vectors = spark.read().parquet(copy.resolve("item_vectors").toString())
        .filter(col("item_id").isin("new-1", "new-260")).orderBy("item_id").collectAsList();
    float[] content = new float[2 * loaded.model().shape().content()];
    for (int i = 0; i < 2; i++) {
      List<Object> v = vectors.get(i).getList(1);
      for (int d = 0; d < v.size(); d++) {
        content[i * v.size() + d] = ((Number) v.get(d)).floatValue();
      }
    }
    var grown = loaded.model().withNewItems(List.of("new-1", "new-260"), content);
    ScoreSettings s = Settings.load(List.of(), at).score().withDt(day)
        .withModel(io.attnflow.jobs.config.ModelSettings.of(loaded.manifest()));
    Row user = ScoreJob.users(spark, new Warehouse(copy.toString(), spark.sparkContext().hadoopConfiguration()), s,
        ScoreJob.endMicros(s)).filter(col("user_id").equalTo("17")).first();
    var h = ScoreJob.history(ScoreJob.userInput(user), grown.vocabulary(), s.model().weights(), s.model().historyLength(),
        ScoreJob.endMicros(s));
    for (String item : List.of("new-1", "new-260")) {
      int j = grown.vocabulary().index(item).getAsInt();
      assertThat(((Number) DuckDb.scalar("SELECT score FROM " + recs + " WHERE user_id = '17' AND item_id = '" + item + "'"))
          .floatValue()).isCloseTo(grown.score(h, j), within(1e-4f));
      float[] alphas = grown.alphas(h, j);
      for (Map<String, Object> a : DuckDb.query("SELECT history_item_id, alpha FROM " + attention
          + " WHERE user_id = '17' AND item_id = '" + item + "'")) {
        int slot = java.util.stream.IntStream.range(0, h.length())
            .filter(i -> grown.vocabulary().id(h.items()[i]).equals(a.get("history_item_id"))).findFirst().orElseThrow();
        assertThat(((Number) a.get("alpha")).floatValue()).isCloseTo(alphas[slot], within(1e-5f));
      }
    }
    assertThat(Files.readString(copy.resolve("runs/score-news.json")))
        .contains("\"placed\" : " + r.newItems().get("placed"));

    // "more like this" by the learned φ reaches the new items too
    var related = io.attnflow.jobs.related.RelatedJob.run(spark, Settings.load(List.of(), List.of("warehouse=" + copy,
        "related.basis=phi", "related.top-k=5")).related(), day, "related-news");
    assertThat(related.items()).isEqualTo(grown.vocabulary().size() + r.newItems().get("placed") - 2);
    assertThat(DuckDb.scalar("SELECT count(*) FROM read_parquet('" + copy.resolve("related") + "/dt=" + day
        + "/*.parquet') WHERE item_id = 'new-260'")).isEqualTo(5L);
  }

  private static void copyTree(Path from, Path to) throws java.io.IOException {
    try (var files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Files.copy(p, to.resolve(from.relativize(p).toString()));
      }
    }
  }
}
