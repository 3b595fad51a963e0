package io.attnflow.jobs.train;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;

import io.attnflow.core.ingest.InteractionParser;
import io.attnflow.core.model.HistoryWeights;
import io.attnflow.core.model.UserSequence;
import io.attnflow.core.model.Vocabulary;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * Reads {@code interactions/} as per-user sequences of counted events (event types with a weight
 * above 0), ordered by time, then item id, then event type, so that the order is the same on every
 * run and every cluster.
 */
public final class Sequences {
  private Sequences() {}

  /** The counted events: user_id, t (microseconds), item_id, event. */
  public static Dataset<Row> events(SparkSession spark, String interactions, HistoryWeights weights) {
    List<String> counted = weights.eventWeights().entrySet().stream()
        .filter(e -> e.getValue() > 0).map(java.util.Map.Entry::getKey).sorted().toList();
    return spark.read().parquet(interactions)
        .filter(col("event").isin(counted.toArray()))
        .select(col("user_id"), expr("unix_micros(ts)").as("t"), col("item_id"), col("event"));
  }

  /** The items each user was shown and did not click (MIND's impression logs): user_id, item_id, distinct. */
  public static Dataset<Row> shown(SparkSession spark, String interactions) {
    return spark.read().parquet(interactions).filter(col("event").equalTo(InteractionParser.IMPRESSION_EVENT))
        .select("user_id", "item_id").distinct();
  }

  /** Each user's shown items ({@link #shown}) as sorted indices of {@code vocabulary}. */
  public static JavaPairRDD<String, int[]> shownBy(Dataset<Row> shown, Broadcast<Vocabulary> vocabulary) {
    return shown.javaRDD().mapToPair(r -> new Tuple2<>(r.getString(0), r.getString(1))).groupByKey()
        .mapValues(items -> java.util.stream.StreamSupport.stream(items.spliterator(), false)
            .map(vocabulary.value()::index).filter(java.util.OptionalInt::isPresent)
            .mapToInt(java.util.OptionalInt::getAsInt).sorted().distinct().toArray());
  }

  /** Every item of {@code events}, sorted by id, so that index order is item-id order. */
  public static Vocabulary vocabulary(Dataset<Row> events) {
    return Vocabulary.of(events.select("item_id").distinct().orderBy("item_id").as(
        org.apache.spark.sql.Encoders.STRING()).collectAsList());
  }

  /** One sequence per user, items as indices of {@code vocabulary} (events of unknown items are dropped). */
  public static JavaRDD<UserSequence> of(Dataset<Row> events, Broadcast<Vocabulary> vocabulary) {
    return events
        .groupBy("user_id")
        .agg(sort_array(collect_list(struct(col("t"), col("item_id"), col("event")))).as("events"))
        .javaRDD()
        .map(row -> {
          List<Row> ev = row.getList(1);
          Vocabulary v = vocabulary.value();
          int[] items = new int[ev.size()];
          long[] ts = new long[ev.size()];
          String[] types = new String[ev.size()];
          int n = 0;
          for (Row e : ev) {
            var index = v.index(e.getString(1));
            if (index.isPresent()) {
              items[n] = index.getAsInt();
              ts[n] = e.getLong(0);
              types[n++] = e.getString(2);
            }
          }
          return new UserSequence(row.getString(0), java.util.Arrays.copyOf(items, n), java.util.Arrays.copyOf(ts, n),
              java.util.Arrays.copyOf(types, n));
        });
  }
}
