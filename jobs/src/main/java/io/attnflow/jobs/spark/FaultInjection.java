package io.attnflow.jobs.spark;

import org.apache.spark.TaskContext;

/**
 * Injected task failures, for the failure proofs: a JVM started with
 * {@code -Dattnflow.fault.first-attempts=<share>} fails the first attempt of about that share of the
 * tasks that call {@link #maybeFail} (chosen by partition, so the same tasks every run); retries run
 * normally. Without the property it does nothing.
 */
public final class FaultInjection {
  public static final String PROPERTY = "attnflow.fault.first-attempts";

  private FaultInjection() {}

  /** Throws in a chosen share of first task attempts, when the property is set. */
  public static void maybeFail(String where) {
    String share = System.getProperty(PROPERTY);
    TaskContext task = TaskContext.get();
    if (share == null || task == null || task.attemptNumber() > 0) {
      return;
    }
    int bucket = Math.floorMod(task.partitionId() * 0x9E3779B9 + task.stageId() * 31, 100);
    if (bucket < Double.parseDouble(share) * 100) {
      throw new IllegalStateException("attnflow injected fault: " + where + ", stage " + task.stageId() + ", partition "
          + task.partitionId() + ", attempt " + task.attemptNumber());
    }
  }
}
