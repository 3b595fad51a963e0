package io.attnflow.core.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Training examples from a user's training sequence: at every position p ≥ 1 the history before p
 * (the last m events, weighted as of the time of p) with C = 1 + negatives candidates: the item at
 * p (label 1) and {@code negatives} items drawn by the {@link NegativeSampler} among those the user
 * never touched (their whole sequence, held-out items included; label 0). The random source is the
 * caller's, so a seed per (epoch, user) makes every epoch reproducible.
 */
public final class TrainingExamples {
  /** One example: a history padded to m, its C candidates and their 0/1 labels (the positive first). */
  public record Example(int[] history, float[] weights, int[] candidates, float[] labels) {}

  private TrainingExamples() {}

  /**
   * @param seen the user's items, sorted ({@link UserSequence#sortedItems()}), never sampled as negatives
   */
  public static List<Example> of(UserSequence train, int[] seen, int m, HistoryWeights weights, int negatives,
      NegativeSampler sampler, SplittableRandom random) {
    List<Example> out = new ArrayList<>();
    if (seen.length >= sampler.vocabularySize()) {
      return out; // nothing left to sample negatives from
    }
    for (int p = 1; p < train.length(); p++) {
      UserHistory h = train.historyBefore(p, m, weights, train.ts()[p]);
      if (h.length() == 0 || !weights.counts(train.events()[p])) {
        continue;
      }
      int[] hist = Arrays.copyOf(h.items(), m);
      float[] w = Arrays.copyOf(h.weights(), m);
      int[] candidates = new int[1 + negatives];
      float[] labels = new float[1 + negatives];
      candidates[0] = train.items()[p];
      labels[0] = 1f;
      for (int n = 1; n <= negatives; n++) {
        candidates[n] = sampler.sample(seen, random);
      }
      out.add(new Example(hist, w, candidates, labels));
    }
    return out;
  }

  /** A uniform item index not in {@code seen} (sorted). */
  public static int sampleUnseen(int[] seen, int vocabularySize, SplittableRandom random) {
    while (true) {
      int j = random.nextInt(vocabularySize);
      if (Arrays.binarySearch(seen, j) < 0) {
        return j;
      }
    }
  }

  /** A training minibatch of examples (see {@link AttentionNetwork#batch}). */
  public static org.nd4j.linalg.dataset.MultiDataSet batch(List<Example> examples) {
    int b = examples.size();
    int[][] hist = new int[b][];
    float[][] w = new float[b][];
    int[][] cand = new int[b][];
    float[][] labels = new float[b][];
    for (int r = 0; r < b; r++) {
      Example e = examples.get(r);
      hist[r] = e.history();
      w[r] = e.weights();
      cand[r] = e.candidates();
      labels[r] = e.labels();
    }
    return AttentionNetwork.batch(hist, w, cand, labels);
  }
}
