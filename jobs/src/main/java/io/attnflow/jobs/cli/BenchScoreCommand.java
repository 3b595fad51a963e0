package io.attnflow.jobs.cli;

import io.attnflow.jobs.bench.ScoreBenchmark;
import io.attnflow.jobs.config.Settings;
import io.attnflow.jobs.spark.Sessions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code attnflow bench-score}: the scoring job against ALS recommendForAllUsers, one run, one table. */
@Command(name = "bench-score", mixinStandardHelpOptions = true,
    description = "Benchmark the scoring job against Spark ML ALS recommendForAllUsers on MovieLens 1M's shape.")
public final class BenchScoreCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Spec
  CommandSpec spec;

  @Option(names = "--pairs", paramLabel = "FILE",
      description = "user<TAB>item pairs, e.g. MovieLens 1M's ratings_pairs.tsv (default: generate the same shape)")
  Path pairs;

  @Option(names = "--rank", description = "k, the rank of both models (default 64)")
  int rank = 64;

  @Override
  public Integer call() throws Exception {
    Settings settings = options.settings();
    Path work = Files.createTempDirectory("attnflow-bench-");
    for (String line : ScoreBenchmark.run(Sessions.create(settings.spark()), pairs, work, rank, 50, 10, 42)) {
      spec.commandLine().getOut().println(line);
    }
    return 0;
  }
}
