package io.attnflow.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.apache.spark.sql.functions.col;

import io.attnflow.core.data.Interaction;
import io.attnflow.core.eval.LeaveOneOut;
import io.attnflow.core.eval.Metrics;
import io.attnflow.core.eval.Ranking;
import io.attnflow.core.eval.HeldOutCase;
import io.attnflow.core.model.AttentionModel;
import io.attnflow.core.model.AttentionNetwork;
import io.attnflow.core.model.TrainingWindows;
import io.attnflow.core.score.ItemBlock;
import io.attnflow.core.score.ScoringKernel;
import io.attnflow.core.model.HistoryWeights;
import io.attnflow.core.model.UserSequence;
import io.attnflow.core.model.Vocabulary;
import io.attnflow.core.testing.PlantedSignal;
import io.attnflow.jobs.DuckDb;
import io.attnflow.jobs.Stderr;
import io.attnflow.jobs.TestSpark;
import io.attnflow.jobs.config.ModelSettings;
import io.attnflow.jobs.config.Settings;
import io.attnflow.jobs.config.TrainSettings;
import io.attnflow.jobs.ingest.IngestJob;
import io.attnflow.jobs.model.ModelStore;
import io.attnflow.jobs.spark.Warehouse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Training through dl4j-spark on the shared local[2] session. */
class TrainIT {
  private static SparkSession spark;

  @BeforeAll
  static void spark() {
    spark = TestSpark.session();
  }

  private static TrainSettings settings(Path wh, String... sets) {
    // planted interactions have no items/ and so no content: ids only (ScoreIT and EvaluateIT train with content)
    List<String> all = new ArrayList<>(List.of("warehouse=" + wh, "train.dim=16", "train.projection=16",
        "train.pool-hidden=8", "train.learning-rate=0.01", "train.content=false"));
    all.addAll(List.of(sets));
    return Settings.load(List.of(), all).train();
  }

