package io.attnflow.bench;

import io.attnflow.core.model.AttentionModel;
import io.attnflow.core.model.AttentionNetwork;
import io.attnflow.core.model.ModelShape;
import io.attnflow.core.model.NetworkSpec;
import io.attnflow.core.model.UserHistory;
import io.attnflow.core.model.Vocabulary;
import io.attnflow.core.score.ItemBlock;
import io.attnflow.core.score.ScoringKernel;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Two-stage scoring's stage 1 ({@link ScoringKernel#retrieve}: a batch of B user vectors against the whole corpus of
 * n items in blocks, the top C unseen items of each user kept) and, on the very same shapes, the bare sgemm calls it
 * makes. {@link KernelBench} runs both and prints what stage 1 spends beyond its GEMM. The defaults are the score
 * job's (B = score.user-batch, blocks of score.item-block) at bench-scale's largest corpus, k = 128, C = 200.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--add-modules=jdk.incubator.vector"})
public class RetrievalBenchmark {
  @Param("128")
  public int k;
  @Param("128")
  public int users;
  @Param("100000")
  public int items;
  @Param("4096")
  public int block;
  @Param("200")
  public int shortlist;

  private ScoringKernel kernel;
  private List<UserHistory> batch;
  private int[][] seen;
  private ItemBlock[] blocks;
  private INDArray vectors;
  private INDArray[] out;

  @Setup
  public void setUp() {
    ModelShape shape = new ModelShape(items, k, k, 16, 50);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < items; i++) {
      ids.add(String.format("%07d", i));
    }
    AttentionModel model = AttentionModel.fromNetwork(AttentionNetwork.create(NetworkSpec.basic(shape), 1), shape,
        Vocabulary.of(ids));
    SplittableRandom random = new SplittableRandom(7);
    batch = new ArrayList<>();
    seen = new int[users][];
    for (int u = 0; u < users; u++) {
      int m = 5 + random.nextInt(46);
      int[] h = new int[m];
      float[] w = new float[m];
      for (int i = 0; i < m; i++) {
        h[i] = random.nextInt(items);
        w[i] = 1f;
      }
      batch.add(new UserHistory("u" + u, h, w));
      seen[u] = java.util.Arrays.stream(h).sorted().distinct().toArray();
    }
    int[] all = new int[items];
    java.util.Arrays.setAll(all, i -> i);
    blocks = ItemBlock.split(model, all, block);
    kernel = ScoringKernel.oneUserAtATime(model);
    kernel.retrieve(batch, seen, blocks, shortlist); // the batch's θ rows, computed once: stage 1 alone is measured
    vectors = Nd4j.rand(DataType.FLOAT, users, k);
    out = new INDArray[blocks.length];
    for (int b = 0; b < blocks.length; b++) {
      out[b] = Nd4j.createUninitialized(DataType.FLOAT, users, blocks[b].width());
    }
  }

  /** The GEMM alone: (B × k) · (n_b × k)ᵀ for every block b. */
  @Benchmark
  public INDArray[] sgemm() {
    for (int b = 0; b < blocks.length; b++) {
      Nd4j.gemm(vectors, blocks[b].phi(), out[b], false, true, 1.0, 0.0);
    }
    return out;
  }

  /** Stage 1: the same GEMMs, each user's unseen items offered to its shortlist. */
  @Benchmark
  public int[][] retrieve() {
    return kernel.retrieve(batch, seen, blocks, shortlist);
  }
}
