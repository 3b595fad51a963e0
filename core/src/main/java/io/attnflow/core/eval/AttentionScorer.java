package io.attnflow.core.eval;

import io.attnflow.core.model.AttentionModel;
import io.attnflow.core.model.UserHistory;
import java.util.List;

/** The attention model as a {@link Scorer}: its ranking score (monotone in s_uj). */
public record AttentionScorer(AttentionModel model) implements Scorer {
  @Override
  public String name() {
    return "attention";
  }

  @Override
  public void scoreAll(HeldOutCase c, float[] out) {
    UserHistory history = c.history();
    if (history.length() == 0) {
      java.util.Arrays.fill(out, 0f);
      return;
    }
    int[] all = new int[out.length];
    java.util.Arrays.setAll(all, i -> i);
    System.arraycopy(model.rankingScores(List.of(history), all), 0, out, 0, out.length);
  }
}
