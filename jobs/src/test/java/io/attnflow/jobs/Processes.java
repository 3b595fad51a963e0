package io.attnflow.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Runs the project's commands as processes of their own (own JVM, own Spark), as a scheduler would. */
public final class Processes {
  /** The project folder (tests run in the jobs module's). */
  public static final Path HOME = Path.of("..").toAbsolutePath().normalize();

  /** A finished process: exit code, stdout, stderr. */
  public record Run(int exit, String out, String err) {
    /** The counts of the score run manifest this run names on stdout ("run manifest: <path>"). */
    public Map<String, Object> scoreCounts() throws IOException {
      String path = out.lines().filter(l -> l.strip().startsWith("run manifest:")).findFirst()
          .orElseThrow(() -> new AssertionError("no run manifest in:\n" + out)).replaceFirst(".*run manifest:\\s*", "");
      Map<?, ?> manifest = new com.fasterxml.jackson.databind.ObjectMapper().readValue(Path.of(path).toFile(), Map.class);
      Map<String, Object> counts = new java.util.LinkedHashMap<>();
      for (String k : List.of("users", "fallback_users", "alpha_evaluations", "recommendation_rows", "attention_rows")) {
        counts.put(k, manifest.get(k));
      }
      return counts;
    }
  }

  /** A running process whose stdout and stderr go to files; closing it kills it and its descendants. */
  public static final class Started implements AutoCloseable {
    private final String command;
    private final Process process;
    private final Path out;
    private final Path err;

    private Started(String command, Process process, Path out, Path err) {
      this.command = command;
      this.process = process;
      this.out = out;
      this.err = err;
    }

    public Process process() {
      return process;
    }

    /** Its stderr so far. */
    public String err() {
      return read(err);
    }

    /** Waits until its stderr satisfies {@code condition}; fails if the process ends first or time runs out. */
    public String awaitErr(Predicate<String> condition, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        String text = err();
        if (condition.test(text)) {
          return text;
        }
        if (!process.isAlive()) {
          throw new AssertionError(command + " ended (exit " + process.exitValue() + ") before the awaited output:\n" + text);
        }
        Thread.sleep(50);
      }
      throw new AssertionError(command + " did not print the awaited output within " + timeout + ":\n" + err());
    }

    /** Waits for it to end, at most 5 minutes. */
    public Run await() throws InterruptedException {
      if (!process.waitFor(5, TimeUnit.MINUTES)) {
        throw new AssertionError(command + " did not finish in 5 minutes");
      }
      return new Run(process.exitValue(), read(out), read(err));
    }

    @Override
    public void close() throws IOException {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }

    private static String read(Path file) {
      try {
        return Files.readString(file);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private Processes() {}

  /** Starts {@code command} in the project folder with {@code env} added. */
  public static Started start(Map<String, String> env, String... command) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(HOME.toFile());
    pb.environment().putAll(env);
    Path out = Files.createTempFile("attnflow-out", ".txt");
    Path err = Files.createTempFile("attnflow-err", ".txt");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    return new Started(String.join(" ", command), p, out, err);
  }

  /** Runs {@code command} in the project folder with {@code env} added, at most 5 minutes. */
  public static Run run(Map<String, String> env, String... command) throws IOException, InterruptedException {
    try (Started s = start(env, command)) {
      return s.await();
    }
  }
}
