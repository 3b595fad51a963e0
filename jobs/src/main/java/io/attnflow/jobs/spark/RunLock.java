package io.attnflow.jobs.spark;

import io.attnflow.jobs.RunConflictException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a kind at a time: one scoring run per day ({@code locks/score-dt=<day>}), one ingest
 * ({@code locks/ingest}). The lock is created exclusively (it exists or this run made it) before a run
 * reads anything. It names its holder (run, host, process) and a token no
 * other run has, is renewed every quarter of the lease while the run lives, and is released when it ends.
 * A second run (of the same day) fails at once, naming the holder, and never mixes its rows into the
 * other's output.
 *
 * <p>The lock of a run that died is taken over by the next run of its kind: at once when the holder ran on
 * this host and its process is gone, otherwise once it has not been renewed for a lease
 * ({@code score.lock-lease-seconds}, {@code ingest.lock-lease-seconds}); the taker learns the dead run's id, to clear what it left. Hands
 * change only through exclusive creates and renames, which one run alone can win:
 * <ul>
 *   <li>a takeover first creates a claim on the dead lock ({@code .<lock>.taken-from-<token>}), which
 *       one taker alone can make and which stays until it releases; then checks that the lock is still the dead
 *       run's (else a live run holds it now, and the taker yields without touching it), moves it aside, checks
 *       that what it moved is the dead run's (else it puts it back and yields), and creates its own;</li>
 *   <li>{@link #close} moves the lock aside and deletes it only if it is this run's, so a run never deletes
 *       the lock of a run that took over from it;</li>
 *   <li>{@link #verify}, called just before publishing, fails when the lock no longer names this run;</li>
 *   <li>renewal touches the file's time, and rewrites the file where the file system ignores that (S3A).</li>
 * </ul>
 * This needs a file system that renames atomically (local, HDFS); {@link Warehouse#requireAtomicRename} refuses
 * others unless {@code allow-non-atomic-warehouse} is set.
 */
public final class RunLock implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunLock.class);

  /** Who holds a lock: read from its file (fields of older locks may be missing). */
  public record Holder(String run, String host, long pid, String since, String token) {
    String describe() {
      return run + " (host " + host + ", pid " + pid + ", since " + since + ")";
    }

    String text() {
      return "run=" + run + "\nhost=" + host + "\npid=" + pid + "\nsince=" + since + "\ntoken=" + token + "\n";
    }
  }

  private final FileSystem fs;
  private final Path path;
  private final String action;
  private final Holder me;
  private final Holder takenFrom;
  private final Path claim;
  private final ScheduledExecutorService renewal;

  private RunLock(FileSystem fs, Path path, String action, Holder me, Holder takenFrom, Path claim, Duration lease) {
    this.fs = fs;
    this.path = path;
    this.action = action;
    this.me = me;
    this.takenFrom = takenFrom;
    this.claim = claim;
    this.renewal = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "attnflow-lock-renewal");
      t.setDaemon(true);
      return t;
    });
    long every = Math.max(1000, lease.toMillis() / 4);
    renewal.scheduleAtFixedRate(this::renew, every, every, TimeUnit.MILLISECONDS);
  }

  /** The run whose dead lock this one replaced, if any. */
  public Optional<Holder> takenFrom() {
    return Optional.ofNullable(takenFrom);
  }

  /**
   * Takes {@code locks/<name>} of the warehouse for {@code action} ("score 2030-01-01", "ingest").
   *
   * @throws io.attnflow.jobs.RunConflictException if a live run holds it
   */
  public static RunLock acquire(Warehouse wh, Configuration conf, String name, String action, String runId, Duration lease) {
    Path path = new Path(wh.root() + "/locks/" + name);
    try {
      return acquire(path.getFileSystem(conf), path, action, runId, lease);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot take the lock " + path + ": " + e.getMessage(), e);
    }
  }

  /** {@link #acquire(Warehouse, Configuration, String, String, String, Duration)} on a given file system. */
  static RunLock acquire(FileSystem fs, Path path, String action, String runId, Duration lease) throws IOException {
    fs = Warehouse.withoutChecksums(fs); // no .crc siblings to move and keep in step
    Holder me = new Holder(runId, InetAddress.getLocalHost().getHostName(), ProcessHandle.current().pid(),
        Instant.now().toString(), UUID.randomUUID().toString());
    fs.mkdirs(path.getParent());
    if (create(fs, path, me)) {
      return new RunLock(fs, path, action, me, null, null, lease);
    }
    Optional<Holder> read = read(fs, path);
    if (read.isEmpty()) { // released in between
      if (create(fs, path, me)) {
        return new RunLock(fs, path, action, me, null, null, lease);
      }
      throw new RunConflictException("Cannot " + action + ": another run took the lock " + path + " first");
    }
    Holder holder = read.get();
    String dead = whyDead(fs, path, holder, me, lease);
    if (dead == null) {
      if (!fs.exists(path) && create(fs, path, me)) { // released in between
        return new RunLock(fs, path, action, me, null, null, lease);
      }
      throw new RunConflictException("Cannot " + action + ": run " + holder.describe() + " holds it (lock "
          + path + ", renewed while it runs; a dead run's lock is taken over once it is older than "
          + lease.toSeconds() + " s).");
    }
    String tookOverFirst = "Cannot " + action + ": another run took over the lock " + path + " of the dead run "
        + holder.run() + " first";
    Path claim = new Path(path.getParent(), "." + path.getName() + ".taken-from-"
        + (holder.token().isEmpty() ? holder.run() + "-" + holder.pid() : holder.token()));
    if (!create(fs, claim, me)) {
      // a claim whose maker died within its takeover is cleared once it is older than a lease
      Optional<Holder> claimer = read(fs, claim);
      if (claimer.isEmpty() || whyDead(fs, claim, claimer.get(), me, lease) == null) {
        throw new RunConflictException(tookOverFirst);
      }
      fs.delete(claim, false);
      if (!create(fs, claim, me)) {
        throw new RunConflictException(tookOverFirst);
      }
    }
    try {
      // Read again under the claim: the dead lock may have gone since it was first read (another taker moved it,
      // then gave up to a run that found the path empty). Only the claim's holder can move the dead lock, so if it
      // is still there it stays until this run moves it; if not, the lock there now is a live run's and stays put.
      // (Should this run stall for a lease here, its claim counts as dead and another taker may move the lock first:
      // the check of what was moved, below, gives a live run's lock back.)
      Optional<Holder> still = read(fs, path);
      if (still.isEmpty() || !still.get().token().equals(holder.token())) {
        throw new RunConflictException(tookOverFirst);
      }
      LOG.warn("{}: taking over the lock {} of run {}: {}", action, path, holder.describe(), dead);
      Optional<Holder> moved = moveAside(fs, path, me);
      if (moved.isPresent() && !moved.get().token().equals(holder.token())) {
        create(fs, path, moved.get()); // a new run's lock, made after the dead one was released: give it back
        throw new RunConflictException(tookOverFirst);
      }
      if (!create(fs, path, me)) {
        throw new RunConflictException(tookOverFirst);
      }
    } catch (IOException | RuntimeException e) {
      fs.delete(claim, false);
      throw e;
    }
    return new RunLock(fs, path, action, me, holder, claim, lease);
  }

  /**
   * Fails unless the lock still names this run: called just before publishing, so that a run whose lock was
   * taken over (its renewal failed for a lease) never publishes over its successor's output.
   */
  public void verify() {
    Optional<Holder> holder;
    try {
      holder = read(fs, path);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the lock " + path + ": " + e.getMessage(), e);
    }
    if (holder.isEmpty() || !holder.get().token().equals(me.token())) {
      throw new RunConflictException("Cannot " + action + ": run " + me.run() + " no longer holds the lock " + path + " ("
          + holder.map(h -> "run " + h.describe() + " holds it now").orElse("it is gone")
          + "; its renewal may have failed for a lease). Nothing was published.");
    }
  }

  /** Creates the lock naming {@code me}, exclusively; false if it exists. */
  private static boolean create(FileSystem fs, Path path, Holder me) throws IOException {
    byte[] text = me.text().getBytes(StandardCharsets.UTF_8);
    if (fs instanceof RawLocalFileSystem) {
      // Hadoop's local create checks, then opens: two runs can both pass the check. The OS's own
      // exclusive create (O_EXCL) cannot.
      try {
        Files.write(Paths.get(fs.makeQualified(path).toUri()), text, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return true;
      } catch (java.nio.file.FileAlreadyExistsException e) {
        return false;
      }
    }
    try (OutputStream out = fs.create(path, false)) {
      out.write(text);
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    }
  }

  /**
   * Moves the lock to a name only {@code me} uses, and returns whose it was; empty when there was none. Rename
   * is atomic: of two runs moving the same lock, one alone finds it.
   */
  private static Optional<Holder> moveAside(FileSystem fs, Path path, Holder me) throws IOException {
    Path aside = new Path(path.getParent(), "." + path.getName() + ".moved-" + me.token());
    if (!fs.rename(path, aside)) {
      return Optional.empty();
    }
    Optional<Holder> moved = read(fs, aside);
    fs.delete(aside, false);
    return moved;
  }

  /**
   * The holder named in the lock, or empty when there is none; a holder writes its name just after creating
   * the file, so give it a moment.
   */
  private static Optional<Holder> read(FileSystem fs, Path path) throws IOException {
    Properties p = new Properties();
    for (int attempt = 0; attempt < 40 && p.isEmpty(); attempt++) {
      try (InputStream in = fs.open(path)) {
        p.load(new StringReader(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
      } catch (FileNotFoundException e) {
        return Optional.empty();
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
    return Optional.of(new Holder(p.getProperty("run", "(unnamed)"), p.getProperty("host", "(unknown)"), pid,
        p.getProperty("since", "(unknown)"), p.getProperty("token", "")));
  }

  /**
   * Why the holder is dead, or null while it may be alive. Null too when the file has gone since it was read: its
   * holder released it or gave up a takeover, and the caller yields rather than judge a file that is not there.
   */
  private static String whyDead(FileSystem fs, Path path, Holder holder, Holder me, Duration lease) throws IOException {
    if (holder.host().equals(me.host()) && holder.pid() > 0 && holder.pid() != me.pid()
        && ProcessHandle.of(holder.pid()).map(h -> !h.isAlive()).orElse(true)) {
      return "its process " + holder.pid() + " on this host is gone";
    }
    long modified;
    try {
      modified = fs.getFileStatus(path).getModificationTime();
    } catch (FileNotFoundException e) {
      return null;
    }
    long age = System.currentTimeMillis() - modified;
    if (age > lease.toMillis()) {
      return "not renewed for " + age / 1000 + " s (lease " + lease.toSeconds() + " s)";
    }
    return null;
  }

  /** Renews the lease: the file's time, or (where setting it does nothing, as on S3A) the file rewritten. */
  void renew() {
    try {
      long before = fs.getFileStatus(path).getModificationTime();
      long now = Math.max(System.currentTimeMillis(), before + 1);
      fs.setTimes(path, now, -1);
      if (fs.getFileStatus(path).getModificationTime() > before) {
        return;
      }
      if (read(fs, path).map(h -> h.token().equals(me.token())).orElse(false)) {
        try (OutputStream out = fs.create(path, true)) {
          out.write(me.text().getBytes(StandardCharsets.UTF_8));
        }
      }
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

  /** Releases the lock if it is still this run's; a lock another run has taken over stays. */
  @Override
  public void close() {
    renewal.shutdownNow();
    try {
      Optional<Holder> moved = moveAside(fs, path, me);
      if (moved.isPresent() && !moved.get().token().equals(me.token())) {
        // another run's lock: give it back
        if (!create(fs, path, moved.get())) {
          LOG.warn("Cannot give the lock {} back to run {}: a third run holds it now", path, moved.get().describe());
        }
        LOG.warn("The lock {} had passed to run {}; left with it", path, moved.get().describe());
      }
      if (claim != null) {
        fs.delete(claim, false);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot release the lock " + path + ": " + e.getMessage(), e);
    }
  }
}
