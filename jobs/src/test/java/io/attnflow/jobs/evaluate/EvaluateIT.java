package io.attnflow.jobs.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.attnflow.core.data.Interaction;
import io.attnflow.core.eval.AttentionScorer;
import io.attnflow.core.eval.HeldOutCase;
import io.attnflow.core.eval.LeaveOneOut;
import io.attnflow.core.eval.MetricSums;
import io.attnflow.core.eval.Protocol;
import io.attnflow.core.model.HistoryWeights;
import io.attnflow.core.model.UserSequence;
import io.attnflow.core.testing.PlantedSignal;
import io.attnflow.jobs.BadInputException;
import io.attnflow.jobs.DuckDb;
import io.attnflow.jobs.TestSpark;
import io.attnflow.jobs.config.EvaluateSettings;
import io.attnflow.jobs.config.ModelSettings;
import io.attnflow.jobs.config.Settings;
import io.attnflow.jobs.evaluate.EvaluateJob.EvaluateResult;
import io.attnflow.jobs.evaluate.EvaluateJob.Figure;
import io.attnflow.jobs.model.ModelStore;
import io.attnflow.jobs.spark.Warehouse;
import io.attnflow.jobs.train.Sequences;
import io.attnflow.jobs.train.TrainJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.mllib.evaluation.RankingMetrics;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;

/** The evaluate job on a model trained on planted clusters, and its metrics against Spark's RankingMetrics. */
class EvaluateIT {
  private static SparkSession spark;
  @TempDir
  static Path wh;

  @BeforeAll
  static void trainAModel() {
    spark = TestSpark.session();
    // clusters larger than a user's 12 events: held-out targets are new items, never repeats of the history
    TestSpark.writeInteractions(wh, PlantedSignal.generate(240, 12, 14, 12, 0.1, 3));
    TrainJob.run(spark, Settings.load(List.of(), List.of("warehouse=" + wh, "train.dim=16", "train.projection=16",
        "train.pool-hidden=8", "model.history-length=10", "train.epochs=20",
        "train.patience=20", "train.content=false")).train(), "planted");
  }

  private static EvaluateSettings settings(String... sets) {
    List<String> all = new ArrayList<>(List.of("warehouse=" + wh, "evaluate.als.ranks=[4, 8]",
        "evaluate.als.reg-params=[0.1]", "evaluate.als.iterations=5", "evaluate.negatives=50"));
    all.addAll(List.of(sets));
    return Settings.load(List.of(), all).evaluate();
  }

  private static double figure(EvaluateResult r, String split, String protocol, String method, String metric, Integer k) {
    return r.figures().stream().filter(f -> f.split().equals(split) && f.protocol().equals(protocol)
            && f.method().equals(method) && f.metric().equals(metric) && java.util.Objects.equals(f.k(), k))
        .mapToDouble(Figure::value).findFirst().orElseThrow(() -> new AssertionError("no " + method + " " + metric + "@" + k));
  }

