package io.attnflow.jobs;

import io.attnflow.core.model.ModelException;
import io.attnflow.jobs.cli.BenchScaleCommand;
import io.attnflow.jobs.cli.BenchScoreCommand;
import io.attnflow.jobs.cli.EmbedCommand;
import io.attnflow.jobs.cli.EvaluateCommand;
import io.attnflow.jobs.cli.IngestCommand;
import io.attnflow.jobs.cli.NightlyCommand;
import io.attnflow.jobs.cli.RelatedCommand;
import io.attnflow.jobs.cli.ScoreCommand;
import io.attnflow.jobs.cli.TrainCommand;
import io.attnflow.jobs.config.ConfigProblems;
import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The entry point: {@code attnflow <job> [--conf FILE]... [--set key=value]...}. Exit codes are a
 * contract with schedulers ({@link ExitCode}): 0 ok, 2 bad usage or configuration, 3 bad input,
 * 4 model problem, 5 another run holds the day, 1 anything else. Errors go to stderr, the run summary to stdout.
 */
@Command(name = "attnflow", mixinStandardHelpOptions = true, version = "attnflow 0.1.0",
    description = "Nightly attention-based ranking on Apache Spark.",
    subcommands = {IngestCommand.class, EmbedCommand.class, TrainCommand.class, ScoreCommand.class, EvaluateCommand.class,
        NightlyCommand.class, RelatedCommand.class, BenchScoreCommand.class, BenchScaleCommand.class, CommandLine.HelpCommand.class})
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // Libraries print debug noise to System.out (SameDiff: "Added differentiated op ..."); keep
    // stdout for the run summary, written through picocli's out, and send the rest to stderr.
    PrintStream stdout = System.out;
    System.setOut(System.err);
    System.exit(run(new PrintWriter(stdout, true), args));
  }

  /** Runs a command line and returns its exit code; never exits. */
  public static int run(String... args) {
    return run(new PrintWriter(System.out, true), args);
  }

  /** Runs a command line, its summary going to {@code out}; returns the exit code. */
  public static int run(PrintWriter out, String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(out);
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
    if (e instanceof ModelException) {
      return ExitCode.MODEL_PROBLEM;
    }
    if (e instanceof RunConflictException) {
      return ExitCode.RUN_CONFLICT;
    }
    return ExitCode.FAILURE;
  }
}
