package io.attnflow.jobs.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.HashPartitioner;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.PartitionPruningRDD;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * How an epoch goes through dl4j-spark. Its parameter averaging cuts what it is given into one split per average
 * ({@code workers × train.averaging-frequency} minibatches) and computes each split as a pass over all of it, so an
 * epoch of S splits is made S times over. An epoch of more than {@code train.chunk-splits} splits is therefore fitted
 * in chunks of users: the users are hashed into one partition per chunk, and each chunk's minibatches are made once,
 * dealt round the workers' partitions ({@link #deal}), kept (serialized, spilling to disk) while dl4j-spark fits them,
 * and released. A smaller epoch is one chunk, fitted in one call on the users as they are partitioned.
 *
 * <p>Dealt once, a chunk already has one partition per worker, each with an even share of every split: dl4j-spark
 * ({@link Repartition#NumPartitionsWorkersDiffers}) then trains each split where it lies. Left to itself it would
 * count each split's partitions (a Spark job) and shuffle the split into balanced ones (a stage before the training)
 * at every average.
 */
final class EpochChunks {
  private static final Logger LOG = LoggerFactory.getLogger(EpochChunks.class);
  private static final long PROGRESS_NANOS = 60_000_000_000L;

  private final int chunks;
  private final long splits;
  private final int workers;

  private EpochChunks(int chunks, long splits, int workers) {
    this.chunks = chunks;
    this.splits = splits;
    this.workers = workers;
  }

  /**
   * @param minibatches        an epoch's minibatches (at most)
   * @param workers            dl4j-spark's workers (the context's default parallelism)
   * @param averagingFrequency {@code train.averaging-frequency}: a split is {@code workers} times as many minibatches
   * @param chunkSplits        {@code train.chunk-splits}
   */
  static EpochChunks of(long minibatches, int workers, int averagingFrequency, int chunkSplits) {
    long perSplit = (long) workers * averagingFrequency;
    long splits = (minibatches + perSplit - 1) / perSplit;
    return new EpochChunks((int) Math.max(1, (splits + chunkSplits - 1) / chunkSplits), splits, workers);
  }

  int chunks() {
    return chunks;
  }

  /**
   * The users, one partition per chunk (hashed by user id, in id order within each, so the same on every run; kept for
   * the whole training), or as they are when the epoch is one chunk.
   */
  JavaRDD<TrainJob.Trainee> partition(JavaRDD<TrainJob.Trainee> trainees) {
    if (chunks == 1) {
      return trainees;
    }
    return trainees.keyBy(t -> t.sequence().userId()).repartitionAndSortWithinPartitions(new HashPartitioner(chunks))
        .values().persist(StorageLevel.MEMORY_AND_DISK_SER());
  }

  /**
   * Fits an epoch's minibatches ({@code batches}, made from {@link #partition}'s users) chunk by chunk, logging the
   * progress at most once a minute.
   */
  void fit(SparkComputationGraph network, JavaRDD<MultiDataSet> batches, int epoch) {
    long started = System.nanoTime();
    long logged = started;
    for (int c = 0; c < chunks; c++) {
      JavaRDD<MultiDataSet> chunk = deal(chunks == 1 ? batches : new JavaRDD<>(PartitionPruningRDD.create(
          batches.rdd(), new OnePartition(c)), ClassTag$.MODULE$.apply(MultiDataSet.class)), workers);
      chunk.persist(StorageLevel.MEMORY_AND_DISK_SER());
      try {
        network.fitMultiDataSet(chunk);
      } finally {
        chunk.unpersist(false);
      }
      long now = System.nanoTime();
      if (c + 1 < chunks && now - logged > PROGRESS_NANOS) {
        logged = now;
        double seconds = (now - started) / 1e9;
        LOG.info(String.format(Locale.ROOT, "epoch %d: chunk %d of %d (about %,d of %,d splits) in %.0f s; about %.0f s "
            + "to go in this epoch's fit", epoch, c + 1, chunks, splits * (c + 1) / chunks, splits, seconds,
            seconds * (chunks - c - 1) / (c + 1)));
      }
    }
  }

  /**
   * The minibatches in {@code workers} partitions, dealt round from each of their partitions in its order (the first
   * card of partition p to worker p mod {@code workers}, the next to the next worker): the partitions' sizes differ by
   * at most the number of partitions dealt from, and so does every split of dl4j-spark's (a share of each partition).
   * Within a worker the cards lie in rounds (each partition's first card for it, then each one's second, …), whatever
   * order the shuffle fetches them in: the same data gives the same minibatches in the same places.
   */
  static <T> JavaRDD<T> deal(JavaRDD<T> batches, int workers) {
    int sources = batches.getNumPartitions();
    return batches.mapPartitionsWithIndex((p, it) -> {
      List<Tuple2<Long, T>> dealt = new ArrayList<>();
      for (long card = p; it.hasNext(); card++) {
        dealt.add(new Tuple2<>(card * sources + p, it.next()));
      }
      return dealt.iterator();
    }, true).mapToPair(t -> t).repartitionAndSortWithinPartitions(new Dealer(workers, sources)).values();
  }

  /** Card c of partition p (key c × sources + p) to worker c mod workers. */
  private static final class Dealer extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int workers;
    private final int sources;

    Dealer(int workers, int sources) {
      this.workers = workers;
      this.sources = sources;
    }

    @Override
    public int numPartitions() {
      return workers;
    }

    @Override
    public int getPartition(Object key) {
      return (int) (((Long) key / sources) % workers);
    }
  }

  /** Partition c of the parent alone (the parent's partition index, and so its seeds, unchanged). */
  private static final class OnePartition extends AbstractFunction1<Object, Object> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final int partition;

    OnePartition(int partition) {
      this.partition = partition;
    }

    @Override
    public Object apply(Object index) {
      return (Integer) index == partition;
    }
  }
}
