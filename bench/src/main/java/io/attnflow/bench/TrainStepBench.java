package io.attnflow.bench;

import io.attnflow.core.model.Aggregation;
import io.attnflow.core.model.AttentionNetwork;
import io.attnflow.core.model.AttentionVertex;
import io.attnflow.core.model.HistoryWeights;
import io.attnflow.core.model.ItemContent;
import io.attnflow.core.model.ModelShape;
import io.attnflow.core.model.NegativeSampler;
import io.attnflow.core.model.NetworkSpec;
import io.attnflow.core.model.TrainingLoss;
import io.attnflow.core.model.TrainingWindows;
import io.attnflow.core.model.UserSequence;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;

/**
 * The cost of one training step of the attention network, outside Spark: fits full synthetic windows
 * (random items of a vocabulary of the given size) on one network, one step at a time, and prints a
 * table per configuration: milliseconds a step (the median, and the mean), positions a second, and the
 * step's floating-point work as a share of the time (its GEMMs, forward and backward). What dl4j-spark adds
 * on top (a new network per averaging round, parameter averaging, moving the minibatches) is not in these
 * figures. With {@code --content c} the items also read random content vectors of length c (x = E + W_cᵀ c),
 * each configuration then measured with and without, and with {@code --id-dropout p} training drops that share of
 * ids.
 * {@code --passes} names the form of the step: {@code hand} (the default) is the whole step by hand ({@code StepPass}
 * with the {@code PoolHead} and the {@code EncoderPass}, no SameDiff); {@code head} leaves the pool part to the
 * hand-written {@code PoolHead} between SameDiff's forward and its gradient function (the step before session 33);
 * {@code one} runs the whole step in one SameDiff execution (the demo's step before session 33; training now uses
 * {@code hand} for every softmax step); {@code two} with DL4J's own vertex (the forward again inside the backward
 * pass); {@code both} measures {@code one} and {@code two}, {@code all} the four, one after the other in the same JVM,
 * twice over. {@code --encoder} names where the history encoder runs: {@code hand} (the default, the
 * {@code EncoderPass}), {@code samediff} (in the graph), or {@code both}, alternating, twice over, for every form.
 * {@code --embedding} names the item embedding table's updater: {@code lazy} (the default, as training's:
 * {@code LazyAdam}, only the rows a step touched), {@code dense} (Adam over every row), or {@code both}, alternating,
 * twice over. Use the data's vocabulary with {@code --items} (the demo's 9,724): the table's size is what dense Adam
 * costs.
 *
 * <pre>bin/bench-train-step [--items 3416] [--steps 30] [--warmup 20] [--content 64] [--id-dropout 0.3]
 *     [--passes hand|head|one|two|both|all] [--encoder hand|samediff|both] [--embedding lazy|dense|both]
 *     [batch/negatives pairs, e.g. 16/256 32/512]</pre>
 */
public final class TrainStepBench {
  private TrainStepBench() {}

  public static void main(String[] args) {
    int items = 3416;
    int steps = 30;
    int warmup = 20;
    int window = 50;
    int dim = 128;
    int blocks = 1;
    boolean profile = false;
    int contentDim = 0;
    double idDropout = 0;
    String passes = "hand";
    String encoder = "hand";
    String embedding = "lazy";
    List<int[]> configs = new ArrayList<>();
    for (int a = 0; a < args.length; a++) {
      switch (args[a]) {
        case "--items" -> items = Integer.parseInt(args[++a]);
        case "--steps" -> steps = Integer.parseInt(args[++a]);
        case "--warmup" -> warmup = Integer.parseInt(args[++a]);
        case "--blocks" -> blocks = Integer.parseInt(args[++a]);
        case "--profile" -> profile = true;
        case "--content" -> contentDim = Integer.parseInt(args[++a]);
        case "--id-dropout" -> idDropout = Double.parseDouble(args[++a]);
        case "--passes" -> passes = args[++a];
        case "--encoder" -> encoder = args[++a];
        case "--embedding" -> embedding = args[++a];
        default -> configs.add(Arrays.stream(args[a].split("/")).mapToInt(Integer::parseInt).toArray());
      }
    }
    if (configs.isEmpty()) {
      configs = List.of(new int[] {16, 256}, new int[] {32, 512});
    }
    List<String> forms = switch (passes) {
      case "hand", "head", "one", "two" -> List.of(passes);
      case "both" -> List.of("two", "one", "two", "one");
      case "all" -> List.of("two", "one", "head", "hand", "two", "one", "head", "hand");
      default -> throw new IllegalArgumentException("--passes takes hand, head, one, two, both or all, not " + passes);
    };
    List<String> encoders = switch (encoder) {
      case "hand", "samediff" -> List.of(encoder);
      case "both" -> List.of("samediff", "hand", "samediff", "hand");
      default -> throw new IllegalArgumentException("--encoder takes hand, samediff or both, not " + encoder);
    };
    List<Boolean> lazy = switch (embedding) {
      case "lazy", "dense" -> List.of(embedding.equals("lazy"));
      case "both" -> List.of(false, true, false, true);
      default -> throw new IllegalArgumentException("--embedding takes lazy, dense or both, not " + embedding);
    };
    System.out.printf("%-7s %-6s %-7s %-8s %-8s %-7s %-9s %-10s %9s %9s %12s %10s%n", "batch", "pool", "blocks",
        "content", "id drop", "passes", "encoder", "embedding", "ms/step", "mean ms", "positions/s", "GEMM GF/s");
    List<Integer> contents = contentDim > 0 ? List.of(0, contentDim) : List.of(0);
    for (int[] c : configs) {
      for (int reads : contents) {
        for (String form : forms) {
          for (String e : encoders) {
            for (boolean l : lazy) {
              measure(items, window, dim, blocks, c[0], c[1], reads, reads > 0 ? idDropout : 0, form, e, l, warmup,
                  steps, profile);
            }
          }
        }
      }
    }
  }

