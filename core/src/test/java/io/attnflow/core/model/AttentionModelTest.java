package io.attnflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** One model, two evaluators: DL4J's output() and the fast scorer agree (DESIGN §3). */
class AttentionModelTest {
  private static Vocabulary vocabulary(int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(String.format("i%03d", i));
    }
    return Vocabulary.of(ids);
  }

  private static void set(ComputationGraph net, String param, INDArray value) {
    net.paramTable().get(param).assign(value); // a view of the network's parameters
  }

  @ParameterizedTest
  @EnumSource(Aggregation.class)
  void handDerivedScores(Aggregation aggregation) {
    // d = k = pool = 1, two items, m = 2. E = [1, 2], W_θ = 0.5, W_φ = 1, b = 0, W_a = 1, b_a = 0, v = 1, b_p = 0.
    ModelShape shape = new ModelShape(2, 1, 1, 1, 2);
    ComputationGraph net = AttentionNetwork.create(shape, aggregation, 1, 0.01, 0, 1);
    set(net, "embed_W", Nd4j.createFromArray(new float[][] {{1}, {2}}));
    set(net, "attention_Wt", Nd4j.createFromArray(new float[][] {{0.5f}}));
    set(net, "attention_Wp", Nd4j.createFromArray(new float[][] {{1}}));
    set(net, "attention_Wa", Nd4j.createFromArray(new float[][] {{1}}));
    set(net, "attention_v", Nd4j.createFromArray(new float[][] {{1}}));
    for (String bias : List.of("attention_b", "attention_ba", "attention_bp")) {
      set(net, bias, Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 1));
    }
    AttentionModel model = AttentionModel.fromNetwork(net, shape, vocabulary(2));
    UserHistory h = new UserHistory("u", new int[] {0, 1}, new float[] {1, 3});

    // θ = (0.5, 1), φ_1 = 2: α_0 = σ(0.5·2) = σ(1) = 0.731059, α_1 = σ(1·2) = σ(2) = 0.880797
    assertThat(model.alphas(h, 1)).containsExactly(new float[] {0.731059f, 0.880797f}, within(1e-6f));
    // mean: s = (1·0.731059 + 3·0.880797) / (1 + 3) = 0.843362
    // interest: θᵀφ_1 = (1, 2), s = σ((1·0.731059·1 + 3·0.880797·2) / 4) = σ(1.503960) = 0.818164
    float expected = aggregation == Aggregation.MEAN ? 0.843362f : 0.818164f;
    assertThat(model.score(h, 1)).isCloseTo(expected, within(1e-6f));
    // e = tanh(x): (0.761594, 0.964028); a ∝ w·exp(e) = (2.141744, 7.866571) → (0.213989, 0.786011)
    // u = 0.213989·0.5 + 0.786011·1 = 0.893005; p = σ(u·φ_1) = σ(1.786011) = 0.856438
    assertThat(model.userVector(h)).containsExactly(new float[] {0.893005f}, within(1e-6f));
    assertThat(model.pooledScore(model.userVector(h), 1)).isCloseTo(0.856438f, within(1e-6f));

    INDArray out = net.output(AttentionNetwork.batch(new int[][] {{0, 1}}, new float[][] {{1, 3}}, new int[][] {{1}},
        new float[][] {{1}}).getFeatures())[0];
    assertThat(out.getFloat(0, 0)).isCloseTo(expected, within(1e-5f));
    assertThat(out.getFloat(0, 1)).isCloseTo(0.856438f, within(1e-5f));
  }

  @ParameterizedTest
  @EnumSource(Aggregation.class)
  void fastScorerMatchesDl4jOutputWithin1e4(Aggregation aggregation) {
    ModelShape shape = new ModelShape(60, 16, 8, 6, 7);
    int c = 3;
    ComputationGraph net = AttentionNetwork.create(shape, aggregation, c, 0.05, 0, 11);
    SplittableRandom random = new SplittableRandom(5);
    int b = 32;
    int[][] hist = new int[b][shape.history()];
    float[][] w = new float[b][shape.history()];
    int[][] cand = new int[b][c];
    float[][] labels = new float[b][c];
    List<UserHistory> users = new ArrayList<>();
    for (int r = 0; r < b; r++) {
      int len = 1 + random.nextInt(shape.history());
      int[] items = new int[len];
      float[] weights = new float[len];
      for (int i = 0; i < len; i++) {
        items[i] = random.nextInt(shape.items());
        weights[i] = (float) (0.1 + random.nextDouble());
        hist[r][i] = items[i];
        w[r][i] = weights[i];
      }
      for (int j = 0; j < c; j++) {
        cand[r][j] = random.nextInt(shape.items());
        labels[r][j] = random.nextInt(2);
      }
      users.add(new UserHistory("u" + r, items, weights));
    }
    var batch = AttentionNetwork.batch(hist, w, cand, labels);
    for (int step = 0; step < 30; step++) {
      net.fit(batch); // move the parameters away from their initial values
    }
    INDArray out = net.output(batch.getFeatures())[0]; // [B, 2C]: C attention scores, then C pooled scores
    AttentionModel model = AttentionModel.fromNetwork(net, shape, vocabulary(shape.items()));
    for (int r = 0; r < b; r++) {
      UserHistory h = users.get(r);
      float[] all = model.rankingScores(List.of(h), cand[r]); // one GEMM for the row's candidates
      for (int j = 0; j < c; j++) {
        assertThat(model.score(h, cand[r][j])).isCloseTo(out.getFloat(r, j), within(1e-4f));
        assertThat(aggregation.score(all[j])).isCloseTo(out.getFloat(r, j), within(1e-4f));
        assertThat(model.pooledScore(model.userVector(h), cand[r][j])).isCloseTo(out.getFloat(r, c + j), within(1e-4f));
      }
    }
    // and the batched GEMM path equals the straightforward one for every user × candidate pair
    int[] pool = new int[shape.items()];
    java.util.Arrays.setAll(pool, i -> i);
    float[] every = model.rankingScores(users, pool);
    for (int u = 0; u < b; u++) {
      for (int j = 0; j < pool.length; j++) {
        assertThat(every[u * pool.length + j]).isCloseTo(model.rankingScore(users.get(u), j), within(1e-5f));
      }
    }
  }
}
