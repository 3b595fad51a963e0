package io.attnflow.jobs.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkConf;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says when an executor joins or leaves the run, with its host and cores, and keeps the count that
 * {@link RunLocation} records. {@link Sessions} registers it through {@code spark.extraListeners}, so that it
 * hears every executor, also those that registered before the session was returned.
 */
public final class ExecutorLog extends SparkListener {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorLog.class);
  /** Cores of each live executor of this JVM's Spark application, by executor id. */
  private static final Map<String, Integer> ALIVE = new ConcurrentHashMap<>();

  public ExecutorLog(SparkConf conf) {
    ALIVE.clear();
  }

  @Override
  public void onExecutorAdded(SparkListenerExecutorAdded e) {
    ALIVE.put(e.executorId(), e.executorInfo().totalCores());
    LOG.info("executor {} registered on {}: {} cores ({} executors, {} cores in all)", e.executorId(),
        e.executorInfo().executorHost(), e.executorInfo().totalCores(), ALIVE.size(), cores());
  }

  @Override
  public void onExecutorRemoved(SparkListenerExecutorRemoved e) {
    ALIVE.remove(e.executorId());
    LOG.warn("executor {} removed ({}): {} executors, {} cores left", e.executorId(), e.reason(), ALIVE.size(), cores());
  }

  /** Live executors this listener has heard of; empty when it is not registered (or in local mode). */
  static Map<String, Integer> alive() {
    return Map.copyOf(ALIVE);
  }

  private static int cores() {
    return ALIVE.values().stream().mapToInt(Integer::intValue).sum();
  }
}
