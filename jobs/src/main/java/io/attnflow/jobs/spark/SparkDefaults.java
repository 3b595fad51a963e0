package io.attnflow.jobs.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * attnflow's Spark properties ({@code conf/spark-defaults.conf}, bundled into the jar) merged into a cluster's
 * own configuration, so that a job submitted on an edge node keeps everything the cluster's admin configured
 * (master, deploy mode, resources, queue, event log) and still gets what attnflow needs:
 * <ul>
 *   <li>a property the cluster does not set takes attnflow's value;</li>
 *   <li>JVM options ({@code spark.driver|executor.extraJavaOptions}) keep the cluster's flags and gain
 *       attnflow's, except those naming a setting the cluster's already set ({@code -Dkey}, {@code -XX:Name},
 *       {@code -Xmx}): the admin's value of a setting wins;</li>
 *   <li>class lists ({@code spark.kryo.registrator}, {@code spark.extraListeners}) gain attnflow's classes;</li>
 *   <li>any other property the cluster sets keeps the cluster's value, and the merge reports it.</li>
 * </ul>
 * Properties given explicitly on the command line ({@code --conf}, {@code ATTNFLOW_SUBMIT_OPTS}) are applied
 * by spark-submit after this merge and win over both. bin/attnflow calls {@link #main} before spark-submit,
 * because spark-submit reads only one properties file; {@link Sessions} applies the same merge to the
 * submitted configuration, for jobs submitted without bin/attnflow (e.g. by Airflow).
 */
public final class SparkDefaults {
  /** attnflow's properties inside the jar (a copy of conf/spark-defaults.conf). */
  static final String RESOURCE = "/attnflow/spark-defaults.conf";
  private static final Set<String> JVM_OPTIONS = Set.of("spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions");
  private static final Set<String> CLASS_LISTS = Set.of("spark.kryo.registrator", "spark.extraListeners");

  private SparkDefaults() {}

  /**
   * The merged properties, and a note for each of attnflow's values the cluster's replaced.
   *
   * @param properties every property: the cluster's, with attnflow's added
   * @param kept       "key = cluster value (attnflow's: value)" for each property whose cluster value won
   */
  public record Merged(Map<String, String> properties, List<String> kept) {
    public Merged {
      properties = Collections.unmodifiableSortedMap(new TreeMap<>(properties));
      kept = List.copyOf(kept);
    }
  }

  /** attnflow's own Spark properties, as bundled into the jar. */
  public static Map<String, String> attnflow() {
    try (InputStream in = SparkDefaults.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("Cannot find " + RESOURCE + " on the classpath (the jobs jar bundles it)");
      }
      return load(new InputStreamReader(in, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + RESOURCE + ": " + e.getMessage(), e);
    }
  }

  /** {@code cluster}'s properties with {@code attnflow}'s merged in, by the rules of this class. */
  public static Merged merge(Map<String, String> cluster, Map<String, String> attnflow) {
    Map<String, String> merged = new TreeMap<>(cluster);
    List<String> kept = new ArrayList<>();
    attnflow.forEach((key, ours) -> {
      String theirs = cluster.get(key);
      if (theirs == null || theirs.isBlank()) {
        merged.put(key, ours);
      } else if (JVM_OPTIONS.contains(key)) {
        merged.put(key, jvmOptions(theirs, ours));
      } else if (CLASS_LISTS.contains(key)) {
        Set<String> classes = new LinkedHashSet<>(split(theirs, ","));
        classes.addAll(split(ours, ","));
        merged.put(key, String.join(",", classes));
      } else if (!theirs.equals(ours)) {
        kept.add(key + " = " + theirs + " (attnflow's: " + ours + ")");
      }
    });
    return new Merged(merged, kept);
  }

  /**
   * {@code theirs} followed by those of {@code ours} that set nothing {@code theirs} already sets. Options that
   * accumulate ({@code --add-modules}, {@code --add-opens}, ...) are added unless present verbatim.
   */
  static String jvmOptions(String theirs, String ours) {
    List<String> options = new ArrayList<>(split(theirs, "\\s+"));
    Set<String> named = new LinkedHashSet<>();
    options.forEach(o -> named.add(setting(o)));
    for (String o : split(ours, "\\s+")) {
      if (!named.contains(setting(o))) {
        options.add(o);
        named.add(setting(o));
      }
    }
    return String.join(" ", options);
  }

  /** The setting a JVM option sets: {@code -Dkey}, {@code -XX:Name}, {@code -Xmx}; else the option itself. */
  static String setting(String option) {
    if (option.startsWith("-D")) {
      int eq = option.indexOf('=');
      return eq < 0 ? option : option.substring(0, eq);
    }
    if (option.startsWith("-XX:")) {
      String name = option.substring(4).replaceFirst("^[+-]", "");
      int eq = name.indexOf('=');
      return "-XX:" + (eq < 0 ? name : name.substring(0, eq));
    }
    if (option.matches("-X(mx|ms|ss|mn).*")) {
      return option.substring(0, 4);
    }
    return option;
  }

  /**
   * Spark's master as spark-submit resolves it from its command-line options and properties: {@code --master},
   * then {@code --conf spark.master=...}, then the properties file, then {@code MASTER}, then {@code local[*]}.
   */
  static String master(List<String> submitOptions, Map<String, String> properties, String masterEnv) {
    String flag = null;
    String conf = null;
    for (int i = 0; i < submitOptions.size(); i++) {
      String o = submitOptions.get(i);
      String next = i + 1 < submitOptions.size() ? submitOptions.get(i + 1) : "";
      if (o.equals("--master")) {
        flag = next;
      } else if (o.startsWith("--master=")) {
        flag = o.substring("--master=".length());
      } else if (o.equals("--conf") && next.startsWith("spark.master=")) {
        conf = next.substring("spark.master=".length());
      } else if (o.startsWith("--conf=spark.master=")) {
        conf = o.substring("--conf=spark.master=".length());
      }
    }
    for (String m : Arrays.asList(flag, conf, properties.get("spark.master"), masterEnv)) {
      if (m != null && !m.isBlank()) {
        return m.strip();
      }
    }
    return "local[*]";
  }

  /**
   * For bin/attnflow: {@code OUT CLUSTER_FILE DRIVER_MEMORY DRIVER_OPTIONS EXPLICIT_DRIVER_OPTIONS
   * [SUBMIT_OPTION...]} writes to OUT the cluster's properties (CLUSTER_FILE; absent = none) merged with
   * attnflow's, the driver's among them: its heap and JVM options join the cluster's as attnflow's executor
   * options do, and the explicit ones (ATTNFLOW_JAVA_OPTS) come last, so that they win. On stderr it tells
   * which of attnflow's values the cluster's replaced, and warns when the run will not leave this machine
   * although SPARK_HOME is set.
   */
  public static void main(String[] args) throws IOException {
    if (args.length < 5) {
      throw new IllegalArgumentException(
          "usage: SparkDefaults OUT CLUSTER_FILE DRIVER_MEMORY DRIVER_OPTIONS EXPLICIT_DRIVER_OPTIONS [SUBMIT_OPTION...]");
    }
    Path out = Path.of(args[0]);
    Path clusterFile = Path.of(args[1]);
    List<String> submitOptions = List.of(args).subList(5, args.length);
    Map<String, String> cluster = Map.of();
    if (Files.isRegularFile(clusterFile)) {
      try (Reader r = Files.newBufferedReader(clusterFile, StandardCharsets.UTF_8)) {
        cluster = load(r);
      }
    }
    Map<String, String> ours = new LinkedHashMap<>(attnflow());
    ours.put("spark.driver.memory", args[2]);
    ours.merge("spark.driver.extraJavaOptions", args[3], SparkDefaults::jvmOptions);
    Merged merged = merge(cluster, ours);
    Map<String, String> properties = new TreeMap<>(merged.properties());
    if (!args[4].isBlank()) {
      properties.merge("spark.driver.extraJavaOptions", args[4].strip(), (a, b) -> a + " " + b);
    }
    String master = master(submitOptions, properties, System.getenv("MASTER"));
    if (master.startsWith("local")) {
      System.err.printf("attnflow: WARNING: SPARK_HOME is set, but Spark's master is %s: this run does not leave this "
          + "machine. Set spark.master in %s, or pass --master in ATTNFLOW_SUBMIT_OPTS, to run on the cluster.%n",
          master, clusterFile);
    }
    for (String k : merged.kept()) {
      System.err.println("attnflow: the cluster's " + k + " (" + clusterFile + ")");
    }
    Properties p = new Properties();
    p.putAll(properties);
    Path tmp = Files.createTempFile(out.toAbsolutePath().getParent(), ".spark-defaults", ".tmp");
    try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      p.store(w, "attnflow's Spark properties merged into " + clusterFile + " (written by bin/attnflow for spark-submit)");
    }
    Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** A properties file as Spark reads one: Java properties, values trimmed. */
  static Map<String, String> load(Reader reader) throws IOException {
    Properties p = new Properties();
    p.load(reader);
    Map<String, String> m = new LinkedHashMap<>();
    p.stringPropertyNames().stream().sorted().forEach(k -> m.put(k, p.getProperty(k).strip()));
    return m;
  }

  private static List<String> split(String s, String separator) {
    return Arrays.stream(s.strip().split(separator)).map(String::strip).filter(x -> !x.isEmpty()).toList();
  }
}
