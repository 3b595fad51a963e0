package io.attnflow.jobs.train;

import io.attnflow.core.eval.LeaveOneOut;
import io.attnflow.core.eval.Metrics;
import io.attnflow.core.eval.Protocol;
import io.attnflow.core.eval.HeldOutCase;
import io.attnflow.core.model.AttentionModel;
import io.attnflow.core.model.AttentionNetwork;
import io.attnflow.core.model.HistoryWeights;
import io.attnflow.core.model.ItemContent;
import io.attnflow.core.model.Manifest;
import io.attnflow.core.model.ModelException;
import io.attnflow.core.model.ModelFiles;
import io.attnflow.core.model.ModelShape;
import io.attnflow.core.model.NegativeSampler;
import io.attnflow.core.model.NetworkSpec;
import io.attnflow.core.model.TrainingWindows;
import io.attnflow.core.model.UserSequence;
import io.attnflow.core.model.Vocabulary;
import io.attnflow.jobs.BadInputException;
import io.attnflow.jobs.config.TrainSettings;
import io.attnflow.jobs.embed.ItemVectors;
import io.attnflow.jobs.model.ModelStore;
import io.attnflow.jobs.spark.RunLocation;
import io.attnflow.jobs.spark.Warehouse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.CollectionAccumulator;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Train: {@code interactions/} to a versioned model folder under {@code models/}.
 *
 * <ol>
 *   <li>Per-user sequences of counted events; the vocabulary is every item in them (and, with
 *       {@code train.impression-negatives}, every item shown to a user and not clicked), sorted by id. With
 *       {@code train.content} each item's content vector from {@code item_vectors/} goes with its id.
 *   <li>Leave-one-out: each user's last item is the test target and the second-to-last the
 *       validation target (recorded in the model's {@code split.parquet}); the rest trains.
 *   <li>Each epoch, every user's training events are cut into {@link TrainingWindows} (every
 *       position of a window is predicted from the items before it, against a pool of seeded
 *       negatives shared by the minibatch), shuffled within their partition and batched; the {@link AttentionNetwork}
 *       fits them through dl4j-spark ({@link SparkComputationGraph}, parameter averaging,
 *       {@link RDDTrainingApproach#Direct} so that it also runs on a cluster without a shared file
 *       system), in chunks of users when the epoch is large ({@link EpochChunks}).
 *   <li>After each epoch the validation HR@10 / NDCG@10 is measured with the scoring kernel in Spark tasks, against
 *       sampled negatives and under full ranking, on the epoch's parameters (or the mean of the last
 *       {@code train.average-epochs} epochs'); the best by sampled NDCG@10 is kept and training stops
 *       after {@code train.patience} epochs without improvement.
 *   <li>The folder is assembled on the driver (network, vocabulary, split, manifest with
 *       checksums), published, and promoted to {@code latest} if the {@link Promotion} gate lets it.
 * </ol>
 * Everything random is seeded from {@code train.seed}.
 */
public final class TrainJob {
  private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);
  private static final int K = 10;
  /** The manifest's list of the items {@code train.cold-start-items} held out of training ({@code data}). */
  public static final String HELD_OUT_ITEMS = "held_out_items";

  private static final java.time.format.DateTimeFormatter VERSION =
      java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(java.time.ZoneOffset.UTC);

  private TrainJob() {}

  /** A new model version: the UTC time of the training start, e.g. {@code 20261124-012429}. */
  public static String newVersion() {
    return VERSION.format(Instant.now());
  }

  public static TrainResult run(SparkSession spark, TrainSettings s, String version) {
    long started = System.nanoTime();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Warehouse wh = new Warehouse(s.warehouse(), spark.sparkContext().hadoopConfiguration());
    HistoryWeights weights = s.model().weights();
    int m = s.model().historyLength();

    String interactions = wh.required(wh.interactions(), "Cannot train", Warehouse.INGEST_FIRST);
    Dataset<Row> events = Sequences.events(spark, interactions, weights).persist(StorageLevel.MEMORY_AND_DISK());
    Row window = events.selectExpr("count(*)", "min(t)", "max(t)", "count(distinct user_id)").first();
    if (window.getLong(0) == 0) {
      throw new BadInputException("Cannot train: " + interactions + " has no events of the counted types "
          + weights.eventWeights() + " (run ingest, or set model.event-weights)");
    }
    // with impression negatives, the items shown and not clicked are part of the vocabulary
    Dataset<Row> shown = s.impressionNegatives() > 0 ? Sequences.shown(spark, interactions) : null;
    Vocabulary vocabulary = Sequences.vocabulary(shown == null ? events : events.select("item_id")
        .union(shown.select("item_id")));
    Broadcast<Vocabulary> vocab = jsc.broadcast(vocabulary);
    JavaRDD<UserSequence> sequences = Sequences.of(events, vocab).persist(StorageLevel.MEMORY_AND_DISK_SER());
    JavaRDD<Trainee> trainees = shown == null ? sequences.map(u -> new Trainee(u, new int[0]))
        : sequences.keyBy(UserSequence::userId).leftOuterJoin(Sequences.shownBy(shown, vocab)).values()
            .map(t -> new Trainee(t._1(), t._2().orElse(new int[0]))).persist(StorageLevel.MEMORY_AND_DISK_SER());
    ItemVectors vectors = s.content() ? ItemVectors.content(spark, wh, "Cannot train with content (train.content = true)",
        "set train.content = false") : null;
    ItemContent content = vectors == null ? null : vectors.of(vocabulary);
    Broadcast<ItemContent> contentB = content == null ? null : jsc.broadcast(content);
    ModelShape shape = new ModelShape(vocabulary.size(), s.dim(), s.projection(), s.poolHidden(), m,
        content == null ? 0 : content.dim());

    // the driver holds a compact split row per held-out user; the validation cases stay in Spark
    JavaRDD<UserSequence> evaluable = sequences.filter(LeaveOneOut::evaluable);
    List<Object[]> heldOut = new ArrayList<>(evaluable.map(u -> splitRow(u, vocab.value())).collect());
    heldOut.sort(Comparator.comparing(r -> (String) r[0]));
    boolean[] heldItems = heldOutItems(vocabulary, s.coldStartItems(), s.seed());
    long[] trainingCounts = trainingCounts(sequences, heldItems);
    NegativeSampler sampler = (s.popularNegatives() > 0 ? NegativeSampler.mixed(trainingCounts, s.popularNegatives())
        : NegativeSampler.uniform(vocabulary.size())).withImpressions(s.impressionNegatives())
        .excluding(s.coldStartItems() > 0 ? heldItems : null);
    // a content model keeps no id part for the items that no training event had (held-out targets alone)
    int[] unlearned = content == null ? new int[0]
        : java.util.stream.IntStream.range(0, vocabulary.size()).filter(i -> trainingCounts[i] == 0).toArray();
    JavaRDD<HeldOutCase> validation = validationCases(jsc, evaluable, heldOut.size(), s, shape);
    long validationUsers = validation.count();
    LOG.info("train: {} events, {} users ({} held out), {} items; {} validation users",
        window.getLong(0), window.getLong(3), heldOut.size(), vocabulary.size(), validationUsers);

    NetworkSpec spec = s.network(shape);
    ComputationGraph network = AttentionNetwork.create(spec, s.seed());
    ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(s.batchSize())
        .batchSizePerWorker(s.batchSize())
        .averagingFrequency(s.averagingFrequency())
        .workerPrefetchNumBatches(0)
        .rddTrainingApproach(RDDTrainingApproach.Direct)
        // EpochChunks deals each chunk into one partition per worker, which dl4j-spark then keeps
        .repartionData(Repartition.NumPartitionsWorkersDiffers)
        .rngSeed(s.seed())
        // the minibatches (WindowBatch: windows, built into arrays where they are trained) are not cached: dl4j-spark's
        // default (MEMORY_ONLY_SER) kept every epoch's, never released; each pass over the data builds them again, the
        // same (seeded per epoch and partition)
        .storageLevel(null)
        .build();
    SparkComputationGraph sparkNetwork = new SparkComputationGraph(jsc, network, master);
    int windowLength = spec.window();
    long minibatches = (trainees.map(t -> (long) TrainingWindows.count(
        LeaveOneOut.train(t.sequence(), heldItems).length(), windowLength)).fold(0L, Long::sum) + s.batchSize() - 1)
        / s.batchSize();
    EpochChunks chunks = EpochChunks.of(minibatches, jsc.defaultParallelism(), s.averagingFrequency(), s.chunkSplits());
    JavaRDD<Trainee> users = chunks.partition(trainees);
    if (chunks.chunks() > 1) {
      LOG.info("train: about {} minibatches an epoch, fitted in {} chunks of users (train.chunk-splits = {})",
          minibatches, chunks.chunks(), s.chunkSplits());
    }

    List<Map<String, Object>> epochs = new ArrayList<>();
    INDArray best = null;
    double bestNdcg = -1;
    int bestEpoch = 0;
    long positions = 0;
    java.util.ArrayDeque<INDArray> recent = new java.util.ArrayDeque<>();
    StdoutFilter.install();
    for (int epoch = 1; epoch <= s.epochs() && epoch - bestEpoch <= s.patience(); epoch++) {
      long t0 = System.nanoTime();
      CollectionAccumulator<long[]> made = jsc.sc().collectionAccumulator("positions");
      double learningRate = s.learningRate(epoch);
      AttentionNetwork.setLearningRate(sparkNetwork.getNetwork(), learningRate);
      chunks.fit(sparkNetwork, users.mapPartitionsWithIndex(windows(s, spec, sampler, contentB, heldItems, epoch, made),
          false), epoch);
      // each pass over a partition reports its positions: count each partition once
      positions = made.value().stream().collect(Collectors.toMap(p -> p[0], p -> p[1], (a, b) -> a)).values().stream()
          .mapToLong(Long::longValue).sum();
      double fitSeconds = (System.nanoTime() - t0) / 1e9;
      double loss = sparkNetwork.getScore();
      // the model of an epoch: the mean of the parameters after the last train.average-epochs epochs
      recent.addLast(sparkNetwork.getNetwork().params().dup());
      if (recent.size() > s.averageEpochs()) {
        recent.removeFirst();
      }
      INDArray params = recent.getLast();
      ComputationGraph measured = sparkNetwork.getNetwork();
      if (recent.size() > 1 || unlearned.length > 0) {
        params = params.dup();
        recent.stream().limit(recent.size() - 1).forEach(params::addi);
        params.divi(recent.size());
        measured = measured.clone();
        measured.setParams(params);
        AttentionNetwork.forgetIds(measured, unlearned);
        params = measured.params();
      }
      AttentionModel model = AttentionModel.fromNetwork(measured, shape, vocabulary, content);
      Map<Protocol, Metrics> metrics = validate(jsc, model, validation);
      Metrics val = metrics.get(Protocol.SAMPLED);
      Metrics full = metrics.get(Protocol.FULL);
      double seconds = (System.nanoTime() - t0) / 1e9;
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("epoch", epoch);
      e.put("loss", round(loss));
      e.put("learning_rate", learningRate);
      e.put("val_hr10", round(val.hitRate()));
      e.put("val_ndcg10", round(val.ndcg()));
      e.put("val_full_hr10", round(full.hitRate()));
      e.put("val_full_ndcg10", round(full.ndcg()));
      e.put("seconds", round(seconds));
      e.put("positions_per_second", Math.round(positions / fitSeconds));
      epochs.add(e);
      LOG.info(String.format(java.util.Locale.ROOT, "epoch %d/%d: loss %.4f at rate %.2g; validation HR@10 / NDCG@10 "
          + "%.4f / %.4f sampled, %.4f / %.4f full; %,d positions in %.1f s (%,.0f/s) + validation %.1f s; at most %.0f s "
          + "to go; process %,d MB", epoch, s.epochs(), loss, learningRate, val.hitRate(), val.ndcg(), full.hitRate(),
          full.ndcg(), positions, fitSeconds, positions / fitSeconds, seconds - fitSeconds, seconds * (s.epochs() - epoch),
          Pointer.physicalBytes() >> 20));
      boolean finite = Double.isFinite(loss) && ModelFiles.finite(params);
      if (!finite) {
        e.put("finite", false);
        LOG.warn("epoch {}: its loss or parameters are not finite (the training diverged); it is never kept", epoch);
      } else if (val.ndcg() > bestNdcg) {
        bestNdcg = val.ndcg();
        bestEpoch = epoch;
        best = params;
      }
    }
    if (best == null) {
      throw new ModelException("Cannot keep a model: no epoch of " + epochs.size() + " ended with a finite loss and "
          + "finite parameters (the training diverged; try a lower train.learning-rate)");
    }
    ComputationGraph trained = sparkNetwork.getNetwork();
    trained.setParams(best);

    Map<String, Object> data = new LinkedHashMap<>();
    data.put("interactions", interactions);
    data.put("events", window.getLong(0));
    data.put("users", window.getLong(3));
    data.put("items", vocabulary.size());
    data.put("from", Instant.EPOCH.plusNanos(window.getLong(1) * 1000).toString());
    data.put("to", Instant.EPOCH.plusNanos(window.getLong(2) * 1000).toString());
    data.put("held_out_users", heldOut.size());
    data.put("validation_users", validationUsers);
    data.put("positions_per_epoch", positions);
    data.put("chunks_per_epoch", chunks.chunks());
    data.put("content", contentRecord(vectors, content, unlearned.length));
    if (s.coldStartItems() > 0) {
      data.put(HELD_OUT_ITEMS, java.util.stream.IntStream.range(0, heldItems.length).filter(i -> heldItems[i])
          .mapToObj(vocabulary::id).toList());
    }
    data.put("spark", RunLocation.of(spark).manifest());
    Manifest manifest = new Manifest(ModelFiles.FORMAT_VERSION, version, Instant.now().toString(), shape, s.seed(),
        s.asMap(), data, epochs, bestEpoch, Map.of());
    ModelStore store = new ModelStore(wh, spark.sparkContext().hadoopConfiguration());
    manifest = store.save(version, trained, vocabulary, content, heldOut, manifest);
    Promotion promotion = Promotion.decide(version, bestNdcg,
        store.latest().map(v -> Map.entry(v, validationNdcg(store.manifest(v)))), s.promotionTolerance());
    if (promotion.promoted()) {
      store.promote(version);
    }
    LOG.info("train: {}", promotion.reason());
    events.unpersist();
    sequences.unpersist();
    trainees.unpersist();
    users.unpersist();
    if (contentB != null) {
      contentB.destroy();
    }
    return new TrainResult(version, manifest, promotion, (System.nanoTime() - started) / 1e9);
  }

  /** A user as training reads it: its sequence, and the items it was shown and did not click (sorted; often none). */
  record Trainee(UserSequence sequence, int[] shown) implements java.io.Serializable {}

  /**
   * The per-partition window generator of one epoch: seeded by (seed, epoch, user) and (seed, epoch, partition), so
   * every pass over a partition gives the same minibatches ({@link WindowBatch}); each pass adds (partition, training
   * positions) to {@code made}.
   */
  private static org.apache.spark.api.java.function.Function2<Integer, Iterator<Trainee>, Iterator<MultiDataSet>>
      windows(TrainSettings s, NetworkSpec spec, NegativeSampler sampler, Broadcast<ItemContent> content,
      boolean[] heldOut, int epoch, CollectionAccumulator<long[]> made) {
    long seed = s.seed();
    int window = spec.window();
    int negatives = spec.negatives();
    double idDropout = spec.idDropout();
    int batchSize = s.batchSize();
    HistoryWeights weights = s.model().weights();
    return (partition, it) -> {
      StdoutFilter.install();
      List<TrainingWindows.Window> all = new ArrayList<>();
      while (it.hasNext()) {
        Trainee t = it.next();
        SplittableRandom random = new SplittableRandom(mix(seed, epoch, t.sequence().userId().hashCode()));
        all.addAll(windowsOf(t, heldOut, window, weights, negatives, sampler, random));
      }
      Random order = new Random(mix(seed, epoch, partition));
      Collections.shuffle(all, order);
      // a user's oldest window is padded before its first event: such windows share minibatches, the most padded
      // together, so that a step leaves out the slots none of its windows uses (StepPass); the minibatches are then
      // shuffled
      all.sort(Comparator.comparingInt(TrainingWindows.Window::unusedSlots).reversed());
      SplittableRandom drops = new SplittableRandom(mix(seed, -epoch, partition));
      // SameDiff's backward pass fails on a minibatch of one window (ND4J 1.0.0-M2.1, strided_slice_bp):
      // a last window alone joins the batch before it, and a partition of one window sits the epoch out
      ItemContent c = content == null ? null : content.value();
      List<MultiDataSet> batches = new ArrayList<>();
      long positions = 0;
      int from = 0;
      while (from < all.size()) {
        int to = all.size() - (from + batchSize) == 1 ? all.size() : Math.min(all.size(), from + batchSize);
        if (to - from > 1) {
          List<TrainingWindows.Window> batch = new ArrayList<>(all.subList(from, to));
          positions += batch.stream().mapToLong(TrainingWindows.Window::targets).sum();
          batches.add(new WindowBatch(batch, content, TrainingWindows.kept(batch, c, idDropout, drops)));
        }
        from = to;
      }
      if (batches.size() > 2) { // the last, which may hold fewer windows or one more, stays last
        Collections.shuffle(batches.subList(0, batches.size() - 1), order);
      }
      made.add(new long[] {partition, positions});
      return batches.iterator();
    };
  }

  /**
   * A user's training windows: the events it trains on ({@link LeaveOneOut#train(UserSequence, boolean[])}), with
   * negatives drawn among the items those events never touched. A user's own validation and test targets are drawn
   * like any item it has not met in training: leaving them out would tell training which items the user is about to
   * take.
   */
  static List<TrainingWindows.Window> windowsOf(Trainee t, boolean[] heldOut, int window, HistoryWeights weights,
      int negatives, NegativeSampler sampler, SplittableRandom random) {
    UserSequence fitted = LeaveOneOut.train(t.sequence(), heldOut);
    return TrainingWindows.of(fitted, fitted.sortedItems(), t.shown(), window, weights, negatives, sampler, random);
  }

  /**
   * What the manifest records of the content a model read: the embedding version (scoring places new items only with
   * vectors of the same), the vectors' length, how many of the vocabulary's items had one, and how many are placed by
   * their content alone (no training event: held-out targets only).
   */
  private static Map<String, Object> contentRecord(ItemVectors vectors, ItemContent content, int unlearned) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("read", content != null);
    if (content != null) {
      long with = java.util.stream.IntStream.range(0, content.items()).filter(content::has).count();
      c.put("embedding_version", vectors.version());
      c.put("dim", content.dim());
      c.put("items_with_content", with);
      c.put("items_without_content", content.items() - with);
      c.put("items_by_content_alone", unlearned);
      LOG.info("train: items are their ids and content ({} of {} items have a content vector of length {}, embedding {})",
          with, content.items(), content.dim(), vectors.version());
    }
    return c;
  }

  /**
   * The items {@code train.cold-start-items} holds out of training: each item with probability {@code share}, seeded by
   * the training seed and its id (so the same items whatever the vocabulary's order).
   */
  private static boolean[] heldOutItems(Vocabulary vocabulary, double share, long seed) {
    boolean[] held = new boolean[vocabulary.size()];
    for (int i = 0; i < held.length && share > 0; i++) {
      // mix's last argument moves only its low bits: SplittableRandom spreads them over the whole draw
      held[i] = new SplittableRandom(mix(seed, -3, vocabulary.id(i).hashCode())).nextDouble() < share;
    }
    return held;
  }

  /** Training events per item index (held-out events and items left out). */
  private static long[] trainingCounts(JavaRDD<UserSequence> sequences, boolean[] heldOut) {
    return sequences.aggregate(new long[heldOut.length], (counts, seq) -> {
      for (int i : LeaveOneOut.train(seq, heldOut).items()) {
        counts[i]++;
      }
      return counts;
    }, (a, b) -> {
      for (int i = 0; i < a.length; i++) {
        a[i] += b[i];
      }
      return a;
    });
  }

  /**
   * The validation cases, built and kept in Spark, spread over one partition per core: every held-out user's, or a
   * seeded sample of train.validation-users of them.
   */
  private static JavaRDD<HeldOutCase> validationCases(JavaSparkContext jsc, JavaRDD<UserSequence> evaluable,
      long heldOut, TrainSettings s, ModelShape shape) {
    JavaRDD<UserSequence> users = evaluable;
    if (heldOut > s.validationUsers()) {
      long seed = s.seed();
      Broadcast<Set<String>> sample = jsc.broadcast(new HashSet<>(evaluable.map(UserSequence::userId)
          .sortBy(id -> mix(seed, -2, id.hashCode()), true, evaluable.getNumPartitions()).take(s.validationUsers())));
      users = evaluable.filter(u -> sample.value().contains(u.userId()));
    }
    org.apache.spark.api.java.function.Function<UserSequence, HeldOutCase> toCase = validationCase(s, shape);
    return users.map(toCase).filter(c -> c.history().length() > 0)
        .repartition(Math.max(1, jsc.defaultParallelism())).persist(StorageLevel.MEMORY_AND_DISK_SER());
  }

  /** A user's validation case: the validation target against seeded sampled negatives and under full ranking. */
  static org.apache.spark.api.java.function.Function<UserSequence, HeldOutCase> validationCase(TrainSettings s,
      ModelShape shape) {
    long seed = s.seed();
    int history = shape.history();
    HistoryWeights weights = s.model().weights();
    int negatives = s.validationNegatives();
    int items = shape.items();
    return u -> LeaveOneOut.heldOutCase(u, false, history, weights, negatives, items,
        new SplittableRandom(mix(seed, -1, u.userId().hashCode())));
  }

  /**
   * The validation figures of {@code model}: each partition's cases ranked in a Spark task by the scoring kernel
   * ({@link Metrics#sums}), the model broadcast, so that validation takes every core (on a cluster, the executors')
   * instead of one driver thread; the partitions' sums added in partition order, the same on every run.
   */
  private static Map<Protocol, Metrics> validate(JavaSparkContext jsc, AttentionModel model,
      JavaRDD<HeldOutCase> cases) {
    Broadcast<AttentionModel> b = jsc.broadcast(model);
    try {
      double[] sums = null;
      for (double[] part : cases.mapPartitions(it -> List.of(Metrics.sums(b.value(), it, K)).iterator()).collect()) {
        sums = sums == null ? part : add(sums, part);
      }
      return Metrics.of(sums);
    } finally {
      b.destroy();
    }
  }

  private static double[] add(double[] a, double[] b) {
    for (int i = 0; i < a.length; i++) {
      a[i] += b[i];
    }
    return a;
  }

  /** The validation NDCG@10 a model's manifest records for its kept epoch. */
  static double validationNdcg(Manifest m) {
    Object v = m.bestMetrics().get("val_ndcg10");
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  /** A held-out user's row of {@code split.parquet}: user_id, validation item and time, test item and time. */
  private static Object[] splitRow(UserSequence u, Vocabulary vocabulary) {
    int v = LeaveOneOut.position(u, false);
    int t = LeaveOneOut.position(u, true);
    return new Object[] {u.userId(), vocabulary.id(u.items()[v]), u.ts()[v], vocabulary.id(u.items()[t]), u.ts()[t]};
  }


  static long mix(long seed, long a, long b) {
    long h = seed * 0x9E3779B97F4A7C15L + a;
    h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L + b;
    return h ^ (h >>> 29);
  }

  private static double round(double x) {
    return Math.round(x * 1e5) / 1e5;
  }
}
