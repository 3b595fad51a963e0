package io.attnflow.jobs.cli;

import io.attnflow.jobs.config.Settings;
import io.attnflow.jobs.evaluate.EvaluateJob;
import io.attnflow.jobs.evaluate.EvaluateJob.EvaluateResult;
import io.attnflow.jobs.evaluate.EvaluateJob.Figure;
import io.attnflow.jobs.spark.Sessions;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code attnflow evaluate}: the model against baselines on its leave-one-out split. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Evaluate a model (model.version, default latest) against most-popular, item-kNN and ALS on the "
        + "leave-one-out split its training recorded, with sampled and full-ranking protocols.")
public final class EvaluateCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    Settings settings = options.settings();
    EvaluateResult r = EvaluateJob.run(Sessions.create(settings.spark()), settings.evaluate(), RunIds.next("evaluate"));
    print(r, spec.commandLine().getOut());
    return 0;
  }

  static void print(EvaluateResult r, PrintWriter out) {
    out.printf("evaluate %s: ok in %.0f s, model %s, %d held-out users, %d items%n", r.runId(), r.seconds(), r.modelVersion(),
        r.users(), r.items());
    out.println("  ALS grid, validation NDCG@" + EvaluateJob.SELECTION_K + " (full ranking): " + r.alsGrid());
    for (String protocol : List.of("sampled", "full", EvaluateJob.COLD_START, EvaluateJob.COLD_START_AMONG_NEW, "two_stage",
        EvaluateJob.IMPRESSIONS)) {
      List<Figure> figures = r.figures().stream().filter(f -> f.split().equals("test") && f.protocol().equals(protocol)).toList();
      if (figures.isEmpty()) {
        continue; // cold start: only when a target is new; impressions: only logs that have them
      }
      Map<String, Map<String, Double>> table = new LinkedHashMap<>();
      List<String> columns = new ArrayList<>();
      for (Figure f : figures) {
        String column = f.k() == null ? label(f.metric()) : label(f.metric()) + "@" + f.k();
        if (!columns.contains(column)) {
          columns.add(column);
        }
        table.computeIfAbsent(f.method() + (f.params().isEmpty() ? "" : " (" + f.params() + ")"), m -> new LinkedHashMap<>())
            .put(column, f.value());
      }
      out.printf("%n  test split, %s%n", switch (protocol) {
        case "sampled" -> "target among sampled negatives";
        case "full" -> "full ranking over unseen items";
        case EvaluateJob.COLD_START -> "item cold start: the " + figures.get(0).users() + " targets whose item no "
            + "fitted event had, full ranking";
        case EvaluateJob.COLD_START_AMONG_NEW -> "item cold start among new items: the same targets ranked among "
            + "the items no fitted event had";
        case "two_stage" -> "two-stage scoring (score.mode) against exhaustive, full ranking: shortlists of C candidates";
        default -> "the impressions of the held-out clicks (MIND's protocol): the clicked items among those shown, "
            + figures.get(0).users() + " impressions";
      });
      StringBuilder head = new StringBuilder(String.format("  %-30s", "method"));
      columns.forEach(c -> head.append(String.format(" %8s", c)));
      out.println(head);
      table.forEach((method, values) -> {
        StringBuilder line = new StringBuilder(String.format("  %-30s", method));
        columns.forEach(c -> line.append(String.format(" %8.4f", values.getOrDefault(c, Double.NaN))));
        out.println(line);
      });
    }
    out.println();
    out.println("  metrics: " + r.metricsPath());
    out.println("  report:  " + r.reportPath());
  }

  private static String label(String metric) {
    return switch (metric) {
      case "hr" -> "HR";
      case "ndcg" -> "NDCG";
      case "coverage" -> "Cov";
      case "mrr" -> "MRR";
      case "auc" -> "AUC";
      case "overlap" -> "Overlap";
      case "seconds" -> "Seconds";
      default -> metric;
    };
  }
}
