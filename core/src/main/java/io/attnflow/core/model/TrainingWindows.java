package io.attnflow.core.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Training windows from a user's training sequence: its events cut, from the newest backwards, into
 * windows of L + 1 items whose last L are predicted, each from the items before it in the window
 * (the {@link AttentionVertex} weighs them, the newest m at most), against M negatives drawn for
 * the window by the {@link NegativeSampler} among the items the user never touched in training, which join
 * the negatives of the other windows of its minibatch in one pool. A window's first position
 * therefore sees a shorter history than it would at scoring time when the user has older events; the
 * newest window, the one nearest scoring, sees all it can.
 * The random source is the caller's, so a seed per (epoch, user) makes every epoch reproducible.
 */
public final class TrainingWindows {
  /**
   * One window, padded on the left (padding: item 0, event weight 0, not counted).
   *
   * @param items     L + 1 item indices, oldest first
   * @param events    the event weight of items 0..L−1 as history items
   * @param counted   1 where item t + 1 is a training target, else 0
   * @param days      the time of each of the L + 1 items in days, relative to the newest
   * @param negatives M item indices the user never touched in training
   */
  public record Window(int[] items, float[] events, float[] counted, float[] days, int[] negatives)
      implements java.io.Serializable {
    /**
     * The leading slots this window does not use ({@link TrainingWindows#unusedSlots(float[], int, float[], int, int)}):
     * padding before the user's oldest event.
     */
    public int unusedSlots() {
      return TrainingWindows.unusedSlots(events, 0, counted, 0, events.length);
    }

    /** The target positions that count. */
    public int targets() {
      int n = 0;
      for (float c : counted) {
        n += c > 0 ? 1 : 0;
      }
      return n;
    }
  }

  private TrainingWindows() {}

  /**
   * How many of a window's first slots it does not use, from its event weights at {@code events[eventsAt ..]} and its
   * counted flags at {@code counted[countedAt ..]} (L each): the slots before the first that is a history item (an
   * event weight other than 0) or a counted position, at most L − 1. Such a slot changes neither a step's loss nor any
   * of its gradients, so a training step leaves out the slots that none of its windows uses ({@link StepPass}).
   */
  static int unusedSlots(float[] events, int eventsAt, float[] counted, int countedAt, int window) {
    int slot = 0;
    while (slot < window - 1 && events[eventsAt + slot] == 0 && counted[countedAt + slot] == 0) {
      slot++;
    }
    return slot;
  }

  /**
   * @param seen the items of the user's training events, sorted ({@link UserSequence#sortedItems()}), never sampled as
   *     negatives
   */
  public static List<Window> of(UserSequence train, int[] seen, int window, HistoryWeights weights, int negatives,
      NegativeSampler sampler, SplittableRandom random) {
    return of(train, seen, new int[0], window, weights, negatives, sampler, random);
  }

  /**
   * @param seen  the items of the user's training events, sorted ({@link UserSequence#sortedItems()}), never sampled as
   *     negatives
   * @param shown the items the user was shown and did not click, which a sampler with impressions draws from
   */
  public static List<Window> of(UserSequence train, int[] seen, int[] shown, int window, HistoryWeights weights,
      int negatives, NegativeSampler sampler, SplittableRandom random) {
    List<Window> out = new ArrayList<>();
    if (!sampler.canDraw(seen)) {
      return out; // nothing left to sample negatives from
    }
    for (int end = train.length() - 1; end >= 1; end -= window) {
      Window w = window(train, end, window, weights, negatives, sampler, seen, shown, random);
      if (w.targets() > 0) {
        out.add(w);
      }
    }
    return out;
  }

  /**
   * How many windows {@link #of} cuts from a training sequence of {@code length} events: one window ending at each of
   * positions length − 1, length − 1 − window, … down to 1 (a window with no counted target is then dropped, so this is
   * at most that many).
   */
  public static int count(int length, int window) {
    return length < 2 ? 0 : (length - 2) / window + 1;
  }

