package io.attnflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.attnflow.core.score.ItemBlock;
import io.attnflow.core.score.ScoringKernel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner.ProfilingMode;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;

/**
 * One model, two evaluators (DESIGN §3): DL4J's output() of the sequence-level network, position by
 * position, equals the per-example scores (the model's straightforward ones and the scoring
 * kernel's, for the history that scoring forms), and the sequence-level loss equals the per-example
 * loss summed over the window's positions.
 */
class AttentionModelTest {
  private static final HistoryWeights WEIGHTS = new HistoryWeights(Map.of("click", 1.0, "view", 0.5), 3, 2, 0.1);

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
    // d = k = pool = 1, two items, m = 2, τ = 2. E = [1, 2], W_θ = 0.5, W_φ = 1, b = 0, W_a = 1, b_a = 0, v = 1, b_p = 0.
    ModelShape shape = new ModelShape(2, 1, 1, 1, 2);
    NetworkSpec spec = new NetworkSpec(shape, 2, 1, aggregation, TrainingLoss.SOFTMAX, 2, 0, 0, 0, WEIGHTS, 0.01, 0);
    ComputationGraph net = AttentionNetwork.create(spec, 1);
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

    // θ = (0.5, 1), φ_1 = 2, ℓ = (1, 2): α_0 = σ(1/2) = 0.622459, α_1 = σ(2/2) = 0.731059
    assertThat(model.alphas(h, 1)).containsExactly(new float[] {0.622459f, 0.731059f}, within(1e-6f));
    // mean: s = (1·0.622459 + 3·0.731059) / (1 + 3) = 0.703909
    // interest: s = σ((1·0.622459·1 + 3·0.731059·2) / 4) = σ(1.252203) = 0.777681
    float expected = aggregation == Aggregation.MEAN ? 0.703909f : 0.777681f;
    assertThat(model.score(h, 1)).isCloseTo(expected, within(1e-6f));
    // e = tanh(x): (0.761594, 0.964028); a ∝ w·exp(e) = (2.141744, 7.866571) → (0.213989, 0.786011)
    // u = 0.213989·0.5 + 0.786011·1 = 0.893005; p = σ(u·φ_1) = σ(1.786011) = 0.856438
    assertThat(model.userVector(h)).containsExactly(new float[] {0.893005f}, within(1e-6f));
    assertThat(model.pooledScore(model.userVector(h), 1)).isCloseTo(0.856438f, within(1e-6f));
  }

  /** A user's sequence of 15 events over several days, clicks and views mixed, on 30 items. */
  private static UserSequence sequence(SplittableRandom random, int items) {
    int n = 15;
    int[] it = new int[n];
    long[] ts = new long[n];
    String[] ev = new String[n];
    long t = 1_600_000_000_000_000L;
    for (int p = 0; p < n; p++) {
      it[p] = random.nextInt(items);
      t += (long) (random.nextDouble() * 2 * 86_400e6);
      ts[p] = t;
      ev[p] = random.nextBoolean() ? "click" : "view";
    }
    return new UserSequence("u", it, ts, ev);
  }

  /** The events of positions [from, to) as a sequence of their own. */
  private static UserSequence slice(UserSequence s, int from, int to) {
    return new UserSequence(s.userId(), Arrays.copyOfRange(s.items(), from, to), Arrays.copyOfRange(s.ts(), from, to),
        Arrays.copyOfRange(s.events(), from, to));
  }

  @ParameterizedTest
  @EnumSource(TrainingLoss.class)
  void sequenceLevelTrainingEqualsThePerExampleFormulation(TrainingLoss loss) {
    // L = 6 positions a window, histories of at most m = 4, M = 5 negatives a window (a pool of 15), τ = 3
    ModelShape shape = new ModelShape(30, 8, 6, 4, 4);
    NetworkSpec spec = new NetworkSpec(shape, 6, 5, Aggregation.INTEREST, loss, 3, 0, 0, 0, WEIGHTS, 0.05, 0);
    ComputationGraph net = AttentionNetwork.create(spec, 11);
    SplittableRandom random = new SplittableRandom(5);
    UserSequence s = sequence(random, shape.items());
    List<TrainingWindows.Window> windows = TrainingWindows.of(s, new int[0], spec.window(), WEIGHTS, spec.negatives(),
        NegativeSampler.uniform(shape.items()), random);
    assertThat(windows).hasSize(3); // windows ending at positions 14, 8 and 2
    MultiDataSet batch = TrainingWindows.batch(windows);
    for (int step = 0; step < 5; step++) {
      net.fit(batch); // move the parameters away from their initial values, not so far that the loss vanishes
    }
    AttentionModel model = AttentionModel.fromNetwork(net, shape, vocabulary(shape.items()));
    INDArray losses = net.output(batch.getFeatures())[0];                                            // [B, 1]
    INDArray scores = AttentionNetwork.scoring(net, spec.negatives()).output(batch.getFeatures())[0]; // [B, 2·L·(1+N)]
    ScoringKernel kernel = new ScoringKernel(model);

    int l = spec.window();
    int[] pool = windows.stream().flatMapToInt(w -> Arrays.stream(w.negatives())).toArray();
    int c = 1 + pool.length;
    int counted = 0;
    for (int w = 0; w < windows.size(); w++) {
      TrainingWindows.Window window = windows.get(w);
      int end = s.length() - 1 - w * l;
      int first = end - l;
      double expectedLoss = 0;
      for (int t = 0; t < l; t++) {
        int p = first + t + 1; // the predicted position
        if (window.counted()[t] == 0) {
          assertThat(p).as("only a sequence's first event goes unpredicted").isLessThanOrEqualTo(0);
          continue;
        }
        counted++;
        // per example: the history before p as scoring forms it, from the window's events
        UserHistory h = slice(s, Math.max(0, first), s.length()).historyBefore(p - Math.max(0, first), shape.history(),
            WEIGHTS, s.ts()[p]);
        int[] candidates = new int[c];
        candidates[0] = s.items()[p];
        System.arraycopy(pool, 0, candidates, 1, pool.length);
        double[] z = new double[c];
        double[] pooled = new double[c];
        int[] sorted = java.util.stream.IntStream.of(candidates).sorted().distinct().toArray();
        float[] fast = new float[sorted.length]; // the scoring kernel's, for the same history
        kernel.rankingScores(List.of(h), ItemBlock.of(model, sorted), fast);
        for (int j = 0; j < c; j++) {
          z[j] = model.rankingScore(h, candidates[j]);
          pooled[j] = scores.getDouble(w, l * c + t * c + j);
          assertThat(scores.getDouble(w, t * c + j)).as("z window %d position %d candidate %d", w, t, j)
              .isCloseTo(z[j], within(1e-4 * Math.max(1, Math.abs(z[j]))))
              .isCloseTo(fast[Arrays.binarySearch(sorted, candidates[j])], within(1e-4 * Math.max(1, Math.abs(z[j]))));
          assertThat(1 / (1 + Math.exp(-pooled[j]))).as("σ(p) window %d position %d candidate %d", w, t, j)
              .isCloseTo(model.pooledScore(model.userVector(h), candidates[j]), within(1e-4));
        }
        // the pooled negatives that are the window's own items (its history items and counted targets) leave its loss
        for (int j = 1; j < c; j++) {
          for (int slot = 0; slot <= l; slot++) {
            boolean own = slot < l && window.events()[slot] != 0 || slot > 0 && window.counted()[slot - 1] != 0;
            if (own && window.items()[slot] == candidates[j]) {
              z[j] = PoolHead.LEFT_OUT;
            }
          }
        }
        // the pooled head trains against its window's own negatives (the pool's w-th run of M)
        double[] ownPooled = new double[1 + spec.negatives()];
        ownPooled[0] = pooled[0];
        System.arraycopy(pooled, 1 + w * spec.negatives(), ownPooled, 1, spec.negatives());
        expectedLoss += positionLoss(loss, z) + positionLoss(loss, ownPooled);
      }
      assertThat(losses.getDouble(w, 0)).as("loss of window %d", w).isGreaterThan(0.1)
          .isCloseTo(expectedLoss, within(1e-4 * Math.max(1, expectedLoss)));
    }
    assertThat(counted).isEqualTo(s.length() - 1);
  }

  @ParameterizedTest(name = "{0} context blocks")
  @org.junit.jupiter.params.provider.ValueSource(ints = {0, 2})
  void aScoringWindowGivesAUsersScoresAsOfATime(int contextBlocks) {
    ModelShape shape = new ModelShape(30, 8, 6, 4, 5);
    NetworkSpec spec = new NetworkSpec(shape, 5, 2, Aggregation.INTEREST, TrainingLoss.SOFTMAX, 3, contextBlocks, 0, 0, WEIGHTS,
        0.05, 0);
    ComputationGraph net = AttentionNetwork.create(spec, 3);
    net.paramTable().get("embed_W").muli(10); // spread the scores
    AttentionModel model = AttentionModel.fromNetwork(net, shape, vocabulary(shape.items()));
    assertThat(model.contextAware()).isEqualTo(contextBlocks > 0);
    UserSequence full = sequence(new SplittableRandom(9), shape.items());
    int[] candidates = {3, 17, 25, 8};
    // a history that fills the window, and one of 3 items that leaves two slots of padding
    for (UserSequence s : List.of(full, slice(full, 0, 3))) {
      long night = s.ts()[s.length() - 1] + (long) (1.5 * 86_400e6); // a day and a half after the last event
      INDArray out = AttentionNetwork.scoring(net, candidates.length)
          .output(TrainingWindows.batch(List.of(TrainingWindows.at(s, night, spec.window(), WEIGHTS, candidates)))
              .getFeatures())[0];
      UserHistory h = s.historyBefore(s.length(), shape.history(), WEIGHTS, night);
      float[] fast = new float[candidates.length];
      int[] sorted = Arrays.stream(candidates).sorted().toArray();
      new ScoringKernel(model).rankingScores(List.of(h), ItemBlock.of(model, sorted), fast);
      int last = (spec.window() - 1) * (1 + candidates.length);
      for (int j = 0; j < candidates.length; j++) {
        float expected = model.rankingScore(h, candidates[j]);
        assertThat(out.getFloat(0, last + 1 + j)).as("%d events, candidate %d", s.length(), candidates[j])
            .isCloseTo(expected, within(1e-4f * Math.max(1, Math.abs(expected))))
            .isCloseTo(fast[Arrays.binarySearch(sorted, candidates[j])], within(1e-4f * Math.max(1, Math.abs(expected))));
      }
    }
  }

  /** A content table for {@code items} items of length {@code dim}, with every third item's row left at zeros (no content). */
  private static ItemContent content(int items, int dim, SplittableRandom random) {
    float[] v = new float[items * dim];
    for (int i = 0; i < items; i++) {
      for (int c = 0; c < dim && i % 3 != 2; c++) {
        v[i * dim + c] = (float) (random.nextDouble() * 2 - 1);
      }
    }
    return new ItemContent(dim, v);
  }

  @ParameterizedTest(name = "{0} context blocks")
  @org.junit.jupiter.params.provider.ValueSource(ints = {0, 1})
  void aContentModelScoresAsItsNetworkAndPlacesNewItemsByContentAlone(int contextBlocks) {
    ModelShape shape = new ModelShape(30, 8, 6, 4, 5, 3);
    NetworkSpec spec = new NetworkSpec(shape, 5, 2, Aggregation.INTEREST, TrainingLoss.SOFTMAX, 3, contextBlocks, 0, 0,
        WEIGHTS, 0.05, 0);
    ComputationGraph net = AttentionNetwork.create(spec, 3);
    net.paramTable().get("embed_W").muli(10);
    net.paramTable().get("attention_Wc").muli(30); // content as strong as the ids
    ItemContent content = content(shape.items(), shape.content(), new SplittableRandom(4));
    AttentionModel model = AttentionModel.fromNetwork(net, shape, vocabulary(shape.items()), content);
    UserSequence s = sequence(new SplittableRandom(9), shape.items());
    long night = s.ts()[s.length() - 1] + 86_400_000_000L;
    UserHistory h = s.historyBefore(s.length(), shape.history(), WEIGHTS, night);
    int[] candidates = {3, 17, 25, 8};
    INDArray out = AttentionNetwork.scoring(net, candidates.length)
        .output(TrainingWindows.batch(List.of(TrainingWindows.at(s, night, spec.window(), WEIGHTS, candidates)), content)
            .getFeatures())[0];
    int last = (spec.window() - 1) * (1 + candidates.length);
    for (int j = 0; j < candidates.length; j++) {
      float expected = model.rankingScore(h, candidates[j]);
      assertThat(out.getFloat(0, last + 1 + j)).as("candidate %d", candidates[j])
          .isCloseTo(expected, within(1e-4f * Math.max(1, Math.abs(expected))));
    }
    // the content counts: the same network without it scores otherwise
    AttentionModel idsOnly = AttentionModel.fromNetwork(net, shape, vocabulary(shape.items()),
        new ItemContent(shape.content(), new float[shape.items() * shape.content()]));
    assertThat(idsOnly.rankingScore(h, 3)).isNotCloseTo(model.rankingScore(h, 3), within(1e-3f));

    // a new item with item 17's content scores as item 17 would without its learned id part
    float[] v17 = Arrays.copyOfRange(content.vectors(), 17 * 3, 18 * 3);
    AttentionModel grown = model.withNewItems(List.of("new"), v17);
    int fresh = grown.vocabulary().index("new").getAsInt();
    assertThat(fresh).isEqualTo(shape.items());
    ComputationGraph withoutId = net.clone();
    withoutId.paramTable().get("embed_W").getRow(17).assign(0);
    float expected = AttentionModel.fromNetwork(withoutId, shape, vocabulary(shape.items()), content).rankingScore(h, 17);
    assertThat(grown.rankingScore(h, fresh)).isCloseTo(expected, within(1e-4f * Math.max(1, Math.abs(expected))));
    assertThat(grown.rankingScore(h, 17)).isEqualTo(model.rankingScore(h, 17)); // known items keep their learned part
    for (float a : grown.alphas(h, fresh)) {
      assertThat(a).isStrictlyBetween(0f, 1f);
    }
    // the kernel ranks it with the rest
    int[] all = java.util.stream.IntStream.range(0, grown.vocabulary().size()).toArray();
    float[] fast = new float[all.length];
    new ScoringKernel(grown).rankingScores(List.of(h), ItemBlock.of(grown, all), fast);
    assertThat(fast[fresh]).isCloseTo(grown.rankingScore(h, fresh), within(1e-4f * Math.max(1, Math.abs(expected))));
  }

  @Test
  void trainingLearnsTheContentProjection() {
    ModelShape shape = new ModelShape(30, 8, 6, 4, 5, 3);
    NetworkSpec spec = new NetworkSpec(shape, 5, 3, Aggregation.INTEREST, TrainingLoss.SOFTMAX, 3, 1, 0, 0, WEIGHTS, 0.05, 0);
    ComputationGraph net = AttentionNetwork.create(spec, 6);
    SplittableRandom random = new SplittableRandom(8);
    MultiDataSet batch = TrainingWindows.batch(TrainingWindows.of(sequence(random, shape.items()), new int[0], 5, WEIGHTS,
        3, NegativeSampler.uniform(shape.items()), random), content(shape.items(), 3, random));
    assertThat(batch.getFeatures()).hasSize(3);
    assertThat(batch.getFeatures(2).shape()).containsExactly(batch.getFeatures(0).shape()[0], 5 + 1 + 3, 3);
    INDArray before = net.paramTable().get("attention_Wc").dup();
    double loss = net.score(batch, false);
    for (int i = 0; i < 5; i++) {
      net.fit(batch);
    }
    assertThat(net.paramTable().get("attention_Wc")).isNotEqualTo(before);
    assertThat(net.score(batch, false)).isLessThan(loss);
  }

  @Test
  void aTrainingStepInOnePassGivesDl4jsGradients() {
    ModelShape shape = new ModelShape(30, 8, 6, 4, 5, 3);
    NetworkSpec spec = new NetworkSpec(shape, 5, 3, Aggregation.INTEREST, TrainingLoss.SOFTMAX_AUC, 3, 1, 0, 0.5, WEIGHTS,
        0.05, 0);
    // the encoder in the graph, as in DL4J's vertex, so that both round alike (the EncoderPass has its own test); each
    // window's own items kept in the pool, as DL4J's vertex keeps them
    ComputationGraph onePass = builtWith(spec, AttentionVertex.ENCODER_PART, "samediff", AttentionVertex.OWN_ITEMS,
        "pooled");
    ComputationGraph twoPasses = withDl4jsVertex(spec, 6);
    assertThat(onePass.getVertex(AttentionNetwork.VERTEX)).isInstanceOf(OnePassVertex.class);
    assertThat(twoPasses.getVertex(AttentionNetwork.VERTEX)).isNotInstanceOf(OnePassVertex.class);
    assertThat(vertex(twoPasses).ownLeftOut()).isFalse();
    assertThat(vertex(onePass).ownLeftOut()).isFalse();
    assertThat(twoPasses.params()).isEqualTo(onePass.params());
    MultiDataSet batch = fourUsersWindows(shape, 0.5);
    for (int step = 0; step < 3; step++) {
      assertSameGradients(onePass, twoPasses, batch);
      onePass.fit(batch);
      twoPasses.fit(batch);
    }
    assertThat(onePass.params().sub(twoPasses.params()).norm2Number().doubleValue())
        .isLessThan(1e-5 * twoPasses.params().norm2Number().doubleValue());
    // a second network of the configuration shares the first one's SameDiff graph, each computing with its own parameters
    ComputationGraph fresh = builtWith(spec, AttentionVertex.ENCODER_PART, "samediff", AttentionVertex.OWN_ITEMS,
        "pooled");
    assertThat(fresh.params()).isNotEqualTo(onePass.params());
    ComputationGraph freshReference = withDl4jsVertex(spec, 6);
    assertSameGradients(fresh, freshReference, batch);
    assertSameGradients(onePass, twoPasses, batch);
    assertSameGradients(fresh, freshReference, batch);
    // what the step executes: each forward product once, where DL4J's vertex runs them again in the backward pass
    long forward = matmuls(() -> onePass.output(false, batch.getFeatures()));
    assertThat(forward).isPositive();
    assertThat(matmuls(() -> stepOf(onePass, batch))).isEqualTo(forward);
    assertThat(matmuls(() -> stepOf(twoPasses, batch))).isEqualTo(2 * forward);
  }

  @ParameterizedTest
  @EnumSource(Aggregation.class)
  void thePoolHeadByHandGivesSameDiffsLossAndGradients(Aggregation aggregation) {
    // pools of 4 × 3 = 12 negatives: rows shorter than a SIMD vector and longer, so both the lanes and the tails count
    ModelShape shape = new ModelShape(40, 8, 6, 4, 5, 3);
    NetworkSpec spec = new NetworkSpec(shape, 5, 3, aggregation, TrainingLoss.SOFTMAX, 3, 1, 0, 0, WEIGHTS, 0.05, 0);
    // the head alone by hand (the rest of the step in SameDiff: the StepPass has its own test)
    ComputationGraph byHand = builtWith(spec, AttentionVertex.POOL_PART, "hand", AttentionVertex.STEP_PART, "samediff");
    ComputationGraph reference = builtWith(spec, AttentionVertex.POOL_PART, "samediff");
    assertThat(vertex(byHand).handHead()).isTrue();
    assertThat(vertex(byHand).handStep()).isFalse();
    assertThat(vertex(reference).handHead()).isFalse();
    MultiDataSet batch = fourUsersWindows(shape, 0);
    assertSameLosses(byHand, reference, batch);
    for (int step = 0; step < 3; step++) {
      assertSameGradients(byHand, reference, batch);
      byHand.fit(batch);
      reference.fit(batch);
      // their parameters part after steps, as Adam turns the rounding noise of gradients that are 0 but for it (b_p's,
      // and under the mean aggregation nearly b's) into steps: the next step's gradients compared at the same point
      reference.setParams(byHand.params());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"hand", "samediff"})
  void aWindowLeavesItsOwnItemsOutOfThePool(String part) {
    ModelShape shape = new ModelShape(40, 8, 6, 4, 5, 3);
    NetworkSpec spec = new NetworkSpec(shape, 5, 3, Aggregation.INTEREST, TrainingLoss.SOFTMAX, 3, 1, 0, 0, WEIGHTS,
        0.05, 0);
    ComputationGraph net = part.equals("hand") ? builtWith(spec)
        : builtWith(spec, AttentionVertex.POOL_PART, "samediff", AttentionVertex.ENCODER_PART, "samediff");
    assertThat(vertex(net).handStep()).isEqualTo(part.equals("hand"));
    ItemContent content = content(shape.items(), 3, new SplittableRandom(8));
    float[] ones = {1, 1, 1, 1, 1};
    TrainingWindows.Window mine = new TrainingWindows.Window(new int[] {1, 2, 3, 4, 5, 6}, ones, ones, new float[6],
        new int[] {30, 31, 32});
    // the first window's loss when the second window's negatives are the item given and two that are no one's
    java.util.function.IntToDoubleFunction loss = item -> net.output(TrainingWindows.batch(List.of(mine,
        new TrainingWindows.Window(new int[] {7, 8, 9, 10, 11, 12}, ones, ones, new float[6],
            new int[] {item, 33, 34})), content).getFeatures())[0].getDouble(0, 0);

    // 4 (a history item and a target of the first window) and 6 (its newest target) leave its softmax alike, while 35,
    // an item of no one's, is one more negative
    assertThat(loss.applyAsDouble(4)).isCloseTo(loss.applyAsDouble(6), within(1e-6 * loss.applyAsDouble(4)));
    assertThat(loss.applyAsDouble(35)).isGreaterThan(loss.applyAsDouble(4) + 0.01);
  }

  @ParameterizedTest
  @EnumSource(value = TrainingLoss.class, names = {"SOFTMAX", "SOFTMAX_AUC"})
  void theEncoderByHandGivesSameDiffsLossAndGradients(TrainingLoss loss) {
    // two blocks over windows of 5 with padding and events of weight 0, content and id dropout; the encoder alone by
    // hand (the rest of the step in SameDiff: the whole step by hand has its own test)
    ModelShape shape = new ModelShape(40, 8, 6, 4, 5, 3);
    NetworkSpec spec = new NetworkSpec(shape, 5, 3, Aggregation.INTEREST, loss, 3, 2, 0, 0.5, WEIGHTS, 0.05, 0);
    ComputationGraph byHand = builtWith(spec, AttentionVertex.ENCODER_PART, "hand", AttentionVertex.STEP_PART,
        "samediff");
    ComputationGraph reference = builtWith(spec, AttentionVertex.ENCODER_PART, "samediff");
    assertThat(vertex(byHand).handEncoder()).isTrue();
    assertThat(vertex(reference).handEncoder()).isFalse();
    assertSameStepsByParameter(byHand, reference, fourUsersWindows(shape, 0.5));
  }

  @ParameterizedTest
  @CsvSource({"INTEREST, 0, 0", "MEAN, 0, 0.5", "INTEREST, 2, 0.5", "MEAN, 1, 0"})
  void theWholeStepByHandGivesSameDiffsLossAndGradients(Aggregation aggregation, int blocks, double idDropout) {
    // windows of 5 with padding, events of weight 0 and of half weight, decay by age and by position, content (and id
    // dropout where asked): every input and parameter of the step, against the step all in SameDiff
    ModelShape shape = new ModelShape(40, 8, 6, 4, 5, 3);
    NetworkSpec spec = new NetworkSpec(shape, 5, 3, aggregation, TrainingLoss.SOFTMAX, 3, blocks, 0, idDropout, WEIGHTS,
        0.05, 0);
    ComputationGraph byHand = builtWith(spec);
    ComputationGraph reference = builtWith(spec, AttentionVertex.POOL_PART, "samediff", AttentionVertex.ENCODER_PART,
        "samediff");
    assertThat(vertex(byHand).handStep()).isTrue();
    assertThat(vertex(reference).handHead()).isFalse();
    assertThat(vertex(reference).handEncoder()).isFalse();
    assertSameStepsByParameter(byHand, reference, fourUsersWindows(shape, idDropout));
  }

  @ParameterizedTest
  @CsvSource({"0, 0", "2, 0.5"})
  void theWholeStepByHandLeavesOutTheSlotsNoWindowUsesAndGivesSameDiffsLossAndGradients(int blocks, double idDropout) {
    // each user's oldest window alone: 15 events in windows of 5 leave its first slot padding, which the step by hand
    // leaves out (the positions after it keep their places, so the encoder's position vectors too)
    ModelShape shape = new ModelShape(40, 8, 6, 4, 5, 3);
    NetworkSpec spec = new NetworkSpec(shape, 5, 3, Aggregation.INTEREST, TrainingLoss.SOFTMAX, 3, blocks, 0, idDropout,
        WEIGHTS, 0.05, 0);
    MultiDataSet batch = fourUsersWindows(shape, idDropout, true);
    INDArray context = batch.getFeatures(1);
    for (int w = 0; w < context.size(0); w++) { // no event weight and no counted target in slot 0 of any window
      assertThat(context.getFloat(w, 0)).isZero();
      assertThat(context.getFloat(w, 5)).isZero();
    }
    ComputationGraph byHand = builtWith(spec);
    ComputationGraph reference = builtWith(spec, AttentionVertex.POOL_PART, "samediff", AttentionVertex.ENCODER_PART,
        "samediff");
    assertThat(vertex(byHand).handStep()).isTrue();
    assertSameStepsByParameter(byHand, reference, batch);
  }

  /**
   * Two networks of the same parameters give the same losses on {@code batch}, and over three training steps the same
   * gradient of every parameter: each within 1e-4 of its own size, or rounding noise beside the whole gradient.
   */
  private static void assertSameStepsByParameter(ComputationGraph net, ComputationGraph reference,
      MultiDataSet batch) {
    assertSameLosses(net, reference, batch);
    for (int step = 0; step < 3; step++) {
      stepOf(net, batch);
      stepOf(reference, batch);
      Map<String, INDArray> mine = net.gradient().gradientForVariable();
      Map<String, INDArray> theirs = reference.gradient().gradientForVariable();
      assertThat(mine.keySet()).isEqualTo(theirs.keySet());
      double whole = reference.gradient().gradient().norm2Number().doubleValue();
      boolean mean = vertex(reference).aggregation() == Aggregation.MEAN;
      for (String name : theirs.keySet()) {
        // (b_p's is that noise alone: the shares of a softmax sum to one, so its gradient is 0 but for rounding; under
        // the mean aggregation b's is nearly so, as b moves every α of a position's candidates about alike)
        boolean noiseAlone = name.endsWith("_" + AttentionVertex.B_POOLED)
            || mean && name.endsWith("_" + AttentionVertex.BIAS);
        double noise = (noiseAlone ? 1e-5 : 1e-6) * whole;
        double tolerance = 1e-4 * theirs.get(name).norm2Number().doubleValue() + noise;
        assertThat(mine.get(name).sub(theirs.get(name)).norm2Number().doubleValue()).as(name).isLessThan(tolerance);
      }
      assertSameGradients(net, reference, batch);
      net.fit(batch);
      reference.fit(batch);
    }
  }

  /**
   * A new network built while the system properties named (where a step's parts run) have the values that follow them:
   * {@code builtWith(spec, POOL_PART, "hand", STEP_PART, "samediff")}.
   */
  private static ComputationGraph builtWith(NetworkSpec spec, String... propertiesAndValues) {
    for (int i = 0; i < propertiesAndValues.length; i += 2) {
      System.setProperty(propertiesAndValues[i], propertiesAndValues[i + 1]);
    }
    try {
      return AttentionNetwork.create(spec, 6);
    } finally {
      for (int i = 0; i < propertiesAndValues.length; i += 2) {
        System.clearProperty(propertiesAndValues[i]);
      }
    }
  }

  private static AttentionVertex vertex(ComputationGraph net) {
    return (AttentionVertex) net.getConfiguration().getVertices().get(AttentionNetwork.VERTEX);
  }

  /** Two networks of the same parameters, and every window's loss on {@code batch} the same from both. */
  private static void assertSameLosses(ComputationGraph net, ComputationGraph reference, MultiDataSet batch) {
    assertThat(reference.params()).isEqualTo(net.params());
    INDArray losses = reference.output(batch.getFeatures())[0];
    assertThat(net.output(batch.getFeatures())[0].sub(losses).amaxNumber().doubleValue())
        .isLessThan(1e-5 * losses.amaxNumber().doubleValue());
  }

  /** A batch of the windows of four random users, 5 positions and 3 negatives each, their items with content. */
  private static MultiDataSet fourUsersWindows(ModelShape shape, double idDropout) {
    return fourUsersWindows(shape, idDropout, false);
  }

  /** {@link #fourUsersWindows(ModelShape, double)}, or with {@code oldest} each user's oldest window alone. */
  private static MultiDataSet fourUsersWindows(ModelShape shape, double idDropout, boolean oldest) {
    SplittableRandom random = new SplittableRandom(8);
    ItemContent content = content(shape.items(), 3, random);
    List<TrainingWindows.Window> windows = new ArrayList<>();
    for (int u = 0; u < 4; u++) {
      List<TrainingWindows.Window> user = TrainingWindows.of(sequence(random, shape.items()), new int[0], 5, WEIGHTS, 3,
          NegativeSampler.uniform(shape.items()), random);
      windows.addAll(oldest ? user.subList(user.size() - 1, user.size()) : user);
    }
    return TrainingWindows.batch(windows, content, idDropout, new SplittableRandom(1));
  }


  private static void stepOf(ComputationGraph net, MultiDataSet batch) {
    net.setInputs(batch.getFeatures());
    net.setLabels(batch.getLabels());
    net.computeGradientAndScore();
  }

  /** How many forward matrix products ND4J executes in {@code work}. */
  private static long matmuls(Runnable work) {
    OpProfiler.getInstance().reset();
    Nd4j.getExecutioner().setProfilingMode(ProfilingMode.ALL);
    try {
      work.run();
    } finally {
      Nd4j.getExecutioner().setProfilingMode(ProfilingMode.DISABLED);
    }
    return OpProfiler.getInstance().getOpCounter().getCount("matmul");
  }

  /** A new network whose vertex is DL4J's own (two passes a training step). */
  private static ComputationGraph withDl4jsVertex(NetworkSpec spec, long seed) {
    System.setProperty(AttentionVertex.TWO_PASSES, "true");
    try {
      return AttentionNetwork.create(spec, seed);
    } finally {
      System.clearProperty(AttentionVertex.TWO_PASSES);
    }
  }

  /** The score and gradient of one training step on {@code batch}, the same from both networks, and not zero. */
  private static void assertSameGradients(ComputationGraph net, ComputationGraph reference, MultiDataSet batch) {
    INDArray[] gradients = new INDArray[2];
    double[] scores = new double[2];
    ComputationGraph[] nets = {net, reference};
    for (int n = 0; n < 2; n++) {
      stepOf(nets[n], batch);
      gradients[n] = nets[n].gradient().gradient().dup();
      scores[n] = nets[n].score();
    }
    assertThat(scores[0]).isCloseTo(scores[1], within(1e-6 * Math.abs(scores[1])));
    assertThat(gradients[0].norm2Number().doubleValue()).isPositive();
    assertThat(gradients[0].sub(gradients[1]).norm2Number().doubleValue())
        .isLessThan(1e-5 * gradients[1].norm2Number().doubleValue());
  }

  @Test
  void idDropoutTrainsADroppedItemAsItsContentAlone() {
    ModelShape shape = new ModelShape(30, 8, 6, 4, 5, 3);
    NetworkSpec dropping = new NetworkSpec(shape, 5, 3, Aggregation.INTEREST, TrainingLoss.SOFTMAX, 3, 1, 0, 0.5, WEIGHTS,
        0.05, 0);
    NetworkSpec plain = new NetworkSpec(shape, 5, 3, Aggregation.INTEREST, TrainingLoss.SOFTMAX, 3, 1, 0, 0, WEIGHTS,
        0.05, 0);
    ComputationGraph net = AttentionNetwork.create(dropping, 6);
    SplittableRandom random = new SplittableRandom(8);
    ItemContent content = content(shape.items(), 3, random);
    List<TrainingWindows.Window> windows = new ArrayList<>();
    for (int u = 0; u < 6; u++) {
      windows.addAll(TrainingWindows.of(sequence(random, shape.items()), new int[0], 5, WEIGHTS, 3,
          NegativeSampler.uniform(shape.items()), random));
    }
    MultiDataSet batch = TrainingWindows.batch(windows, content, 0.5, new SplittableRandom(1));
    INDArray items = batch.getFeatures(0);
    INDArray kept = batch.getFeatures(3);
    assertThat(kept.shape()).isEqualTo(items.shape());
    int withContent = 0;
    int dropped = 0;
    for (int r = 0; r < items.rows(); r++) {
      for (int c = 0; c < items.columns(); c++) {
        int item = items.getInt(r, c);
        assertThat(kept.getFloat(r, c)).isIn(0f, 1f);
        if (!content.has(item)) {
          assertThat(kept.getFloat(r, c)).as("item %d has no content", item).isEqualTo(1f);
        } else {
          withContent++;
          dropped += kept.getFloat(r, c) == 0 ? 1 : 0;
        }
      }
    }
    assertThat((double) dropped / withContent).isBetween(0.4, 0.6);

    // every id kept: the network as it scores; item 4's id dropped wherever it occurs: item 4 with E_u for its id part
    INDArray unknown = net.paramTable().get("attention_Eu");
    assertThat(unknown.shape()).containsExactly(1, shape.dim());
    assertThat(unknown.sumNumber().doubleValue()).isZero(); // no id part to begin with
    unknown.assign(Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, shape.dim()).subi(0.5));
    MultiDataSet plainBatch = TrainingWindows.batch(windows, content);
    ComputationGraph reference = AttentionNetwork.create(plain, 6);
    reference.paramTable().forEach((name, value) -> value.assign(net.paramTable().get(name)));
    MultiDataSet allKept = new MultiDataSet(new INDArray[] {items, batch.getFeatures(1), batch.getFeatures(2),
        Nd4j.onesLike(kept)}, batch.getLabels());
    assertThat(net.score(allKept, false)).isCloseTo(reference.score(plainBatch, false), within(1e-6));
    int four = 0;
    INDArray withoutFour = Nd4j.onesLike(kept);
    for (int r = 0; r < items.rows(); r++) {
      for (int c = 0; c < items.columns(); c++) {
        if (items.getInt(r, c) == 4) {
          withoutFour.putScalar(r, c, 0);
          four++;
        }
      }
    }
    assertThat(four).isPositive();
    MultiDataSet fourDropped = new MultiDataSet(new INDArray[] {items, batch.getFeatures(1), batch.getFeatures(2),
        withoutFour}, batch.getLabels());
    reference.paramTable().get("embed_W").getRow(4).assign(unknown.reshape(shape.dim()));
    double expected = reference.score(plainBatch, false);
    assertThat(net.score(fourDropped, false)).isCloseTo(expected, within(1e-5 * Math.abs(expected)))
        .isNotCloseTo(net.score(allKept, false), within(1e-4));

    // scoring places a new item as training placed a dropped one: x = E_u + W_cᵀ c
    AttentionModel model = AttentionModel.fromNetwork(net, shape, vocabulary(shape.items()), content);
    UserSequence s = sequence(new SplittableRandom(9), shape.items());
    UserHistory h = s.historyBefore(s.length(), shape.history(), WEIGHTS, s.ts()[s.length() - 1] + 1);
    int j = java.util.stream.IntStream.range(0, shape.items()).filter(i -> content.has(i)
        && Arrays.stream(h.items()).noneMatch(x -> x == i)).findFirst().orElseThrow(); // an item outside the history
    AttentionModel grown = model.withNewItems(List.of("new"), Arrays.copyOfRange(content.vectors(), j * 3, (j + 1) * 3));
    ComputationGraph withoutId = AttentionNetwork.create(plain, 6);
    withoutId.paramTable().forEach((name, value) -> value.assign(net.paramTable().get(name)));
    withoutId.paramTable().get("embed_W").getRow(j).assign(unknown.reshape(shape.dim()));
    float placed = AttentionModel.fromNetwork(withoutId, shape, vocabulary(shape.items()), content).rankingScore(h, j);
    assertThat(grown.rankingScore(h, shape.items())).isCloseTo(placed, within(1e-4f * Math.max(1, Math.abs(placed))));
    // and so does a network whose items training never met forgets their ids
    ComputationGraph forgetful = net.clone();
    AttentionNetwork.forgetIds(forgetful, new int[] {4});
    assertThat(forgetful.paramTable().get("embed_W").getRow(4)).isEqualTo(unknown.reshape(shape.dim()));

    // training leaves a dropped id where it is and learns the rest, E_u included
    INDArray e = net.paramTable().get("embed_W");
    INDArray before = e.dup();
    INDArray wc = net.paramTable().get("attention_Wc").dup();
    INDArray eu = unknown.dup();
    net.fit(fourDropped);
    assertThat(e.getRow(4)).isEqualTo(before.getRow(4));
    assertThat(e).isNotEqualTo(before);
    assertThat(net.paramTable().get("attention_Wc")).isNotEqualTo(wc);
    assertThat(net.paramTable().get("attention_Eu")).isNotEqualTo(eu);
  }

  @Test
  void aModelRefusesContentThatDoesNotFitIt() {
    ModelShape shape = new ModelShape(30, 8, 6, 4, 5, 3);
    NetworkSpec spec = new NetworkSpec(shape, 5, 2, Aggregation.INTEREST, TrainingLoss.SOFTMAX, 3, 0, 0, 0, WEIGHTS, 0.05, 0);
    ComputationGraph net = AttentionNetwork.create(spec, 3);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> AttentionModel.fromNetwork(net, shape, vocabulary(30)))
        .isInstanceOf(ModelException.class).hasMessageContaining("reads content vectors of length 3");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> AttentionModel.fromNetwork(net, shape, vocabulary(30),
        content(30, 2, new SplittableRandom(1)))).isInstanceOf(ModelException.class).hasMessageContaining("of length 2");
    AttentionModel model = AttentionModel.fromNetwork(net, shape, vocabulary(30), content(30, 3, new SplittableRandom(1)));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> model.withNewItems(List.of("i001"), new float[3]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duplicate");
    ModelShape ids = new ModelShape(30, 8, 6, 4, 5);
    AttentionModel idModel = AttentionModel.fromNetwork(AttentionNetwork.create(NetworkSpec.basic(ids), 1), ids, vocabulary(30));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> idModel.withNewItems(List.of("new"), new float[3]))
        .isInstanceOf(ModelException.class).hasMessageContaining("ids only");
  }

  @Test
  void theContextOfAHistoryItemIsTheItemsBeforeIt() {
    ModelShape shape = new ModelShape(30, 8, 6, 4, 6);
    NetworkSpec spec = new NetworkSpec(shape, 6, 3, Aggregation.INTEREST, TrainingLoss.SOFTMAX, 3, 2, 0, 0, WEIGHTS, 0.05, 0);
    ComputationGraph scoring = AttentionNetwork.scoring(AttentionNetwork.create(spec, 4), 3);
    UserSequence s = sequence(new SplittableRandom(2), shape.items());
    int[] candidates = {1, 2, 3};
    TrainingWindows.Window w = TrainingWindows.at(s, s.ts()[s.length() - 1], spec.window(), WEIGHTS, candidates);
    int[] changed = w.items().clone();
    changed[3] = (changed[3] + 1) % shape.items(); // history slot 3: seen by positions 3.. only
    INDArray before = scoring.output(TrainingWindows.batch(List.of(w)).getFeatures())[0];
    INDArray after = scoring.output(TrainingWindows.batch(List.of(new TrainingWindows.Window(changed, w.events(),
        w.counted(), w.days(), w.negatives()))).getFeatures())[0];
    int c = 1 + candidates.length;
    for (int t = 0; t < spec.window(); t++) {
      INDArray z = before.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
          org.nd4j.linalg.indexing.NDArrayIndex.interval(t * c + 1, (t + 1) * c));
      INDArray zAfter = after.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
          org.nd4j.linalg.indexing.NDArrayIndex.interval(t * c + 1, (t + 1) * c));
      if (t < 3) {
        assertThat(zAfter).as("position %d, before the changed item", t).isEqualTo(z);
      } else {
        assertThat(zAfter).as("position %d, after it", t).isNotEqualTo(z);
      }
    }
  }

  @Test
  void dropoutActsInTrainingOnly() {
    ModelShape shape = new ModelShape(30, 8, 6, 4, 5);
    NetworkSpec dropping = new NetworkSpec(shape, 5, 3, Aggregation.INTEREST, TrainingLoss.SOFTMAX, 3, 1, 0.5, 0, WEIGHTS,
        0.05, 0);
    NetworkSpec plain = new NetworkSpec(shape, 5, 3, Aggregation.INTEREST, TrainingLoss.SOFTMAX, 3, 1, 0, 0, WEIGHTS,
        0.05, 0);
    ComputationGraph net = AttentionNetwork.create(dropping, 6);
    ComputationGraph same = AttentionNetwork.create(plain, 6);
    same.setParams(net.params());
    SplittableRandom random = new SplittableRandom(8);
    MultiDataSet batch = TrainingWindows.batch(TrainingWindows.of(sequence(random, shape.items()), new int[0], 5, WEIGHTS,
        3, NegativeSampler.uniform(shape.items()), random));
    assertThat(net.output(batch.getFeatures())[0]).isEqualTo(same.output(batch.getFeatures())[0]);
    assertThat(net.score(batch, false)).isEqualTo(same.score(batch, false));
    assertThat(net.score(batch, true)).isNotEqualTo(same.score(batch, true));
  }

  @Test
  void aNewLearningRateReachesTheRunningUpdatersAndTheConfigurationWorkersGet() {
    ModelShape shape = new ModelShape(30, 8, 6, 4, 5);
    NetworkSpec spec = new NetworkSpec(shape, 5, 3, Aggregation.INTEREST, TrainingLoss.SOFTMAX, 3, 1, 0, 0, WEIGHTS, 0.05, 0);
    ComputationGraph net = AttentionNetwork.create(spec, 6);
    SplittableRandom random = new SplittableRandom(8);
    MultiDataSet batch = TrainingWindows.batch(TrainingWindows.of(sequence(random, shape.items()), new int[0], 5, WEIGHTS,
        3, NegativeSampler.uniform(shape.items()), random));
    net.fit(batch); // the updaters exist and hold state
    AttentionNetwork.setLearningRate(net, 0);
    INDArray before = net.params().dup();
    net.fit(batch);
    assertThat(net.params()).isEqualTo(before); // every parameter, the embeddings' and the vertex's: no step at rate 0

    AttentionNetwork.setLearningRate(net, 0.02);
    String json = net.getConfiguration().toJson(); // what dl4j-spark builds each worker's network from
    ComputationGraph worker = new ComputationGraph(ComputationGraphConfiguration.fromJson(json));
    worker.init(net.params().dup(), true);
    assertThat(((AttentionVertex) worker.getConfiguration().getVertices().get(AttentionNetwork.VERTEX)).getUpdater())
        .isEqualTo(new org.nd4j.linalg.learning.config.Adam(0.02));
    worker.fit(batch);
    assertThat(worker.params()).isNotEqualTo(before);
  }

  /** The per-example loss of one position's logits, its own item first. */
  private static double positionLoss(TrainingLoss loss, double[] z) {
    if (loss == TrainingLoss.SOFTMAX || loss == TrainingLoss.SOFTMAX_AUC) {
      double max = Arrays.stream(z).max().orElseThrow();
      double softmax = max + Math.log(Arrays.stream(z).map(v -> Math.exp(v - max)).sum()) - z[0];
      double auc = 0;
      for (int j = 1; j < z.length; j++) {
        auc += Math.log1p(Math.exp(z[j] - z[0]));
      }
      return softmax + (loss == TrainingLoss.SOFTMAX_AUC ? auc / (z.length - 1) : 0);
    }
    if (loss == TrainingLoss.GBCE) { // 30 items, of which the negatives are a share of (z.length − 1) / 29
      double beta = 1 - TrainingLoss.GBCE_CALIBRATION * (1 - (z.length - 1) / 29.0);
      double sum = 0;
      for (int j = 1; j < z.length; j++) {
        sum += Math.log1p(Math.exp(z[j]));
      }
      return beta * Math.log1p(Math.exp(-z[0])) + sum;
    }
    double negatives = 0;
    for (int j = 1; j < z.length; j++) {
      negatives += Math.log1p(Math.exp(z[j]));
    }
    return Math.log1p(Math.exp(-z[0])) + negatives / (z.length - 1);
  }

  @Test
  void windowsCoverEveryPositionOnceFromTheNewest() {
    UserSequence s = sequence(new SplittableRandom(3), 30);
    List<TrainingWindows.Window> windows = TrainingWindows.of(s, new int[] {1, 2}, 4, WEIGHTS, 3,
        NegativeSampler.uniform(30), new SplittableRandom(1));
    // 14 predicted positions (1..14) in windows of 4: ending at 14, 10, 6 and 2 (whose slots before 0 are padding)
    assertThat(windows).extracting(TrainingWindows.Window::targets).containsExactly(4, 4, 4, 2);
    assertThat(windows.get(0).items()).containsExactly(Arrays.copyOfRange(s.items(), 10, 15));
    assertThat(windows.get(3).events()).startsWith(0f, 0f); // padding weighs nothing
    // the last window's slots 0 and 1 are padding, its slot 2 the user's first event (a history item, not a target)
    assertThat(windows).extracting(TrainingWindows.Window::unusedSlots).containsExactly(0, 0, 0, 2);
    assertThat(windows).allSatisfy(w -> assertThat(w.negatives()).doesNotContain(1, 2).hasSize(3));
  }
}
