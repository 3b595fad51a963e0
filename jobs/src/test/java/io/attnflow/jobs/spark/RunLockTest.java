package io.attnflow.jobs.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attnflow.jobs.RunConflictException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run lock changes hands by atomic renames only: one holder at a time, and a holder never loses it silently. */
class RunLockTest {
  private static final String DAY = "2030-01-01";
  private static final String ACTION = "score " + DAY;

  @TempDir
  java.nio.file.Path tmp;

  private Path lockPath() {
    return new Path(tmp.resolve("locks/score-dt=" + DAY).toUri());
  }

  private static FileSystem local() throws Exception {
    return FileSystem.getLocal(new Configuration()).getRawFileSystem();
  }

  @Test
  void aRunWhoseLockWasTakenOverNeitherPublishesNorDeletesItsSuccessorsLock() throws Exception {
    FileSystem fs = local();
    // a lease (by which the next run judges) far shorter than the renewal period (1 s): the first run looks
    // dead between renewals, as a run stalled for a lease does
    RunLock first = RunLock.acquire(fs, lockPath(), ACTION, "run-first", Duration.ofMinutes(10));
    first.verify();
    Thread.sleep(300);
    try (RunLock second = RunLock.acquire(fs, lockPath(), ACTION, "run-second", Duration.ofMillis(100))) {
      assertThat(second.takenFrom()).map(RunLock.Holder::run).contains("run-first");

      assertThatThrownBy(first::verify).isInstanceOf(RunConflictException.class)
          .hasMessageStartingWith("Cannot score 2030-01-01: run run-first no longer holds the lock")
          .hasMessageContaining("run run-second (host").hasMessageEndingWith("Nothing was published.");
      first.close();

      assertThat(Files.readString(tmp.resolve("locks/score-dt=" + DAY))).contains("run=run-second");
      second.verify();
      assertThatThrownBy(() -> RunLock.acquire(fs, lockPath(), ACTION, "run-third", Duration.ofMinutes(10)))
          .isInstanceOf(RunConflictException.class).hasMessageContaining("run run-second (host");
    }
    assertThat(tmp.resolve("locks/score-dt=" + DAY)).doesNotExist();
    assertThat(tmp.resolve("locks")).isEmptyDirectory();
  }

  @Test
  void ofRunsTakingOverADeadRunsLockAtOnceExactlyOneWins() throws Exception {
    FileSystem fs = local();
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    String dead = "run=run-dead\nhost=" + InetAddress.getLocalHost().getHostName() + "\npid=" + gone.pid()
        + "\nsince=2030-01-01T00:00:00Z\ntoken=dead\n";
    int takers = 6;
    ExecutorService pool = Executors.newFixedThreadPool(takers);
    try {
      // enough rounds to meet the rarer interleavings: a claim given up between its read and its age (~1 in 500);
      // a taker that read the dead lock before another moved it, claimed it once that one gave up (to a run that found
      // the path empty in between), and moved that run's live lock aside (two winners once in about 300 rounds without
      // RunLock.acquire's second read of the lock under the claim)
      for (int round = 0; round < 1000; round++) {
        Files.createDirectories(tmp.resolve("locks"));
        Files.writeString(tmp.resolve("locks/score-dt=" + DAY), dead);
        CyclicBarrier start = new CyclicBarrier(takers);
        List<Future<RunLock>> attempts = new ArrayList<>();
        for (int t = 0; t < takers; t++) {
          String run = "run-" + round + "-" + t;
          attempts.add(pool.submit(() -> {
            start.await();
            try {
              return RunLock.acquire(fs, lockPath(), ACTION, run, Duration.ofMinutes(10));
            } catch (RunConflictException e) {
              return null;
            }
          }));
        }
        List<RunLock> winners = new ArrayList<>();
        for (Future<RunLock> a : attempts) {
          if (a.get() != null) {
            winners.add(a.get());
          }
        }
        assertThat(winners).as("round %d", round).hasSize(1);
        winners.get(0).verify();
        winners.get(0).close();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void renewalKeepsTheLeaseWhereTheFileSystemIgnoresTimes() throws Exception {
    FileSystem raw = local();
    // S3A's setTimes does nothing: the same local file system with that one call ignored
    FileSystem timeless = new FilterFileSystem(raw) {
      @Override
      public void setTimes(Path p, long mtime, long atime) {}
    };
    try (RunLock lock = RunLock.acquire(timeless, lockPath(), ACTION, "run-live", Duration.ofMinutes(10))) {
      long stale = System.currentTimeMillis() - 3_600_000;
      raw.setTimes(lockPath(), stale, -1);

      lock.renew();

      assertThat(raw.getFileStatus(lockPath()).getModificationTime()).isGreaterThan(stale + 3_500_000);
      lock.verify();
    }
  }
}
