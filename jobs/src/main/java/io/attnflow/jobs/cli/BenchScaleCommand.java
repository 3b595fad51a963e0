package io.attnflow.jobs.cli;

import io.attnflow.jobs.bench.ExecutorPeaks;
import io.attnflow.jobs.bench.ScaleBenchmark;
import io.attnflow.jobs.bench.ScaleBenchmark.Measurement;
import io.attnflow.jobs.config.Settings;
import io.attnflow.jobs.config.SparkSettings;
import io.attnflow.jobs.spark.Sessions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attnflow bench-scale}: the score job on synthetic warehouses ({@link ScaleBenchmark}), one size and mode,
 * or the whole table: users ∈ {10k, 100k, 1M} × items ∈ {10k, 100k}, two-stage always, exhaustive where its
 * time, extrapolated from the smaller sizes' α/s, stays within {@code --time-limit-minutes}.
 */
@Command(name = "bench-scale", mixinStandardHelpOptions = true,
    description = "Benchmark scoring on generated warehouses: one size (--users, --items, --mode) or the table over "
        + "users {10k, 100k, 1M} x items {10k, 100k}.")
public final class BenchScaleCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Spec
  CommandSpec spec;

  @Option(names = "--users", description = "users of one run (with --items)")
  Long users;

  @Option(names = "--items", description = "items of one run (with --users)")
  Integer items;

  @Option(names = "--mode", description = "exhaustive or two-stage (one run; default: both)")
  String mode;

  @Option(names = "--work", paramLabel = "DIR", description = "where the generated warehouses go (default: a temporary folder)")
  Path work;

  @Option(names = "--time-limit-minutes", description = "skip exhaustive runs expected to take longer (default 15)")
  double limitMinutes = 15;

  @Option(names = "--seed", description = "the generator's and the model's seed (default 42)")
  long seed = 42;

  @Override
  public Integer call() throws Exception {
    if ((users == null) != (items == null)) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--users and --items go together");
    }
    if (mode != null && !List.of("exhaustive", "two-stage").contains(mode)) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--mode must be exhaustive or two-stage, not " + mode);
    }
    Settings settings = options.settings();
    SparkSettings sparkSettings = settings.spark();
    Map<String, String> properties = new HashMap<>(ExecutorPeaks.PROPERTIES);
    properties.putAll(sparkSettings.properties());
    SparkSession spark = Sessions.create(new SparkSettings(sparkSettings.master(), sparkSettings.appName(), properties));
    Path root = work != null ? work : Files.createTempDirectory("attnflow-bench-scale-");
    PrintWriter out = spec.commandLine().getOut();
    List<String> modes = mode != null ? List.of(mode) : List.of("two-stage", "exhaustive");
    List<long[]> sizes = new ArrayList<>();
    if (users != null) {
      sizes.add(new long[] {users, items});
    } else {
      for (long u : new long[] {10_000, 100_000, 1_000_000}) {
        for (long i : new long[] {10_000, 100_000}) {
          sizes.add(new long[] {u, i});
        }
      }
    }
    List<Measurement> runs = new ArrayList<>();
    for (long[] size : sizes) {
      String wh = root.resolve("users-" + size[0] + "-items-" + size[1]).toString();
      long t = System.nanoTime();
      long events = ScaleBenchmark.generate(spark, wh, size[0], (int) size[1], seed);
      ScaleBenchmark.untrainedModel(spark, wh, (int) size[1], seed);
      out.printf(Locale.ROOT, "generated %,d users × %,d items: %,d events in %.0f s (%s)%n", size[0], size[1], events,
          (System.nanoTime() - t) / 1e9, wh);
      for (String m : modes) {
        double expected = expectedExhaustiveSeconds(runs, size[0], size[1], events);
        if (m.equals("exhaustive") && users == null && expected > limitMinutes * 60) {
          out.printf(Locale.ROOT, "  exhaustive skipped: about %.0f min expected at the α/s measured so far%n", expected / 60);
          continue;
        }
        runs.add(ScaleBenchmark.score(spark, wh, m, size[0], (int) size[1]));
        out.println("  " + ScaleBenchmark.table(runs.subList(runs.size() - 1, runs.size())).get(1));
      }
    }
    out.println();
    ScaleBenchmark.table(runs).forEach(out::println);
    out.println(ScaleBenchmark.linearFit(runs));
    return 0;
  }

  /** The score stage's seconds an exhaustive run would take, at the α/s of the largest exhaustive run so far (0: none yet). */
  private static double expectedExhaustiveSeconds(List<Measurement> runs, long users, long items, long events) {
    return runs.stream().filter(r -> r.ranking().equals("exhaustive")).reduce((a, b) -> b)
        .map(r -> Math.min(events, users * 50.0) * items / r.alphasPerSecond()).orElse(0.0);
  }
}
