package io.attnflow.jobs.score;

import io.attnflow.jobs.RunConflictException;
import io.attnflow.jobs.spark.Warehouse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One scoring run per day at a time: {@code locks/score-dt=<day>} is created atomically (create
 * without overwrite) before a run reads anything, names its holder (run, host, process), is renewed
 * every quarter of the lease while the run lives, and is deleted when it ends. A second run of the
 * same day fails at once, naming the holder, and never mixes its rows into the other's partition.
 * The lock of a run that died is taken over by the next run of that day: at once when the holder
 * ran on this host and its process is gone, otherwise once it has not been renewed for a lease
 * ({@code score.lock-lease-seconds}); the taker learns the dead run's id, to clear what it left.
 */
final class DayLock implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DayLock.class);

  /** Who holds a lock: read from its file (fields of older locks may be missing). */
  record Holder(String run, String host, long pid, String since) {
    String describe() {
      return run + " (host " + host + ", pid " + pid + ", since " + since + ")";
    }
  }

  private final FileSystem fs;
  private final Path path;
  private final Holder takenFrom;
  private final ScheduledExecutorService renewal;

  private DayLock(FileSystem fs, Path path, Holder takenFrom, Duration lease) {
    this.fs = fs;
    this.path = path;
    this.takenFrom = takenFrom;
    this.renewal = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "attnflow-lock-renewal");
      t.setDaemon(true);
      return t;
    });
    long every = Math.max(1000, lease.toMillis() / 4);
    renewal.scheduleAtFixedRate(this::renew, every, every, TimeUnit.MILLISECONDS);
  }

  static Path path(Warehouse wh, LocalDate day) {
    return new Path(wh.root() + "/locks/score-dt=" + day);
  }

  /** The run whose dead lock this one replaced, if any. */
  Optional<Holder> takenFrom() {
    return Optional.ofNullable(takenFrom);
  }

  /** @throws RunConflictException if a live run holds the day */
  static DayLock acquire(Warehouse wh, Configuration conf, LocalDate day, String runId, Duration lease) {
    Path path = path(wh, day);
    try {
      FileSystem fs = path.getFileSystem(conf);
      Holder me = new Holder(runId, InetAddress.getLocalHost().getHostName(), ProcessHandle.current().pid(),
          Instant.now().toString());
      if (create(fs, path, me)) {
        return new DayLock(fs, path, null, lease);
      }
      Holder holder = read(fs, path);
      String dead = whyDead(fs, path, holder, me, lease);
      if (dead == null) {
        throw new RunConflictException("Cannot score " + day + ": run " + holder.describe() + " is scoring it (lock "
            + path + ", renewed while it runs; a dead run's lock is taken over once it is older than "
            + lease.toSeconds() + " s).");
      }
      LOG.warn("score {}: taking over the lock {} of run {}: {}", day, path, holder.describe(), dead);
      fs.delete(path, false);
      if (!create(fs, path, me)) {
        throw new RunConflictException("Cannot score " + day + ": another run took over the lock " + path
            + " of the dead run " + holder.run() + " first");
      }
      return new DayLock(fs, path, holder, lease);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot take the lock " + path + ": " + e.getMessage(), e);
    }
  }

  /** Creates the lock naming {@code me}; false if it exists. */
  private static boolean create(FileSystem fs, Path path, Holder me) throws IOException {
    String text = "run=" + me.run() + "\nhost=" + me.host() + "\npid=" + me.pid() + "\nsince=" + me.since() + "\n";
    try (OutputStream out = fs.create(path, false)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    }
  }

  /** The holder named in the lock; it writes its name just after creating the file, so give it a moment. */
  private static Holder read(FileSystem fs, Path path) throws IOException {
    Properties p = new Properties();
    for (int attempt = 0; attempt < 40 && p.isEmpty(); attempt++) {
      try (InputStream in = fs.open(path)) {
        p.load(new StringReader(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
      } catch (java.io.FileNotFoundException e) {
        break;
      }
      if (p.isEmpty()) {
        sleep(25);
      }
    }
    long pid = -1;
    try {
      pid = Long.parseLong(p.getProperty("pid", "-1"));
    } catch (NumberFormatException e) {
      // an unreadable pid counts as unknown
    }
    return new Holder(p.getProperty("run", "(unnamed)"), p.getProperty("host", "(unknown)"), pid,
        p.getProperty("since", "(unknown)"));
  }

  /** Why the holder is dead, or null while it may be alive. */
  private static String whyDead(FileSystem fs, Path path, Holder holder, Holder me, Duration lease) throws IOException {
    if (holder.host().equals(me.host()) && holder.pid() > 0 && holder.pid() != me.pid()
        && ProcessHandle.of(holder.pid()).map(h -> !h.isAlive()).orElse(true)) {
      return "its process " + holder.pid() + " on this host is gone";
    }
    long age = System.currentTimeMillis() - fs.getFileStatus(path).getModificationTime();
    if (age > lease.toMillis()) {
      return "not renewed for " + age / 1000 + " s (lease " + lease.toSeconds() + " s)";
    }
    return null;
  }

  private void renew() {
    try {
      fs.setTimes(path, System.currentTimeMillis(), -1);
    } catch (IOException e) {
      LOG.warn("Cannot renew the lock {}: {}", path, e.getMessage());
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    renewal.shutdownNow();
    try {
      fs.delete(path, false);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot release the lock " + path + ": " + e.getMessage(), e);
    }
  }
}
