package io.attnflow.bench;

import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link KernelBenchmark} and prints the kernel's α evaluations per second as a share of the
 * GEMM bound measured in the same run: bound = sgemm FLOP/s ÷ 2k (one α costs one k-dot, 2k flops).
 * The target (DESIGN §8) is at least 50%, at the native thread count the jobs run with ({@code bin/bench-kernel}
 * sets it). Then (unless {@code --kernel-only}) {@link RetrievalBenchmark}: two-stage
 * scoring's stage 1 against its own GEMMs, as user-item pairs per second.
 */
public final class KernelBench {
  private KernelBench() {}

  public static void main(String[] args) throws RunnerException {
    OptionsBuilder builder = new OptionsBuilder();
    builder.include(KernelBenchmark.class.getName());
    boolean retrieval = !java.util.Arrays.asList(args).contains("--kernel-only");
    if (retrieval) {
      builder.include(RetrievalBenchmark.class.getName());
    }
    Collection<RunResult> all = new Runner(builder.build()).run();
    List<RunResult> results = all.stream()
        .filter(r -> r.getParams().getBenchmark().startsWith(KernelBenchmark.class.getName() + ".")).toList();
    double gemmMs = 0;
    double kernelMs = 0;
    int k = 64;
    int users = 32;
    int m = 50;
    int n = 4096;
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark();
      k = Integer.parseInt(r.getParams().getParam("k"));
      users = Integer.parseInt(r.getParams().getParam("users"));
      m = Integer.parseInt(r.getParams().getParam("m"));
      n = Integer.parseInt(r.getParams().getParam("block"));
      if (name.endsWith(".sgemm")) {
        gemmMs = r.getPrimaryResult().getScore();
      } else {
        kernelMs = r.getPrimaryResult().getScore();
      }
    }
    double alphas = (double) users * m * n;
    double gflops = 2.0 * k * alphas / (gemmMs * 1e6);
    double bound = alphas / (gemmMs / 1e3);
    double kernel = alphas / (kernelMs / 1e3);
    System.out.printf("%nkernel benchmark: B=%d users × m=%d history rows × n=%d candidates, k=%d%n", users, m, n, k);
    System.out.printf("  %-34s %12s%n", "measure", "value");
    String threads = System.getenv().getOrDefault("OMP_NUM_THREADS", "default");
    System.out.printf("  %-34s %12s%n", "native threads (OMP_NUM_THREADS)", threads);
    System.out.printf("  %-34s %12.2f%n", "sgemm ms per call", gemmMs);
    System.out.printf("  %-34s %12.1f%n", "sgemm GFLOP/s", gflops);
    System.out.printf("  %-34s %,12.0f%n", "GEMM bound α/s (FLOP/s ÷ 2k)", bound);
    System.out.printf("  %-34s %12.2f%n", "kernel ms per call", kernelMs);
    System.out.printf("  %-34s %,12.0f%n", "kernel α/s", kernel);
    System.out.printf("  %-34s %11.1f%%%n", "kernel / GEMM bound", 100 * kernel / bound);
    if (retrieval) {
      retrievalTable(all.stream()
          .filter(r -> r.getParams().getBenchmark().startsWith(RetrievalBenchmark.class.getName() + ".")).toList());
    }
  }

  /** Stage 1 of two-stage scoring against the sgemm calls it makes, as user-item pairs per second. */
  private static void retrievalTable(List<RunResult> results) {
    double gemmMs = 0;
    double stageMs = 0;
    BenchmarkParams p = results.get(0).getParams();
    for (RunResult r : results) {
      if (r.getParams().getBenchmark().endsWith(".sgemm")) {
        gemmMs = r.getPrimaryResult().getScore();
      } else {
        stageMs = r.getPrimaryResult().getScore();
      }
    }
    double pairs = Double.parseDouble(p.getParam("users")) * Double.parseDouble(p.getParam("items"));
    System.out.printf("%nstage 1 of two-stage scoring: B=%s users × n=%s items (blocks of %s), k=%s, top C=%s%n",
        p.getParam("users"), p.getParam("items"), p.getParam("block"), p.getParam("k"), p.getParam("shortlist"));
    System.out.printf("  %-34s %12s %14s%n", "measure", "ms per call", "pairs/s");
    System.out.printf("  %-34s %12.2f %,14.0f%n", "sgemm of the blocks", gemmMs, pairs / (gemmMs / 1e3));
    System.out.printf("  %-34s %12.2f %,14.0f%n", "stage 1 (GEMMs, then shortlists)", stageMs, pairs / (stageMs / 1e3));
    System.out.printf("  %-34s %11.1f%%%n", "beyond the GEMMs", 100 * (stageMs - gemmMs) / stageMs);
  }
}
