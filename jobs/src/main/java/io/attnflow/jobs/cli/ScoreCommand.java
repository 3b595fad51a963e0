package io.attnflow.jobs.cli;

import io.attnflow.jobs.config.ScoreSettings;
import io.attnflow.jobs.config.Settings;
import io.attnflow.jobs.score.ScoreJob;
import io.attnflow.jobs.score.ScoreResult;
import io.attnflow.jobs.spark.Sessions;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code attnflow score --dt YYYY-MM-DD}: every user's top-K with explanations, for one day. */
@Command(name = "score", mixinStandardHelpOptions = true,
    description = "Score every user with the model and write recommendations/ and attention/ for one day.")
public final class ScoreCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Spec
  CommandSpec spec;

  @Mixin
  DayOption day;

  @Override
  public Integer call() {
    Settings settings = options.settings();
    ScoreSettings s = settings.score().withDt(day.or(settings.score().dt()));
    ScoreResult r = ScoreJob.run(Sessions.create(settings.spark()), s, RunIds.next("score"));
    print(r, spec.commandLine().getOut());
    return 0;
  }

  static void print(ScoreResult r, PrintWriter out) {
    out.printf("score %s: ok, dt=%s, model %s (%s mode, %s)%n", r.runId(), r.dt(), r.modelVersion(), r.mode(),
        r.ranking().replace('_', '-'));
    out.printf("  users scored: %d (%d by attention, %d popularity fallback)%n", r.users(), r.users() - r.fallbackUsers(),
        r.fallbackUsers());
    out.printf("  new items: %d, %d placed by content %s%n", r.newItems().get("new_items"), r.newItems().get("placed"),
        r.newItems());
    out.printf("  rows written: %d recommendations, %d attention%n", r.recommendationRows(), r.attentionRows());
    out.printf("  α evaluated: %,d in %.1f s (%,.0f α/s); total %.1f s%n", r.alphas(), r.seconds().get("score"),
        r.alphasPerSecond(), r.seconds().get("total"));
    out.println("  recommendations: " + r.recommendationsPath());
    out.println("  attention:       " + r.attentionPath());
    out.println("  run manifest:    " + r.reportPath());
  }
}
