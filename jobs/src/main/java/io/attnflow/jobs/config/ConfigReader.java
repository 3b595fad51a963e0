package io.attnflow.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads typed values from a resolved {@link Config}, collecting a problem for each bad key instead
 * of failing on the first, so that a user sees everything wrong at once. Every read returns a
 * usable placeholder after recording a problem; {@link #finish()} then throws them all.
 */
public final class ConfigReader {
  private final Config config;
  private final List<String> problems = new ArrayList<>();

  public ConfigReader(Config config) {
    this.config = config;
  }

  public String string(String key) {
    try {
      return config.getString(key);
    } catch (ConfigException e) {
      return bad(key, "a string", e, "");
    }
  }

  public String nonEmptyString(String key) {
    String s = string(key);
    if (s.isBlank() && config.hasPath(key)) {
      problem(key, s, "a non-empty string");
    }
    return s;
  }

  public int intIn(String key, int min, int max) {
    try {
      int v = config.getInt(key);
      if (v < min || v > max) {
        problem(key, v, "an integer in [" + min + ", " + max + "]");
        return Math.min(max, Math.max(min, v));
      }
      return v;
    } catch (ConfigException e) {
      return bad(key, "an integer in [" + min + ", " + max + "]", e, min);
    }
  }

  public double doubleIn(String key, double min, double max) {
    try {
      double v = config.getDouble(key);
      if (!(v >= min && v <= max)) {
        problem(key, v, "a number in [" + min + ", " + max + "]");
        return v > max ? max : min; // NaN included
      }
      return v;
    } catch (ConfigException e) {
      return bad(key, "a number in [" + min + ", " + max + "]", e, min);
    }
  }

  /** One of {@code allowed}, exactly as written there. */
  public String oneOf(String key, List<String> allowed) {
    String s = string(key);
    if (config.hasPath(key) && !allowed.contains(s)) {
      problem(key, s, "one of " + String.join(", ", allowed));
      return allowed.get(0);
    }
    return s;
  }

  public Instant instant(String key) {
    String s = string(key);
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      if (config.hasPath(key)) {
        problem(key, s, "an ISO-8601 instant such as 2024-01-31T00:00:00Z");
      }
      return Instant.EPOCH;
    }
  }

  public boolean bool(String key) {
    try {
      return config.getBoolean(key);
    } catch (ConfigException e) {
      return bad(key, "true or false", e, false);
    }
  }

  /** A list of strings. */
  public List<String> stringList(String key) {
    try {
      return List.copyOf(config.getStringList(key));
    } catch (ConfigException e) {
      return bad(key, "a list of strings", e, List.of());
    }
  }

  /** A non-empty list of integers, each in [min, max]. */
  public List<Integer> intList(String key, int min, int max) {
    return numberList(key, min, max, "integers", config::getIntList);
  }

  /** A non-empty list of numbers, each in [min, max]. */
  public List<Double> doubleList(String key, double min, double max) {
    return numberList(key, min, max, "numbers", config::getDoubleList);
  }

  private <T extends Comparable<T>> List<T> numberList(String key, T min, T max, String kind,
      java.util.function.Function<String, List<T>> read) {
    String expected = "a non-empty list of " + kind + " in [" + min + ", " + max + "]";
    try {
      List<T> v = List.copyOf(read.apply(key));
      check(!v.isEmpty() && v.stream().allMatch(x -> x.compareTo(min) >= 0 && x.compareTo(max) <= 0), key, v.toString(),
          expected);
      return v.isEmpty() ? List.of(min) : v;
    } catch (ConfigException e) {
      return bad(key, expected, e, List.of(min));
    }
  }

  /** A free-form object of string values, e.g. extra Spark properties. */
  public Map<String, String> stringMap(String key) {
    Map<String, String> out = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, ConfigValue> e : config.getObject(key).entrySet()) {
        Object v = e.getValue().unwrapped();
        if (v instanceof String || v instanceof Number || v instanceof Boolean) {
          out.put(e.getKey(), String.valueOf(v));
        } else {
          problem(key + ".\"" + e.getKey() + "\"", e.getValue().render(), "a string, number or boolean");
        }
      }
    } catch (ConfigException e) {
      bad(key, "an object of string values", e, null);
    }
    return out;
  }

  /** Records a problem unless {@code ok}. */
  public void check(boolean ok, String key, Object value, String expected) {
    if (!ok) {
      problem(key, value, expected);
    }
  }

  public void problem(String key, Object value, String expected) {
    String shown = value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    problems.add(key + " = " + shown + " is not valid (expected " + expected + ")");
  }

  /** @throws ConfigProblems listing every problem recorded */
  public void finish() {
    if (!problems.isEmpty()) {
      throw new ConfigProblems(problems);
    }
  }

  private <T> T bad(String key, String expected, ConfigException e, T placeholder) {
    if (e instanceof ConfigException.Missing) {
      problems.add(key + " is missing (expected " + expected + ")");
    } else {
      Object raw = config.hasPathOrNull(key) && !config.getIsNull(key) ? config.getValue(key).unwrapped() : null;
      problem(key, raw, expected);
    }
    return placeholder;
  }
}