  /**
   * The defaults (a learning rate that decays along a cosine), a constant rate, and the other training options together:
   * BCE loss, popularity negatives, averaged epochs.
   */
  @ParameterizedTest
  @ValueSource(strings = {"train.loss=softmax", "train.learning-rate-decay=none",
      "train.loss=bce,train.popular-negatives=0.5,train.average-epochs=2,train.learning-rate-decay=cosine"})
  void plantedClusterFollowingIsRecoveredFarAbovePopularity(String options, @TempDir Path wh) throws Exception {
    // clusters larger than a user's 12 events, so that held-out targets are new items, never repeats
    // of the history; 20 epochs, since early validation on 300 users is too noisy to stop on
    List<Interaction> planted = PlantedSignal.generate(300, 15, 14, 12, 0.1, 7);
    TestSpark.writeInteractions(wh, planted);
    List<String> sets = new ArrayList<>(List.of("model.history-length=10", "train.epochs=20", "train.patience=20"));
    sets.addAll(List.of(options.split(",")));
    TrainSettings settings = settings(wh, sets.toArray(String[]::new));
    TrainResult r = TrainJob.run(spark, settings, "planted");

    ModelStore.Loaded loaded = new ModelStore(new Warehouse(wh.toString(), spark.sparkContext().hadoopConfiguration()),
        spark.sparkContext().hadoopConfiguration()).load("latest");
    assertThat(loaded.version()).isEqualTo("planted");
    Vocabulary vocabulary = loaded.model().vocabulary();
    HistoryWeights weights = ModelSettings.of(loaded.manifest()).weights();

    // The same test cases for both rankers: each user's held-out last item against 100 negatives.
    Map<String, List<Interaction>> byUser = planted.stream().collect(Collectors.groupingBy(Interaction::userId));
    Map<Integer, Integer> popularity = new HashMap<>();
    List<HeldOutCase> cases = new ArrayList<>();
    List<HeldOutCase> validation = new ArrayList<>();
    var validationCase = TrainJob.validationCase(settings, loaded.manifest().shape());
    for (List<Interaction> events : byUser.values()) {
      events.sort(Comparator.comparingLong(Interaction::tsMicros));
      UserSequence seq = new UserSequence(events.get(0).userId(),
          events.stream().mapToInt(i -> vocabulary.index(i.itemId()).getAsInt()).toArray(),
          events.stream().mapToLong(Interaction::tsMicros).toArray(),
          events.stream().map(Interaction::event).toArray(String[]::new));
      for (int item : LeaveOneOut.train(seq).items()) {
        popularity.merge(item, 1, Integer::sum);
      }
      // histories formed as the model was trained to see them
      cases.add(LeaveOneOut.heldOutCase(seq, true, 10, weights, 100, vocabulary.size(),
          new SplittableRandom(seq.userId().hashCode())));
      HeldOutCase v = validationCase.call(seq);
      if (LeaveOneOut.evaluable(seq) && v.history().length() > 0) {
        validation.add(v);
      }
    }
    // what the manifest records for the kept epoch, ranked in Spark tasks, is the driver's figures of the kept model
    Map<io.attnflow.core.eval.Protocol, Metrics> validated = Metrics.of(loaded.model(), validation, 10);
    Map<String, Object> kept = r.manifest().bestMetrics();
    assertThat(List.of(kept.get("val_hr10"), kept.get("val_ndcg10"), kept.get("val_full_hr10"),
        kept.get("val_full_ndcg10")))
        .as("kept epoch's validation figures").usingElementComparator((a, b) ->
            Math.abs(((Number) a).doubleValue() - ((Number) b).doubleValue()) <= 1e-5 ? 0 : 1)
        .containsExactly(validated.get(io.attnflow.core.eval.Protocol.SAMPLED).hitRate(),
            validated.get(io.attnflow.core.eval.Protocol.SAMPLED).ndcg(),
            validated.get(io.attnflow.core.eval.Protocol.FULL).hitRate(),
            validated.get(io.attnflow.core.eval.Protocol.FULL).ndcg());
    assertThat(((Number) r.manifest().data().get("validation_users")).intValue()).isEqualTo(validation.size());
    double popularityHits = 0;
    for (HeldOutCase c : cases) {
      int[] cand = c.candidates();
      float[] scores = new float[cand.length];
      for (int j = 0; j < cand.length; j++) {
        scores[j] = popularity.getOrDefault(cand[j], 0);
      }
      popularityHits += Ranking.hit(Ranking.rank(scores, cand, 0), 10);
    }
    double popularityHr = popularityHits / cases.size();
    Map<io.attnflow.core.eval.Protocol, Metrics> both = Metrics.of(loaded.model(), cases, 10);
    Metrics attention = both.get(io.attnflow.core.eval.Protocol.SAMPLED);
    Metrics full = both.get(io.attnflow.core.eval.Protocol.FULL);

    assertThat(r.manifest().epochs()).isNotEmpty();
    assertThat((Double) r.manifest().bestMetrics().get("val_hr10")).as("epochs %s", r.manifest().epochs())
        .isGreaterThan(0.6);
    assertThat(attention.hitRate()).as("attention HR@10 vs popularity %.3f", popularityHr)
        .isGreaterThan(0.6).isGreaterThan(3 * popularityHr);
    // every unseen item competes under full ranking, a superset of the sampled negatives
    assertThat(full.hitRate()).isPositive().isLessThanOrEqualTo(attention.hitRate());
    assertThat(r.manifest().epochs()).allSatisfy(e -> assertThat(e).containsKeys("val_full_hr10", "val_full_ndcg10"));
    List<Double> rates = r.manifest().epochs().stream().map(e -> ((Number) e.get("learning_rate")).doubleValue()).toList();
    if (!options.contains("decay=none")) { // from the configured rate at the first epoch, falling at every epoch after
      assertThat(rates.get(0)).isEqualTo(0.01);
      assertThat(rates).isSortedAccordingTo(Comparator.reverseOrder()).doesNotHaveDuplicates();
    } else {
      assertThat(rates).containsOnly(0.01);
    }
  }

  /** Bad input: a warehouse that ingest has not filled is refused with exit 3 and a message naming what to run. */
  @Test
  void aWarehouseWithoutIngestedDataExitsThreeSayingWhatToRunFirst(@TempDir Path empty) {
    int[] codes = new int[2];
    String err = Stderr.of(() -> {
      codes[0] = io.attnflow.jobs.Main.run("train", "--set", "warehouse=" + empty);
      codes[1] = io.attnflow.jobs.Main.run("embed", "--set", "warehouse=" + empty);
    });
    assertThat(codes[0]).isEqualTo(3); // train
    assertThat(codes[1]).isEqualTo(3); // embed
    assertThat(err)
        .containsPattern("Cannot train: \\S+/interactions does not exist \\(run attnflow ingest first\\)")
        .containsPattern("Cannot embed items: \\S+/items does not exist \\(run attnflow ingest first\\)")
        .doesNotContain("AnalysisException");
    assertThat(empty.resolve("models")).doesNotExist();
  }

