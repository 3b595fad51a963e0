package io.attnflow.jobs.embed;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.size;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.attnflow.core.content.ContentVectors;
import io.attnflow.core.content.ItemWords;
import io.attnflow.jobs.BadInputException;
import io.attnflow.jobs.config.EmbedSettings;
import io.attnflow.jobs.spark.RunLocation;
import io.attnflow.jobs.spark.RunLock;
import io.attnflow.jobs.spark.Warehouse;
import io.attnflow.jobs.train.TrainJob;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.feature.Word2Vec;
import org.apache.spark.ml.feature.Word2VecModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embed: every item of {@code items/} to one row of {@code item_vectors/}, its content as vectors.
 *
 * <ul>
 *   <li>Text: the words of the configured fields ({@link ItemWords}); Word2Vec (Spark ML, one seeded
 *       partition) is fitted on every item's words, or the latest saved one reused; an item's text vector is
 *       the field-weighted mean of its known words' vectors ({@link ContentVectors#text}).</li>
 *   <li>Supplied vectors (items/'s {@code vector}: image or audio embeddings made elsewhere): all must have one
 *       length ({@code embed.vector-dimension}, or the corpus's most common) and finite values; any other is
 *       rejected with its reason, and its item keeps its text vector.</li>
 *   <li>The content vector combines both ({@link ContentVectors#combine}); an item with neither has none,
 *       and is counted.</li>
 * </ul>
 * Nothing is lost: every item is written once, with what its vector holds ({@code content}) and why a
 * supplied vector was rejected; the report under {@code runs/} counts them and checks that they add up.
 */
public final class EmbedJob {
  private static final Logger LOG = LoggerFactory.getLogger(EmbedJob.class);
  private static final List<String> TABLES = List.of("item_vectors");
  static final StructType SCHEMA = new StructType()
      .add("item_id", DataTypes.StringType, false)
      .add("vector", DataTypes.createArrayType(DataTypes.FloatType, false), true)
      .add("text_vector", DataTypes.createArrayType(DataTypes.FloatType, false), true)
      .add("supplied_vector", DataTypes.createArrayType(DataTypes.FloatType, false), true)
      .add("words", DataTypes.IntegerType, false)
      .add("known_words", DataTypes.IntegerType, false)
      .add("content", DataTypes.StringType, false)
      .add("rejected", DataTypes.StringType, true)
      .add("embedding_version", DataTypes.StringType, false);

  private EmbedJob() {}

  /**
   * Embeds under the warehouse's lock {@code locks/embed}.
   *
   * @throws BadInputException when items/ is missing or empty
   */
  public static EmbedResult run(SparkSession spark, EmbedSettings s, String runId) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    Warehouse wh = new Warehouse(s.warehouse(), hadoop);
    wh.requireAtomicRename(s.allowNonAtomicWarehouse());
    try (RunLock lock = RunLock.acquire(wh, hadoop, "embed", "embed", runId, Duration.ofSeconds(s.lockLeaseSeconds()))) {
      wh.clearDeadRuns("embed", TABLES).forEach(LOG::warn);
      return embed(spark, wh, s, runId, lock);
    }
  }

  private static EmbedResult embed(SparkSession spark, Warehouse wh, EmbedSettings s, String runId, RunLock lock) {
    long t0 = System.nanoTime();
    Instant started = Instant.now();
    Dataset<Row> items = readItems(spark, wh);
    ItemWords reader = s.words();
    Dataset<Row> words = spark.createDataFrame(items.select("item_id", "title", "text", "tags", "category").javaRDD()
            .map(r -> RowFactory.create(r.getString(0), reader.of(fields(r)).words().toArray(new String[0]))),
        new StructType().add("item_id", DataTypes.StringType).add("words", DataTypes.createArrayType(DataTypes.StringType)));

    WordVectorStore store = new WordVectorStore(wh.embeddings(), spark.sparkContext().hadoopConfiguration());
    String version = s.fitAlways() ? null : store.latest().orElse(null);
    Word2VecModel word2vec;
    boolean fitted = version == null;
    if (fitted) {
      version = TrainJob.newVersion();
      word2vec = new Word2Vec().setInputCol("words").setOutputCol("_unused").setVectorSize(s.vectorSize())
          .setMinCount(s.minCount()).setWindowSize(s.window()).setMaxIter(s.iterations()).setStepSize(s.stepSize())
          .setSeed(s.seed()).setNumPartitions(1)
          .fit(words.orderBy("item_id").coalesce(1));
      Map<String, Object> metadata = new LinkedHashMap<>();
      metadata.put("format_version", 1);
      metadata.put("kind", "spark-ml-word2vec");
      metadata.put("created_at", Instant.now().toString());
      metadata.put("items", items.count());
      metadata.put("config", s.asMap());
      store.save(version, word2vec, metadata);
      LOG.info("embed: fitted Word2Vec {} on the words of items/", version);
    } else {
      word2vec = store.load(version);
      LOG.info("embed: reusing Word2Vec {} (embed.fit = missing)", version);
    }
    double fitSeconds = (System.nanoTime() - t0) / 1e9;
    Map<String, float[]> vocabulary = new HashMap<>();
    for (Row r : word2vec.getVectors().collectAsList()) {
      double[] v = ((Vector) r.get(1)).toArray();
      float[] f = new float[v.length];
      for (int i = 0; i < v.length; i++) {
        f[i] = (float) v[i];
      }
      vocabulary.put(r.getString(0), f);
    }
    int textDim = word2vec.getVectorSize();
    int vectorDim = s.vectorDimension() > 0 ? s.vectorDimension() : commonDimension(items);

    long t1 = System.nanoTime();
    Broadcast<Map<String, float[]>> words2vec = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(vocabulary);
    String v = version;
    double textWeight = s.textWeight();
    double vectorWeight = s.vectorWeight();
    JavaRDD<Row> rows = items.select("item_id", "title", "text", "tags", "category", "vector").javaRDD()
        .map(r -> embed(r, reader, words2vec.value(), textDim, textWeight, vectorDim, vectorWeight, v));
    String staging = wh.root() + "/staging/embed/" + runId;
    spark.createDataFrame(rows, SCHEMA).orderBy("item_id").write().mode("overwrite").parquet(staging + "/item_vectors");
    lock.verify();
    wh.swapIn(staging, TABLES);
    words2vec.destroy();
    items.unpersist();

    Dataset<Row> written = spark.read().parquet(wh.itemVectors());
    Map<String, Long> byContent = new TreeMap<>();
    for (String c : List.of("text+vector", "text", "vector", "none")) {
      byContent.put(c, 0L);
    }
    written.groupBy("content").count().collectAsList().forEach(r -> byContent.put(r.getString(0), r.getLong(1)));
    Map<String, Long> rejected = new TreeMap<>();
    written.filter(col("rejected").isNotNull()).groupBy(org.apache.spark.sql.functions.split(col("rejected"), ":")
        .getItem(0)).count().collectAsList().forEach(r -> rejected.put(r.getString(0), r.getLong(1)));
    long total = written.count();
    Map<String, Double> seconds = new LinkedHashMap<>();
    seconds.put(fitted ? "fit" : "load", fitSeconds);
    seconds.put("vectors", (System.nanoTime() - t1) / 1e9);
    seconds.put("total", (System.nanoTime() - t0) / 1e9);
    String report = wh.runs() + "/" + runId + ".json";
    EmbedResult result = new EmbedResult(runId, version, fitted, total, byContent, rejected, vocabulary.size(), textDim,
        vectorDim, seconds, wh.itemVectors(), report);
    writeReport(wh, result, started, s, RunLocation.of(spark));
    if (!result.balanced()) {
      throw new IllegalStateException("Cannot account for every item: " + total + " written, " + byContent + " by content");
    }
    return result;
  }

  /** One items/ row to its item_vectors/ row. */
  static Row embed(Row r, ItemWords reader, Map<String, float[]> known, int textDim, double textWeight, int vectorDim,
      double vectorWeight, String version) {
    ItemWords.Words words = reader.of(fields(r));
    ContentVectors.Text text = ContentVectors.text(words, known, textDim);
    float[] supplied = r.isNullAt(5) ? null : floats(r.getList(5));
    String rejected = null;
    if (supplied != null) {
      rejected = problem(supplied, vectorDim);
      if (rejected != null) {
        supplied = null;
      }
    }
    float[] content = ContentVectors.combine(text.vector(), textDim, textWeight, supplied, vectorDim, vectorWeight);
    boolean hasText = text.vector() != null && textWeight > 0;
    boolean hasVector = supplied != null && vectorWeight > 0;
    String kind = content == null ? "none" : hasText && hasVector ? "text+vector" : hasText ? "text" : "vector";
    return RowFactory.create(r.getString(0), boxed(content), boxed(text.vector()), boxed(supplied), words.words().size(),
        text.knownWords(), kind, rejected, version);
  }

  /** Why a supplied vector cannot be used ("reason: detail"), or null. */
  static String problem(float[] v, int dimension) {
    if (v.length != dimension) {
      return "wrong_dimension: the vector has " + v.length + " values, expected " + dimension
          + " (embed.vector-dimension, or the length most items' vectors have)";
    }
    for (int i = 0; i < v.length; i++) {
      if (!Float.isFinite(v[i])) {
        return "not_finite: vector[" + i + "] is " + v[i];
      }
    }
    return null;
  }

  private static Map<String, String> fields(Row r) {
    Map<String, String> m = new HashMap<>();
    m.put("title", r.getString(r.fieldIndex("title")));
    m.put("text", r.getString(r.fieldIndex("text")));
    int tags = r.fieldIndex("tags");
    m.put("tags", r.isNullAt(tags) ? null : String.join(" ", r.<String>getList(tags)));
    m.put("category", r.getString(r.fieldIndex("category")));
    return m;
  }

  /** The length most supplied vectors have (the shorter on a tie), 0 when no item has one. */
  static int commonDimension(Dataset<Row> items) {
    List<Row> top = items.filter(col("vector").isNotNull()).groupBy(size(col("vector")).as("n")).count()
        .orderBy(desc("count"), col("n")).limit(1).collectAsList();
    return top.isEmpty() ? 0 : top.get(0).getInt(0);
  }

  private static Dataset<Row> readItems(SparkSession spark, Warehouse wh) {
    // read by the fit, the dimension count and the vectors: once from items/
    Dataset<Row> items = spark.read().parquet(wh.required(wh.items(), "Cannot embed items", Warehouse.INGEST_FIRST))
        .persist(StorageLevel.MEMORY_AND_DISK());
    if (items.isEmpty()) {
      throw new BadInputException("Cannot embed items: " + wh.items() + " has no rows");
    }
    return items;
  }

  private static float[] floats(List<Object> values) {
    float[] f = new float[values.size()];
    for (int i = 0; i < f.length; i++) {
      Object o = values.get(i);
      f[i] = o == null ? Float.NaN : ((Number) o).floatValue();
    }
    return f;
  }

  private static Float[] boxed(float[] v) {
    if (v == null) {
      return null;
    }
    Float[] out = new Float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i];
    }
    return out;
  }


  private static void writeReport(Warehouse wh, EmbedResult r, Instant started, EmbedSettings s, RunLocation where) {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("job", "embed");
    report.put("run_id", r.runId());
    report.put("status", r.balanced() ? "ok" : "failed");
    report.put("started_at", started.toString());
    report.put("finished_at", Instant.now().toString());
    report.put("word2vec", Map.of("version", r.version(), "fitted", r.fitted(), "vocabulary", r.vocabulary(),
        "vector_size", r.textDimension()));
    report.put("items", r.items());
    report.put("by_content", r.byContent());
    report.put("balanced", r.balanced());
    report.put("supplied_vector_dimension", r.vectorDimension());
    report.put("rejected_vectors", r.rejectedVectors());
    report.put("seconds", r.seconds());
    report.put("config", s.asMap());
    report.put("tables", Map.of("item_vectors", wh.itemVectors(), "embeddings", wh.embeddings()));
    report.put("spark", where.manifest());
    try {
      wh.writeText(r.reportPath(), new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).writeValueAsString(report));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("Cannot render the embed report: " + e.getMessage(), e);
    }
  }
}
