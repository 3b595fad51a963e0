package io.attnflow.jobs.cli;

import io.attnflow.jobs.config.Settings;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options every job takes: configuration files and overrides. */
public final class JobOptions {
  @Option(names = "--conf", paramLabel = "FILE",
      description = "HOCON configuration file; repeatable, later files win over earlier ones.")
  List<File> confFiles = new ArrayList<>();

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Override one configuration key; repeatable, wins over every file.")
  List<String> sets = new ArrayList<>();

  /** Loads and validates every setting; fails with every problem at once. */
  public Settings settings() {
    return Settings.load(confFiles, sets);
  }
}