  @Test
  void promotionGateKeepsAWorseModelBackAndLetsItThroughWithinTolerance(@TempDir Path wh) {
    TestSpark.writeInteractions(wh, PlantedSignal.generate(200, 10, 8, 10, 0.1, 5));
    var conf = spark.sparkContext().hadoopConfiguration();
    ModelStore store = new ModelStore(new Warehouse(wh.toString(), conf), conf);
    TrainResult good = TrainJob.run(spark, settings(wh, "model.history-length=8", "train.epochs=4"), "good");
    assertThat(good.promoted()).isTrue();
    assertThat(good.promotion().reason()).contains("no model was latest");

    // a learning rate too small to learn anything: validation NDCG@10 far below the good model's
    TrainResult bad = TrainJob.run(spark, settings(wh, "model.history-length=8", "train.epochs=1",
        "train.learning-rate=0.0000001"), "bad");
    assertThat(TrainJob.validationNdcg(bad.manifest())).isLessThan(TrainJob.validationNdcg(good.manifest()) - 0.01);
    assertThat(bad.promoted()).isFalse();
    assertThat(bad.promotion().reason()).startsWith("kept bad unpromoted").contains("latest stays good");
    assertThat(store.latest()).contains("good");
    assertThat(store.load("bad").version()).isEqualTo("bad"); // kept, complete and loadable

    TrainResult tolerated = TrainJob.run(spark, settings(wh, "model.history-length=8", "train.epochs=1",
        "train.learning-rate=0.0000001", "train.promotion-tolerance=1"), "tolerated");
    assertThat(tolerated.promoted()).isTrue();
    assertThat(store.latest()).contains("tolerated");
  }

  @Test
  void sameDataAndConfigGiveTheSameModel(@TempDir Path wh) throws Exception {
    TestSpark.writeInteractions(wh, PlantedSignal.generate(120, 8, 8, 10, 0.1, 11));
    TrainSettings s = settings(wh, "model.history-length=8", "train.epochs=2");
    TrainJob.run(spark, s, "first");
    TrainJob.run(spark, s, "second");
    var conf = spark.sparkContext().hadoopConfiguration();
    ModelStore store = new ModelStore(new Warehouse(wh.toString(), conf), conf);
    INDArray first = store.load("first").network().params();
    INDArray second = store.load("second").network().params();
    assertThat(second.equalsWithEps(first, 0)).as("parameters of two identical trainings").isTrue();
    assertThat(Files.readAllBytes(wh.resolve("models/second/vocabulary.parquet")))
        .isEqualTo(Files.readAllBytes(wh.resolve("models/first/vocabulary.parquet")));
  }

  @Test
  void anEpochOfManySplitsIsFittedInChunksOfUsersEveryWindowOnceAndTheSameOnEveryRun(@TempDir Path wh) throws Exception {
    TestSpark.writeInteractions(wh, PlantedSignal.generate(160, 8, 8, 10, 0.1, 13));
    // an average after each worker's minibatch: 160 windows, 10 minibatches, 5 splits an epoch, one to a chunk
    List<String> sets = List.of("model.history-length=8", "train.epochs=1", "train.averaging-frequency=1");
    TrainResult whole = TrainJob.run(spark, settings(wh, sets.toArray(String[]::new)), "whole");
    List<String> chunkedSets = new ArrayList<>(sets);
    chunkedSets.add("train.chunk-splits=1");
    TrainSettings chunked = settings(wh, chunkedSets.toArray(String[]::new));
    TrainResult first = TrainJob.run(spark, chunked, "chunked");
    TrainResult second = TrainJob.run(spark, chunked, "chunked-again");

    assertThat(whole.manifest().data()).containsEntry("chunks_per_epoch", 1);
    assertThat((Integer) first.manifest().data().get("chunks_per_epoch")).isGreaterThanOrEqualTo(4);
    long positions = ((Number) whole.manifest().data().get("positions_per_epoch")).longValue();
    assertThat(positions).isPositive();
    assertThat(((Number) first.manifest().data().get("positions_per_epoch")).longValue()).isEqualTo(positions);
    var conf = spark.sparkContext().hadoopConfiguration();
    ModelStore store = new ModelStore(new Warehouse(wh.toString(), conf), conf);
    INDArray initial = AttentionNetwork.create(chunked.network(store.load("chunked").model().shape()), chunked.seed())
        .params();
    INDArray trained = store.load("chunked").network().params();
    assertThat(trained.equalsWithEps(initial, 1e-6)).as("the chunks were fitted").isFalse();
    assertThat(store.load("chunked-again").network().params().equalsWithEps(trained, 0))
        .as("parameters of two identical chunked trainings").isTrue();
  }

