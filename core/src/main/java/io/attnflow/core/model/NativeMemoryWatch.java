package io.attnflow.core.model;

import org.bytedeco.javacpp.Pointer;

/**
 * Has the collector free ND4J's dead off-heap arrays while the process is above a target size, not only when the
 * Java heap fills.
 *
 * <p>An ND4J array's memory lives outside the Java heap and returns only when the collector finds its handle
 * unreachable. The handles are small, so the heap barely grows while training leaves megabytes of dead arrays
 * behind every step, and without help the process grows until JavaCPP's physical limit
 * ({@code org.bytedeco.javacpp.maxphysicalbytes}) forces a collection, blocking the allocating thread each time. A
 * daemon thread here reads the process's resident memory every {@value #POLL_MILLIS} ms and, while it is above the
 * target ({@code -Dattnflow.collect-above}, default {@value #DEFAULT_TARGET}; 0 turns the watch off), asks for a
 * collection at most every {@value #MIN_INTERVAL_MILLIS} ms, and at most a third of the time. With
 * {@code -XX:+ExplicitGCInvokesConcurrent} (attnflow's JVM flags) that is a concurrent cycle: no training thread
 * waits for it. The memory of the arrays it frees goes to the next ones, where fresh memory costs a page fault per
 * page (docs/experiments.md, session 20: an ML-1M epoch in 154–163 s with the watch, 515 s without, that day).
 */
final class NativeMemoryWatch {
  static final String TARGET_PROPERTY = "attnflow.collect-above";
  static final String DEFAULT_TARGET = "3g";
  /** The JVM watch's thread. */
  static final String THREAD_NAME = "attnflow-native-memory";
  private static final long POLL_MILLIS = 100;
  private static final long MIN_INTERVAL_MILLIS = 1000;
  /** A large live heap makes a cycle long: the watch then waits twice as long, so it collects a third of the time. */
  private static final long IDLE_PER_BUSY = 2;
  private static Thread jvmWatch;

  private NativeMemoryWatch() {}

  /** Starts this JVM's watch at the configured target (idempotent). */
  static synchronized void start() {
    if (jvmWatch != null) {
      return;
    }
    String value = System.getProperty(TARGET_PROPERTY, DEFAULT_TARGET);
    long target;
    try {
      target = Pointer.parseBytes(value, 0);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("-D" + TARGET_PROPERTY + "=" + value
          + " is not a size (expected bytes with an optional k, m or g, e.g. 3g; 0 turns the watch off)", e);
    }
    if (target > 0) {
      jvmWatch = start(target, MIN_INTERVAL_MILLIS, THREAD_NAME);
    }
  }

  /**
   * Starts a watch that asks for a collection while the resident memory is above {@code target} bytes, at most every
   * {@code intervalMillis}; it runs until interrupted.
   */
  static Thread start(long target, long intervalMillis, String name) {
    Thread thread = new Thread(() -> watch(target, intervalMillis), name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  private static void watch(long target, long intervalMillis) {
    try {
      while (true) {
        Thread.sleep(POLL_MILLIS);
        if (Pointer.physicalBytes() > target) {
          long start = System.nanoTime();
          System.gc(); // returns when the cycle is over
          long spent = (System.nanoTime() - start) / 1_000_000;
          Thread.sleep(Math.max(0, Math.max(intervalMillis, IDLE_PER_BUSY * spent) - POLL_MILLIS));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
