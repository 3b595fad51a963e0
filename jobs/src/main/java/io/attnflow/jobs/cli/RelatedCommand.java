package io.attnflow.jobs.cli;

import io.attnflow.jobs.config.Settings;
import io.attnflow.jobs.related.RelatedJob;
import io.attnflow.jobs.spark.Sessions;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code attnflow related}: each item's most similar items to related/dt=…/. */
@Command(name = "related", mixinStandardHelpOptions = true,
    description = "Write each item's top-K related items (cosine or Euclidean, over content vectors or learned φ).")
public final class RelatedCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Mixin
  DayOption day;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    Settings settings = options.settings();
    RelatedJob.RelatedResult r = RelatedJob.run(Sessions.create(settings.spark()), settings.related(),
        day.or(settings.score().dt()), RunIds.next("related"));
    print(r, spec.commandLine().getOut());
    return 0;
  }

  static void print(RelatedJob.RelatedResult r, PrintWriter out) {
    out.printf("related %s: ok in %.1f s; %d items by %s (%s), %d rows; %d items without a vector have none%n",
        r.runId(), r.seconds(), r.items(), r.basis(), r.version(), r.rows(), r.withoutVector());
    out.println("  table: " + r.path());
  }
}