  @Test
  void demoSliceTrainsToAVerifiedModelFolderWithParity(@TempDir Path wh) throws Exception {
    Path d = TestSpark.demoData();
    IngestJob.run(spark, Settings.load(List.of(), List.of("warehouse=" + wh,
        "input.interactions.path=" + d.resolve("ratings.csv"), "input.interactions.format=movielens-csv",
        "input.items.path=" + d.resolve("movies.csv"), "input.items.format=movielens-csv")).ingest(), "ingest-slice");
    // a slice: the first 80 users
    spark.read().parquet(wh.resolve("interactions").toString()).filter(col("user_id").cast("int").leq(80))
        .write().parquet(wh.resolve("slice").toString());
    spark.read().parquet(wh.resolve("slice").toString()).write().mode("overwrite").parquet(wh.resolve("interactions").toString());

    TrainResult r = TrainJob.run(spark, settings(wh, "train.epochs=2", "model.history-length=20"), "slice-v1");

    Path folder = wh.resolve("models").resolve("slice-v1");
    assertThat(Files.list(folder).map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList())
        .containsExactly("manifest.json", "network.zip", "split.parquet", "vocabulary.parquet");
    assertThat(Files.readString(wh.resolve("models").resolve("LATEST")).trim()).isEqualTo("slice-v1");
    assertThat(r.manifest().files()).containsOnlyKeys("network.zip", "split.parquet", "vocabulary.parquet");
    assertThat(r.manifest().epochs()).hasSizeBetween(1, 2);
    long users = (Long) DuckDb.scalar("SELECT count(DISTINCT user_id) FROM read_parquet('" + wh.resolve("interactions") + "/*.parquet')");
    assertThat(DuckDb.scalar("SELECT count(*) FROM read_parquet('" + folder.resolve("split.parquet") + "')")).isEqualTo(users);
    assertThat(DuckDb.types(folder.resolve("split.parquet").toString())).containsEntry("test_ts", "TIMESTAMP WITH TIME ZONE");

    ModelStore store = new ModelStore(new Warehouse(wh.toString(), spark.sparkContext().hadoopConfiguration()),
        spark.sparkContext().hadoopConfiguration());
    ModelStore.Loaded loaded = store.load("latest");
    // the split (a row per held-out user) is read only when asked for: by evaluation, never by scoring
    assertThat(loaded.split()).isEmpty();
    assertThat(store.loadWithSplit("latest").split()).hasSize((int) users).allSatisfy(row -> assertThat(row).hasSize(5));
    AttentionModel model = loaded.model();
    assertThat(loaded.manifest().shape().items()).isEqualTo(model.vocabulary().size());
    // parity: DL4J's own output() and the scoring kernel on random sequences of the trained model
    SplittableRandom random = new SplittableRandom(3);
    HistoryWeights weights = ModelSettings.of(loaded.manifest()).weights();
    int m = loaded.manifest().shape().history();
    int items = model.vocabulary().size();
    int[] candidates = random.ints(8, 0, items).distinct().sorted().toArray();
    var dl4j = AttentionNetwork.scoring(loaded.network(), candidates.length);
    ScoringKernel kernel = new ScoringKernel(model);
    for (int u = 0; u < 16; u++) {
      int len = 1 + random.nextInt(2 * m);
      long[] ts = new long[len];
      for (int i = 0; i < len; i++) {
        ts[i] = 1_000_000_000_000_000L + i * 3_600_000_000L;
      }
      UserSequence seq = new UserSequence("u" + u, random.ints(len, 0, items).toArray(), ts,
          java.util.Collections.nCopies(len, "rating").toArray(String[]::new));
      long night = ts[len - 1] + 86_400_000_000L;
      INDArray out = dl4j.output(TrainingWindows.batch(List.of(TrainingWindows.at(seq, night, m, weights, candidates)))
          .getFeatures())[0];
      float[] fast = new float[candidates.length];
      kernel.rankingScores(List.of(seq.historyBefore(len, m, weights, night)), ItemBlock.of(model, candidates), fast);
      for (int j = 0; j < candidates.length; j++) {
        float z = out.getFloat(0, (m - 1) * (1 + candidates.length) + 1 + j);
        assertThat(fast[j]).as("user %d candidate %d", u, j).isCloseTo(z, within(1e-4f * Math.max(1, Math.abs(z))));
      }
    }
  }
}