  /**
   * Prints one row: a new network of that configuration, warmed up over {@code warmup} steps (SameDiff's Java side takes
   * a few dozen to compile), then timed step by step over {@code steps}: the median step, and the mean.
   */
  private static void measure(int items, int window, int dim, int blocks, int batch, int pool, int reads, double drop,
      String form, String encoder, boolean lazy, int warmup, int steps, boolean profile) {
    NetworkSpec spec = new NetworkSpec(new ModelShape(items, dim, dim, 16, window, reads), window, pool / batch,
        Aggregation.INTEREST, TrainingLoss.SOFTMAX, 8, blocks, 0, drop, new HistoryWeights(Map.of("rating", 1.0), 0, 2, 0),
        0.005, 0, lazy);
    System.setProperty(AttentionVertex.TWO_PASSES, Boolean.toString(form.equals("two")));
    System.setProperty(AttentionVertex.POOL_PART, form.equals("hand") || form.equals("head") ? "hand" : "samediff");
    System.setProperty(AttentionVertex.STEP_PART, form.equals("head") ? "samediff" : "hand");
    System.setProperty(AttentionVertex.ENCODER_PART, encoder);
    ComputationGraph net = AttentionNetwork.create(spec, 42);
    List<MultiDataSet> batches = batches(items, window, batch, pool / batch, spec.weights(), 8, reads, drop);
    for (int s = 0; s < warmup; s++) {
      net.fit(batches.get(s % batches.size()));
    }
    if (profile) {
      Nd4j.getExecutioner().setProfilingMode(OpExecutioner.ProfilingMode.ALL);
      OpProfiler.getInstance().reset();
    }
    double[] each = new double[steps];
    for (int s = 0; s < steps; s++) {
      long t0 = System.nanoTime();
      net.fit(batches.get(s % batches.size()));
      each[s] = (System.nanoTime() - t0) / 1e6;
    }
    double mean = Arrays.stream(each).average().orElse(0);
    Arrays.sort(each);
    double ms = each[steps / 2];
    if (profile) {
      Nd4j.getExecutioner().setProfilingMode(OpExecutioner.ProfilingMode.DISABLED);
      OpProfiler.getInstance().printOutDashboard();
    }
    double positions = (double) batch * window;
    System.out.printf("%-7d %-6d %-7d %-8d %-8.2f %-7s %-9s %-10s %9.1f %9.1f %12.0f %10.1f%n", batch, pool, blocks,
        reads, drop, form, form.equals("two") ? "samediff" : encoder, lazy ? "lazy" : "dense", ms, mean,
        positions * 1000 / ms,
        gemmFlops(batch, window, pool, dim) / (ms * 1e6));
  }

  /**
   * The GEMM work a step needs (its forward once, its backward twice that): every history row's θ against the whole pool and
   * its u against its own window's share of it, both against the targets, the banded weighting, the projections.
   */
  static double gemmFlops(int batch, int window, int pool, int dim) {
    double rows = (double) batch * window;
    double forward = 2 * rows * pool * dim         // θ against the pooled φ
        + 2 * rows * (pool / batch) * dim          // u against its window's own negatives
        + 2 * rows * window * dim * 2              // against the window's own targets
        + 2 * batch * (double) window * window * pool // w × terms
        + 2 * (rows * 2 + pool) * dim * dim;       // θ, φ projections
    return 3 * forward;
  }

  private static List<MultiDataSet> batches(int items, int window, int batch, int negatives, HistoryWeights weights,
      int count, int contentDim, double idDropout) {
    SplittableRandom random = new SplittableRandom(7);
    ItemContent content = null;
    if (contentDim > 0) {
      float[] v = new float[items * contentDim];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (random.nextDouble() * 2 - 1);
      }
      content = new ItemContent(contentDim, v);
    }
    NegativeSampler sampler = NegativeSampler.uniform(items);
    List<MultiDataSet> out = new ArrayList<>();
    for (int b = 0; b < count; b++) {
      List<TrainingWindows.Window> windows = new ArrayList<>();
      while (windows.size() < batch) {
        int n = window + 1;
        int[] seq = random.ints(n, 1, items).toArray();
        long[] ts = new long[n];
        String[] events = new String[n];
        for (int i = 0; i < n; i++) {
          ts[i] = i * 1_000_000L;
          events[i] = "rating";
        }
        UserSequence user = new UserSequence("u" + b + "-" + windows.size(), seq, ts, events);
        windows.addAll(TrainingWindows.of(user, user.sortedItems(), window, weights, negatives, sampler, random));
      }
      out.add(TrainingWindows.batch(windows.subList(0, batch), content, idDropout, random));
    }
    return out;
  }
}
