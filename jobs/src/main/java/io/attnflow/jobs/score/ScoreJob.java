package io.attnflow.jobs.score;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;

import io.attnflow.core.model.AttentionModel;
import io.attnflow.core.model.HistoryWeights;
import io.attnflow.core.model.UserHistory;
import io.attnflow.core.model.UserSequence;
import io.attnflow.core.model.Vocabulary;
import io.attnflow.core.score.Explanation;
import io.attnflow.core.score.CategoryCap;
import io.attnflow.core.score.ItemBlock;
import io.attnflow.core.score.Pick;
import io.attnflow.core.score.ScoringKernel;
import io.attnflow.jobs.BadInputException;
import io.attnflow.jobs.config.ModelSettings;
import io.attnflow.jobs.config.ScoreSettings;
import io.attnflow.jobs.model.ModelStore;
import io.attnflow.jobs.model.NewItems;
import io.attnflow.jobs.spark.FaultInjection;
import io.attnflow.jobs.spark.RunLocation;
import io.attnflow.jobs.spark.Batches;
import io.attnflow.jobs.spark.RunLock;
import io.attnflow.jobs.spark.Warehouse;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Score: for every user of {@code interactions/} as of the end of {@code dt}, the top-K items of the
 * corpus by the attention score s_uj, with the history items that explain each pick, written to
 * {@code recommendations/dt=…} and {@code attention/dt=…} (DESIGN §4, §5).
 *
 * <p>Histories are formed as the model was trained: its history length and event weights come
 * from its manifest, not from the current {@code model.*} settings. Users are partitioned by user_id. When the model's item tables fit {@code
 * score.broadcast-budget-mb} they are broadcast and each partition runs the {@link ScoringKernel}
 * over every item block (split once per executor), exhaustively or, by {@code score.mode}, in two stages
 * ({@link ScoringKernel#twoStage}: the pooled user vector shortlists candidates, which alone get α; rows say
 * {@code source = two_stage}). Past the budget only θ is broadcast: the
 * candidate table is split into item blocks, an RDD crossed with groups of users, each pair yields
 * partial top-K lists, and those merge per user — the way Spark ML's ALS {@code recommendForAll}
 * avoids a cross join. Both modes give the same rows. Users without a usable history get the most
 * popular unseen items ({@code source = fallback_popular}). Items of {@code items/} that the model never saw are
 * placed by their content first ({@link NewItems}) and are candidates like any other.
 *
 * <p>{@link ScoreOutput} writes both tables and the run manifest.
 */
public final class ScoreJob {
  static final StructType PICKS = new StructType()
      .add("user_id", DataTypes.StringType, false)
      .add("rank", DataTypes.IntegerType, false)
      .add("item_id", DataTypes.StringType, false)
      .add("score", DataTypes.FloatType, false)
      .add("reasons", DataTypes.createArrayType(new StructType()
          .add("item_id", DataTypes.StringType, false)
          .add("alpha", DataTypes.FloatType, false)
          .add("weight", DataTypes.FloatType, false)
          .add("contribution", DataTypes.FloatType, false), false), false)
      .add("source", DataTypes.StringType, false);

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ScoreJob.class);

  private ScoreJob() {}

  /**
   * Scores {@code settings.dt()} under its {@link RunLock}, {@code locks/score-dt=<day>}.
   *
   * @throws io.attnflow.jobs.RunConflictException if another run is scoring the same day
   */
  public static ScoreResult run(SparkSession spark, ScoreSettings settings, String runId) {
    Warehouse wh = new Warehouse(settings.warehouse(), spark.sparkContext().hadoopConfiguration());
    wh.requireAtomicRename(settings.allowNonAtomicWarehouse());
    try (RunLock lock = RunLock.acquire(wh, spark.sparkContext().hadoopConfiguration(), "score-dt=" + settings.dt(),
        "score " + settings.dt(), runId, java.time.Duration.ofSeconds(settings.lockLeaseSeconds()))) {
      lock.takenFrom().ifPresent(dead -> ScoreOutput.recover(wh, dead.run(), settings.dt()));
      return score(spark, wh, settings, runId, lock);
    }
  }

  private static ScoreResult score(SparkSession spark, Warehouse wh, ScoreSettings settings, String runId, RunLock lock) {
    Instant generatedAt = Instant.now();
    Map<String, Double> seconds = new LinkedHashMap<>();
    long t0 = System.nanoTime();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    ModelStore.Loaded loaded = new ModelStore(wh, spark.sparkContext().hadoopConfiguration()).load(settings.model().version());
    NewItems newItems = NewItems.place(spark, wh, loaded);
    AttentionModel model = newItems.model();
    ScoreSettings s = settings.withModel(ModelSettings.of(loaded.manifest()));
    seconds.put("load_model", elapsed(t0));

    long t1 = System.nanoTime();
    long end = endMicros(s);
    int partitions = s.partitions() > 0 ? s.partitions() : jsc.defaultParallelism();
    // histories are built here, so that the score stage (and its α/s) times scoring alone
    // sorted within partitions: a partition's users batch the same way whatever order the shuffle delivered them in
    Dataset<Row> users = users(spark, wh, s, end).repartition(partitions, col("user_id")).sortWithinPartitions("user_id")
        .persist(StorageLevel.MEMORY_AND_DISK());
    long userCount = users.count();
    int[] candidates = candidates(spark, wh, s, model.vocabulary(), end);
    if (candidates.length == 0) {
      throw new BadInputException("Cannot score " + s.dt() + ": no item of the model's vocabulary passes the candidate rules "
          + "(score.blocklist, score.categories, score.freshness-days)");
    }
    int[] popular = popular(spark, wh, s, model.vocabulary(), candidates, end);
    seconds.put("prepare", elapsed(t1));

    long t2 = System.nanoTime();
    boolean broadcast = model.tableBytes() <= s.broadcastBudgetBytes();
    boolean twoStage = twoStage(s, userCount, candidates.length, model, broadcast);
    Broadcast<int[]> popularB = jsc.broadcast(popular);
    JavaRDD<UserInput> inputs = users.javaRDD().map(ScoreJob::userInput);
    JavaRDD<Row> rows;
    Broadcast<AttentionModel> modelB = jsc.broadcast(broadcast ? model : model.withoutCandidateTable());
    Broadcast<CategoryCap> capB = jsc.broadcast(categoryCap(spark, wh, s, model.vocabulary()));
    if (broadcast) {
      long blocksKey = modelB.id();
      rows = inputs.mapPartitions(it -> scorePartition(it, modelB.value(), blocks(blocksKey, modelB.value(), candidates,
          s.itemBlock()), popularB.value(), s, capB.value(), twoStage));
    } else {
      rows = blocked(jsc, inputs, ItemBlock.split(model, candidates, s.itemBlock()), modelB, popularB, s, capB);
    }
    long[] histories = historyCounts(inputs, modelB, s);
    // on disk only: at 1M users the picks' cached columns filled the heap's storage share while scoring tasks ran
    Dataset<Row> picks = spark.createDataFrame(rows, PICKS).persist(StorageLevel.DISK_ONLY());
    long recommendationRows = picks.count();
    seconds.put("score", elapsed(t2));

    long t3 = System.nanoTime();
    long attentionRows = ScoreOutput.write(wh, picks, recommendationRows, s, loaded.version(), runId, generatedAt, lock);
    seconds.put("write", elapsed(t3));
    seconds.put("total", elapsed(t0));
    long pickedUsers = picks.select("user_id").distinct().count();
    picks.unpersist();
    users.unpersist();

    long scored = twoStage ? Math.min(s.shortlist(), candidates.length) : candidates.length;
    ScoreResult result = new ScoreResult(runId, s.dt(), loaded.version(), broadcast ? "broadcast" : "blocked",
        twoStage ? "two_stage" : "exhaustive", pickedUsers, histories[1], recommendationRows, attentionRows,
        histories[0] * scored, newItems.counts(), seconds,
        ScoreOutput.recommendations(wh, s.dt()), ScoreOutput.attention(wh, s.dt()), wh.runs() + "/" + runId + ".json");
    ScoreOutput.writeManifest(wh, result, s, model, candidates.length, RunLocation.of(spark));
    return result;
  }

  /**
   * Whether this run scores in two stages ({@link ScoreSettings#twoStage}). Two-stage needs the item tables
   * broadcast: {@code auto} scores exhaustively past the budget, and an explicit {@code two-stage} fails, naming it.
   */
  private static boolean twoStage(ScoreSettings s, long users, int candidates, AttentionModel model, boolean broadcast) {
    boolean wanted = s.twoStage(users, candidates);
    if (wanted && !broadcast) {
      String why = "the model's item tables (" + (model.tableBytes() >> 20) + " MB) exceed score.broadcast-budget-mb ("
          + (s.broadcastBudgetBytes() >> 20) + " MB), and two-stage scoring needs them broadcast";
      if (s.mode() == ScoreSettings.Mode.TWO_STAGE) {
        throw new BadInputException("Cannot score " + s.dt() + " in two stages (score.mode = two-stage): " + why
            + ". Raise score.broadcast-budget-mb or set score.mode = exhaustive.");
      }
      LOG.warn("score: {} users × {} candidates call for two-stage scoring (score.mode = auto), but {}: scoring "
          + "exhaustively in item blocks", users, candidates, why);
      return false;
    }
    return wanted;
  }

  /** Every user with any event before {@code end}: recent counted events (last m) and seen items. */
  static Dataset<Row> users(SparkSession spark, Warehouse wh, ScoreSettings s, long end) {
    HistoryWeights weights = s.model().weights();
    Object[] counted = weights.eventWeights().entrySet().stream().filter(e -> e.getValue() > 0).map(Map.Entry::getKey).toArray();
    Dataset<Row> events = spark.read().parquet(wh.required(wh.interactions(), "Cannot score", Warehouse.INGEST_FIRST))
        .withColumn("t", expr("unix_micros(ts)")).filter(col("t").lt(end));
    Dataset<Row> recent = events.filter(col("event").isin(counted))
        .withColumn("rn", row_number().over(Window.partitionBy("user_id")
            .orderBy(col("t").desc(), col("item_id").desc(), col("event").desc())))
        .filter(col("rn").leq(s.model().historyLength()))
        .groupBy("user_id").agg(sort_array(collect_list(struct(col("t"), col("item_id"), col("event")))).as("history"));
    Dataset<Row> seen = events.filter(col("event").isin(s.excludeSeenEvents().toArray()))
        .groupBy("user_id").agg(collect_set("item_id").as("seen"));
    return events.select("user_id").distinct().join(recent, "user_id", "left").join(seen, "user_id", "left");
  }

  static UserInput userInput(Row r) {
    List<Row> h = r.isNullAt(1) ? List.of() : r.getList(1);
    String[] items = new String[h.size()];
    long[] ts = new long[h.size()];
    String[] events = new String[h.size()];
    for (int i = 0; i < h.size(); i++) {
      ts[i] = h.get(i).getLong(0);
      items[i] = h.get(i).getString(1);
      events[i] = h.get(i).getString(2);
    }
    String[] seen = r.isNullAt(2) ? new String[0] : r.<String>getList(2).toArray(String[]::new);
    return new UserInput(r.getString(0), items, ts, events, seen);
  }

  /** The vocabulary indices allowed as candidates (ascending). */
  static int[] candidates(SparkSession spark, Warehouse wh, ScoreSettings s, Vocabulary vocabulary, long end) {
    boolean filtered = !s.allowCategories().isEmpty() || !s.denyCategories().isEmpty() || s.freshnessDays() > 0;
    java.util.Set<String> allowed = null;
    if (filtered) {
      Dataset<Row> items = spark.read().parquet(wh.items());
      if (!s.allowCategories().isEmpty()) {
        items = items.filter(col("category").isin(s.allowCategories().toArray()));
      }
      if (!s.denyCategories().isEmpty()) {
        items = items.filter(col("category").isNull().or(col("category").isin(s.denyCategories().toArray()).unary_$bang()));
      }
      if (s.freshnessDays() > 0) {
        long from = end - s.freshnessDays() * 86_400_000_000L;
        items = items.filter(expr("unix_micros(published_at)").geq(from).and(expr("unix_micros(published_at)").lt(end)));
      }
      allowed = new java.util.HashSet<>(items.select("item_id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    }
    java.util.Set<String> blocked = new java.util.HashSet<>(s.blocklist());
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < vocabulary.size(); i++) {
      String id = vocabulary.id(i);
      if (!blocked.contains(id) && (allowed == null || allowed.contains(id))) {
        out.add(i);
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * The per-category cap ({@code score.categories.max-per-user}) over the model's vocabulary, with each item's
   * category from {@code items/}; {@link CategoryCap#NONE} when the cap is 0.
   */
  static CategoryCap categoryCap(SparkSession spark, Warehouse wh, ScoreSettings s, Vocabulary vocabulary) {
    if (s.maxPerCategory() == 0) {
      return CategoryCap.NONE;
    }
    int[] categoryOf = new int[vocabulary.size()];
    Arrays.fill(categoryOf, -1);
    Map<String, Integer> categories = new java.util.HashMap<>();
    for (Row r : spark.read().parquet(wh.items()).filter(col("category").isNotNull()).select("item_id", "category")
        .collectAsList()) {
      int c = categories.computeIfAbsent(r.getString(1), x -> categories.size());
      vocabulary.index(r.getString(0)).ifPresent(i -> categoryOf[i] = c);
    }
    return new CategoryCap(categoryOf, s.maxPerCategory());
  }

  /** Candidate indices by popularity (counted events in the window), most popular first. */
  static int[] popular(SparkSession spark, Warehouse wh, ScoreSettings s, Vocabulary vocabulary, int[] candidates, long end) {
    Object[] counted = s.model().weights().eventWeights().entrySet().stream().filter(e -> e.getValue() > 0)
        .map(Map.Entry::getKey).toArray();
    long from = s.popularDays() > 0 ? end - s.popularDays() * 86_400_000_000L : Long.MIN_VALUE;
    List<Row> top = spark.read().parquet(wh.interactions()).withColumn("t", expr("unix_micros(ts)"))
        .filter(col("t").lt(end).and(col("t").geq(from)).and(col("event").isin(counted)))
        .groupBy("item_id").agg(count(lit(1)).as("n"))
        .orderBy(col("n").desc(), col("item_id").asc())
        .limit(s.topK() + 1000).collectAsList();
    List<Integer> out = new ArrayList<>();
    for (Row r : top) {
      vocabulary.index(r.getString(0)).ifPresent(i -> {
        if (Arrays.binarySearch(candidates, i) >= 0) {
          out.add(i);
        }
      });
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * The history items of all users, and the users without a usable history (the popularity fallback): the
   * kernel evaluates history items × candidates α. Counted by an action, so exact however often Spark re-runs
   * a task (an accumulator updated inside a transformation counts a re-run twice).
   */
  private static long[] historyCounts(JavaRDD<UserInput> inputs, Broadcast<AttentionModel> model, ScoreSettings s) {
    long end = endMicros(s);
    return inputs.map(u -> history(u, model.value().vocabulary(), s.model().weights(), s.model().historyLength(), end).length())
        .aggregate(new long[2], (sums, length) -> {
          sums[0] += length;
          sums[1] += length == 0 ? 1 : 0;
          return sums;
        }, (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
  }

  /** The item blocks of the last broadcast model an executor JVM scored with, by broadcast id. */
  private static Map.Entry<Long, ItemBlock[]> sharedBlocks;

  /** The item blocks of the broadcast model {@code key}: split once per executor JVM, shared (read-only) by its tasks. */
  private static synchronized ItemBlock[] blocks(long key, AttentionModel model, int[] candidates, int size) {
    if (sharedBlocks == null || sharedBlocks.getKey() != key) {
      sharedBlocks = Map.entry(key, ItemBlock.split(model, candidates, size));
    }
    return sharedBlocks.getValue();
  }

  /** Broadcast mode: one partition of users against every block (the executor's shared blocks). */
  private static Iterator<Row> scorePartition(Iterator<UserInput> users, AttentionModel model, ItemBlock[] blocks,
      int[] popular, ScoreSettings s, CategoryCap cap, boolean twoStage) {
    FaultInjection.inTask("scoring a user partition");
    ScoringKernel kernel = twoStage ? ScoringKernel.oneUserAtATime(model) : new ScoringKernel(model);
    // lazily, chunk by chunk: a task holds one chunk's rows, not its partition's
    return Batches.flatMap(users, 4 * s.userBatch(), chunk -> scoreChunk(chunk, model, kernel, blocks, popular, s, cap,
        twoStage));
  }

  /**
   * Scores a chunk of users against {@code blocks}, exhaustively or in two stages; users without a usable history get
   * the fallback.
   */
  private static List<Row> scoreChunk(List<UserInput> chunk, AttentionModel model, ScoringKernel kernel, ItemBlock[] blocks,
      int[] popular, ScoreSettings s, CategoryCap cap, boolean twoStage) {
    Vocabulary v = model.vocabulary();
    long end = endMicros(s);
    List<UserHistory> histories = new ArrayList<>();
    List<int[]> seen = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    List<Row> out = new ArrayList<>();
    for (UserInput u : chunk) {
      int[] seenIdx = seen(u, v);
      UserHistory h = history(u, v, s.model().weights(), s.model().historyLength(), end);
      if (h.length() == 0) {
        out.addAll(fallback(u.userId(), popular, seenIdx, v, s.topK(), cap));
        continue;
      }
      histories.add(h);
      seen.add(seenIdx);
      ids.add(u.userId());
    }
    int[][] seenArrays = seen.toArray(int[][]::new);
    List<List<Pick>> picks = twoStage
        ? kernel.twoStage(histories, seenArrays, blocks, s.shortlist(), s.topK(), s.reasons(), s.userBatch(), cap)
        : kernel.recommend(histories, seenArrays, blocks, s.topK(), s.reasons(), s.userBatch(), cap);
    for (int u = 0; u < ids.size(); u++) {
      out.addAll(rows(ids.get(u), Pick.scored(picks.get(u), model.aggregation()), v, twoStage ? "two_stage" : "attention"));
    }
    return out;
  }

  /** The end of dt (exclusive), microseconds: histories are as of this instant. */
  static long endMicros(ScoreSettings s) {
    return Instant.from(s.dt().plusDays(1).atStartOfDay(ZoneOffset.UTC)).toEpochMilli() * 1000;
  }

  /** The user's seen items as sorted vocabulary indices (items the model does not know are dropped). */
  static int[] seen(UserInput u, Vocabulary v) {
    return Arrays.stream(u.seen()).map(v::index).filter(java.util.OptionalInt::isPresent)
        .mapToInt(java.util.OptionalInt::getAsInt).sorted().toArray();
  }

  /** The user's history as the model sees it at {@code end}: known items, weighted, last m. */
  static UserHistory history(UserInput u, Vocabulary v, HistoryWeights weights, int m, long end) {
    int[] items = new int[u.items().length];
    int n = 0;
    long[] ts = new long[items.length];
    String[] events = new String[items.length];
    for (int i = 0; i < items.length; i++) {
      var index = v.index(u.items()[i]);
      if (index.isPresent()) {
        items[n] = index.getAsInt();
        ts[n] = u.ts()[i];
        events[n++] = u.events()[i];
      }
    }
    UserSequence seq = new UserSequence(u.userId(), Arrays.copyOf(items, n), Arrays.copyOf(ts, n), Arrays.copyOf(events, n));
    return seq.historyBefore(n, m, weights, end);
  }

  private static List<Row> fallback(String userId, int[] popular, int[] seen, Vocabulary v, int k, CategoryCap cap) {
    List<Pick> unseen = new ArrayList<>();
    for (int item : popular) {
      if (Arrays.binarySearch(seen, item) < 0) {
        unseen.add(new Pick(item, 0f, List.of()));
      }
    }
    return rows(userId, cap.select(unseen, k), v, "fallback_popular");
  }

  private static List<Row> rows(String userId, List<Pick> picks, Vocabulary v, String source) {
    List<Row> out = new ArrayList<>(picks.size());
    for (int r = 0; r < picks.size(); r++) {
      Pick p = picks.get(r);
      List<Row> reasons = new ArrayList<>(p.reasons().size());
      for (Explanation e : p.reasons()) {
        reasons.add(RowFactory.create(v.id(e.item()), e.alpha(), e.weight(), e.contribution()));
      }
      out.add(RowFactory.create(userId, r + 1, v.id(p.item()), p.score(), reasons.toArray(), source));
    }
    return out;
  }

  /** Blocked mode: groups of users × item blocks, partial top-K merged per user. */
  private static JavaRDD<Row> blocked(JavaSparkContext jsc, JavaRDD<UserInput> inputs, ItemBlock[] blocks,
      Broadcast<AttentionModel> thetaOnly, Broadcast<int[]> popular, ScoreSettings s, Broadcast<CategoryCap> cap) {
    JavaRDD<ItemBlock> blockRdd = jsc.parallelize(Arrays.asList(blocks), blocks.length);
    int groupSize = 4 * s.userBatch();
    // each group's histories and seen items are formed once, not once per item block
    JavaRDD<Group> groups = inputs.mapPartitions(it -> {
      Vocabulary v = thetaOnly.value().vocabulary();
      long end = endMicros(s);
      List<Group> out = new ArrayList<>();
      Group g = new Group(new ArrayList<>(), new ArrayList<>());
      while (it.hasNext()) {
        UserInput u = it.next();
        UserHistory h = history(u, v, s.model().weights(), s.model().historyLength(), end);
        if (h.length() > 0) {
          g.histories().add(h);
          g.seen().add(seen(u, v));
        }
        if (g.histories().size() == groupSize || (!it.hasNext() && !g.histories().isEmpty())) {
          out.add(g);
          g = new Group(new ArrayList<>(), new ArrayList<>());
        }
      }
      return out.iterator();
    }).persist(StorageLevel.MEMORY_AND_DISK()); // read once per item block by the cartesian product; freed with the RDD
    // one kernel (and its logits buffer) per task, whatever number of (group, block) pairs the task scores
    JavaPairRDD<String, List<Pick>> partial = groups.cartesian(blockRdd).mapPartitionsToPair(pairs -> {
      FaultInjection.inTask("scoring users against an item block");
      ScoringKernel kernel = new ScoringKernel(thetaOnly.value());
      List<Tuple2<String, List<Pick>>> out = new ArrayList<>();
      while (pairs.hasNext()) {
        Tuple2<Group, ItemBlock> pair = pairs.next();
        List<UserHistory> histories = pair._1().histories();
        List<List<Pick>> picks = kernel.candidates(histories, pair._1().seen().toArray(int[][]::new),
            new ItemBlock[] {pair._2()}, s.topK(), s.reasons(), s.userBatch(), cap.value());
        for (int u = 0; u < histories.size(); u++) {
          out.add(new Tuple2<>(histories.get(u).userId(), picks.get(u)));
        }
      }
      return out.iterator();
    });
    JavaRDD<Row> scored = partial.reduceByKey((a, b) -> cap.value().trim(Pick.merge(a, b, Integer.MAX_VALUE), s.topK()))
        .flatMap(e -> rows(e._1(), Pick.scored(cap.value().select(e._2(), s.topK()), thetaOnly.value().aggregation()),
            thetaOnly.value().vocabulary(), "attention").iterator());
    JavaRDD<Row> fallbackRows = inputs.mapPartitions(it -> {
      Vocabulary v = thetaOnly.value().vocabulary();
      long end = endMicros(s);
      List<Row> out = new ArrayList<>();
      while (it.hasNext()) {
        UserInput u = it.next();
        if (history(u, v, s.model().weights(), s.model().historyLength(), end).length() == 0) {
          out.addAll(fallback(u.userId(), popular.value(), seen(u, v), v, s.topK(), cap.value()));
        }
      }
      return out.iterator();
    });
    return scored.union(fallbackRows);
  }

  /** A group of users with a usable history, as blocked mode crosses them with item blocks. */
  private record Group(List<UserHistory> histories, List<int[]> seen) implements java.io.Serializable {}

  private static double elapsed(long since) {
    return Math.round((System.nanoTime() - since) / 1e7) / 100.0;
  }
}
