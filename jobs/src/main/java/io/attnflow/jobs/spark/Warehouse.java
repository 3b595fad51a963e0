package io.attnflow.jobs.spark;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The warehouse's layout (DESIGN §2): one root, one folder per table. Paths go through Hadoop's
 * file system API so the root can be local, HDFS or an object store.
 */
public final class Warehouse {
  private final String root;
  private final Configuration hadoop;

  public Warehouse(String root, Configuration hadoop) {
    this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    this.hadoop = hadoop;
  }

  public String root() {
    return root;
  }

  public String interactions() {
    return root + "/interactions";
  }

  public String items() {
    return root + "/items";
  }

  public String rejects() {
    return root + "/rejects";
  }

  public String runs() {
    return root + "/runs";
  }

  /** The file system of the root. */
  public FileSystem fileSystem() {
    try {
      return new Path(root).getFileSystem(hadoop);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot reach the warehouse " + root + ": " + e.getMessage(), e);
    }
  }

  /** Writes a small text file (a run report) whole, replacing any earlier one. */
  public void writeText(String path, String text) {
    Path p = new Path(path);
    try {
      FileSystem fs = p.getFileSystem(hadoop);
      // The local file system adds a hidden .crc sibling; write through its raw file system instead
      // (turning checksums off would change the shared, cached instance for every later writer).
      if (fs instanceof ChecksumFileSystem checksummed) {
        fs = checksummed.getRawFileSystem();
      }
      try (OutputStream out = fs.create(p, true)) {
        out.write(text.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + path + ": " + e.getMessage(), e);
    }
  }
}
