package io.attnflow.jobs.embed;

import io.attnflow.core.model.ItemContent;
import io.attnflow.core.model.Vocabulary;
import io.attnflow.jobs.BadInputException;
import io.attnflow.jobs.spark.Warehouse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Item vectors on the driver, one row each: the content vectors of {@code item_vectors/} (what train reads for its
 * vocabulary, score for new items and related for its neighbours), or another table of item vectors (a model's φ).
 *
 * @param ids           the items, in row order (item_id order when read from item_vectors/)
 * @param rows          row-major [ids × dim]
 * @param withoutVector items of the table without a vector (left out of the rows)
 * @param version       the embedding version that made them (item_vectors/' {@code embedding_version}), or the model's
 */
public record ItemVectors(String[] ids, float[] rows, int dim, long withoutVector, String version)
    implements java.io.Serializable {

  /**
   * The content vectors of {@code item_vectors/}.
   *
   * @param purpose what needs them, the start of every error message ("Cannot train with content")
   * @param remedy  what to do instead of running embed ("set train.content = false")
   * @throws BadInputException if item_vectors/ does not exist or no item has a vector
   */
  public static ItemVectors content(SparkSession spark, Warehouse wh, String purpose, String remedy) {
    wh.required(wh.itemVectors(), purpose, "run attnflow embed first, or " + remedy);
    return load(spark, wh).orElseThrow(() -> new BadInputException(purpose + ": no item of " + wh.itemVectors()
        + " has a content vector (items/ has no text and no supplied vectors; " + remedy + ")"));
  }

  /**
   * The content vectors of {@code item_vectors/} when there are any: empty when it does not exist or no item has one.
   *
   * @throws BadInputException if its vectors come from more than one embedding
   */
  public static Optional<ItemVectors> read(SparkSession spark, Warehouse wh) {
    return wh.exists(wh.itemVectors()) ? load(spark, wh) : Optional.empty();
  }

  /** {@link #read} of an {@code item_vectors/} that exists: one pass over it. */
  private static Optional<ItemVectors> load(SparkSession spark, Warehouse wh) {
    List<Row> all = spark.read().parquet(wh.itemVectors()).select("item_id", "vector", "embedding_version")
        .orderBy("item_id").collectAsList();
    List<Row> rows = all.stream().filter(r -> !r.isNullAt(1)).toList();
    long without = all.size() - rows.size();
    if (rows.isEmpty()) {
      return Optional.empty();
    }
    int dim = rows.get(0).getList(1).size();
    String[] ids = new String[rows.size()];
    float[] values = new float[rows.size() * dim];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = rows.get(i).getString(0);
      List<Object> vector = rows.get(i).getList(1);
      if (vector.size() != dim || !rows.get(i).getString(2).equals(rows.get(0).getString(2))) {
        throw new BadInputException("Cannot read " + wh.itemVectors() + ": it mixes embeddings (item " + ids[0] + " has "
            + dim + " values of version " + rows.get(0).getString(2) + ", item " + ids[i] + " " + vector.size()
            + " of version " + rows.get(i).getString(2) + "); run attnflow embed again");
      }
      for (int d = 0; d < dim; d++) {
        values[i * dim + d] = ((Number) vector.get(d)).floatValue();
      }
    }
    return Optional.of(new ItemVectors(ids, values, dim, without, rows.get(0).getString(2)));
  }

  /** Row of each id. */
  public Map<String, Integer> index() {
    Map<String, Integer> index = new HashMap<>(ids.length * 2);
    for (int i = 0; i < ids.length; i++) {
      index.put(ids[i], i);
    }
    return index;
  }

  /** The content of a vocabulary's items, as a model reads it: each item's vector, zeros for an item without one. */
  public ItemContent of(Vocabulary vocabulary) {
    Map<String, Integer> index = index();
    float[] out = new float[vocabulary.size() * dim];
    for (int i = 0; i < vocabulary.size(); i++) {
      Integer row = index.get(vocabulary.id(i));
      if (row != null) {
        System.arraycopy(rows, row * dim, out, i * dim, dim);
      }
    }
    return new ItemContent(dim, out);
  }
}
