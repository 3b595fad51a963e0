package io.attnflow.jobs.cli;

import io.attnflow.jobs.config.Settings;
import io.attnflow.jobs.spark.Sessions;
import io.attnflow.jobs.train.TrainJob;
import io.attnflow.jobs.train.TrainResult;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code attnflow train}: interactions/ to a new model version under models/. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train the attention model on the warehouse's interactions through dl4j-spark.")
public final class TrainCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    Settings settings = options.settings();
    TrainResult r = TrainJob.run(Sessions.create(settings.spark()), settings.train(),
        TrainJob.newVersion());
    print(r, spec.commandLine().getOut());
    return 0;
  }

  static void print(TrainResult r, PrintWriter out) {
    out.printf("train %s: ok in %.0f s; %s%n", r.version(), r.seconds(), r.promotion().reason());
    out.printf("  %-6s %9s %13s %14s %14s %15s %8s %12s%n", "epoch", "loss", "val HR@10", "val NDCG@10", "full HR@10",
        "full NDCG@10", "seconds", "positions/s");
    for (Map<String, Object> e : r.manifest().epochs()) {
      out.printf("  %-6s %9.4f %13.4f %14.4f %14.4f %15.4f %8.1f %12s%s%n", e.get("epoch"), e.get("loss"), e.get("val_hr10"),
          e.get("val_ndcg10"), e.get("val_full_hr10"), e.get("val_full_ndcg10"), e.get("seconds"),
          e.get("positions_per_second"), e.get("epoch").equals(r.manifest().bestEpoch()) ? "  <- kept" : "");
    }
    Map<String, Object> d = r.manifest().data();
    out.printf("  data: %s events, %s users, %s items (%s to %s)%n", d.get("events"), d.get("users"), d.get("items"),
        d.get("from"), d.get("to"));
    out.println("  model: " + r.manifest().shape());
  }
}
