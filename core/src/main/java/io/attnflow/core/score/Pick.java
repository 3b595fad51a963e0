package io.attnflow.core.score;

import io.attnflow.core.model.Aggregation;
import java.util.ArrayList;
import java.util.List;

/**
 * One recommended item for a user: its score (the kernel's ranking score until {@link #scored} turns
 * it into s_uj) and the history items that explain it.
 */
public record Pick(int item, float score, List<Explanation> reasons) implements java.io.Serializable {
  public Pick {
    reasons = List.copyOf(reasons); // an immutable, serializable list
  }

  /** The picks with s_uj as their score, from the ranking scores the kernel ranked them by. */
  public static List<Pick> scored(List<Pick> picks, Aggregation aggregation) {
    return picks.stream().map(p -> new Pick(p.item, aggregation.score(p.score), p.reasons)).toList();
  }

  /**
   * The best {@code k} of two partial pick lists of one user (from different item blocks), in rank
   * order: higher score first, ties by lower item index — the order one pass over all items gives.
   */
  public static List<Pick> merge(List<Pick> a, List<Pick> b, int k) {
    List<Pick> all = new ArrayList<>(a.size() + b.size());
    all.addAll(a);
    all.addAll(b);
    all.sort((x, y) -> TopK.before(x.score, x.item, y.score, y.item) ? -1 : TopK.before(y.score, y.item, x.score, x.item) ? 1 : 0);
    return List.copyOf(all.subList(0, Math.min(k, all.size())));
  }
}
