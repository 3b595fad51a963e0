package io.attnflow.core.eval;

import io.attnflow.core.model.HistoryWeights;
import io.attnflow.core.model.NegativeSampler;
import io.attnflow.core.model.UserHistory;
import io.attnflow.core.model.UserSequence;
import java.util.SplittableRandom;

/**
 * The leave-one-out split: a user's last event is the test target, the second-to-last the
 * validation target, the rest trains. Users with fewer than three events only train. At validation
 * the history ends before the validation item; at test time the validation item joins the history.
 */
public final class LeaveOneOut {
  /** Fewest events for a user to be held out. */
  public static final int MIN_EVENTS = 3;

  private LeaveOneOut() {}

  public static boolean evaluable(UserSequence s) {
    return s.length() >= MIN_EVENTS;
  }

  /** The events that train: all but the last two of an evaluable user, all of any other. */
  public static UserSequence train(UserSequence s) {
    return evaluable(s) ? s.prefix(s.length() - 2) : s;
  }

  /**
   * The events a model fits: {@link #train}'s, without the items {@code train.cold-start-items} holds out
   * ({@code heldItems}, indexed by item). The attention model trains on these, and the baselines of its evaluation too.
   */
  public static UserSequence train(UserSequence s, boolean[] heldItems) {
    return train(s).without(heldItems);
  }

  /**
   * The events a model for the test split fits: {@link #train(UserSequence, boolean[])}'s and the validation event, all
   * before the test target (the baselines of an evaluation refit on these).
   */
  public static UserSequence beforeTest(UserSequence s, boolean[] heldItems) {
    return (evaluable(s) ? s.prefix(position(s, true)) : s).without(heldItems);
  }

  /** The position of the held-out target: second-to-last for validation, last for test. */
  public static int position(UserSequence s, boolean test) {
    return s.length() - (test ? 1 : 2);
  }

  /**
   * The held-out case of an evaluable user: the history before the target (as of the target's
   * time), the target, {@code negatives} items the user never interacted with, drawn with
   * {@code random}, and the user's other items.
   */
  public static HeldOutCase heldOutCase(UserSequence s, boolean test, int m, HistoryWeights weights, int negatives,
      int vocabularySize, SplittableRandom random) {
    int p = position(s, test);
    UserHistory h = s.historyBefore(p, m, weights, s.ts()[p]);
    int[] seen = s.sortedItems();
    int[] neg = new int[Math.min(negatives, vocabularySize - seen.length)];
    java.util.Set<Integer> drawn = new java.util.HashSet<>();
    NegativeSampler uniform = NegativeSampler.uniform(vocabularySize);
    for (int n = 0; n < neg.length; n++) {
      int j;
      do {
        j = uniform.sample(seen, random);
      } while (!drawn.add(j));
      neg[n] = j;
    }
    int target = s.items()[p];
    int[] others = java.util.Arrays.stream(seen).distinct().filter(i -> i != target).toArray();
    int[] before = java.util.Arrays.stream(s.items(), 0, p).sorted().distinct().toArray();
    return new HeldOutCase(h, target, neg, others, before);
  }
}
