package io.attnflow.jobs.score;

import io.attnflow.jobs.RunConflictException;
import io.attnflow.jobs.spark.Warehouse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One scoring run per day at a time: {@code locks/score-dt=<day>} is created atomically (create
 * without overwrite) before a run reads anything and deleted when it ends, so a second run of the
 * same day fails at once, naming the holder, and never mixes its rows into the other's partition. A
 * run that was killed leaves its lock behind; the message says to delete it once no run is active.
 */
final class DayLock implements AutoCloseable {
  private final FileSystem fs;
  private final Path path;

  private DayLock(FileSystem fs, Path path) {
    this.fs = fs;
    this.path = path;
  }

  static Path path(Warehouse wh, LocalDate day) {
    return new Path(wh.root() + "/locks/score-dt=" + day);
  }

  /** @throws RunConflictException if another run holds the day */
  static DayLock acquire(Warehouse wh, Configuration conf, LocalDate day, String runId) {
    Path path = path(wh, day);
    try {
      FileSystem fs = path.getFileSystem(conf);
      String holder = runId + " on " + InetAddress.getLocalHost().getHostName() + " since " + Instant.now();
      try (OutputStream out = fs.create(path, false)) {
        out.write(holder.getBytes(StandardCharsets.UTF_8));
      }
      return new DayLock(fs, path);
    } catch (FileAlreadyExistsException e) {
      throw conflict(path, day, conf);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot take the lock " + path + ": " + e.getMessage(), e);
    }
  }

  private static RunConflictException conflict(Path path, LocalDate day, Configuration conf) {
    try {
      return conflict(path.getFileSystem(conf), path, day);
    } catch (IOException e) {
      return new RunConflictException("Cannot score " + day + ": another run holds " + path);
    }
  }

  private static RunConflictException conflict(FileSystem fs, Path path, LocalDate day) {
    String holder = "";
    // the holder writes its name just after creating the file: give it a moment
    for (int attempt = 0; attempt < 40 && holder.isEmpty(); attempt++) {
      try (InputStream in = fs.open(path)) {
        holder = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        if (holder.isEmpty()) {
          Thread.sleep(25);
        }
      } catch (IOException e) {
        break;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return new RunConflictException("Cannot score " + day + ": run " + (holder.isEmpty() ? "(unnamed)" : holder)
        + " is scoring it (lock " + path + "). Wait for it; if no such run is active any more (it was killed), "
        + "delete the lock and run again.");
  }

  @Override
  public void close() {
    try {
      fs.delete(path, false);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot release the lock " + path + ": " + e.getMessage(), e);
    }
  }
}
