package io.attnflow.jobs.evaluate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import io.attnflow.core.eval.AttentionScorer;
import io.attnflow.core.eval.ContentCosine;
import io.attnflow.core.eval.HeldOutCase;
import io.attnflow.core.eval.ImpressionMetrics;
import io.attnflow.core.eval.LeaveOneOut;
import io.attnflow.core.eval.MetricSums;
import io.attnflow.core.eval.Protocol;
import io.attnflow.core.eval.Ranking;
import io.attnflow.core.eval.Scorer;
import io.attnflow.core.model.AttentionModel;
import io.attnflow.core.model.HistoryWeights;
import io.attnflow.core.model.ItemContent;
import io.attnflow.core.model.UserHistory;
import io.attnflow.core.model.UserSequence;
import io.attnflow.core.model.Vocabulary;
import io.attnflow.core.score.CategoryCap;
import io.attnflow.core.score.ItemBlock;
import io.attnflow.core.score.Pick;
import io.attnflow.core.score.ScoringKernel;
import io.attnflow.jobs.BadInputException;
import io.attnflow.jobs.config.EvaluateSettings;
import io.attnflow.jobs.config.ModelSettings;
import io.attnflow.jobs.embed.ItemVectors;
import io.attnflow.jobs.model.ModelStore;
import io.attnflow.jobs.spark.Warehouse;
import io.attnflow.jobs.train.Sequences;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * Offline evaluation of a model against baselines on the leave-one-out split its training recorded
 * ({@code split.parquet}): the second-to-last event of each held-out user is the validation target,
 * the last the test target, and at test time the validation item joins the history.
 *
 * <ol>
 *   <li>The interactions of the model's training window are read back as sequences; each held-out
 *       user's last two events must still be the recorded ones (else the job fails, naming a user).
 *   <li>Baselines are fitted from the training events, kept distributed ({@link BaselineData}; for test, the
 *       validation events join them): most-popular, item-kNN and Spark ML ALS (implicit), whose rank ×
 *       reg-param grid is chosen on validation NDCG@10 of the full ranking; where items have content
 *       vectors, the content cosine ({@link ContentCosine}). Items the model's training held out
 *       ({@code train.cold-start-items}) are left out of every baseline's data too.
 *   <li>Every method ranks every case under both protocols, distributed over the users: the target
 *       against {@code evaluate.negatives} seeded negatives, and against every item the user has not
 *       interacted with; the cases whose target is new to the fitted data again under {@value #COLD_START},
 *       and under {@value #COLD_START_AMONG_NEW} among the new items alone.
 *       HR@K, NDCG@K, MRR and catalogue coverage@K are summed per partition and merged.
 *   <li>The figures go to {@code evaluations/metrics/run_id=<run>/} (Parquet) and
 *       {@code evaluations/reports/<run>.json}.
 * </ol>
 */
public final class EvaluateJob {
  private static final Logger LOG = LoggerFactory.getLogger(EvaluateJob.class);
  /** Users a batch in the two-stage recall (score.user-batch's default). */
  private static final int RECALL_BATCH = 128;
  /** The cut-off the ALS grid is chosen on (evaluate.ks must hold it). */
  public static final int SELECTION_K = 10;
  /** The protocol of logs with impressions (MIND's): per impression, AUC, MRR, nDCG@5 and nDCG@10. */
  public static final String IMPRESSIONS = "impressions";
  /**
   * The item-cold-start protocol: the held-out targets whose item no event of the fitted data had (it first appears
   * after the training cut-off), ranked among all items the user has not interacted with, new ones included.
   */
  public static final String COLD_START = "cold_start";
  /**
   * The same targets ranked among the new items alone (those no event of the fitted data had): how well a method
   * orders new items among themselves, as scoring does when {@code score.freshness-days} leaves only new items.
   */
  public static final String COLD_START_AMONG_NEW = "cold_start_among_new";
  /** The event of an item shown and not clicked, as ingest writes MIND's impression logs. */
  static final String IMPRESSION_EVENT = io.attnflow.core.ingest.InteractionParser.IMPRESSION_EVENT;

  /**
   * One figure of the evaluation; {@code k} is null for MRR and AUC; {@code users} counts its cases (impressions for
   * those of {@value #IMPRESSIONS}).
   */
  public record Figure(String split, String protocol, String method, String params, String metric, Integer k,
      double value, long users) {}

  /** What an evaluation produced. */
  public record EvaluateResult(String runId, String modelVersion, Instant evaluatedAt, long users, int items,
      List<Figure> figures, Map<String, Double> alsGrid, String metricsPath, String reportPath, double seconds) {}

  /** One point of the ALS grid. */
  record AlsParams(int rank, double reg) {
    String label() {
      return String.format(Locale.ROOT, "rank=%d,reg=%s", rank, reg);
    }
  }

  /** The key figures are grouped by in one pass. */
  record Key(String split, String protocol, String method, String params) implements java.io.Serializable {}

  private EvaluateJob() {}

  public static EvaluateResult run(SparkSession spark, EvaluateSettings settings, String runId) {
    long started = System.nanoTime();
    Instant evaluatedAt = Instant.now();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Warehouse wh = new Warehouse(settings.warehouse(), spark.sparkContext().hadoopConfiguration());
    ModelStore.Loaded loaded = new ModelStore(wh, spark.sparkContext().hadoopConfiguration())
        .loadWithSplit(settings.model().version());
    EvaluateSettings s = settings.withModel(ModelSettings.of(loaded.manifest()));
    AttentionModel model = loaded.model();
    Vocabulary vocabulary = model.vocabulary();
    int items = vocabulary.size();

    Map<String, Object[]> split = new HashMap<>();
    loaded.split().forEach(r -> split.put((String) r[0], r));
    if (split.isEmpty()) {
      throw new BadInputException("Cannot evaluate model " + loaded.version() + ": its split has no held-out user");
    }
    Instant to = Instant.parse((String) loaded.manifest().data().get("to"));
    long windowEnd = to.getEpochSecond() * 1_000_000 + to.getNano() / 1000; // the last event training saw
    String interactions = wh.required(wh.interactions(), "Cannot evaluate", Warehouse.INGEST_FIRST);
    Dataset<Row> events = Sequences.events(spark, interactions, s.model().weights()).filter(col("t").leq(windowEnd));
    // every user's sequence under its index in user-id order (ALS's user column), kept distributed
    Broadcast<Vocabulary> vocabularyB = jsc.broadcast(vocabulary);
    JavaRDD<UserSequence> sequences = Sequences.of(events, vocabularyB);
    JavaPairRDD<Long, UserSequence> all = sequences.sortBy(UserSequence::userId, true, sequences.getNumPartitions())
        .zipWithIndex().mapToPair(Tuple2::swap).persist(StorageLevel.MEMORY_AND_DISK_SER());
    JavaPairRDD<Long, UserSequence> heldOut = heldOut(jsc, all, split, vocabularyB, loaded.version(), s);
    long evaluatedUsers = heldOut.count();
    LOG.info("evaluate: model {}, {} users ({} held out, {} evaluated), {} items", loaded.version(), all.count(),
        split.size(), evaluatedUsers, items);
    JavaRDD<UserSequence> users = heldOut.values().coalesce(jsc.defaultParallelism()).persist(StorageLevel.MEMORY_ONLY());
    Dataset<Row> evaluated = spark.createDataFrame(heldOut.map(t -> RowFactory.create(t._1().intValue(), t._2().userId())),
        new StructType().add("user", DataTypes.IntegerType).add("user_id", DataTypes.StringType)).cache();

    // the items the model's training held out (train.cold-start-items) are unknown to the baselines too
    boolean[] heldItems = heldOutItems(loaded, vocabulary);
    BaselineData training = new BaselineData(spark,
        all.mapValues(u -> LeaveOneOut.train(u, heldItems).distinctItems()), items);
    BaselineData withValidation = new BaselineData(spark,
        all.mapValues(u -> LeaveOneOut.beforeTest(u, heldItems).distinctItems()), items);

    // validation: the ALS grid next to the others, then the chosen ALS refitted with the validation events for test
    ItemContent content = content(spark, wh, loaded);
    List<Scorer> validation = new ArrayList<>(List.of(new AttentionScorer(model), training.mostPopular(),
        training.itemKnn()));
    if (content != null) {
      validation.add(ContentCosine.of(content));
    }
    Map<String, AlsParams> alsGrid = new java.util.LinkedHashMap<>();
    for (int rank : s.alsRanks()) {
      for (double reg : s.alsRegParams()) {
        AlsParams params = new AlsParams(rank, reg);
        alsGrid.put(params.label(), params);
        validation.add(training.als(params, s, evaluated));
      }
    }
    Map<Key, MetricSums> sums = new TreeMap<>(java.util.Comparator.comparing(Key::toString));
    Map<String, int[][]> impressions = shownNotClicked(spark, wh, split, vocabulary);
    Broadcast<Map<String, int[][]>> shown = impressions == null ? null : jsc.broadcast(impressions);
    Sums validated = evaluate(jsc, users, false, validation, s, items, shown, training.unseen());
    sums.putAll(validated.ranked());
    Map<String, Double> grid = new java.util.LinkedHashMap<>();
    sums.forEach((k, v) -> {
      if (k.method().equals("als") && k.protocol().equals(Protocol.FULL.label())) {
        grid.put(k.params(), ndcgAt(v, SELECTION_K));
      }
    });
    String best = grid.entrySet().stream().max(Map.Entry.<String, Double>comparingByValue()
        .thenComparing(Map.Entry.comparingByKey(java.util.Comparator.reverseOrder()))).orElseThrow().getKey();
    LOG.info("evaluate: ALS grid (validation NDCG@{} full ranking) {}; chosen {}", SELECTION_K, grid, best);
    List<Scorer> test = new ArrayList<>(List.of(new AttentionScorer(model), withValidation.mostPopular(),
        withValidation.itemKnn(), withValidation.als(alsGrid.get(best), s, evaluated)));
    if (content != null) {
      test.add(ContentCosine.of(content));
    }
    Sums tested = evaluate(jsc, users, true, test, s, items, shown, withValidation.unseen());
    sums.putAll(tested.ranked());
    List<Figure> figures = new ArrayList<>(twoStage(jsc, users, model, s, items));
    for (Sums pass : List.of(validated, tested)) {
      pass.impressions().forEach((k, v) -> {
        ImpressionMetrics.Figures f = v.mean();
        for (Object[] metric : new Object[][] {{"auc", null, f.auc()}, {"mrr", null, f.mrr()}, {"ndcg", 5, f.ndcg5()},
            {"ndcg", 10, f.ndcg10()}}) {
          figures.add(new Figure(k.split(), k.protocol(), k.method(), k.params(), (String) metric[0], (Integer) metric[1],
              (Double) metric[2], v.impressions()));
        }
      });
    }
    users.unpersist();
    evaluated.unpersist();
    training.close();
    withValidation.close();
    all.unpersist();

    sums.forEach((k, v) -> v.metrics().forEach(m ->
        figures.add(new Figure(k.split(), k.protocol(), k.method(), k.params(), m.metric(), m.k(), m.value(), v.cases()))));
    // a stable sort: the two-stage rows keep their order (exhaustive, then the shortlists as configured)
    figures.sort(java.util.Comparator.comparing(Figure::split).thenComparing(Figure::protocol)
        .thenComparing(f -> methodOrder(f.method())).thenComparing(f -> f.protocol().equals("two_stage") ? "" : f.params()));
    EvaluateResult result = new EvaluateResult(runId, loaded.version(), evaluatedAt, evaluatedUsers, items, figures, grid,
        wh.root() + "/evaluations/metrics/run_id=" + runId, wh.root() + "/evaluations/reports/" + runId + ".json",
        (System.nanoTime() - started) / 1e9);
    EvaluationOutput.write(spark, wh, result, s);
    return result;
  }

  /**
   * The held-out users to evaluate (a seeded sample past {@code evaluate.users}) under their indices, each checked
   * against the split its training recorded ({@code split}: user id to its row).
   */
  private static JavaPairRDD<Long, UserSequence> heldOut(JavaSparkContext jsc, JavaPairRDD<Long, UserSequence> all,
      Map<String, Object[]> split, Broadcast<Vocabulary> vocabulary, String version, EvaluateSettings s) {
    Broadcast<Map<String, Object[]>> recorded = jsc.broadcast(split);
    JavaPairRDD<Long, UserSequence> found = all.filter(t -> recorded.value().containsKey(t._2().userId()));
    JavaPairRDD<Long, UserSequence> same = found.filter(t -> endsAsRecorded(t._2(), recorded.value(), vocabulary.value()));
    long foundCount = found.count();
    long mismatched = foundCount - same.count();
    long missing = split.size() - foundCount;
    if (mismatched > 0 || missing > 0) {
      String example = mismatched == 0 ? "" : ", e.g. user " + found.filter(t -> !endsAsRecorded(t._2(), recorded.value(),
          vocabulary.value())).map(t -> {
            Object[] r = recorded.value().get(t._2().userId());
            return r[0] + " (recorded validation " + r[1] + ", test " + r[3] + ")";
          }).first();
      throw new BadInputException("Cannot evaluate model " + version + ": interactions/ no longer holds the split its "
          + "training recorded: " + mismatched + " held-out users end differently" + example + ", " + missing
          + " are gone. Evaluate a model trained on the current interactions.");
    }
    if (s.users() > 0 && foundCount > s.users()) {
      List<String> ids = new ArrayList<>(same.map(t -> t._2().userId()).collect());
      Collections.sort(ids);
      Collections.shuffle(ids, new Random(s.seed()));
      Broadcast<Set<String>> sample = jsc.broadcast(new HashSet<>(ids.subList(0, s.users())));
      same = same.filter(t -> sample.value().contains(t._2().userId()));
    }
    return same;
  }

  /** Whether {@code u} still ends with the validation and test events of its recorded split row. */
  private static boolean endsAsRecorded(UserSequence u, Map<String, Object[]> split, Vocabulary v) {
    Object[] r = split.get(u.userId());
    int n = u.length();
    return LeaveOneOut.evaluable(u)
        && v.id(u.items()[n - 2]).equals(r[1]) && u.ts()[n - 2] == (Long) r[2]
        && v.id(u.items()[n - 1]).equals(r[3]) && u.ts()[n - 1] == (Long) r[4];
  }

  /**
   * Every case of {@code users} (validation or test) ranked by every scorer under both protocols; sums per key. The
   * cases whose target is {@code unseen} (no event of the data the scorers were fitted on: an item that first appears
   * after the training cut-off) are also summed under protocol {@value #COLD_START}, their full ranking, and under
   * {@value #COLD_START_AMONG_NEW}, ranked among the unseen items alone.
   */
  private static Sums evaluate(JavaSparkContext jsc, JavaRDD<UserSequence> users, boolean test,
      List<Scorer> scorers, EvaluateSettings s, int items, Broadcast<Map<String, int[][]>> shown, boolean[] unseen) {
    Broadcast<List<Scorer>> b = jsc.broadcast(scorers);
    String split = test ? "test" : "validation";
    int[] ks = s.ks().clone();
    int maxK = ks[ks.length - 1];
    HistoryWeights weights = s.model().weights();
    int m = s.model().historyLength();
    int negatives = s.negatives();
    long seed = s.seed();
    return users.mapPartitions(it -> {
      Sums out = new Sums(new HashMap<>(), new HashMap<>());
      float[] scores = new float[items];
      while (it.hasNext()) {
        UserSequence u = it.next();
        SplittableRandom random = new SplittableRandom(seed * 31 + u.userId().hashCode() * 2L + (test ? 1 : 0));
        HeldOutCase c = LeaveOneOut.heldOutCase(u, test, m, weights, negatives, items, random);
        int[][] impression = shown == null ? null : shown.value().get(u.userId());
        int[] unclicked = impression == null ? null : impression[test ? 1 : 0];
        for (Scorer scorer : b.value()) {
          scorer.scoreAll(c, scores);
          for (Protocol protocol : Protocol.values()) {
            Protocol.Ranked r = protocol.rank(c, scores, maxK);
            out.ranked().computeIfAbsent(new Key(split, protocol.label(), scorer.name(), scorer.params()),
                k -> new MetricSums(ks, items)).add(r.rank(), r.top());
            if (protocol == Protocol.FULL && unseen[c.target()]) {
              out.ranked().computeIfAbsent(new Key(split, COLD_START, scorer.name(), scorer.params()),
                  k -> new MetricSums(ks, items)).add(r.rank(), r.top());
              Protocol.Ranked amongNew = protocol.rank(c, scores, maxK, unseen);
              out.ranked().computeIfAbsent(new Key(split, COLD_START_AMONG_NEW, scorer.name(), scorer.params()),
                  k -> new MetricSums(ks, items)).add(amongNew.rank(), amongNew.top());
            }
          }
          if (unclicked != null && unclicked.length > 0) {
            out.impressions().computeIfAbsent(new Key(split, IMPRESSIONS, scorer.name(), scorer.params()),
                k -> new ImpressionMetrics()).add(impression(u, LeaveOneOut.position(u, test), unclicked, scores));
          }
        }
      }
      return List.of(out).iterator();
    }).reduce((x, y) -> {
      y.ranked().forEach((k, v) -> x.ranked().merge(k, v, MetricSums::merge));
      y.impressions().forEach((k, v) -> x.impressions().merge(k, v, ImpressionMetrics::merge));
      return x;
    });
  }

  /** The items the model's training held out ({@code train.cold-start-items}), marked by vocabulary index. */
  private static boolean[] heldOutItems(ModelStore.Loaded loaded, Vocabulary vocabulary) {
    boolean[] held = new boolean[vocabulary.size()];
    if (loaded.manifest().data().get(io.attnflow.jobs.train.TrainJob.HELD_OUT_ITEMS) instanceof List<?> ids) {
      ids.forEach(id -> vocabulary.index((String) id).ifPresent(i -> held[i] = true));
    }
    return held;
  }

  /**
   * The content vectors of the vocabulary's items for the content-only baseline: those the model was trained with, or
   * for a model of ids alone those of {@code item_vectors/} when it has any; null when there are none.
   */
  private static ItemContent content(SparkSession spark, Warehouse wh, ModelStore.Loaded loaded) {
    if (loaded.content() != null) {
      return loaded.content();
    }
    return ItemVectors.read(spark, wh).map(v -> v.of(loaded.model().vocabulary())).orElse(null);
  }

  /** The sums of one pass: the leave-one-out rankings and, for logs with impressions, the impressions' figures. */
  record Sums(Map<Key, MetricSums> ranked, Map<Key, ImpressionMetrics> impressions) implements java.io.Serializable {}

  /**
   * The impression in which a held-out target was clicked, scored: the target and the user's later clicks at its time
   * (earlier ones are in the case's history) against the items shown then and not clicked ({@code unclicked},
   * vocabulary indices; −1 for an item the model does not know, scored below every known one).
   */
  static ImpressionMetrics.Figures impression(UserSequence u, int target, int[] unclicked, float[] scores) {
    List<Integer> clicked = new ArrayList<>();
    for (int q = target; q < u.length(); q++) {
      if (u.ts()[q] == u.ts()[target] && u.events()[q].equals(u.events()[target]) && !clicked.contains(u.items()[q])) {
        clicked.add(u.items()[q]);
      }
    }
    float[] shownScores = new float[clicked.size() + unclicked.length];
    boolean[] labels = new boolean[shownScores.length];
    for (int i = 0; i < clicked.size(); i++) {
      shownScores[i] = scores[clicked.get(i)];
      labels[i] = true;
    }
    for (int i = 0; i < unclicked.length; i++) {
      shownScores[clicked.size() + i] = unclicked[i] < 0 ? -Float.MAX_VALUE : scores[unclicked[i]];
    }
    return ImpressionMetrics.of(shownScores, labels);
  }

  /**
   * For logs with impressions (events {@value #IMPRESSION_EVENT}, as MIND's ingest writes the shown-but-not-clicked
   * items): per held-out user, the items shown and not clicked in the impressions of its validation and test targets
   * ([validation, test], vocabulary indices, −1 when unknown to the model); null when interactions/ has no impression.
   */
  private static Map<String, int[][]> shownNotClicked(SparkSession spark, Warehouse wh, Map<String, Object[]> split,
      Vocabulary vocabulary) {
    Dataset<Row> shown = spark.read().parquet(wh.interactions()).filter(col("event").equalTo(IMPRESSION_EVENT))
        .select(col("user_id"), expr("unix_micros(ts)").as("t"), col("item_id"));
    if (shown.isEmpty()) {
      return null;
    }
    List<Row> targets = new ArrayList<>();
    split.values().forEach(r -> {
      targets.add(RowFactory.create(r[0], r[2], 0));
      targets.add(RowFactory.create(r[0], r[4], 1));
    });
    Dataset<Row> at = spark.createDataFrame(targets, new StructType().add("user_id", DataTypes.StringType)
        .add("t", DataTypes.LongType).add("which", DataTypes.IntegerType));
    Map<String, List<List<Integer>>> lists = new HashMap<>();
    for (Row r : shown.join(at, List.of("user_id", "t").toArray(new String[0])).select("user_id", "which", "item_id")
        .orderBy("user_id", "which", "item_id").collectAsList()) {
      List<List<Integer>> both = lists.computeIfAbsent(r.getString(0), u -> List.of(new ArrayList<>(), new ArrayList<>()));
      both.get(r.getInt(1)).add(vocabulary.index(r.getString(2)).orElse(-1));
    }
    Map<String, int[][]> out = new HashMap<>();
    lists.forEach((user, both) -> out.put(user, new int[][] {
        both.get(0).stream().mapToInt(Integer::intValue).toArray(), both.get(1).stream().mapToInt(Integer::intValue).toArray()}));
    return out;
  }

  /**
   * Two-stage scoring against exhaustive scoring on the test split's full ranking (DESIGN §4): per case, the scoring
   * job's kernel gives the exhaustive top {@value #SELECTION_K} and, for each shortlist length C of
   * {@code evaluate.two-stage-candidates}, the two-stage top {@value #SELECTION_K}, both in batches of users as the
   * job runs them; the figures are the overlap of the two lists, HR and NDCG of each, and the seconds each took
   * (summed over tasks), protocol {@code two_stage}.
   */
  private static List<Figure> twoStage(JavaSparkContext jsc, JavaRDD<UserSequence> users, AttentionModel model,
      EvaluateSettings s, int items) {
    Broadcast<AttentionModel> b = jsc.broadcast(model);
    int[] shortlists = s.twoStageCandidates().stream().mapToInt(Integer::intValue).toArray();
    HistoryWeights weights = s.model().weights();
    int m = s.model().historyLength();
    int negatives = s.negatives();
    long seed = s.seed();
    int k = SELECTION_K;
    // per method (exhaustive, then each C): hits, NDCG, overlap, nanoseconds; then the number of cases
    double[] sums = users.mapPartitions(it -> {
      AttentionModel am = b.value();
      int[] all = new int[items];
      java.util.Arrays.setAll(all, i -> i);
      ItemBlock[] blocks = {ItemBlock.of(am, all)};
      // the kernels and batching of the score job (exhaustive; two-stage), so the seconds compare what it would spend
      ScoringKernel exhaustive = new ScoringKernel(am);
      ScoringKernel shortlisting = ScoringKernel.oneUserAtATime(am);
      double[] out = new double[4 * (1 + shortlists.length) + 1];
      List<HeldOutCase> cases = new ArrayList<>();
      while (it.hasNext() || !cases.isEmpty()) {
        if (it.hasNext()) {
          UserSequence u = it.next();
          SplittableRandom random = new SplittableRandom(seed * 31 + u.userId().hashCode() * 2L + 1);
          HeldOutCase c = LeaveOneOut.heldOutCase(u, true, m, weights, negatives, items, random);
          if (c.history().length() > 0) {
            cases.add(c);
          }
          if (cases.size() < RECALL_BATCH && it.hasNext()) {
            continue;
          }
        }
        List<UserHistory> histories = cases.stream().map(HeldOutCase::history).toList();
        int[][] seen = cases.stream().map(HeldOutCase::seen).toArray(int[][]::new);
        long t = System.nanoTime();
        List<List<Pick>> reference = exhaustive.recommend(histories, seen, blocks, k, 0, RECALL_BATCH);
        out[3] += System.nanoTime() - t;
        for (int c = 0; c < cases.size(); c++) {
          tally(out, 0, items(reference.get(c)), items(reference.get(c)), cases.get(c).target());
        }
        for (int i = 0; i < shortlists.length; i++) {
          t = System.nanoTime();
          List<List<Pick>> top = shortlisting.twoStage(histories, seen, blocks, shortlists[i], k, 0, RECALL_BATCH,
              CategoryCap.NONE);
          out[4 * (1 + i) + 3] += System.nanoTime() - t;
          for (int c = 0; c < cases.size(); c++) {
            tally(out, 1 + i, items(top.get(c)), items(reference.get(c)), cases.get(c).target());
          }
        }
        out[out.length - 1] += cases.size();
        cases.clear();
      }
      return List.of(out).iterator();
    }).reduce((x, y) -> {
      for (int i = 0; i < x.length; i++) {
        x[i] += y[i];
      }
      return x;
    });
    long cases = (long) sums[sums.length - 1];
    List<Figure> figures = new ArrayList<>();
    for (int i = 0; i <= shortlists.length; i++) {
      String params = i == 0 ? "exhaustive" : "candidates=" + shortlists[i - 1];
      double n = Math.max(1, cases);
      figures.add(new Figure("test", "two_stage", "attention", params, "hr", k, sums[4 * i] / n, cases));
      figures.add(new Figure("test", "two_stage", "attention", params, "ndcg", k, sums[4 * i + 1] / n, cases));
      figures.add(new Figure("test", "two_stage", "attention", params, "overlap", k, sums[4 * i + 2] / n, cases));
      figures.add(new Figure("test", "two_stage", "attention", params, "seconds", null, sums[4 * i + 3] / 1e9, cases));
    }
    return figures;
  }

  private static int[] items(List<Pick> picks) {
    return picks.stream().mapToInt(Pick::item).toArray();
  }

  /** Adds one case's hit, NDCG and overlap with the exhaustive list ({@code reference}) to method {@code i}'s sums. */
  private static void tally(double[] sums, int i, int[] top, int[] reference, int target) {
    int rank = java.util.stream.IntStream.range(0, top.length).filter(r -> top[r] == target).findFirst().orElse(top.length);
    rank = rank < top.length ? rank : Integer.MAX_VALUE;
    sums[4 * i] += Ranking.hit(rank, SELECTION_K);
    sums[4 * i + 1] += Ranking.ndcg(rank, SELECTION_K);
    long shared = java.util.Arrays.stream(top).filter(j -> java.util.Arrays.stream(reference).anyMatch(r -> r == j)).count();
    sums[4 * i + 2] += reference.length == 0 ? 1 : (double) shared / reference.length;
  }

  private static double ndcgAt(MetricSums sums, int k) {
    return sums.metrics().stream().filter(m -> m.metric().equals("ndcg") && Integer.valueOf(k).equals(m.k()))
        .findFirst().orElseThrow().value();
  }

  /** The attention model first, then the baselines from the simplest. */
  static int methodOrder(String method) {
    return switch (method) {
      case "attention" -> 0;
      case "most_popular" -> 1;
      case "item_knn" -> 2;
      case "content_cosine" -> 4;
      default -> 3;
    };
  }
}
