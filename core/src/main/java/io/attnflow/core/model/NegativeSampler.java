package io.attnflow.core.model;

import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Draws training negatives among the items a user never touched: uniformly over the vocabulary, or,
 * for a share of them, in proportion to popularity^0.75 (word2vec's smoothing), which shows the
 * model the popular items it must learn to rank below a user's own interests; and, with impressions
 * (news logs), a share of them among the items the user was shown and did not click: the choices
 * the user actually turned down.
 */
public final class NegativeSampler implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final double SMOOTHING = 0.75;

  private final int vocabularySize;
  private final double popularShare;
  private final double[] cumulative;
  private final double impressionShare;
  /** Items never drawn (held out of training), or null. */
  private final boolean[] excluded;

  private NegativeSampler(int vocabularySize, double popularShare, double[] cumulative, double impressionShare,
      boolean[] excluded) {
    this.vocabularySize = vocabularySize;
    this.popularShare = popularShare;
    this.cumulative = cumulative;
    this.impressionShare = impressionShare;
    this.excluded = excluded;
  }

  /** Every negative uniform. */
  public static NegativeSampler uniform(int vocabularySize) {
    return new NegativeSampler(vocabularySize, 0, null, 0, null);
  }

  /**
   * @param counts       training events per item index
   * @param popularShare the share of negatives drawn by popularity (0 = all uniform)
   */
  public static NegativeSampler mixed(long[] counts, double popularShare) {
    double[] cumulative = new double[counts.length];
    double sum = 0;
    for (int j = 0; j < counts.length; j++) {
      sum += Math.pow(counts[j], SMOOTHING);
      cumulative[j] = sum;
    }
    return new NegativeSampler(counts.length, sum > 0 ? popularShare : 0, cumulative, 0, null);
  }

  /** This sampler drawing {@code share} of the negatives among a user's shown-and-not-clicked items, when it has any. */
  public NegativeSampler withImpressions(double share) {
    return new NegativeSampler(vocabularySize, popularShare, cumulative, share, excluded);
  }

  /** This sampler never drawing the items {@code excluded} marks (items held out of training); null: none. */
  public NegativeSampler excluding(boolean[] excluded) {
    return new NegativeSampler(vocabularySize, popularShare, cumulative, impressionShare, excluded);
  }

  /**
   * An item index not in {@code seen} (sorted): with the impression share, one of {@code shown} (the user's shown and
   * not clicked items) when one of a few draws is not seen; otherwise as {@link #sample(int[], SplittableRandom)}.
   */
  public int sample(int[] seen, int[] shown, SplittableRandom random) {
    if (impressionShare > 0 && shown.length > 0 && random.nextDouble() < impressionShare) {
      for (int tries = 0; tries < 8; tries++) {
        int j = shown[random.nextInt(shown.length)];
        if (Arrays.binarySearch(seen, j) < 0 && (excluded == null || !excluded[j])) {
          return j;
        }
      }
    }
    return sample(seen, random);
  }

  public int vocabularySize() {
    return vocabularySize;
  }

  /** True when some item is neither in {@code seen} (sorted) nor excluded: a negative can be drawn. */
  public boolean canDraw(int[] seen) {
    int blocked = 0;
    for (int i = 0; i < seen.length; i++) {
      boolean counted = excluded != null && excluded[seen[i]];
      blocked += (i == 0 || seen[i] != seen[i - 1]) && !counted ? 1 : 0;
    }
    if (excluded != null) {
      for (boolean e : excluded) {
        blocked += e ? 1 : 0;
      }
    }
    return blocked < vocabularySize;
  }

  /** An item index not in {@code seen} (sorted); the caller makes sure one exists. */
  public int sample(int[] seen, SplittableRandom random) {
    boolean popular = popularShare > 0 && random.nextDouble() < popularShare;
    int rejected = 0;
    while (true) {
      int j = popular ? popular(random) : random.nextInt(vocabularySize);
      if (Arrays.binarySearch(seen, j) < 0 && (excluded == null || !excluded[j])) {
        return j;
      }
      if (popular && ++rejected == 64) {
        popular = false; // the user has seen (nearly) all of the popular mass: draw uniformly
      }
    }
  }

  private int popular(SplittableRandom random) {
    double u = random.nextDouble() * cumulative[cumulative.length - 1];
    int i = Arrays.binarySearch(cumulative, u);
    return Math.min(cumulative.length - 1, i >= 0 ? i + 1 : -i - 1);
  }
}
