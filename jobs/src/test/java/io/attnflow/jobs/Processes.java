package io.attnflow.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the project's commands as processes of their own (own JVM, own Spark), as a scheduler would. */
public final class Processes {
  /** The project folder (tests run in the jobs module's). */
  public static final Path HOME = Path.of("..").toAbsolutePath().normalize();

  /** A finished process: exit code, stdout, stderr. */
  public record Run(int exit, String out, String err) {}

  private Processes() {}

  /** Runs {@code command} in the project folder with {@code env} added, at most 5 minutes. */
  public static Run run(Map<String, String> env, String... command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(HOME.toFile());
    pb.environment().putAll(env);
    Path out = Files.createTempFile("attnflow-out", ".txt");
    Path err = Files.createTempFile("attnflow-err", ".txt");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try {
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        throw new AssertionError(String.join(" ", command) + " did not finish in 5 minutes");
      }
      return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      p.destroyForcibly();
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
