package io.attnflow.jobs.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;

/**
 * Injected faults, for the failure proofs. Each is a Spark property of the run (so it reaches the
 * executors with the application's conf; {@code -Dspark.attnflow.fault.…} works as well as
 * {@code --set spark.properties."spark.attnflow.fault.…"}); without them nothing happens.
 * <ul>
 *   <li>{@value #FAIL}{@code =<share>}: the first attempt of about that share of the tasks that call
 *       {@link #inTask} fails (chosen by partition, so the same tasks every run); retries run normally.
 *   <li>{@value #STALL}{@code =<ms>}: the first attempt of every such task announces itself on the
 *       executor's stderr ("attnflow injected stall …", with the executor id) and sleeps that long,
 *       which gives a test time to kill the executor mid-stage.
 *   <li>{@value #PAUSE}{@code =<point>:<ms>}: the driver announces and sleeps at the named
 *       {@link #pause} point, e.g. between writing a day's two tables, to be killed there.
 * </ul>
 */
public final class FaultInjection {
  public static final String FAIL = "spark.attnflow.fault.fail-first-attempts";
  public static final String STALL = "spark.attnflow.fault.stall-first-attempts-ms";
  public static final String PAUSE = "spark.attnflow.fault.pause";

  private FaultInjection() {}

  /** In a task: fails or stalls its first attempt when the properties say so. */
  public static void inTask(String where) {
    TaskContext task = TaskContext.get();
    SparkConf conf = conf();
    if (task == null || conf == null || task.attemptNumber() > 0) {
      return;
    }
    String at = where + ", stage " + task.stageId() + ", partition " + task.partitionId() + ", attempt 0";
    long stall = conf.getLong(STALL, 0);
    if (stall > 0) {
      System.err.println("attnflow injected stall of " + stall + " ms: " + at + ", executor " + SparkEnv.get().executorId());
      System.err.flush();
      sleep(stall);
    }
    double share = conf.getDouble(FAIL, 0);
    int bucket = Math.floorMod(task.partitionId() * 0x9E3779B9 + task.stageId() * 31, 100);
    if (bucket < share * 100) {
      throw new IllegalStateException("attnflow injected fault: " + at);
    }
  }

  /** On the driver: sleeps at {@code point} when {@value #PAUSE} names it. */
  public static void pause(String point) {
    SparkConf conf = conf();
    String spec = conf == null ? "" : conf.get(PAUSE, "");
    int colon = spec.lastIndexOf(':');
    if (colon > 0 && spec.substring(0, colon).equals(point)) {
      long ms = Long.parseLong(spec.substring(colon + 1));
      System.err.println("attnflow injected pause of " + ms + " ms: " + point);
      System.err.flush();
      sleep(ms);
    }
  }

  private static SparkConf conf() {
    SparkEnv env = SparkEnv.get();
    return env == null ? null : env.conf();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
