package io.attnflow.jobs.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkContext;
import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * The peak resident memory of each executor JVM while it ran tasks, as the executors report it: Spark's process-tree
 * metric {@code ProcessTreeJVMRSSMemory}, which they sample every {@code spark.executor.metrics.pollingInterval} when
 * {@code spark.executor.processTreeMetrics.enabled} is set at start-up ({@link #PROPERTIES}), and send with each
 * finished task and heartbeat. In local mode the one executor is the driver's own JVM ({@code driver}).
 */
public final class ExecutorPeaks extends SparkListener {
  /** What the executors need to report their resident memory: set before the session starts. */
  public static final Map<String, String> PROPERTIES = Map.of("spark.executor.processTreeMetrics.enabled", "true",
      "spark.executor.metrics.pollingInterval", "1s");
  private static final String RSS = "ProcessTreeJVMRSSMemory";
  /** The executor id of the driver (Spark's SparkContext.DRIVER_IDENTIFIER, not public to Java). */
  private static final String DRIVER = "driver";

  private final Map<String, Long> peaks = new ConcurrentHashMap<>();

  /** Listens to {@code sc} until {@link #stop}. */
  static ExecutorPeaks listen(SparkContext sc) {
    ExecutorPeaks p = new ExecutorPeaks();
    sc.addSparkListener(p);
    return p;
  }

  void stop(SparkContext sc) {
    sc.removeSparkListener(this);
  }

  /** The largest peak of any executor other than the driver, in bytes; 0 when none reported one (local mode). */
  long largestExecutorPeak() {
    return peaks.entrySet().stream().filter(e -> !e.getKey().equals(DRIVER))
        .mapToLong(Map.Entry::getValue).max().orElse(0);
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    if (end.taskExecutorMetrics() != null && end.taskInfo() != null) {
      record(end.taskInfo().executorId(), end.taskExecutorMetrics());
    }
  }

  @Override
  public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
    scala.collection.Iterator<ExecutorMetrics> it = update.executorUpdates().valuesIterator();
    while (it.hasNext()) {
      record(update.execId(), it.next());
    }
  }

  private void record(String executor, ExecutorMetrics metrics) {
    long rss = metrics.getMetricValue(RSS);
    if (rss > 0) {
      peaks.merge(executor, rss, Math::max);
    }
  }
}
