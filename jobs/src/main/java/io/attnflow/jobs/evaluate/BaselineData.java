package io.attnflow.jobs.evaluate;

import io.attnflow.core.eval.Factors;
import io.attnflow.core.eval.ItemKnn;
import io.attnflow.core.eval.MostPopular;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.ml.recommendation.ALS;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The events one evaluation pass fits its baselines on (validation: the training events; test: with the validation
 * events), kept distributed as each user's item set under the user's index (its place in user-id order). The driver
 * holds what the scorers themselves carry: per-item user counts (most-popular), one item set per user (item-kNN's
 * index) and the ALS factors of the evaluated users only. The ALS ratings are cached once for the whole grid.
 */
final class BaselineData implements AutoCloseable {
  private final SparkSession spark;
  private final int items;
  private final JavaPairRDD<Long, int[]> itemSets;
  private final float[] users;
  private Dataset<Row> ratings;

  /** @param itemSets per user index, the user's items, each once, sorted */
  BaselineData(SparkSession spark, JavaPairRDD<Long, int[]> itemSets, int items) {
    this.spark = spark;
    this.items = items;
    this.itemSets = itemSets.persist(StorageLevel.MEMORY_AND_DISK_SER());
    this.users = this.itemSets.values().treeAggregate(new float[items], (sum, set) -> {
      for (int i : set) {
        sum[i]++;
      }
      return sum;
    }, (a, b) -> {
      for (int i = 0; i < a.length; i++) {
        a[i] += b[i];
      }
      return a;
    });
  }

  MostPopular mostPopular() {
    return MostPopular.of(users);
  }

  /** Item-kNN over every user's item set, in user-index order (the partitions' order: the indices were zipped in it). */
  ItemKnn itemKnn() {
    return ItemKnn.of(itemSets.values().collect(), items);
  }

  /** Items without an event in this data (new to the scorers fitted on it). */
  boolean[] unseen() {
    boolean[] unseen = new boolean[items];
    for (int i = 0; i < items; i++) {
      unseen[i] = users[i] == 0;
    }
    return unseen;
  }

  /**
   * Spark ML ALS (implicit feedback: 1 per user-item pair) fitted on this data, as a scorer holding the factors of
   * {@code evaluated} (columns user: the user's index, user_id) and of every item.
   */
  Factors als(EvaluateJob.AlsParams params, io.attnflow.jobs.config.EvaluateSettings s, Dataset<Row> evaluated) {
    ALSModel fitted = new ALS().setImplicitPrefs(true).setRank(params.rank()).setRegParam(params.reg()).setAlpha(s.alsAlpha())
        .setMaxIter(s.alsIterations()).setSeed(s.seed()).setUserCol("user").setItemCol("item").setRatingCol("rating")
        .fit(ratings());
    Map<String, float[]> userFactors = new HashMap<>();
    Dataset<Row> factors = fitted.userFactors();
    for (Row r : factors.join(evaluated, factors.col("id").equalTo(evaluated.col("user")))
        .select("user_id", "features").collectAsList()) {
      userFactors.put(r.getString(0), floats(r.getList(1)));
    }
    float[][] itemFactors = new float[items][];
    for (Row r : fitted.itemFactors().collectAsList()) {
      itemFactors[r.getInt(0)] = floats(r.getList(1));
    }
    return new Factors("als", params.label(), userFactors, itemFactors);
  }

  private Dataset<Row> ratings() {
    if (ratings == null) {
      StructType schema = new StructType().add("user", DataTypes.IntegerType).add("item", DataTypes.IntegerType)
          .add("rating", DataTypes.FloatType);
      ratings = spark.createDataFrame(itemSets.flatMap(t -> {
        List<Row> rows = new ArrayList<>(t._2().length);
        for (int i : t._2()) {
          rows.add(RowFactory.create(t._1().intValue(), i, 1.0f));
        }
        return rows.iterator();
      }), schema).persist(StorageLevel.MEMORY_AND_DISK());
    }
    return ratings;
  }

  private static float[] floats(List<Float> list) {
    float[] out = new float[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = list.get(i);
    }
    return out;
  }

  @Override
  public void close() {
    itemSets.unpersist();
    if (ratings != null) {
      ratings.unpersist();
    }
  }
}
