package io.attnflow.jobs.cli;

import io.attnflow.jobs.config.Settings;
import io.attnflow.jobs.embed.EmbedJob;
import io.attnflow.jobs.embed.EmbedResult;
import io.attnflow.jobs.spark.Sessions;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code attnflow embed}: items/ to item_vectors/ (Word2Vec text vectors and supplied vectors). */
@Command(name = "embed", mixinStandardHelpOptions = true,
    description = "Turn item content into vectors: Word2Vec over the text fields, combined with supplied vectors.")
public final class EmbedCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    Settings settings = options.settings();
    EmbedResult r = EmbedJob.run(Sessions.create(settings.spark()), settings.embed(), RunIds.next("embed"));
    print(r, spec.commandLine().getOut());
    return 0;
  }

  static void print(EmbedResult r, PrintWriter out) {
    out.printf("embed %s: ok; Word2Vec %s (%s, %d words × %d), supplied vectors of %d values%n", r.runId(), r.version(),
        r.fitted() ? "fitted" : "reused", r.vocabulary(), r.textDimension(), r.vectorDimension());
    out.printf("  %-12s %10d  %s%n", "items", r.items(), r.balanced() ? "balanced (every item in one class below)" : "NOT BALANCED");
    r.byContent().forEach((kind, n) -> out.printf("  %-12s %10d%n", kind, n));
    r.rejectedVectors().forEach((reason, n) -> out.printf("  rejected vectors, %s: %d (their items keep their text vector)%n",
        reason, n));
    out.printf("  seconds: %s%n", r.seconds().entrySet().stream()
        .map(e -> String.format(java.util.Locale.ROOT, "%s %.1f", e.getKey(), e.getValue())).toList());
    out.println("  item_vectors: " + r.itemVectorsPath());
    out.println("  report: " + r.reportPath());
  }
}