  @Test
  void everyMethodUnderBothProtocolsWrittenForBi() throws Exception {
    EvaluateResult r = EvaluateJob.run(spark, settings("evaluate.two-stage-candidates=[5, 20, 100000]"), "eval-1");
    assertThat(r.figures()).as("no impression log, no impression figures")
        .noneMatch(f -> f.protocol().equals(EvaluateJob.IMPRESSIONS));

    assertThat(r.users()).isEqualTo(240);
    assertThat(r.alsGrid()).containsOnlyKeys("rank=4,reg=0.1", "rank=8,reg=0.1");
    for (String protocol : List.of("sampled", "full")) {
      List<Figure> test = r.figures().stream().filter(f -> f.split().equals("test") && f.protocol().equals(protocol)).toList();
      assertThat(test.stream().map(Figure::method).distinct()).containsExactly("attention", "most_popular", "item_knn", "als");
      assertThat(test).allSatisfy(f -> assertThat(f.value()).isBetween(0.0, 1.0));
      assertThat(test.stream().filter(f -> f.method().equals("attention")).map(f -> f.metric() + "@" + f.k()))
          .containsExactlyInAnyOrder("hr@1", "hr@5", "hr@10", "hr@20", "ndcg@1", "ndcg@5", "ndcg@10", "ndcg@20", "mrr@null",
              "coverage@1", "coverage@5", "coverage@10", "coverage@20");
      // users follow planted clusters: the attention model ranks far above popularity
      double popular = figure(r, "test", protocol, "most_popular", "ndcg", 10);
      assertThat(figure(r, "test", protocol, "attention", "ndcg", 10)).as("%s: attention vs most-popular %.3f", protocol, popular)
          .isGreaterThan(1.5 * popular);
    }
    // the sampled candidates are a subset of the full ranking's: a target never ranks worse among them
    for (Figure f : r.figures()) {
      if (f.protocol().equals("full") && f.metric().equals("hr")) {
        Figure sampled = r.figures().stream().filter(g -> g.protocol().equals("sampled")
            && g.equals(new Figure(f.split(), "sampled", f.method(), f.params(), "hr", f.k(), g.value(), f.users()))).findFirst().orElseThrow();
        assertThat(sampled.value()).as(f.toString()).isGreaterThanOrEqualTo(f.value());
      }
    }
    // two-stage against exhaustive: overlap@10 grows with the shortlist (a longer one holds every exhaustive pick the
    // shorter one did), and a shortlist of the whole corpus gives exactly the exhaustive lists
    java.util.function.BiFunction<String, String, Double> two = (params, metric) -> r.figures().stream()
        .filter(f -> f.protocol().equals("two_stage") && f.params().equals(params) && f.metric().equals(metric))
        .mapToDouble(Figure::value).findFirst().orElseThrow(() -> new AssertionError("no two-stage " + params + " " + metric));
    assertThat(two.apply("exhaustive", "overlap")).isEqualTo(1.0);
    assertThat(two.apply("exhaustive", "hr")).isCloseTo(figure(r, "test", "full", "attention", "hr", 10), within(1.5 / 240));
    for (String metric : List.of("hr", "ndcg", "overlap")) {
      assertThat(two.apply("candidates=100000", metric)).as(metric).isEqualTo(two.apply("exhaustive", metric));
    }
    assertThat(two.apply("candidates=5", "overlap")).isBetween(0.0, 1.0)
        .isLessThanOrEqualTo(two.apply("candidates=20", "overlap"));
    assertThat(two.apply("candidates=5", "seconds")).isPositive();
    assertThat(r.figures().stream().filter(f -> f.protocol().equals("two_stage")).mapToLong(Figure::users).distinct())
        .containsExactly(240L);
    // HR@K and NDCG@K grow with K, and NDCG@1 = HR@1
    assertThat(figure(r, "test", "full", "attention", "hr", 20)).isGreaterThanOrEqualTo(figure(r, "test", "full", "attention", "hr", 10));
    assertThat(figure(r, "test", "full", "item_knn", "ndcg", 1)).isEqualTo(figure(r, "test", "full", "item_knn", "hr", 1));

    String metrics = "read_parquet('" + r.metricsPath() + "/*.parquet')";
    assertThat(DuckDb.types(r.metricsPath() + "/*.parquet")).containsEntry("evaluated_at", "TIMESTAMP WITH TIME ZONE")
        .containsEntry("k", "INTEGER").containsEntry("value", "DOUBLE").containsEntry("users", "BIGINT");
    assertThat(DuckDb.scalar("SELECT count(*) FROM " + metrics)).isEqualTo((long) r.figures().size());
    assertThat(DuckDb.scalar("SELECT count(DISTINCT params) FROM " + metrics + " WHERE split = 'validation' AND method = 'als'"))
        .isEqualTo(2L);
    String report = Files.readString(Path.of(r.reportPath()));
    assertThat(report).contains("\"model_version\" : \"planted\"").contains("als_grid_validation_ndcg10_full");

    // the same run again gives the same figures (seeded negatives, samples and ALS)
    EvaluateResult again = EvaluateJob.run(spark, settings("evaluate.two-stage-candidates=[5, 20, 100000]"), "eval-2");
    assertThat(again.figures().stream().filter(f -> !f.metric().equals("seconds")))
        .containsExactlyElementsOf(r.figures().stream().filter(f -> !f.metric().equals("seconds")).toList());
  }

