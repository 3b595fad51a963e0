package io.attnflow.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import java.io.File;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Layers configuration: {@code reference.conf} (every key and its default), then each {@code --conf}
 * file in order, then each {@code --set key=value} (the command line wins). Keys the reference does
 * not know are rejected by name, with the nearest known key as a hint, except under the free-form
 * objects listed in {@link #FREE_FORM}.
 */
public final class ConfigLoader {
  /** Objects whose keys are the user's own (Spark property names). */
  static final List<String> FREE_FORM = List.of("spark.properties");

  private ConfigLoader() {}

  /**
   * @param files conf files, later ones overriding earlier ones
   * @param sets  {@code key=value} overrides; a value starting with {@code [} or {@code {} is read as HOCON
   * @throws ConfigProblems naming every unreadable file, bad override and unknown key
   */
  public static Config load(List<File> files, List<String> sets) {
    Config reference = ConfigFactory.parseResourcesAnySyntax("reference.conf");
    List<String> problems = new ArrayList<>();
    // Layered from lowest to highest priority: each source falls back to all before it.
    Config user = ConfigFactory.empty();
    for (File f : files) {
      try {
        user = ConfigFactory.parseFile(f, ConfigParseOptions.defaults().setAllowMissing(false)).withFallback(user);
      } catch (ConfigException e) {
        problems.add("Cannot read configuration file " + f + ": " + e.getMessage());
      }
    }
    for (String set : sets) {
      int eq = set.indexOf('=');
      if (eq <= 0) {
        problems.add("--set " + set + " is not valid (expected key=value)");
        continue;
      }
      String key = set.substring(0, eq).trim();
      String value = set.substring(eq + 1).trim();
      try {
        Config one = value.startsWith("[") || value.startsWith("{")
            ? ConfigFactory.parseString(key + " = " + value)
            : ConfigFactory.parseMap(Map.of(key, value));
        user = one.withFallback(user);
      } catch (ConfigException e) {
        problems.add("--set " + set + " is not valid (" + e.getMessage() + ")");
      }
    }
    problems.addAll(unknownKeys(user, reference));
    if (!problems.isEmpty()) {
      throw new ConfigProblems(problems);
    }
    try {
      return user.withFallback(reference).resolve();
    } catch (ConfigException e) {
      throw new ConfigProblems(List.of("Cannot resolve the configuration: " + e.getMessage()));
    }
  }

  static List<String> unknownKeys(Config user, Config reference) {
    Set<String> known = new TreeSet<>();
    for (Map.Entry<String, ConfigValue> e : reference.entrySet()) {
      known.add(e.getKey());
    }
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
      String key = e.getKey();
      boolean freeForm = FREE_FORM.stream().anyMatch(p -> key.startsWith(p + "."));
      if (!freeForm && !reference.hasPathOrNull(key)) {
        String nearest = known.stream().min(Comparator.comparingInt(k -> distance(k, key))).orElse("");
        problems.add(key + " is not a known key (did you mean " + nearest + "? every key is listed in reference.conf)");
      }
    }
    return problems;
  }

  /** Levenshtein distance, for "did you mean" hints. */
  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
