package io.attnflow.jobs.train;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Drops the one line SameDiff (ND4J 1.0.0-M2.1) prints to standard output, unconditionally and not
 * through any logger, each time it builds a gradient function: "Added differentiated op …", which
 * dl4j-spark's workers trigger hundreds of times per epoch. Every other line passes unchanged.
 * Installed once per JVM (driver and executors) before training.
 */
final class StdoutFilter extends OutputStream {
  private static final String NOISE = "Added differentiated op ";
  private static boolean installed;

  private final PrintStream out;
  private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

  private StdoutFilter(PrintStream out) {
    this.out = out;
  }

  static synchronized void install() {
    if (!installed) {
      System.setOut(new PrintStream(new StdoutFilter(System.out), true, StandardCharsets.UTF_8));
      installed = true;
    }
  }

  @Override
  public synchronized void write(int b) {
    line.write(b);
    if (b == '\n') {
      String text = line.toString(StandardCharsets.UTF_8);
      if (!text.startsWith(NOISE)) {
        out.print(text);
      }
      line.reset();
    }
  }

  @Override
  public synchronized void flush() {
    if (line.size() > 0 && !NOISE.startsWith(line.toString(StandardCharsets.UTF_8))) {
      out.print(line.toString(StandardCharsets.UTF_8));
      line.reset();
    }
    out.flush();
  }
}
