package io.attnflow.jobs.related;

import io.attnflow.core.model.AttentionModel;
import io.attnflow.core.score.SimilarItems;
import io.attnflow.jobs.config.RelatedSettings;
import io.attnflow.jobs.embed.ItemVectors;
import io.attnflow.jobs.model.ModelStore;
import io.attnflow.jobs.model.NewItems;
import io.attnflow.jobs.spark.Batches;
import io.attnflow.jobs.spark.RunLock;
import io.attnflow.jobs.spark.Warehouse;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Related items, the "more like this" shelf: for every item with a vector, its {@code related.top-k}
 * nearest items by cosine similarity or Euclidean distance ({@link SimilarItems}: blocked GEMM and
 * bounded heaps, never a cross join), over the content vectors of {@code item_vectors/} or the learned
 * φ of a model. The vectors are broadcast; the query items are split across tasks. Written to
 * {@code related/dt=…/} sorted by item and rank, published by one swap with a {@code _SUCCESS}.
 */
public final class RelatedJob {
  static final StructType SCHEMA = new StructType()
      .add("item_id", DataTypes.StringType, false)
      .add("rank", DataTypes.IntegerType, false)
      .add("related_item_id", DataTypes.StringType, false)
      .add("similarity", DataTypes.FloatType, false)
      .add("distance", DataTypes.FloatType, false)
      .add("metric", DataTypes.StringType, false)
      .add("basis", DataTypes.StringType, false)
      .add("version", DataTypes.StringType, false)
      .add("run_id", DataTypes.StringType, false)
      .add("generated_at", DataTypes.TimestampType, false);

  private RelatedJob() {}

  /** What one run wrote: items ranked, items without a vector (none), rows, seconds. */
  public record RelatedResult(String runId, String basis, String version, long items, long withoutVector, long rows,
      double seconds, String path) {}

  public static RelatedResult run(SparkSession spark, RelatedSettings s, LocalDate dt, String runId) {
    long t0 = System.nanoTime();
    Warehouse wh = new Warehouse(s.warehouse(), spark.sparkContext().hadoopConfiguration());
    wh.requireAtomicRename(s.allowNonAtomicWarehouse());
    try (RunLock lock = RunLock.acquire(wh, spark.sparkContext().hadoopConfiguration(), "related-dt=" + dt, "related",
        runId, Duration.ofSeconds(s.lockLeaseSeconds()))) {
      ItemVectors v = s.fromContent()
          ? ItemVectors.content(spark, wh, "Cannot relate items by content", "set related.basis = phi")
          : phi(spark, wh, s.modelVersion());
      String basis = s.fromContent() ? "content" : "phi";
      String metric = s.metric().name().toLowerCase(java.util.Locale.ROOT);
      Timestamp generated = Timestamp.from(Instant.now());
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      Broadcast<ItemVectors> shared = jsc.broadcast(v);
      int n = v.ids().length;
      int k = s.topK();
      int block = s.itemBlock();
      int batch = s.batch();
      SimilarItems.Metric m = s.metric();
      JavaRDD<Row> rows = jsc.parallelize(IntStream.range(0, n).boxed().toList(), Math.max(1, jsc.defaultParallelism()))
          .mapPartitions((Iterator<Integer> queries) -> {
            ItemVectors all = shared.value();
            SimilarItems index = new SimilarItems(all.rows(), all.dim(), m, block);
            return Batches.flatMap(queries, batch, pending -> {
              List<Row> out = new ArrayList<>();
              for (SimilarItems.Neighbours nb : index.of(pending.stream().mapToInt(Integer::intValue).toArray(), k)) {
                for (int r = 0; r < nb.items().length; r++) {
                  out.add(RowFactory.create(all.ids()[nb.item()], r + 1, all.ids()[nb.items()[r]], nb.similarity()[r],
                      nb.distance()[r], metric, basis, all.version(), runId, generated));
                }
              }
              return out;
            });
          });
      String table = "related/dt=" + dt;
      String staging = wh.root() + "/staging/related-dt=" + dt + "/" + runId;
      spark.createDataFrame(rows, SCHEMA).orderBy("item_id", "rank").write().mode("overwrite").parquet(staging + "/" + table);
      wh.writeText(staging + "/" + table + "/_SUCCESS", "");
      lock.verify();
      wh.swapIn(staging, List.of(table));
      shared.destroy();
      long written = spark.read().parquet(wh.root() + "/" + table).count();
      return new RelatedResult(runId, basis, v.version(), n, v.withoutVector(), written, (System.nanoTime() - t0) / 1e9,
          wh.root() + "/" + table);
    }
  }

  /** The learned φ of the model's every item, and of the new items it places by their content ({@link NewItems}). */
  private static ItemVectors phi(SparkSession spark, Warehouse wh, String version) {
    ModelStore.Loaded loaded = new ModelStore(wh, spark.sparkContext().hadoopConfiguration()).load(version);
    AttentionModel model = NewItems.place(spark, wh, loaded).model(); // new items too, by their content
    String[] ids = IntStream.range(0, model.vocabulary().size()).mapToObj(model.vocabulary()::id).toArray(String[]::new);
    return new ItemVectors(ids, Arrays.copyOf(model.phiTable(), ids.length * model.k()), model.k(), 0, loaded.version());
  }
}
