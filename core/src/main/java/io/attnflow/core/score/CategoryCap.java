package io.attnflow.core.score;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * At most {@code perCategory} picks of one category in a user's top K (DESIGN §4's candidate rules,
 * {@code score.categories.max-per-user}), applied where candidates are kept, not after: a post-filter would leave
 * fewer than K. An item can be picked only if it is among the best min(cap, K) of its category (or, without a
 * category, among the best K of those), so the kernel keeps a bounded heap per category ({@link #heap}), partial
 * lists from item blocks keep just those ({@link #trim}), and the top K is taken greedily in rank order, skipping
 * items of full categories ({@link #select}). The result is exactly the greedy capped top K over all items.
 *
 * @param categoryOf  per item index, its category's index, or -1 for none (items past the end have none)
 * @param perCategory the cap; 0 = none
 */
public record CategoryCap(int[] categoryOf, int perCategory) implements java.io.Serializable {
  /** No cap. */
  public static final CategoryCap NONE = new CategoryCap(new int[0], 0);

  private boolean active() {
    return perCategory > 0;
  }

  private int category(int item) {
    return item < categoryOf.length ? categoryOf[item] : -1;
  }

  /** The user's candidate heap for a top {@code k}, each bound padded to {@code kept(bound)}. */
  CandidateHeap heap(int k, java.util.function.IntUnaryOperator kept) {
    return new CandidateHeap(k, kept);
  }

  /** What can still be picked of a rank-ordered list: per category its best min(cap, k), without one the best k. */
  public List<Pick> trim(List<Pick> ranked, int k) {
    if (!active()) {
      return List.copyOf(ranked.subList(0, Math.min(k, ranked.size())));
    }
    Map<Integer, Integer> kept = new HashMap<>();
    List<Pick> out = new ArrayList<>();
    for (Pick p : ranked) {
      int c = category(p.item());
      int n = kept.merge(c, 1, Integer::sum);
      if (n <= (c < 0 ? k : Math.min(perCategory, k))) {
        out.add(p);
      }
    }
    return List.copyOf(out);
  }

  /** The top {@code k} of a rank-ordered list, taking at most the cap from each category. */
  public List<Pick> select(List<Pick> ranked, int k) {
    if (!active()) {
      return List.copyOf(ranked.subList(0, Math.min(k, ranked.size())));
    }
    Map<Integer, Integer> taken = new HashMap<>();
    List<Pick> out = new ArrayList<>(k);
    for (Pick p : ranked) {
      if (out.size() == k) {
        break;
      }
      int c = category(p.item());
      if (c < 0 || taken.merge(c, 1, Integer::sum) <= perCategory) {
        out.add(p);
      }
    }
    return List.copyOf(out);
  }

  /** One user's candidates: one bounded heap without a cap, else one per category and one for items without. */
  final class CandidateHeap {
    private final java.util.function.IntUnaryOperator kept;
    private final TopK uncategorized;
    private final Map<Integer, TopK> byCategory = new HashMap<>();
    private final int perCategoryBound;

    private CandidateHeap(int k, java.util.function.IntUnaryOperator kept) {
      this.kept = kept;
      this.uncategorized = new TopK(kept.applyAsInt(k));
      this.perCategoryBound = Math.min(perCategory, k);
    }

    void offer(int item, float score) {
      int c = active() ? category(item) : -1;
      if (c < 0) {
        uncategorized.offer(item, score);
      } else {
        byCategory.computeIfAbsent(c, x -> new TopK(kept.applyAsInt(perCategoryBound))).offer(item, score);
      }
    }

    /** Every kept item, in no particular order. */
    int[] items() {
      List<int[]> parts = new ArrayList<>();
      parts.add(uncategorized.items());
      byCategory.values().forEach(h -> parts.add(h.items()));
      return parts.stream().flatMapToInt(java.util.Arrays::stream).toArray();
    }
  }
}
