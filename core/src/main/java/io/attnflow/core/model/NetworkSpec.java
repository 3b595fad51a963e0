package io.attnflow.core.model;

/**
 * What the training network is: the model's shape and the choices that training makes with it.
 *
 * @param shape            the model's dimensions
 * @param window           L, the target positions of one training window
 * @param negatives        M, the negatives each window draws for its minibatch's pool
 * @param aggregation      how α over the history become a score
 * @param loss             what training minimises per position
 * @param alphaTemperature τ of α_ij = σ(θ_iᵀφ_j / τ + b): above 1 it keeps α off 0 and 1 while the
 *                         ranking logit ℓ_ij = θ_iᵀφ_j grows, so that α still tell items apart
 * @param contextBlocks    self-attention blocks that encode the history before θ ({@link HistoryEncoder}; 0: none)
 * @param dropout          the share of the item embeddings' values zeroed at random in each training step (0: none)
 * @param idDropout        for a model that reads content, the share of item occurrences (history items, targets and
 *                         negatives alike) whose learned id part training replaces with E_u, a learned id part shared
 *                         by every item without one, so that x_j = E_u + W_cᵀ c_j must stand for the item as it does
 *                         for an item scoring has never seen (0: none, and no E_u; DropoutNet's input dropout); an
 *                         item without content always keeps its id
 * @param weights          how histories are weighted (their decay; the event weights come with the data)
 * @param learningRate     Adam's learning rate
 * @param l2               L2 weight regularisation
 * @param lazyEmbedding    whether a step moves only the rows of the item embedding table that it touched
 *                         ({@link LazyAdam}) rather than every row (Adam)
 */
public record NetworkSpec(ModelShape shape, int window, int negatives, Aggregation aggregation, TrainingLoss loss,
    double alphaTemperature, int contextBlocks, double dropout, double idDropout, HistoryWeights weights,
    double learningRate, double l2, boolean lazyEmbedding) {
  public NetworkSpec {
    if (contextBlocks < 0 || !(dropout >= 0 && dropout < 1) || !(idDropout >= 0 && idDropout < 1)) {
      throw new IllegalArgumentException("Cannot encode histories with " + contextBlocks + " blocks, a dropout of "
          + dropout + " and an id dropout of " + idDropout + " (expected 0 or more blocks, dropouts in [0, 1))");
    }
    if (idDropout > 0 && shape.content() == 0) {
      throw new IllegalArgumentException("Cannot drop item ids (id dropout " + idDropout + ") in a model of ids alone: "
          + "an item without its id would be nothing");
    }
    if (window < 1 || negatives < 1 || !(alphaTemperature > 0)) {
      throw new IllegalArgumentException("Cannot train windows of " + window + " positions with " + negatives
          + " negatives at α temperature " + alphaTemperature + " (each must be positive)");
    }
  }

  /** With the embedding table trained lazily ({@link LazyAdam}), as training does by default. */
  public NetworkSpec(ModelShape shape, int window, int negatives, Aggregation aggregation, TrainingLoss loss,
      double alphaTemperature, int contextBlocks, double dropout, double idDropout, HistoryWeights weights,
      double learningRate, double l2) {
    this(shape, window, negatives, aggregation, loss, alphaTemperature, contextBlocks, dropout, idDropout, weights,
        learningRate, l2, true);
  }

  /**
   * A network of {@code shape} that is scored rather than trained (benchmarks, tests): interest
   * aggregation, α temperature 1, no history encoder or dropouts, windows of m positions, one negative, undecayed histories.
   */
  public static NetworkSpec basic(ModelShape shape) {
    return new NetworkSpec(shape, shape.history(), 1, Aggregation.INTEREST, TrainingLoss.SOFTMAX, 1, 0, 0, 0,
        new HistoryWeights(java.util.Map.of(), 0, 0, 0), 0.01, 0);
  }
}
