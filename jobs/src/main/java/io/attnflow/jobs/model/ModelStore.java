package io.attnflow.jobs.model;

import io.attnflow.core.model.AttentionModel;
import io.attnflow.core.model.ItemContent;
import io.attnflow.core.model.Manifest;
import io.attnflow.core.model.ModelException;
import io.attnflow.core.model.ModelFiles;
import io.attnflow.core.model.Vocabulary;
import io.attnflow.jobs.spark.Warehouse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * The warehouse's {@code models/}: one folder per version, and {@code models/LATEST} naming the
 * promoted one. A folder is assembled and checksummed on the driver's disk, copied under a hidden
 * staging name, then renamed into place; {@code LATEST} is replaced by an atomic rename after that,
 * so a reader never sees a half-written model or a pointer to one. Loading copies the folder to the
 * driver's disk and verifies every checksum and dimension before anything is used.
 */
public final class ModelStore {
  public static final String VOCABULARY = "vocabulary.parquet";
  public static final String SPLIT = "split.parquet";
  /** The content vectors a content model was trained with (item_id, vector), in vocabulary order. */
  public static final String CONTENT = "content.parquet";
  public static final String LATEST = "LATEST";

  private final String root;
  private final Configuration conf;

  public ModelStore(Warehouse warehouse, Configuration conf) {
    this.root = warehouse.root() + "/models";
    this.conf = conf;
  }

  /**
   * A verified model, with the content vectors its items were trained with ({@code content}, null for a model of ids
   * only). {@code split} has one row per held-out user of its training (user_id, validation item_id, its
   * time (µs), test item_id, its time (µs)) when loaded {@link #loadWithSplit with it}, else none: scoring never
   * reads a row per user on the driver.
   */
  public record Loaded(String version, Manifest manifest, AttentionModel model, ComputationGraph network,
      ItemContent content, List<Object[]> split) {}

  public String folder(String version) {
    return root + "/" + version;
  }

  /**
   * Saves a trained network as {@code models/<version>}: the folder (network, vocabulary, the content vectors of a
   * content model, split, manifest with checksums) is assembled on the driver's disk and published; {@link #promote}
   * makes it the latest.
   *
   * @param content the items' content vectors it was trained with, or null (ids only)
   * @param split one row per held-out user: user_id, validation item, its time, test item, its time
   */
  public Manifest save(String version, ComputationGraph network, Vocabulary vocabulary, ItemContent content,
      List<Object[]> split, Manifest manifest) {
    java.nio.file.Path dir;
    try {
      dir = Files.createTempDirectory("attnflow-model-" + version + "-");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("Cannot create a local folder for the model: " + e.getMessage(), e);
    }
    try {
      ModelFiles.writeNetwork(dir, network);
      writeVocabulary(conf, dir, vocabulary);
      if (content != null) {
        writeContent(conf, dir, vocabulary, content);
      }
      SmallParquet.write(conf, new Path(dir.resolve(SPLIT).toUri()), "split", List.of(
          new SmallParquet.Column("user_id", SmallParquet.Kind.STRING),
          new SmallParquet.Column("validation_item_id", SmallParquet.Kind.STRING),
          new SmallParquet.Column("validation_ts", SmallParquet.Kind.TIMESTAMP_MICROS),
          new SmallParquet.Column("test_item_id", SmallParquet.Kind.STRING),
          new SmallParquet.Column("test_ts", SmallParquet.Kind.TIMESTAMP_MICROS)), split);
      Manifest complete = ModelFiles.writeManifest(dir, manifest);
      publish(dir, version);
      return complete;
    } finally {
      deleteLocal(dir);
    }
  }

  /** Writes the vocabulary (item_id, index) into a local model folder. */
  static void writeVocabulary(Configuration conf, java.nio.file.Path dir, Vocabulary vocabulary) {
    List<Object[]> rows = new ArrayList<>(vocabulary.size());
    for (int i = 0; i < vocabulary.size(); i++) {
      rows.add(new Object[] {vocabulary.id(i), i});
    }
    SmallParquet.write(conf, new Path(dir.resolve(VOCABULARY).toUri()), "vocabulary",
        List.of(new SmallParquet.Column("item_id", SmallParquet.Kind.STRING), new SmallParquet.Column("index", SmallParquet.Kind.INT)),
        rows);
  }