  private static Window window(UserSequence s, int end, int window, HistoryWeights weights, int negatives,
      NegativeSampler sampler, int[] seen, int[] shown, SplittableRandom random) {
    int[] items = new int[window + 1];
    float[] events = new float[window];
    float[] counted = new float[window];
    float[] days = new float[window + 1];
    int first = end - window; // the sequence position of window slot 0
    fill(s, first, window + 1, s.ts()[end], weights, items, events, days);
    for (int slot = 1; slot <= window; slot++) {
      int p = first + slot;
      if (p > 0 && weights.counts(s.events()[p])) {
        counted[slot - 1] = 1;
      }
    }
    int[] neg = new int[negatives];
    for (int j = 0; j < negatives; j++) {
      neg[j] = sampler.sample(seen, shown, random);
    }
    return new Window(items, events, counted, days, neg);
  }

  /**
   * Where a minibatch's pool holds a window's own items, [B × N] row-major with N = B·M: true at (b, j) when pooled
   * negative j (the (j mod M)-th of window j / M) is one of window b's items, a history item (an event weight above 0)
   * or a counted target. Such a negative is one the user chose, not one passed over, so it leaves window b's softmax
   * ({@link PoolHead}, {@link AttentionVertex}); a window's own negatives are never its items
   * ({@link NegativeSampler}).
   * Null when the pool holds none.
   *
   * @param items   the minibatch's {@code items} input [B, L+1+M] ({@link #batch})
   * @param context its {@code context} input [B, 3L+1]
   */
  static boolean[] ownInPool(float[] items, float[] context, int batch, int window, int negatives) {
    int slots = window + 1 + negatives;
    int width = 3 * window + 1;
    int n = batch * negatives;
    int[][] own = new int[batch][];
    for (int b = 0; b < batch; b++) {
      int[] mine = new int[window + 1];
      int count = 0;
      for (int t = 0; t <= window; t++) {
        boolean history = t < window && context[b * width + t] != 0;
        boolean target = t >= 1 && context[b * width + window + t - 1] != 0;
        if (history || target) {
          mine[count++] = (int) items[b * slots + t];
        }
      }
      own[b] = Arrays.copyOf(mine, count);
      Arrays.sort(own[b]);
    }
    boolean[] excluded = null;
    for (int j = 0; j < n; j++) {
      int item = (int) items[(j / negatives) * slots + window + 1 + j % negatives];
      for (int b = 0; b < batch; b++) {
        if (Arrays.binarySearch(own[b], item) >= 0) {
          if (excluded == null) {
            excluded = new boolean[batch * n];
          }
          excluded[b * n + j] = true;
        }
      }
    }
    return excluded;
  }

  /**
   * The window that asks a network for a user's scores of {@code candidates} as of {@code refMicros}:
   * the user's last L events in its history slots, the first candidate as the predicted item and all
   * of them as its negatives; the last position's scores ({@link AttentionNetwork#scoring}) are then
   * the user's, with the history weighted as scoring weighs it.
   */
  public static Window at(UserSequence s, long refMicros, int window, HistoryWeights weights, int[] candidates) {
    int[] items = new int[window + 1];
    float[] events = new float[window];
    float[] counted = new float[window];
    float[] days = new float[window + 1];
    fill(s, s.length() - window, window, refMicros, weights, items, events, days);
    items[window] = candidates[0];
    counted[window - 1] = 1;
    return new Window(items, events, counted, days, candidates.clone());
  }

  /**
   * Fills {@code slots} slots from sequence position {@code first} on (slots before position 0 stay
   * padding): the item, its event weight as a history item (slots below L only) and its time in days
   * relative to {@code refMicros}.
   */
  private static void fill(UserSequence s, int first, int slots, long refMicros, HistoryWeights weights, int[] items,
      float[] events, float[] days) {
    for (int slot = Math.max(0, -first); slot < slots; slot++) {
      int p = first + slot;
      items[slot] = s.items()[p];
      days[slot] = (float) ((s.ts()[p] - refMicros) / HistoryWeights.MICROS_PER_DAY);
      if (slot < events.length) {
        events[slot] = (float) weights.eventWeight(s.events()[p]);
      }
    }
  }

