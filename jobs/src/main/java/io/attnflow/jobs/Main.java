package io.attnflow.jobs;

import io.attnflow.jobs.cli.IngestCommand;
import io.attnflow.jobs.config.ConfigProblems;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The entry point: {@code attnflow <job> [--conf FILE]... [--set key=value]...}. Exit codes are a
 * contract with schedulers ({@link ExitCode}): 0 ok, 2 bad usage or configuration, 3 bad input,
 * 4 model problem, 1 anything else. Errors go to stderr, the run summary to stdout.
 */
@Command(name = "attnflow", mixinStandardHelpOptions = true, version = "attnflow 0.1.0",
    description = "Nightly attention-based ranking on Apache Spark.",
    subcommands = {IngestCommand.class, CommandLine.HelpCommand.class})
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command line and returns its exit code; never exits. */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      ExitCode code = exitCode(e);
      cmd.getErr().println(code == ExitCode.FAILURE ? "Failed: " + e : e.getMessage());
      if (code == ExitCode.FAILURE) {
        e.printStackTrace(cmd.getErr());
      }
      return code.code();
    });
    cli.setExitCodeExceptionMapper(e -> exitCode(e).code());
    return cli.execute(args);
  }

  static ExitCode exitCode(Throwable e) {
    if (e instanceof ConfigProblems || e instanceof CommandLine.ParameterException) {
      return ExitCode.BAD_USAGE_OR_CONFIG;
    }
    if (e instanceof BadInputException) {
      return ExitCode.BAD_INPUT;
    }
    return ExitCode.FAILURE;
  }
}
