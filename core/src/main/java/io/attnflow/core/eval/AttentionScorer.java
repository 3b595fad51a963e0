package io.attnflow.core.eval;

import io.attnflow.core.model.AttentionModel;
import io.attnflow.core.score.ItemBlock;
import io.attnflow.core.score.ScoringKernel;
import java.util.Arrays;
import java.util.List;

/**
 * The attention model as a {@link Scorer}: its ranking score (monotone in s_uj), computed by the
 * {@link ScoringKernel} that the nightly job scores with, so that the quality evaluation reports is
 * the quality the job writes, one held-out case at a time. Serializable (the model). A kernel is not
 * thread-safe and Spark's tasks share a broadcast scorer within an executor, so each thread makes its
 * own kernel and vocabulary block on first use.
 */
public final class AttentionScorer implements Scorer {
  private static final long serialVersionUID = 3L;

  /** One thread's kernel and the whole vocabulary as one block. */
  private record Scratch(ScoringKernel kernel, ItemBlock vocabulary) {}

  private final AttentionModel model;
  private transient volatile ThreadLocal<Scratch> scratch;

  public AttentionScorer(AttentionModel model) {
    this.model = model;
  }

  @Override
  public String name() {
    return "attention";
  }

  @Override
  public void scoreAll(HeldOutCase c, float[] out) {
    if (c.history().length() == 0) {
      Arrays.fill(out, 0f);
      return;
    }
    Scratch s = scratch().get();
    s.kernel().rankingScores(List.of(c.history()), s.vocabulary(), out);
  }

  private ThreadLocal<Scratch> scratch() {
    ThreadLocal<Scratch> local = scratch;
    if (local == null) {
      synchronized (this) {
        if (scratch == null) {
          scratch = ThreadLocal.withInitial(() -> {
            int[] all = new int[model.vocabulary().size()];
            Arrays.setAll(all, i -> i);
            return new Scratch(ScoringKernel.oneUserAtATime(model), ItemBlock.of(model, all));
          });
        }
        local = scratch;
      }
    }
    return local;
  }
}
