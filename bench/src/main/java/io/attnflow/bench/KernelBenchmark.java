package io.attnflow.bench;

import io.attnflow.core.model.AttentionModel;
import io.attnflow.core.model.AttentionNetwork;
import io.attnflow.core.model.NetworkSpec;
import io.attnflow.core.model.ModelShape;
import io.attnflow.core.model.UserHistory;
import io.attnflow.core.model.Vocabulary;
import io.attnflow.core.score.ItemBlock;
import io.attnflow.core.score.ScoringKernel;
import io.attnflow.core.score.TopK;
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
 * One kernel call (a batch of B users with m history items each, against a block of n candidates,
 * k = 64) and, on the very same shapes, the bare sgemm it starts with. {@link KernelBench} runs
 * both in one JMH run and turns them into α/s against the GEMM bound (sgemm FLOP/s ÷ 2k).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--add-modules=jdk.incubator.vector"})
public class KernelBenchmark {
  @Param("64")
  public int k;
  @Param("32")
  public int users;
  @Param("50")
  public int m;
  @Param("4096")
  public int block;

  private ScoringKernel kernel;
  private List<UserHistory> batch;
  private int[][] seen;
  private ItemBlock items;
  private INDArray a;
  private INDArray b;
  private INDArray c;

  @Setup
  public void setUp() {
    int n = block;
    ModelShape shape = new ModelShape(n, k, k, 16, m);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(String.format("%06d", i));
    }
    AttentionModel model = AttentionModel.fromNetwork(AttentionNetwork.create(NetworkSpec.basic(shape), 1), shape, Vocabulary.of(ids));
    SplittableRandom random = new SplittableRandom(7);
    batch = new ArrayList<>();
    for (int u = 0; u < users; u++) {
      int[] h = new int[m];
      float[] w = new float[m];
      for (int i = 0; i < m; i++) {
        h[i] = random.nextInt(n);
        w[i] = 1f;
      }
      batch.add(new UserHistory("u" + u, h, w));
    }
    seen = new int[users][0];
    int[] all = new int[n];
    java.util.Arrays.setAll(all, i -> i);
    items = ItemBlock.of(model, all);
    kernel = new ScoringKernel(model);
    a = Nd4j.rand(DataType.FLOAT, users * m, k);
    b = Nd4j.rand(DataType.FLOAT, n, k);
    c = Nd4j.createUninitialized(DataType.FLOAT, users * m, n);
  }

  /** The GEMM alone: (B·m × k) · (n × k)ᵀ into a pre-allocated C-order output. */
  @Benchmark
  public INDArray sgemm() {
    return Nd4j.gemm(a, b, c, false, true, 1.0, 0.0);
  }

  /** The kernel: the same GEMM, then σ, the weighted reduction and a top-10 heap per user. */
  @Benchmark
  public TopK[] kernel() {
    TopK[] heaps = new TopK[users];
    for (int u = 0; u < users; u++) {
      heaps[u] = new TopK(10);
    }
    kernel.score(batch, seen, items, heaps);
    return heaps;
  }
}
