package io.attnflow.core.model;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * A model folder on a local disk: {@code network.zip} (the DL4J network), the vocabulary and any
 * other files the jobs add, and {@code manifest.json} with the SHA-256 of each of them. {@link
 * #verify} checks the manifest and every checksum before anything is loaded; every failure is a
 * {@link ModelException} naming the file and what was expected.
 */
public final class ModelFiles {
  /**
   * The layout version this code writes. 5: content networks trained with id dropout, whose E_u places the items
   * without an id part of their own ({@link NetworkSpec#idDropout()}; a version-4 reader would place them without
   * it); 4: networks that may read item content ({@link ItemContent}, with the content vectors they were trained with
   * in the folder); 3: networks that may encode histories in context ({@link HistoryEncoder}); 2: networks trained on
   * sequence windows, with an α temperature. Versions 2 to 4 are still read and scored as they were trained (an
   * attnflow that reads only version 4 refuses a version 5 model instead of misreading it). Version 1's per-example networks are refused (their vertex no
   * longer exists).
   */
  public static final int FORMAT_VERSION = 5;
  /** The oldest layout version this code reads. */
  public static final int OLDEST_READABLE = 2;
  public static final String MANIFEST = "manifest.json";
  public static final String NETWORK = "network.zip";

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private ModelFiles() {}

  /** Writes the network (parameters and configuration, without updater state). */
  public static void writeNetwork(Path dir, ComputationGraph network) {
    try {
      Files.createDirectories(dir);
      ModelSerializer.writeModel(network, dir.resolve(NETWORK).toFile(), false);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the network to " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code manifest.json} listing the SHA-256 of every other file now in {@code dir}. */
  public static Manifest writeManifest(Path dir, Manifest manifest) {
    Manifest complete = manifest.withFiles(checksums(dir));
    try {
      JSON.writeValue(dir.resolve(MANIFEST).toFile(), complete);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + dir.resolve(MANIFEST) + ": " + e.getMessage(), e);
    }
    return complete;
  }

  /** Parses a manifest's JSON (unverified: for the metadata of a model not loaded, e.g. the promotion gate's). */
  public static Manifest parseManifest(java.io.InputStream in) throws IOException {
    return JSON.readValue(in, Manifest.class);
  }

  /**
   * Reads and checks a model folder: the manifest parses, its format version is this code's, every
   * listed file exists with its checksum, and no data file is unlisted.
   *
   * @throws ModelException naming what is wrong
   */
  public static Manifest verify(Path dir) {
    Path file = dir.resolve(MANIFEST);
    Manifest m;
    try {
      m = JSON.readValue(file.toFile(), Manifest.class);
    } catch (NoSuchFileException | java.io.FileNotFoundException e) {
      throw new ModelException("Cannot load the model in " + dir + ": " + MANIFEST + " is missing (not a complete model folder)");
    } catch (IOException e) {
      throw new ModelException("Cannot load the model in " + dir + ": " + MANIFEST + " is unreadable (" + e.getMessage() + ")");
    }
    if (m.formatVersion() < OLDEST_READABLE || m.formatVersion() > FORMAT_VERSION) {
      throw new ModelException("Cannot load the model in " + dir + ": its format version is " + m.formatVersion()
          + " (this attnflow reads versions " + OLDEST_READABLE + " to " + FORMAT_VERSION
          + "; retrain it with bin/attnflow train)");
    }
    if (m.files() == null || m.shape() == null || !m.files().containsKey(NETWORK)) {
      throw new ModelException("Cannot load the model in " + dir + ": " + MANIFEST + " lacks its shape or file list");
    }
    checkFiles(m.files(), checksums(dir), "Cannot load the model in " + dir + ": ");
    return m;
  }

  /**
   * Checks a folder's files against the SHA-256 sums its manifest lists: every listed file present with its sum, no
   * file unlisted.
   *
   * @param where what the failure message starts with (what cannot be loaded)
   * @throws ModelException naming the first file that is missing, altered or unlisted
   */
  public static void checkFiles(Map<String, String> listed, Map<String, String> actual, String where) {
    for (Map.Entry<String, String> e : listed.entrySet()) {
      String sum = actual.get(e.getKey());
      if (sum == null) {
        throw new ModelException(where + e.getKey() + " is missing");
      }
      if (!sum.equals(e.getValue())) {
        throw new ModelException(where + e.getKey() + " was altered or truncated (SHA-256 " + sum + ", the manifest says "
            + e.getValue() + ")");
      }
    }
    List<String> unlisted = actual.keySet().stream().filter(f -> !listed.containsKey(f)).toList();
    if (!unlisted.isEmpty()) {
      throw new ModelException(where + unlisted + " are not in the manifest");
    }
  }

  /** The network of a verified folder, checked against the manifest's shape. */
  public static ComputationGraph readNetwork(Path dir, Manifest manifest) {
    ComputationGraph network;
    try {
      network = ModelSerializer.restoreComputationGraph(dir.resolve(NETWORK).toFile(), false);
    } catch (IOException | RuntimeException e) {
      throw new ModelException("Cannot load the model in " + dir + ": " + NETWORK + " is not a readable DL4J network ("
          + e.getMessage() + ")", e);
    }
    INDArray embedding = network.paramTable().get(AttentionNetwork.EMBED + "_W");
    long rows = embedding == null ? -1 : embedding.rows();
    if (rows != manifest.shape().items()) {
      throw new ModelException("Cannot load the model in " + dir + ": the network has " + rows
          + " item embeddings but the manifest says " + manifest.shape().items() + " items");
    }
    if (!finite(network.params())) {
      throw new ModelException("Cannot load the model in " + dir + ": its parameters are not all finite (NaN or "
          + "infinite values: its training diverged); retrain it with bin/attnflow train");
    }
    return network;
  }

  /** True when no value of {@code params} is NaN or infinite: what a model must be to be kept or loaded. */
  public static boolean finite(INDArray params) {
    return !BooleanIndexing.or(params, Conditions.isNan()) && !BooleanIndexing.or(params, Conditions.isInfinite());
  }

  /** SHA-256 of every data file under {@code dir} (recursively), except the manifest and hidden or marker files. */
  static Map<String, String> checksums(Path dir) {
    Map<String, String> sums = new TreeMap<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        String name = dir.relativize(p).toString().replace('\\', '/');
        String base = p.getFileName().toString();
        if (name.equals(MANIFEST) || base.startsWith(".") || base.startsWith("_")) {
          continue;
        }
        sums.put(name, sha256(p));
      }
    } catch (IOException e) {
      throw new ModelException("Cannot read the model folder " + dir + ": " + e.getMessage(), e);
    }
    return sums;
  }

  static String sha256(Path file) throws IOException {
    return sha256(Files.newInputStream(file));
  }

  /** The SHA-256 of everything {@code in} holds, hex; closes it. */
  public static String sha256(InputStream stream) throws IOException {
    try (InputStream in = new DigestInputStream(stream, MessageDigest.getInstance("SHA-256"))) {
      byte[] buf = new byte[1 << 16];
      while (in.read(buf) >= 0) {
        // digesting
      }
      return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

}
