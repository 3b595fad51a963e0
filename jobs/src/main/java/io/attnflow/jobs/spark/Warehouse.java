package io.attnflow.jobs.spark;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import io.attnflow.jobs.BadInputException;
import io.attnflow.jobs.config.ConfigProblems;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The warehouse's layout (DESIGN §2): one root, one folder per table. Paths go through Hadoop's
 * file system API so the root can be local, HDFS or an object store.
 */
public final class Warehouse {
  /** Object stores: their "rename" copies and deletes, so neither the day lock nor a swap is atomic there. */
  private static final Set<String> NON_ATOMIC_RENAME = Set.of("s3", "s3a", "s3n", "gs", "wasb", "wasbs", "oss", "cos",
      "cosn", "obs");
  private final String root;
  private final Configuration hadoop;

  public Warehouse(String root, Configuration hadoop) {
    this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    this.hadoop = hadoop;
  }

  public String root() {
    return root;
  }

  /** Whether {@code path} (a table of this warehouse, usually) exists. */
  public boolean exists(String path) {
    try {
      return fileSystem().exists(new org.apache.hadoop.fs.Path(path));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("Cannot reach " + path + ": " + e.getMessage(), e);
    }
  }

  /** The remedy for a table that ingest writes ({@code interactions/}, {@code items/}), for {@link #required}. */
  public static final String INGEST_FIRST = "run attnflow ingest first";

  /**
   * {@code table} when it exists; otherwise a {@link BadInputException} that names it, what needed it and what to do,
   * e.g. "Cannot train: …/interactions does not exist (run attnflow ingest first)".
   *
   * @param purpose what needs the table, the start of the message ("Cannot train")
   * @param remedy  what to do about it ("run attnflow ingest first")
   */
  public String required(String table, String purpose, String remedy) {
    if (!exists(table)) {
      throw new BadInputException(purpose + ": " + table + " does not exist (" + remedy + ")");
    }
    return table;
  }

  public String interactions() {
    return root + "/interactions";
  }

  public String items() {
    return root + "/items";
  }

  public String itemVectors() {
    return root + "/item_vectors";
  }

  /** The Word2Vec models of embed. */
  public String embeddings() {
    return root + "/embeddings";
  }

  public String rejects() {
    return root + "/rejects";
  }

  public String runs() {
    return root + "/runs";
  }

  /**
   * Fails at start-up, before anything is read or written, when the root's file system cannot rename
   * atomically and {@code allowed} (the setting {@code allow-non-atomic-warehouse}) does not say to go on.
   *
   * @throws ConfigProblems naming the root, its scheme and the setting
   */
  public void requireAtomicRename(boolean allowed) {
    String scheme = URI.create(root).getScheme();
    if (!allowed && scheme != null && NON_ATOMIC_RENAME.contains(scheme.toLowerCase(Locale.ROOT))) {
      throw new ConfigProblems(List.of("warehouse: Cannot publish to " + root + ": " + scheme + ":// cannot rename "
          + "atomically, so two runs could both take a day's lock and a crash mid-swap could leave a day half "
          + "replaced (use HDFS or a local path; or set allow-non-atomic-warehouse = true to publish there knowingly, "
          + "with one run at a time)"));
    }
  }

  /** The file system of the root. */
  public FileSystem fileSystem() {
    try {
      return new Path(root).getFileSystem(hadoop);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot reach the warehouse " + root + ": " + e.getMessage(), e);
    }
  }

  /**
   * Publishes staged folders, each under its table path ({@code tables}: relative to the root, e.g.
   * {@code items} or {@code recommendations/dt=2030-01-01}, staged at {@code <staging>/<table>}): each published
   * folder moves to {@code <staging>/replaced/<table>}, the staged one takes its place (a rename each), and the
   * staging is deleted. Readers see the old folder or the new one, never a partial one; a death between the
   * renames is undone by {@link #recover}.
   */
  public void swapIn(String staging, List<String> tables) {
    FileSystem fs = fileSystem();
    try {
      for (String table : tables) {
        Path live = new Path(root + "/" + table);
        Path replaced = new Path(staging + "/replaced/" + table);
        fs.mkdirs(live.getParent());
        fs.mkdirs(replaced.getParent());
        if (fs.exists(live)) {
          rename(fs, live, replaced);
        }
        rename(fs, new Path(staging + "/" + table), live);
      }
      fs.delete(new Path(staging), true);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot publish " + staging + " (" + String.join(", ", tables) + "): " + e.getMessage(), e);
    }
  }

  /**
   * Clears the staging a dead run left ({@link #swapIn}'s layout): a table it had moved aside but not replaced
   * gets its previous folder back; the staging is deleted.
   *
   * @return the tables put back
   */
  public List<String> recover(String staging, List<String> tables) {
    FileSystem fs = fileSystem();
    List<String> restored = new java.util.ArrayList<>();
    try {
      if (!fs.exists(new Path(staging))) {
        return restored;
      }
      for (String table : tables) {
        Path live = new Path(root + "/" + table);
        Path replaced = new Path(staging + "/replaced/" + table);
        if (!fs.exists(live) && fs.exists(replaced)) {
          rename(fs, replaced, live);
          restored.add(table);
        }
      }
      fs.delete(new Path(staging), true);
      return restored;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot clear " + staging + ": " + e.getMessage(), e);
    }
  }

  /**
   * Clears what dead runs of {@code job} left under {@code staging/<job>/} (call it holding the job's lock, when every
   * staging there is a dead run's): each is {@link #recover recovered} and deleted.
   *
   * @return a line for each staging deleted and each table put back, for the job's log
   */
  public List<String> clearDeadRuns(String job, List<String> tables) {
    Path stagings = new Path(root + "/staging/" + job);
    List<String> done = new java.util.ArrayList<>();
    try {
      FileSystem fs = fileSystem();
      if (!fs.exists(stagings)) {
        return done;
      }
      for (org.apache.hadoop.fs.FileStatus dead : fs.listStatus(stagings)) {
        done.add(job + ": deleting the staging " + dead.getPath() + " of the dead run " + dead.getPath().getName());
        for (String table : recover(dead.getPath().toString(), tables)) {
          done.add(job + ": restored " + table + " from the dead run " + dead.getPath().getName());
        }
      }
      return done;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot clear " + stagings + ": " + e.getMessage(), e);
    }
  }

  private static void rename(FileSystem fs, Path from, Path to) throws IOException {
    if (!fs.rename(from, to)) {
      throw new IOException("renaming " + from + " to " + to + " failed");
    }
  }

  /**
   * {@code fs} without the hidden .crc sibling that the local file system writes beside every file and checks on every
   * read: its raw file system, or {@code fs} itself when it keeps no such files (HDFS). For files whose bytes are read
   * as they are (reports, locks, pointers an operator may rewrite, files hashed by their own checksums). Turning
   * checksums off instead would change the shared, cached instance for every later user.
   */
  public static FileSystem withoutChecksums(FileSystem fs) {
    return fs instanceof ChecksumFileSystem checksummed ? checksummed.getRawFileSystem() : fs;
  }

  /** Writes a small text file (a run report) whole, replacing any earlier one. */
  public void writeText(String path, String text) {
    Path p = new Path(path);
    try {
      FileSystem fs = withoutChecksums(p.getFileSystem(hadoop));
      try (OutputStream out = fs.create(p, true)) {
        out.write(text.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + path + ": " + e.getMessage(), e);
    }
  }
}
