package io.attnflow.jobs.model;

import static org.apache.spark.sql.functions.col;

import io.attnflow.core.model.AttentionModel;
import io.attnflow.core.model.Vocabulary;
import io.attnflow.jobs.spark.Warehouse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FilterFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * New items: the items of {@code items/} that the model never saw (every morning's news). A model that reads content
 * places each by its content vector alone ({@link AttentionModel#withNewItems}), so that scoring ranks them from
 * their first day, with α and reasons like any other item, and related finds their neighbours by φ; the items it
 * knows keep their learned part.
 *
 * <p>A new item is placed only with a content vector of the model's own embedding (the Word2Vec version and vector
 * length it was trained with, from its manifest): a vector of another embedding lives in another space. Every new item
 * is counted under one outcome, and the outcomes add up to the new items:
 * <ul>
 *   <li>{@code placed}: scored from its content;</li>
 *   <li>{@code without_content}: embed gave it no vector (no known word, no valid supplied vector);</li>
 *   <li>{@code not_embedded}: absent from {@code item_vectors/} (ingested after the last embed);</li>
 *   <li>{@code other_embedding}: its vector is of another embedding version or length than the model's;</li>
 *   <li>{@code ids_only_model}: the model does not read content ({@code train.content = false}).</li>
 * </ul>
 *
 * @param model  the model, with the placed items appended to its vocabulary
 * @param counts new items ({@code new_items}) and their outcomes
 */
public record NewItems(AttentionModel model, Map<String, Long> counts) {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NewItems.class);
  public static final List<String> OUTCOMES = List.of("placed", "without_content", "not_embedded", "other_embedding",
      "ids_only_model");

  /** Places the new items of {@code items/} in the loaded model. */
  public static NewItems place(SparkSession spark, Warehouse wh, ModelStore.Loaded loaded) {
    AttentionModel model = loaded.model();
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("new_items", 0L);
    OUTCOMES.forEach(o -> counts.put(o, 0L));
    if (!wh.exists(wh.items())) { // a warehouse of interactions alone: the model's items are the corpus
      return new NewItems(model, counts);
    }
    // the vocabulary goes out as a broadcast (as a local dataset it rode in one task: 2.4 MB at 100,000 items),
    // released once the new items are placed
    Broadcast<Vocabulary> known = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(model.vocabulary());
    try {
      return place(spark, wh, loaded, counts, spark.read().parquet(wh.items()).select("item_id")
          .filter((FilterFunction<Row>) r -> r.isNullAt(0) || known.value().index(r.getString(0)).isEmpty()));
    } finally {
      known.destroy();
    }
  }

  /** Places {@code fresh} (the item ids of items/ that the model does not know), counting each one's outcome. */
  private static NewItems place(SparkSession spark, Warehouse wh, ModelStore.Loaded loaded, Map<String, Long> counts,
      Dataset<Row> fresh) {
    AttentionModel model = loaded.model();
    long total = fresh.count();
    counts.put("new_items", total);
    if (total == 0) {
      return new NewItems(model, counts);
    }
    if (!model.readsContent()) {
      counts.put("ids_only_model", total);
      LOG.warn("score: {} items of items/ are new to model {}, which reads ids only (train.content = false): they are "
          + "not candidates", total, loaded.version());
      return new NewItems(model, counts);
    }
    if (!wh.exists(wh.itemVectors())) {
      counts.put("not_embedded", total);
      LOG.warn("score: {} items of items/ are new to model {}, and {} does not exist (run attnflow embed): they are not "
          + "candidates", total, loaded.version(), wh.itemVectors());
      return new NewItems(model, counts);
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> trained = (Map<String, Object>) loaded.manifest().data().get("content");
    String version = (String) trained.get("embedding_version");
    int dim = model.shape().content();
    Dataset<Row> embedded = spark.read().parquet(wh.itemVectors())
        .select(col("item_id").as("embedded_id"), col("vector"), col("embedding_version"));
    List<Row> rows = fresh.join(embedded, fresh.col("item_id").equalTo(embedded.col("embedded_id")), "left")
        .select("item_id", "embedded_id", "vector", "embedding_version").orderBy("item_id").collectAsList();
    List<String> ids = new ArrayList<>();
    float[] vectors = new float[rows.size() * dim];
    for (Row r : rows) {
      String outcome;
      if (r.isNullAt(1)) {
        outcome = "not_embedded";
      } else if (r.isNullAt(2)) {
        outcome = "without_content";
      } else if (!version.equals(r.getString(3)) || r.getList(2).size() != dim) {
        outcome = "other_embedding";
      } else {
        outcome = "placed";
        List<Object> vector = r.getList(2);
        for (int d = 0; d < dim; d++) {
          vectors[ids.size() * dim + d] = ((Number) vector.get(d)).floatValue();
        }
        ids.add(r.getString(0));
      }
      counts.merge(outcome, 1L, Long::sum);
    }
    LOG.info("score: {} items are new to model {}: {}", total, loaded.version(), counts);
    return new NewItems(model.withNewItems(ids, java.util.Arrays.copyOf(vectors, ids.size() * dim)), counts);
  }
}