  @Test
  void ndcgPrecisionRecallAndMrrAgreeWithSparkRankingMetrics() {
    var conf = spark.sparkContext().hadoopConfiguration();
    ModelStore.Loaded loaded = new ModelStore(new Warehouse(wh.toString(), conf), conf).load("planted");
    // histories formed as the model was trained to see them (its event weights and decays)
    HistoryWeights weights = ModelSettings.of(loaded.manifest()).weights();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<UserSequence> users = Sequences.of(Sequences.events(spark, wh.resolve("interactions").toString(), weights),
        jsc.broadcast(loaded.model().vocabulary())).collect();
    AttentionScorer scorer = new AttentionScorer(loaded.model());
    int items = loaded.model().vocabulary().size();
    int[] ks = {1, 3, 10};
    MetricSums sums = new MetricSums(ks, items);
    List<Tuple2<List<Integer>, List<Integer>>> lists = new ArrayList<>();
    float[] scores = new float[items];
    for (UserSequence u : users) {
      HeldOutCase c = LeaveOneOut.heldOutCase(u, true, 10, weights, 30, items, new SplittableRandom(u.userId().hashCode()));
      scorer.scoreAll(c, scores);
      // the whole ranked candidate list, so that Spark's average precision is the reciprocal rank
      Protocol.Ranked ranked = Protocol.SAMPLED.rank(c, scores, 31);
      sums.add(ranked.rank(), ranked.top());
      lists.add(new Tuple2<>(Arrays.stream(ranked.top()).boxed().toList(), List.of(c.target())));
    }
    RankingMetrics<Integer> theirs = RankingMetrics.of(jsc.parallelize(lists, 2));
    Map<String, Double> ours = sums.metrics().stream()
        .collect(Collectors.toMap(m -> m.metric() + "@" + m.k(), MetricSums.Metric::value));
    for (int k : ks) {
      assertThat(ours.get("ndcg@" + k)).as("NDCG@%d", k).isCloseTo(theirs.ndcgAt(k), within(1e-12));
      assertThat(ours.get("hr@" + k) / k).as("precision@%d", k).isCloseTo(theirs.precisionAt(k), within(1e-12));
      assertThat(ours.get("hr@" + k)).as("recall@%d", k).isCloseTo(theirs.recallAt(k), within(1e-12));
    }
    assertThat(ours.get("mrr@null")).as("MRR").isCloseTo(theirs.meanAveragePrecision(), within(1e-12));
    assertThat(ours.get("hr@10")).as("a model worth cross-checking").isGreaterThan(0.3);
  }

  @Test
  void impressionsOfTheHeldOutClicksAreScoredPerImpression(@TempDir Path logs) throws Exception {
    // the same interactions and model, plus an impression log: for every other user, the test click and the
    // validation click were each shown beside two items no model knows, which every method ranks last
    org.apache.commons.io.FileUtils.copyDirectory(wh.resolve("models").toFile(), logs.resolve("models").toFile());
    List<Interaction> events = new ArrayList<>(PlantedSignal.generate(240, 12, 14, 12, 0.1, 3));
    Map<String, List<Interaction>> byUser = events.stream().collect(java.util.stream.Collectors.groupingBy(Interaction::userId));
    List<String> shownTo = byUser.keySet().stream().sorted().toList();
    int impressions = 0;
    for (int u = 0; u < shownTo.size(); u += 2) {
      List<Interaction> own = byUser.get(shownTo.get(u)).stream().sorted(java.util.Comparator.comparingLong(Interaction::tsMicros)).toList();
      for (Interaction clicked : own.subList(own.size() - 2, own.size())) {
        for (String unknown : List.of("never-seen-1", "never-seen-2")) {
          events.add(new Interaction(clicked.userId(), unknown, clicked.tsMicros(), "impression", 0.0));
        }
      }
      impressions++;
    }
    TestSpark.writeInteractions(logs, events);
    EvaluateResult r = EvaluateJob.run(spark, settings("warehouse=" + logs), "eval-impressions");
    for (String split : List.of("validation", "test")) {
      for (String method : List.of("attention", "most_popular", "item_knn", "als")) {
        assertThat(figure(r, split, EvaluateJob.IMPRESSIONS, method, "auc", null)).isEqualTo(1.0);
        assertThat(figure(r, split, EvaluateJob.IMPRESSIONS, method, "mrr", null)).isEqualTo(1.0);
        assertThat(figure(r, split, EvaluateJob.IMPRESSIONS, method, "ndcg", 5)).isEqualTo(1.0);
        assertThat(figure(r, split, EvaluateJob.IMPRESSIONS, method, "ndcg", 10)).isEqualTo(1.0);
      }
    }
    int expected = impressions;
    assertThat(r.figures()).filteredOn(f -> f.protocol().equals(EvaluateJob.IMPRESSIONS))
        .hasSize(4 * ((3 + r.alsGrid().size()) + 4)) // 4 figures: validation with the ALS grid, test with the chosen ALS
        .allSatisfy(f -> assertThat(f.users()).as("impressions, one per user shown one").isEqualTo(expected));
  }

