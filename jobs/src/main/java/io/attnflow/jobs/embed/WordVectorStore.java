package io.attnflow.jobs.embed;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.attnflow.core.model.ModelException;
import io.attnflow.core.model.ModelFiles;
import io.attnflow.jobs.model.ModelStore;
import io.attnflow.jobs.spark.Warehouse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.ml.feature.Word2VecModel;

/**
 * The Word2Vec models under the warehouse's {@code embeddings/}: each version a folder of Spark ML's
 * saved model ({@code word2vec/}) and {@code manifest.json} with the SHA-256 of every file in it, as the
 * attention model's; {@code embeddings/LATEST} names the one embed reuses. Loading verifies every
 * checksum first and fails with a {@link ModelException} naming the file.
 */
public final class WordVectorStore {
  public static final String MANIFEST = "manifest.json";
  public static final String MODEL = "word2vec";
  public static final String LATEST = "LATEST";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private final String root;
  private final Configuration conf;

  public WordVectorStore(String root, Configuration conf) {
    this.root = root;
    this.conf = conf;
  }

  public String folder(String version) {
    return root + "/" + version;
  }

  /** Saves {@code model} as {@code version} with its manifest, published by one rename, and makes it the latest. */
  public Map<String, Object> save(String version, Word2VecModel model, Map<String, Object> metadata) {
    Path target = new Path(folder(version));
    Path staging = new Path(root + "/.staging-" + version + "-" + UUID.randomUUID());
    try {
      FileSystem fs = target.getFileSystem(conf);
      if (fs.exists(target)) {
        throw new IllegalStateException("Cannot save the Word2Vec model " + version + ": " + target + " exists already");
      }
      model.write().save(new Path(staging, MODEL).toString());
      Map<String, Object> manifest = new LinkedHashMap<>(metadata);
      manifest.put("version", version);
      manifest.put("files", checksums(fs, staging));
      try (OutputStream out = fs.create(new Path(staging, MANIFEST), false)) {
        out.write(JSON.writeValueAsString(manifest).getBytes(StandardCharsets.UTF_8));
      }
      if (!fs.rename(staging, target)) {
        throw new IOException("rename of " + staging + " to " + target + " failed");
      }
      try (OutputStream out = fs.create(new Path(root, LATEST), true)) {
        out.write((version + "\n").getBytes(StandardCharsets.UTF_8));
      }
      return manifest;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot save the Word2Vec model " + version + " to " + target + ": " + e.getMessage(), e);
    }
  }

  /** The version {@code LATEST} names, if any. */
  public Optional<String> latest() {
    return ModelStore.pointer(new Path(root, LATEST), conf);
  }


  /**
   * Loads {@code version} after checking its manifest: every listed file present with its checksum, no unlisted file.
   *
   * @throws ModelException naming the folder and what is wrong
   */
  public Word2VecModel load(String version) {
    Path dir = new Path(folder(version));
    String where = "Cannot load the Word2Vec model " + dir + ": ";
    try {
      FileSystem fs = dir.getFileSystem(conf);
      if (!fs.exists(new Path(dir, MANIFEST))) {
        throw new ModelException(where + MANIFEST + " is missing (not a complete model folder)");
      }
      Map<?, ?> manifest;
      try (InputStream in = fs.open(new Path(dir, MANIFEST))) {
        manifest = JSON.readValue(in, Map.class);
      }
      if (!(manifest.get("files") instanceof Map<?, ?> files) || files.isEmpty()) {
        throw new ModelException(where + MANIFEST + " lists no files");
      }
      Map<String, String> listed = new TreeMap<>();
      files.forEach((name, sum) -> listed.put(String.valueOf(name), String.valueOf(sum)));
      ModelFiles.checkFiles(listed, checksums(fs, dir), where);
      return Word2VecModel.load(new Path(dir, MODEL).toString());
    } catch (IOException e) {
      throw new ModelException(where + e.getMessage(), e);
    }
  }

  /** SHA-256 of every data file under {@code dir}, by relative path; hidden, marker and checksum files aside. */
  private static Map<String, String> checksums(FileSystem fileSystem, Path dir) throws IOException {
    // read the bytes as they are: the local file system's own .crc check would fail first, without naming the change
    FileSystem fs = Warehouse.withoutChecksums(fileSystem);
    Map<String, String> sums = new TreeMap<>();
    String prefix = fs.makeQualified(dir).toUri().getPath() + "/";
    RemoteIterator<LocatedFileStatus> files = fs.listFiles(dir, true);
    while (files.hasNext()) {
      Path p = files.next().getPath();
      String name = p.toUri().getPath().substring(prefix.length());
      String base = p.getName();
      if (name.equals(MANIFEST) || base.startsWith(".") || base.startsWith("_")) {
        continue;
      }
      sums.put(name, ModelFiles.sha256(fs.open(p)));
    }
    return sums;
  }

}
