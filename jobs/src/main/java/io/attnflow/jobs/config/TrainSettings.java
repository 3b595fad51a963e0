package io.attnflow.jobs.config;

import io.attnflow.core.model.Aggregation;
import io.attnflow.core.model.ModelShape;
import io.attnflow.core.model.NetworkSpec;
import io.attnflow.core.model.TrainingLoss;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Everything the train job reads from configuration ({@code warehouse}, {@code model.*}, {@code train.*}), validated. */
public record TrainSettings(
    String warehouse,
    ModelSettings model,
    Aggregation aggregation,
    TrainingLoss loss,
    int dim,
    int projection,
    int poolHidden,
    int negatives,
    double popularNegatives,
    double impressionNegatives,
    double coldStartItems,
    double alphaTemperature,
    int contextBlocks,
    boolean content,
    double dropout,
    double idDropout,
    int epochs,
    int patience,
    int averageEpochs,
    double learningRate,
    LearningRateDecay learningRateDecay,
    double l2,
    boolean lazyEmbedding,
    int batchSize,
    int averagingFrequency,
    int chunkSplits,
    long seed,
    int validationNegatives,
    int validationUsers,
    double promotionTolerance) {

  static TrainSettings from(ConfigReader r, ModelSettings model) {
    return new TrainSettings(
        r.nonEmptyString("warehouse"),
        model,
        Aggregation.valueOf(r.oneOf("train.aggregation", List.of("interest", "mean")).toUpperCase(java.util.Locale.ROOT)),
        TrainingLoss.ofConfigName(r.oneOf("train.loss",
            java.util.Arrays.stream(TrainingLoss.values()).map(TrainingLoss::configName).toList())),
        r.intIn("train.dim", 1, 4096),
        r.intIn("train.projection", 1, 4096),
        r.intIn("train.pool-hidden", 1, 4096),
        r.intIn("train.negatives", 1, 100_000),
        r.doubleIn("train.popular-negatives", 0, 1),
        r.doubleIn("train.impression-negatives", 0, 1),
        r.doubleIn("train.cold-start-items", 0, 0.5),
        r.doubleIn("train.alpha-temperature", 1e-3, 1e6),
        r.intIn("train.context-blocks", 0, 16),
        r.bool("train.content"),
        r.doubleIn("train.dropout", 0, 0.95),
        r.doubleIn("train.id-dropout", 0, 0.95),
        r.intIn("train.epochs", 1, 1000),
        r.intIn("train.patience", 1, 1000),
        r.intIn("train.average-epochs", 1, 100),
        r.doubleIn("train.learning-rate", 1e-7, 1.0),
        LearningRateDecay.valueOf(r.oneOf("train.learning-rate-decay", List.of("none", "cosine"))
            .toUpperCase(java.util.Locale.ROOT)),
        r.doubleIn("train.l2", 0, 1.0),
        r.bool("train.lazy-embedding"),
        r.intIn("train.batch-size", 2, 1 << 16), // one-window minibatches sit out (TrainJob)
        r.intIn("train.averaging-frequency", 1, 10_000),
        r.intIn("train.chunk-splits", 1, 1_000_000),
        r.intIn("train.seed", 0, Integer.MAX_VALUE),
        r.intIn("train.validation-negatives", 1, 100_000),
        r.intIn("train.validation-users", 1, Integer.MAX_VALUE),
        r.doubleIn("train.promotion-tolerance", 0, 1));
  }

  /**
   * The training network for a model of {@code shape}: windows of m target positions, each drawing
   * its share of the minibatch's pool of {@code train.negatives}.
   */
  public NetworkSpec network(ModelShape shape) {
    return new NetworkSpec(shape, model.historyLength(), (negatives + batchSize - 1) / batchSize, aggregation, loss,
        alphaTemperature, contextBlocks, dropout, shape.content() > 0 ? idDropout : 0, model.weights(), learningRate, l2,
        lazyEmbedding);
  }

  /** How the learning rate changes from epoch to epoch. */
  public enum LearningRateDecay { NONE, COSINE }

  /**
   * The learning rate of epoch e (1-based) of E = {@code train.epochs}: {@code train.learning-rate} throughout, or
   * with cosine decay lr · (1 + cos(π (e − 1) / E)) / 2, from lr at the first epoch down to about lr · (π / 2E)² at
   * the last.
   */
  public double learningRate(int epoch) {
    return learningRateDecay == LearningRateDecay.NONE ? learningRate
        : learningRate * (1 + Math.cos(Math.PI * (epoch - 1) / epochs)) / 2;
  }

  /** The settings as the model manifest records them. */
  public Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("history_length", model.historyLength());
    m.put("event_weights", model.weights().eventWeights());
    m.put("half_life_days", model.weights().halfLifeDays());
    m.put("half_life_events", model.weights().halfLifeEvents());
    m.put("decay_floor", model.weights().decayFloor());
    m.put("aggregation", aggregation.name().toLowerCase(java.util.Locale.ROOT));
    m.put("loss", loss.configName());
    m.put("dim", dim);
    m.put("projection", projection);
    m.put("pool_hidden", poolHidden);
    m.put("negatives", negatives);
    m.put("popular_negatives", popularNegatives);
    m.put("impression_negatives", impressionNegatives);
    m.put("cold_start_items", coldStartItems);
    m.put("alpha_temperature", alphaTemperature);
    m.put("context_blocks", contextBlocks);
    m.put("content", content);
    m.put("dropout", dropout);
    m.put("id_dropout", idDropout);
    m.put("epochs", epochs);
    m.put("patience", patience);
    m.put("average_epochs", averageEpochs);
    m.put("learning_rate", learningRate);
    m.put("learning_rate_decay", learningRateDecay.name().toLowerCase(java.util.Locale.ROOT));
    m.put("l2", l2);
    m.put("lazy_embedding", lazyEmbedding);
    m.put("batch_size", batchSize);
    m.put("averaging_frequency", averagingFrequency);
    m.put("chunk_splits", chunkSplits);
    m.put("seed", seed);
    m.put("validation_negatives", validationNegatives);
    return m;
  }
}
