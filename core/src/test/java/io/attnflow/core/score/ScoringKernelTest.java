package io.attnflow.core.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.attnflow.core.model.AttentionModel;
import io.attnflow.core.model.AttentionNetwork;
import io.attnflow.core.model.HistoryWeights;
import io.attnflow.core.model.NetworkSpec;
import io.attnflow.core.model.TrainingLoss;
import io.attnflow.core.model.ModelShape;
import io.attnflow.core.model.UserHistory;
import io.attnflow.core.model.Vocabulary;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import io.attnflow.core.model.Aggregation;

/** The blocked GEMM kernel against the naive loops: s_uj pair by pair, mask, full sort, prefix. */
class ScoringKernelTest {
  private static AttentionModel model(int items, int dim, int k, int m, long seed, Aggregation aggregation,
      int contextBlocks) {
    ModelShape shape = new ModelShape(items, dim, k, 4, m);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < items; i++) {
      ids.add(String.format("i%04d", i));
    }
    // a freshly initialised network has small logits; scale θ up so that scores spread over (0, 1);
    // an α temperature of 2.5 checks that the kernel divides by it where α needs it, and only there
    NetworkSpec spec = new NetworkSpec(shape, m, 1, aggregation, TrainingLoss.SOFTMAX, 2.5, contextBlocks, 0, 0,
        new HistoryWeights(java.util.Map.of(), 0, 0, 0), 0.01, 0);
    var net = AttentionNetwork.create(spec, seed);
    net.paramTable().get("embed_W").muli(20);
    return AttentionModel.fromNetwork(net, shape, Vocabulary.of(ids));
  }

  /** A random history of 1 to m items of {@code items}, with weights in [0.05, 2.05). */
  private static UserHistory history(SplittableRandom random, String user, int items, int m) {
    int len = 1 + random.nextInt(m);
    int[] h = new int[len];
    float[] w = new float[len];
    for (int i = 0; i < len; i++) {
      h[i] = random.nextInt(items);
      w[i] = (float) (0.05 + random.nextDouble() * 2);
    }
    return new UserHistory(user, h, w);
  }

  @Property(tries = 100)
  void blockedKernelEqualsNaiveLoops(@ForAll @IntRange(min = 5, max = 90) int items,
      @ForAll @IntRange(min = 1, max = 12) int users, @ForAll @IntRange(min = 1, max = 8) int m,
      @ForAll @IntRange(min = 1, max = 40) int blockSize, @ForAll @IntRange(min = 1, max = 15) int topK,
      @ForAll long seed, @ForAll Aggregation aggregation, @ForAll @IntRange(min = 0, max = 1) int contextBlocks) {
    SplittableRandom random = new SplittableRandom(seed);
    AttentionModel model = model(items, 6, 5, m, seed, aggregation, contextBlocks);
    List<UserHistory> batch = new ArrayList<>();
    int[][] seen = new int[users][];
    for (int u = 0; u < users; u++) {
      batch.add(history(random, "u" + u, items, m));
      TreeSet<Integer> s = new TreeSet<>();
      int nSeen = random.nextInt(items);
      for (int i = 0; i < nSeen; i++) {
        s.add(random.nextInt(items));
      }
      seen[u] = s.stream().mapToInt(Integer::intValue).toArray();
    }
    int[] all = new int[items];
    Arrays.setAll(all, i -> i);
    TopK[] heaps = new TopK[users];
    Arrays.setAll(heaps, u -> new TopK(topK));
    ScoringKernel kernel = new ScoringKernel(model);
    for (ItemBlock block : ItemBlock.split(model, all, blockSize)) {
      kernel.score(batch, seen, block, heaps);
    }
    // recommend() (batches × blocks, with explanations) picks the same items as the heaps, and exactly the
    // same picks (items, scores, reasons) whatever the batching and blocking
    List<List<Pick>> picks = new ScoringKernel(model)
        .recommend(batch, seen, ItemBlock.split(model, all, blockSize), topK, 2, Math.max(1, users / 2));
    assertThat(new ScoringKernel(model).recommend(batch, seen, ItemBlock.split(model, all, 1 + blockSize / 3), topK, 2, 1))
        .isEqualTo(picks);
    assertThat(new ScoringKernel(model).recommend(batch, seen, new ItemBlock[] {ItemBlock.of(model, all)}, topK, 2, users))
        .isEqualTo(picks);

    // a per-category cap (some items without a category): exactly the greedy capped top K of the whole ranking,
    // also when the corpus is scored in two halves whose candidate lists merge
    int[] categoryOf = new int[items];
    Arrays.setAll(categoryOf, i -> random.nextInt(5) - 1);
    CategoryCap cap = new CategoryCap(categoryOf, 1 + random.nextInt(3));
    List<List<Pick>> ranking = new ScoringKernel(model).recommend(batch, seen, ItemBlock.split(model, all, blockSize), items, 2,
        users);
    List<List<Pick>> capped = new ScoringKernel(model).recommend(batch, seen, ItemBlock.split(model, all, blockSize), topK, 2,
        Math.max(1, users / 2), cap);
    int middle = Math.max(1, items / 2);
    ScoringKernel halves = new ScoringKernel(model);
    List<List<Pick>> low = halves.candidates(batch, seen, ItemBlock.split(model, Arrays.copyOfRange(all, 0, middle), blockSize),
        topK, 2, users, cap);
    List<List<Pick>> high = halves.candidates(batch, seen, ItemBlock.split(model, Arrays.copyOfRange(all, middle, items),
        blockSize), topK, 2, 1, cap);
    for (int u = 0; u < users; u++) {
      assertThat(capped.get(u)).isEqualTo(cap.select(ranking.get(u), topK));
      assertThat(cap.select(cap.trim(Pick.merge(low.get(u), high.get(u), Integer.MAX_VALUE), topK), topK))
          .isEqualTo(capped.get(u));
      Map<Integer, Long> perCategory = capped.get(u).stream().filter(p -> categoryOf[p.item()] >= 0)
          .collect(java.util.stream.Collectors.groupingBy(p -> categoryOf[p.item()], java.util.stream.Collectors.counting()));
      assertThat(perCategory.values()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(cap.perCategory()));
    }

    // the scores evaluation ranks by: every user × item, as the heaps were offered them
    float[] every = new float[users * items];
    float[] one = new float[items];
    new ScoringKernel(model).rankingScores(batch, ItemBlock.of(model, all), every);
    ScoringKernel single = ScoringKernel.oneUserAtATime(model);
    for (int u = 0; u < users; u++) {
      single.rankingScores(List.of(batch.get(u)), ItemBlock.of(model, all), one);
      float[] reference = model.rankingScores(batch.get(u), all);
      for (int j = 0; j < items; j++) {
        float expected = reference[j];
        assertThat(every[u * items + j]).isCloseTo(expected, within(1e-5f * Math.max(1f, Math.abs(expected))));
        assertThat(one[j]).isCloseTo(expected, within(1e-5f * Math.max(1f, Math.abs(expected))));
      }
    }

    for (int u = 0; u < users; u++) {
      UserHistory h = batch.get(u);
      float[] reference = model.rankingScores(h, all);
      List<float[]> naive = new ArrayList<>(); // {item, score}
      for (int j = 0; j < items; j++) {
        if (Arrays.binarySearch(seen[u], j) < 0) {
          naive.add(new float[] {j, reference[j]});
        }
      }
      naive.sort(Comparator.comparingDouble((float[] e) -> -e[1]).thenComparingDouble(e -> e[0]));
      int[] got = heaps[u].items();
      float[] gotScores = heaps[u].scores();
      assertThat(got).hasSize(Math.min(topK, naive.size()));
      // The batched heaps alone give the same lists up to near-ties: BLAS rounds edge tiles differently,
      // so two items whose scores differ by ~1e-7 may swap; nothing else may differ.
      assertSameUpToNearTies(model, h, picks.get(u).stream().mapToInt(Pick::item).toArray(), got);
      // merging the picks of two halves of the corpus gives exactly the same picks
      int half = items / 2;
      int[] lo = Arrays.copyOfRange(all, 0, half);
      int[] hi = Arrays.copyOfRange(all, half, items);
      List<Pick> merged = Pick.merge(
          lo.length == 0 ? List.of() : new ScoringKernel(model).recommend(List.of(h), new int[][] {seen[u]},
              ItemBlock.split(model, lo, blockSize), topK, 2, 1).get(0),
          new ScoringKernel(model).recommend(List.of(h), new int[][] {seen[u]},
              ItemBlock.split(model, hi, blockSize), topK, 2, 1).get(0), topK);
      assertThat(merged).isEqualTo(picks.get(u));
      for (int r = 0; r < got.length; r++) {
        // same scores rank by rank; items equal unless two scores tie within float rounding (relative:
        // ranking scores are logits, and at 48 one float ulp is already 4e-6)
        float tolerance = 1e-5f * Math.max(1f, Math.abs(gotScores[r]));
        assertThat(gotScores[r]).isCloseTo(naive.get(r)[1], within(tolerance));
        assertThat(gotScores[r]).isCloseTo(reference[got[r]], within(tolerance));
        assertThat(Arrays.binarySearch(seen[u], got[r])).isNegative();
      }
    }
  }

  @Property(tries = 60)
  void twoStageScoresExactlyTheShortlistThePooledVectorRetrieves(@ForAll @IntRange(min = 5, max = 70) int items,
      @ForAll @IntRange(min = 1, max = 9) int users, @ForAll @IntRange(min = 1, max = 6) int m,
      @ForAll @IntRange(min = 1, max = 30) int blockSize, @ForAll @IntRange(min = 1, max = 8) int topK,
      @ForAll @IntRange(min = 1, max = 40) int shortlist, @ForAll long seed, @ForAll Aggregation aggregation,
      @ForAll @IntRange(min = 0, max = 1) int contextBlocks) {
    SplittableRandom random = new SplittableRandom(seed);
    AttentionModel model = model(items, 6, 5, m, seed, aggregation, contextBlocks);
    List<UserHistory> batch = new ArrayList<>();
    int[][] seen = new int[users][];
    for (int u = 0; u < users; u++) {
      batch.add(history(random, "u" + u, items, m));
      seen[u] = java.util.stream.IntStream.of(batch.get(u).items()).distinct().sorted().toArray();
    }
    int[] all = new int[items];
    Arrays.setAll(all, i -> i);
    ItemBlock[] blocks = ItemBlock.split(model, all, blockSize);
    int[] categoryOf = new int[items];
    Arrays.setAll(categoryOf, i -> random.nextInt(4) - 1);
    for (CategoryCap cap : List.of(CategoryCap.NONE, new CategoryCap(categoryOf, 1 + random.nextInt(2)))) {
      // a shortlist as long as the corpus: exhaustive scoring's picks, to the bit
      assertThat(ScoringKernel.oneUserAtATime(model).twoStage(batch, seen, blocks, items, topK, 2, 1 + users / 2, cap))
          .isEqualTo(new ScoringKernel(model).recommend(batch, seen, blocks, topK, 2, users, cap));
    }
    List<List<Pick>> picks = ScoringKernel.oneUserAtATime(model).twoStage(batch, seen, blocks, shortlist, topK, 2, 2,
        CategoryCap.NONE);
    for (int u = 0; u < users; u++) {
      UserHistory h = batch.get(u);
      float[] vector = model.userVector(h);
      float[] pooled = new float[items];
      List<Integer> unseen = new ArrayList<>();
      for (int j = 0; j < items; j++) {
        for (int c = 0; c < model.k(); c++) {
          pooled[j] += vector[c] * model.phiTable()[j * model.k() + c];
        }
        if (Arrays.binarySearch(seen[u], j) < 0) {
          unseen.add(j);
        }
      }
      unseen.sort(Comparator.comparingDouble((Integer j) -> -pooled[j]).thenComparingInt(j -> j));
      List<Integer> retrieved = unseen.subList(0, Math.min(shortlist, unseen.size()));
      float cut = retrieved.isEmpty() ? 0 : pooled[retrieved.get(retrieved.size() - 1)];
      List<Pick> got = picks.get(u);
      assertThat(got).hasSize(Math.min(topK, retrieved.size()));
      // every pick comes from the shortlist (up to a near-tie at its edge), is unseen, and carries its exact score
      // and reasons; no other item of the shortlist (clear of that edge) scores above the last pick
      List<Pick> exact = new ScoringKernel(model).recommend(List.of(h), new int[][] {seen[u]},
          new ItemBlock[] {ItemBlock.of(model, all)}, items, 2, 1).get(0);
      for (Pick p : got) {
        assertThat(pooled[p.item()]).isGreaterThanOrEqualTo(cut - 1e-4f * Math.max(1f, Math.abs(cut)));
        assertThat(exact).contains(p);
      }
      for (int j : retrieved) {
        if (pooled[j] > cut + 1e-4f * Math.max(1f, Math.abs(cut)) && got.stream().noneMatch(p -> p.item() == j)) {
          assertThat(model.rankingScore(h, j)).isLessThanOrEqualTo(got.get(got.size() - 1).score() + 1e-5f);
        }
      }
      assertThat(got).isSortedAccordingTo(Comparator.comparingDouble((Pick p) -> -p.score()));
    }
  }

  private static void assertSameUpToNearTies(AttentionModel model, UserHistory h, int[] actual, int[] expected) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int r = 0; r < expected.length; r++) {
      if (actual[r] != expected[r]) {
        assertThat(model.rankingScore(h, actual[r])).as("rank %d: %d instead of %d", r, actual[r], expected[r])
            .isCloseTo(model.rankingScore(h, expected[r]), within(1e-5f));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Aggregation.class)
  void explanationsAreTheTopHistoryItemsByContributionAndSumToTheScore(Aggregation aggregation) {
    for (int contextBlocks = 0; contextBlocks <= 1; contextBlocks++) {
      AttentionModel model = model(30, 6, 5, 6, 3, aggregation, contextBlocks);
      UserHistory h = new UserHistory("u", new int[] {4, 9, 4, 17, 2}, new float[] {1, 2, 0.5f, 1, 3});
      ScoringKernel kernel = new ScoringKernel(model);
      ItemBlock block = ItemBlock.of(model, new int[] {3, 11, 20});
      List<Explanation> all = kernel.explain(h, block, 11, 10);
      // item 4 appears twice: merged, weight 1 + 0.5, α of the newer one (they differ when read in context)
      assertThat(all).hasSize(4);
      Explanation four = all.stream().filter(e -> e.item() == 4).findFirst().orElseThrow();
      assertThat(four.weight()).isEqualTo(1.5f);
      float[] alphas = model.alphas(h, 11);
      assertThat(four.alpha()).isCloseTo(alphas[2], within(1e-6f));
      assertThat(alphas[0] != alphas[2]).as("the same item at two places of the history").isEqualTo(contextBlocks > 0);
      double sum = all.stream().mapToDouble(Explanation::contribution).sum();
      assertThat(aggregation.score(sum)).isCloseTo(model.score(h, 11), within(1e-5f));
      assertThat(all).isSortedAccordingTo(Comparator.comparingDouble((Explanation e) -> -e.contribution()));
      assertThat(kernel.explain(h, block, 11, 2)).containsExactlyElementsOf(all.subList(0, 2));
      assertThat(all.stream().filter(e -> e.item() == 17).findFirst().orElseThrow().alpha()).isCloseTo(alphas[3], within(1e-6f));
    }
  }
}
