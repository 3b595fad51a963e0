package io.attnflow.jobs.cli;

import io.attnflow.jobs.config.Settings;
import io.attnflow.jobs.ingest.IngestJob;
import io.attnflow.jobs.ingest.IngestResult;
import io.attnflow.jobs.ingest.InputAccount;
import io.attnflow.jobs.spark.Sessions;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code attnflow ingest}: input files to the warehouse's interactions/, items/ and rejects/. */
@Command(name = "ingest", mixinStandardHelpOptions = true,
    description = "Read the configured inputs into the warehouse, accounting for every row.")
public final class IngestCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    Settings settings = options.settings();
    settings.ingest().requireInputs();
    SparkSession spark = Sessions.create(settings.spark());
    IngestResult result = IngestJob.run(spark, settings.ingest(), RunIds.next("ingest"));
    print(result, spec.commandLine().getOut());
    return 0;
  }

  static void print(IngestResult r, PrintWriter out) {
    out.println("ingest " + r.runId() + ": ok");
    out.printf("  %-13s %10s %10s %10s  %s%n", "input", "read", "accepted", "rejected", "balanced");
    for (InputAccount a : r.accounts()) {
      out.printf("  %-13s %10d %10d %10d  %s%n", a.input(), a.read(), a.accepted(), a.rejected(),
          a.balanced() ? "yes (read = accepted + rejected)" : "NO");
      a.rejectedByReason().forEach((reason, n) -> out.printf("  %13s %-22s %d%n", "", reason, n));
      a.droppedByReason().forEach((reason, n) -> out.printf("  %13s %-22s %d (accepted, an optional field left null)%n", "",
          reason, n));
    }
    out.println("  report: " + r.reportPath());
  }
}
