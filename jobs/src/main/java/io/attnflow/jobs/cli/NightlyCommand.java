package io.attnflow.jobs.cli;

import io.attnflow.jobs.config.Settings;
import io.attnflow.jobs.nightly.NightlyJob;
import io.attnflow.jobs.spark.Sessions;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code attnflow nightly}: ingest, train when needed, score the day, verify. */
@Command(name = "nightly", mixinStandardHelpOptions = true,
    description = "The whole nightly run: ingest, train if no model exists (or nightly.retrain), score, verify.")
public final class NightlyCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Spec
  CommandSpec spec;

  @Mixin
  DayOption day;

  @Override
  public Integer call() {
    Settings settings = options.settings();
    String runId = RunIds.next("nightly");
    NightlyJob.NightlyResult r = NightlyJob.run(Sessions.create(settings.spark()), settings,
        day.or(settings.score().dt()), runId);
    PrintWriter out = spec.commandLine().getOut();
    out.println("nightly " + runId + ": ok");
    IngestCommand.print(r.ingest(), out);
    r.embedded().ifPresentOrElse(e -> EmbedCommand.print(e, out), () -> out.println("embed: skipped (nightly.embed = false)"));
    r.trained().ifPresentOrElse(t -> TrainCommand.print(t, out), () -> out.println("train: skipped (a model exists; nightly.retrain = false)"));
    ScoreCommand.print(r.score(), out);
    out.println();
    r.sample().forEach(out::println);
    out.println();
    out.println("Try it with DuckDB:");
    out.println("  SELECT user_id, rank, item_id, score, reasons FROM read_parquet('" + r.score().recommendationsPath()
        + "/*.parquet') WHERE user_id = '1' ORDER BY rank;");
    return 0;
  }
}