  /** Writes the content vectors (item_id, vector), in vocabulary order, into a local model folder. */
  static void writeContent(Configuration conf, java.nio.file.Path dir, Vocabulary vocabulary, ItemContent content) {
    List<Object[]> rows = new ArrayList<>(vocabulary.size());
    for (int i = 0; i < vocabulary.size(); i++) {
      rows.add(new Object[] {vocabulary.id(i), Arrays.copyOfRange(content.vectors(), i * content.dim(), (i + 1) * content.dim())});
    }
    SmallParquet.write(conf, new Path(dir.resolve(CONTENT).toUri()), "content",
        List.of(new SmallParquet.Column("item_id", SmallParquet.Kind.STRING),
            new SmallParquet.Column("vector", SmallParquet.Kind.FLOATS)), rows);
  }

  /** Copies a complete local folder to {@code models/<version>}, atomically as far as readers can tell. */
  public void publish(java.nio.file.Path localDir, String version) {
    Path target = new Path(folder(version));
    Path staging = new Path(root + "/.staging-" + version + "-" + UUID.randomUUID());
    try {
      FileSystem fs = target.getFileSystem(conf);
      if (fs.exists(target)) {
        throw new IllegalStateException("Cannot publish model " + version + ": " + target + " exists already");
      }
      fs.mkdirs(staging);
      try (var files = Files.list(localDir)) {
        for (java.nio.file.Path f : files.filter(p -> !p.getFileName().toString().startsWith(".")).toList()) {
          fs.copyFromLocalFile(false, true, new Path(f.toUri()), new Path(staging, f.getFileName().toString()));
        }
      }
      if (!fs.rename(staging, target)) {
        throw new IOException("rename of " + staging + " to " + target + " failed");
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("Cannot publish model " + version + " to " + target + ": " + e.getMessage(), e);
    }
  }

  /** Makes {@code version} the one {@code latest} names, by an atomic rename over {@code models/LATEST}. */
  public void promote(String version) {
    try {
      FileContext fc = FileContext.getFileContext(new Path(root).toUri(), conf);
      Path tmp = new Path(root + "/." + LATEST + "-" + UUID.randomUUID());
      try (OutputStream out = fc.create(tmp, EnumSet.of(CreateFlag.CREATE, CreateFlag.OVERWRITE),
          Options.CreateOpts.createParent())) {
        out.write((version + "\n").getBytes(StandardCharsets.UTF_8));
      }
      fc.rename(tmp, new Path(root + "/" + LATEST), Options.Rename.OVERWRITE);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("Cannot promote model " + version + ": " + e.getMessage(), e);
    }
  }

  /** The promoted version, if any. */
  public Optional<String> latest() {
    return pointer(new Path(root + "/" + LATEST), conf);
  }

  /**
   * The version a pointer file such as {@code LATEST} names, if it exists. The file is read as it is: an operator may
   * rewrite it by hand to roll back ({@code echo <version> > models/LATEST}), and the local file system would refuse
   * it by the checksum file that the last promotion left beside it.
   */
  public static Optional<String> pointer(Path p, Configuration conf) {
    try {
      FileSystem fs = Warehouse.withoutChecksums(p.getFileSystem(conf));
      if (!fs.exists(p)) {
        return Optional.empty();
      }
      try (InputStream in = fs.open(p)) {
        return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).trim());
      }
    } catch (IOException e) {
      throw new ModelException("Cannot read " + p + ": " + e.getMessage(), e);
    }
  }


  /** The manifest of {@code version}, unverified: metadata only (e.g. the promotion gate's baseline). */
  public Manifest manifest(String version) {
    Path p = new Path(folder(version) + "/" + ModelFiles.MANIFEST);
    try (InputStream in = p.getFileSystem(conf).open(p)) {
      return ModelFiles.parseManifest(in);
    } catch (IOException e) {
      throw new ModelException("Cannot read the manifest of model " + version + " (" + p + "): " + e.getMessage(), e);
    }
  }

  /**
   * Loads {@code version} ("latest": the promoted one), verified, without its split.
   *
   * @throws ModelException if there is no such model or it fails verification
   */
  public Loaded load(String version) {
    return load(version, false);
  }

  /** {@link #load} with the split of the model's training (evaluation): one row per held-out user, on the driver. */
  public Loaded loadWithSplit(String version) {
    return load(version, true);
  }

  private Loaded load(String version, boolean withSplit) {
    String v = "latest".equals(version)
        ? latest().orElseThrow(() -> new ModelException("Cannot load the latest model: " + root + "/" + LATEST
            + " does not exist (train a model first: attnflow train)"))
        : version;
    Path src = new Path(folder(v));
    try {
      FileSystem fs = src.getFileSystem(conf);
      if (!fs.exists(src)) {
        throw new ModelException("Cannot load model " + v + ": " + src + " does not exist");
      }
      java.nio.file.Path local = Files.createTempDirectory("attnflow-model-" + v + "-");
      try {
        for (var status : fs.listStatus(src)) {
          String name = status.getPath().getName();
          if (!name.startsWith(".")) {
            fs.copyToLocalFile(false, status.getPath(), new Path(local.resolve(name).toUri()), true);
          }
        }
        Manifest manifest = ModelFiles.verify(local);
        ComputationGraph network = ModelFiles.readNetwork(local, manifest);
        Vocabulary vocabulary = readVocabulary(local);
        ItemContent content = manifest.shape().content() > 0 ? readContent(local, vocabulary, manifest.shape().content()) : null;
        List<Object[]> split = withSplit ? SmallParquet.read(conf, new Path(local.resolve(SPLIT).toUri())) : List.of();
        return new Loaded(v, manifest, AttentionModel.fromNetwork(network, manifest.shape(), vocabulary, content), network,
            content, split);
      } catch (ModelException e) { // name the warehouse's folder, not the local copy the checks ran on
        throw new ModelException(e.getMessage().replace(local.toString(), src.toString()), e);
      } finally {
        deleteLocal(local);
      }
    } catch (IOException e) {
      throw new ModelException("Cannot load model " + v + " from " + src + ": " + e.getMessage(), e);
    }
  }

  /** Deletes a local folder the store made (a staged or loaded model). */
  public static void deleteLocal(java.nio.file.Path dir) {
    try (var files = Files.walk(dir)) {
      for (java.nio.file.Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // a temporary folder left behind is not worth failing a run over
    }
  }

  /** The content vectors of a content model's folder, checked row by row against its vocabulary and length. */
  private ItemContent readContent(java.nio.file.Path dir, Vocabulary vocabulary, int dim) throws IOException {
    if (!Files.exists(dir.resolve(CONTENT))) {
      throw new ModelException("Cannot load the model in " + dir + ": it reads content vectors of length " + dim
          + " but " + CONTENT + " is missing");
    }
    List<Object[]> rows = SmallParquet.read(conf, new Path(dir.resolve(CONTENT).toUri()));
    if (rows.size() != vocabulary.size()) {
      throw new ModelException("Cannot load the model in " + dir + ": " + CONTENT + " has " + rows.size()
          + " rows for a vocabulary of " + vocabulary.size());
    }
    float[] vectors = new float[rows.size() * dim];
    for (int i = 0; i < rows.size(); i++) {
      float[] v = (float[]) rows.get(i)[1];
      if (!vocabulary.id(i).equals(rows.get(i)[0]) || v.length != dim) {
        throw new ModelException("Cannot load the model in " + dir + ": row " + i + " of " + CONTENT + " is item "
            + rows.get(i)[0] + " with " + v.length + " values; expected item " + vocabulary.id(i) + " with " + dim);
      }
      System.arraycopy(v, 0, vectors, i * dim, dim);
    }
    return new ItemContent(dim, vectors);
  }

  private Vocabulary readVocabulary(java.nio.file.Path dir) throws IOException {
    List<Object[]> rows = SmallParquet.read(conf, new Path(dir.resolve(VOCABULARY).toUri()));
    List<String> ids = new ArrayList<>(rows.size());
    for (Object[] r : rows) {
      if ((Integer) r[1] != ids.size()) {
        throw new ModelException("Cannot load the vocabulary in " + dir + ": row " + ids.size() + " has index " + r[1]);
      }
      ids.add((String) r[0]);
    }
    return Vocabulary.of(ids);
  }
}
