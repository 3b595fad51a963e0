package io.attnflow.jobs.cli;

import java.time.LocalDate;
import picocli.CommandLine.Option;

/** {@code --dt YYYY-MM-DD}: the day a scoring run is for, overriding {@code score.dt}. */
public final class DayOption {
  @Option(names = "--dt", paramLabel = "YYYY-MM-DD", description = "The day to score (default: score.dt, \"today\" in UTC).")
  LocalDate dt;

  /** The day given on the command line, else {@code configured}. */
  LocalDate or(LocalDate configured) {
    return dt == null ? configured : dt;
  }
}