  @Test
  void refusesWhenInteractionsNoLongerHoldTheRecordedSplit(@TempDir Path other) throws Exception {
    // the model's folder, next to interactions whose held-out events are different
    org.apache.commons.io.FileUtils.copyDirectory(wh.resolve("models").toFile(), other.resolve("models").toFile());
    TestSpark.writeInteractions(other, PlantedSignal.generate(240, 12, 10, 12, 0.1, 4));
    assertThatThrownBy(() -> EvaluateJob.run(spark, settings("warehouse=" + other), "eval-bad"))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("no longer holds the split its training recorded").hasMessageContaining("e.g. user");
    assertThat(other.resolve("evaluations")).doesNotExist();
  }

  /**
   * Item cold start: a third of the users end on an item no one touched before (two new items per cluster, each only
   * ever a test target). Items carry their cluster as content (a title word and a one-hot supplied vector). A model that
   * reads content ranks those targets from their content; the same model of ids alone, most-popular and item-kNN cannot.
   */
  @Test
  void newItemsAreRankedByTheirContentUnderTheColdStartProtocol(@TempDir Path cold) {
    List<Interaction> events = new ArrayList<>(PlantedSignal.generate(240, 12, 14, 12, 0.1, 3));
    Map<String, List<Interaction>> byUser = events.stream().collect(Collectors.groupingBy(Interaction::userId));
    List<String> users = byUser.keySet().stream().sorted().toList();
    int coldCases = 0;
    for (int u = 0; u < users.size(); u += 3) {
      List<Interaction> own = byUser.get(users.get(u)).stream()
          .sorted(java.util.Comparator.comparingLong(Interaction::tsMicros)).toList();
      int cluster = own.stream().collect(Collectors.groupingBy(i -> PlantedSignal.clusterOf(i.itemId()), Collectors.counting()))
          .entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
      Interaction last = own.get(own.size() - 1);
      events.remove(last);
      events.add(new Interaction(last.userId(), PlantedSignal.item(cluster, 14 + (u / 3) % 2), last.tsMicros(), last.event(),
          last.value()));
      coldCases++;
    }
    TestSpark.writeInteractions(cold, events);
    List<org.apache.spark.sql.Row> items = new ArrayList<>();
    for (int c = 0; c < 12; c++) {
      for (int i = 0; i < 16; i++) {
        Float[] oneHot = new Float[12];
        Arrays.fill(oneHot, 0f);
        oneHot[c] = 1f;
        items.add(org.apache.spark.sql.RowFactory.create(PlantedSignal.item(c, i), String.format("planted c%02d", c), null,
            null, null, null, oneHot));
      }
    }
    spark.createDataFrame(items, new org.apache.spark.sql.types.StructType()
            .add("item_id", org.apache.spark.sql.types.DataTypes.StringType).add("title", org.apache.spark.sql.types.DataTypes.StringType)
            .add("text", org.apache.spark.sql.types.DataTypes.StringType).add("category", org.apache.spark.sql.types.DataTypes.StringType)
            .add("tags", org.apache.spark.sql.types.DataTypes.createArrayType(org.apache.spark.sql.types.DataTypes.StringType))
            .add("published_at", org.apache.spark.sql.types.DataTypes.TimestampType)
            .add("vector", org.apache.spark.sql.types.DataTypes.createArrayType(org.apache.spark.sql.types.DataTypes.FloatType)))
        .write().parquet(cold.resolve("items").toString());
    List<String> at = List.of("warehouse=" + cold, "train.dim=16", "train.projection=16", "train.pool-hidden=8",
        "model.history-length=10", "train.epochs=20", "train.patience=20");
    io.attnflow.jobs.embed.EmbedJob.run(spark, Settings.load(List.of(), at).embed(), "embed-cold");
    TrainJob.run(spark, Settings.load(List.of(), at).train(), "content");
    List<String> idsOnly = new ArrayList<>(at);
    idsOnly.add("train.content=false");
    TrainJob.run(spark, Settings.load(List.of(), idsOnly).train(), "ids");

    EvaluateResult content = EvaluateJob.run(spark, settings("warehouse=" + cold, "model.version=content"), "eval-content");
    EvaluateResult ids = EvaluateJob.run(spark, settings("warehouse=" + cold, "model.version=ids"), "eval-ids");
    assertThat(content.figures()).filteredOn(f -> f.protocol().equals(EvaluateJob.COLD_START))
        .allSatisfy(f -> assertThat(f.split()).isEqualTo("test")) // only test targets are new
        .extracting(Figure::users).containsOnly((long) coldCases);
    assertThat(content.figures().stream().filter(f -> f.protocol().equals(EvaluateJob.COLD_START)).map(Figure::method)
        .distinct()).containsExactly("attention", "most_popular", "item_knn", "als", "content_cosine");
    double withContent = figure(content, "test", EvaluateJob.COLD_START, "attention", "hr", 10);
    double withoutContent = figure(ids, "test", EvaluateJob.COLD_START, "attention", "hr", 10);
    double popular = figure(content, "test", EvaluateJob.COLD_START, "most_popular", "hr", 10);
    double cosine = figure(content, "test", EvaluateJob.COLD_START, "content_cosine", "hr", 10);
    System.out.printf("cold start HR@10 over %d targets: attention with content %.3f, ids only %.3f, content cosine %.3f, "
        + "most popular %.3f, item-kNN %.3f%n", coldCases, withContent, withoutContent, cosine, popular,
        figure(content, "test", EvaluateJob.COLD_START, "item_knn", "hr", 10));
    assertThat(withContent).isGreaterThan(0.5).isGreaterThan(withoutContent + 0.3);
    assertThat(cosine).isGreaterThan(popular + 0.3);
    // items no one touched: popularity and co-occurrence have nothing to go on
    assertThat(popular).isLessThan(0.1);
    // the same targets among the new items alone (24 of them) rank no lower than among all
    assertThat(content.figures()).filteredOn(f -> f.protocol().equals(EvaluateJob.COLD_START_AMONG_NEW))
        .extracting(Figure::users).containsOnly((long) coldCases);
    for (String method : List.of("attention", "most_popular", "item_knn", "content_cosine")) {
      assertThat(figure(content, "test", EvaluateJob.COLD_START_AMONG_NEW, method, "mrr", null)).as(method)
          .isGreaterThanOrEqualTo(figure(content, "test", EvaluateJob.COLD_START, method, "mrr", null));
    }
    // and the warm targets do not suffer from the content
    assertThat(figure(content, "test", "full", "attention", "hr", 10))
        .isGreaterThan(figure(ids, "test", "full", "attention", "hr", 10) - 0.1);

    // where the data has no new item, training can make some: train.cold-start-items holds a share of the items out
    // of training, and evaluate counts the targets of those as new, for the model and the baselines alike
    List<String> holding = new ArrayList<>(at);
    holding.add("train.cold-start-items=0.2");
    var held = TrainJob.run(spark, Settings.load(List.of(), holding).train(), "held");
    @SuppressWarnings("unchecked")
    List<String> heldItems = (List<String>) held.manifest().data().get(TrainJob.HELD_OUT_ITEMS);
    assertThat(heldItems.size()).isBetween(20, 60); // of 192 items
    long heldTargets = byUser.keySet().stream().filter(u -> {
      List<Interaction> own = events.stream().filter(e -> e.userId().equals(u))
          .sorted(java.util.Comparator.comparingLong(Interaction::tsMicros)).toList();
      String target = own.get(own.size() - 1).itemId();
      return heldItems.contains(target) || target.matches("c\\d\\d-i1[45]");
    }).count();
    EvaluateResult heldResult = EvaluateJob.run(spark, settings("warehouse=" + cold, "model.version=held"), "eval-held");
    assertThat(heldResult.figures()).filteredOn(f -> f.protocol().equals(EvaluateJob.COLD_START) && f.split().equals("test"))
        .extracting(Figure::users).containsOnly(heldTargets);
    assertThat(figure(heldResult, "test", EvaluateJob.COLD_START, "attention", "hr", 10))
        .isGreaterThan(figure(heldResult, "test", EvaluateJob.COLD_START, "most_popular", "hr", 10) + 0.2);
  }
}
