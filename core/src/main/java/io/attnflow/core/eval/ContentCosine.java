package io.attnflow.core.eval;

import io.attnflow.core.model.ItemContent;
import io.attnflow.core.model.UserHistory;

/**
 * The content-only baseline, relevance as the seed first measures it: the cosine between an item's content vector and
 * the user's content profile, the history-weighted sum of the unit content vectors of the history's items. No
 * interaction data beyond the user's own history, so it ranks an item no one has touched as well as any other. Items
 * without a content vector rank below every item with one; a history without content gives every item the same score.
 */
public final class ContentCosine implements Scorer {
  private static final long serialVersionUID = 1L;
  /** Below any cosine: the score of an item without content. */
  private static final float NO_CONTENT = -2f;
  private final int dim;
  /** Row-major [N × c]: each item's unit content vector, zeros when it has none. */
  private final float[] unit;
  private final boolean[] has;

  private ContentCosine(int dim, float[] unit, boolean[] has) {
    this.dim = dim;
    this.unit = unit;
    this.has = has;
  }

  public static ContentCosine of(ItemContent content) {
    int c = content.dim();
    float[] unit = content.vectors().clone();
    boolean[] has = new boolean[content.items()];
    for (int i = 0; i < has.length; i++) {
      double norm = 0;
      for (int d = 0; d < c; d++) {
        norm += (double) unit[i * c + d] * unit[i * c + d];
      }
      has[i] = norm > 0;
      for (int d = 0; d < c && has[i]; d++) {
        unit[i * c + d] /= (float) Math.sqrt(norm);
      }
    }
    return new ContentCosine(c, unit, has);
  }

  @Override
  public String name() {
    return "content_cosine";
  }

  @Override
  public void scoreAll(HeldOutCase c, float[] out) {
    UserHistory h = c.history();
    double[] profile = new double[dim];
    for (int r = 0; r < h.length(); r++) {
      int item = h.items()[r];
      for (int d = 0; d < dim; d++) {
        profile[d] += h.weights()[r] * unit[item * dim + d];
      }
    }
    double norm = 0;
    for (double p : profile) {
      norm += p * p;
    }
    double scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (int j = 0; j < out.length; j++) {
      if (!has[j]) {
        out[j] = NO_CONTENT;
        continue;
      }
      double dot = 0;
      for (int d = 0; d < dim; d++) {
        dot += unit[j * dim + d] * profile[d];
      }
      out[j] = (float) (dot * scale);
    }
  }
}
