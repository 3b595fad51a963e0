package io.attnflow.core.model;

/**
 * The dimensions of an attention model.
 *
 * @param items      vocabulary size N (rows of the embedding table)
 * @param dim        item embedding size d
 * @param projection θ/φ size k
 * @param poolHidden hidden size of the additive attention pooling
 * @param history    history length m (the most recent m events)
 * @param content    c, the length of the item content vectors the model reads ({@link ItemContent}); 0: items are ids only
 */
public record ModelShape(int items, int dim, int projection, int poolHidden, int history, int content)
    implements java.io.Serializable {
  public ModelShape {
    if (items < 1 || dim < 1 || projection < 1 || poolHidden < 1 || history < 1 || content < 0) {
      throw new IllegalArgumentException("Cannot shape a model with " + items + " items, d=" + dim + ", k=" + projection
          + ", pool=" + poolHidden + ", m=" + history + ", content=" + content
          + " (every dimension must be at least 1, the content length at least 0)");
    }
  }

  /** A model whose items are ids only (no content). */
  public ModelShape(int items, int dim, int projection, int poolHidden, int history) {
    this(items, dim, projection, poolHidden, history, 0);
  }
}