  /**
   * A training minibatch: features {@code items} [B, L+1+M] and {@code context} [B, 3L+1], then, when
   * {@code content} is not null, {@code content} [B, L+1+M, c] (the same items' content vectors), then, when
   * {@code idDropout} is above 0, {@code kept} [B, L+1+M] as {@link #kept} draws it from {@code random}; labels unused
   * [B, 1].
   */
  public static MultiDataSet batch(List<Window> windows, ItemContent content, double idDropout, SplittableRandom random) {
    return batch(windows, content, kept(windows, content, idDropout, random));
  }

  /**
   * The keep flags of a minibatch's item occurrences ([B, L+1+M], row-major): 0 for each occurrence of an item with
   * content whose id part is dropped, with probability {@code idDropout} drawn from {@code random}, else 1
   * ({@link NetworkSpec#idDropout()}); null when {@code idDropout} is 0.
   */
  public static float[] kept(List<Window> windows, ItemContent content, double idDropout, SplittableRandom random) {
    if (idDropout <= 0) {
      return null;
    }
    if (content == null) {
      throw new IllegalArgumentException("Cannot drop the ids of items without content (id dropout " + idDropout + ")");
    }
    int l = windows.get(0).events().length;
    int t = l + 1 + windows.get(0).negatives().length;
    float[] kept = new float[windows.size() * t];
    for (int r = 0; r < windows.size(); r++) {
      Window w = windows.get(r);
      for (int i = 0; i < t; i++) {
        int item = i <= l ? w.items()[i] : w.negatives()[i - l - 1];
        kept[r * t + i] = random.nextDouble() < idDropout && content.has(item) ? 0 : 1;
      }
    }
    return kept;
  }

  /** {@link #batch(List, ItemContent, double, SplittableRandom)} with the keep flags drawn ({@link #kept}; null: none). */
  public static MultiDataSet batch(List<Window> windows, ItemContent content, float[] kept) {
    int b = windows.size();
    int l = windows.get(0).events().length;
    int n = windows.get(0).negatives().length;
    int t = l + 1 + n;
    float[] items = new float[b * t];
    float[] context = new float[b * (3 * l + 1)];
    float[] vectors = content == null ? null : new float[b * t * content.dim()];
    for (int r = 0; r < b; r++) {
      Window w = windows.get(r);
      int at = r * t;
      for (int i = 0; i <= l; i++) {
        items[at + i] = w.items()[i];
      }
      for (int j = 0; j < n; j++) {
        items[at + l + 1 + j] = w.negatives()[j];
      }
      if (content != null) {
        content.gather(w.items(), vectors, at * content.dim());
        content.gather(w.negatives(), vectors, (at + l + 1) * content.dim());
      }
      int c = r * (3 * l + 1);
      System.arraycopy(w.events(), 0, context, c, l);
      System.arraycopy(w.counted(), 0, context, c + l, l);
      System.arraycopy(w.days(), 0, context, c + 2 * l, l + 1);
    }
    List<INDArray> features = new ArrayList<>(List.of(Nd4j.create(items, new long[] {b, t}, 'c'),
        Nd4j.create(context, new long[] {b, 3L * l + 1}, 'c')));
    if (content != null) {
      features.add(Nd4j.create(vectors, new long[] {b, t, content.dim()}, 'c'));
    }
    if (kept != null) {
      features.add(Nd4j.create(kept, new long[] {b, t}, 'c'));
    }
    return new MultiDataSet(features.toArray(INDArray[]::new),
        new INDArray[] {Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, b, 1)});
  }

  /** {@link #batch(List, ItemContent, double, SplittableRandom)} with every item keeping its id. */
  public static MultiDataSet batch(List<Window> windows, ItemContent content) {
    return batch(windows, content, 0, null);
  }

  /** {@link #batch(List, ItemContent, double, SplittableRandom)} of a model whose items are ids only. */
  public static MultiDataSet batch(List<Window> windows) {
    return batch(windows, null, 0, null);
  }
}
