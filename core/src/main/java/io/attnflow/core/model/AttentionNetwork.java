package io.attnflow.core.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The DL4J network that trains an {@link AttentionVertex}: input {@code items} [B, m+C] (history
 * item indices, oldest first and padded, then C candidates') goes through one embedding table
 * ({@code embed}, shared by history and candidates); input {@code weights} [B, m] carries the
 * history weights; the loss ({@link TrainingLoss}: binary cross-entropy on each σ score, or a softmax
 * over the C candidates' logits) applies to both scores of every candidate (labels [B, 2C]: the C
 * 0/1 labels, twice).
 */
public final class AttentionNetwork {
  /** The vertex's name in the graph; its parameters are {@code attention_Wt}, {@code attention_Wp}, ... */
  public static final String VERTEX = "attention";
  /** The embedding layer's name; its table is the parameter {@code embed_W}. */
  public static final String EMBED = "embed";

  private AttentionNetwork() {}

  /** The graph configuration for {@code shape} and C candidates per history, trained with Adam and BCE, seeded. */
  public static ComputationGraphConfiguration configuration(ModelShape shape, Aggregation aggregation, int candidates,
      double learningRate, double l2, long seed) {
    return configuration(shape, aggregation, candidates, learningRate, l2, seed, TrainingLoss.BCE);
  }

  /** The graph configuration for {@code shape} and C candidates per history, trained with Adam and {@code loss}, seeded. */
  public static ComputationGraphConfiguration configuration(ModelShape shape, Aggregation aggregation, int candidates,
      double learningRate, double l2, long seed, TrainingLoss loss) {
    boolean softmax = loss == TrainingLoss.SOFTMAX;
    return new NeuralNetConfiguration.Builder()
        .seed(seed)
        .dataType(DataType.FLOAT)
        .updater(new Adam(learningRate))
        .l2(l2)
        // Workspaces reuse memory that the SameDiff vertex's backward pass still reads in
        // DL4J 1.0.0-M2.1 (garbage reduction axes, wrong target shapes): off for this network.
        .trainingWorkspaceMode(WorkspaceMode.NONE)
        .inferenceWorkspaceMode(WorkspaceMode.NONE)
        .graphBuilder()
        .addInputs("items", "weights")
        .addLayer(EMBED, new EmbeddingSequenceLayer.Builder()
            .nIn(shape.items()).nOut(shape.dim()).inputLength(shape.history() + candidates).hasBias(false)
            .outputDataFormat(RNNFormat.NWC)
            .weightInit(new NormalDistribution(0, 0.1))
            .build(), "items")
        .addVertex(VERTEX, new AttentionVertex(shape.dim(), shape.projection(), shape.poolHidden(), shape.history(),
            candidates, seed, aggregation, softmax),
            EMBED, "weights")
        .addLayer("loss", (softmax ? new LossLayer.Builder(new GroupedSoftmaxLoss(2))
            : new LossLayer.Builder(LossFunctions.LossFunction.XENT)).activation(Activation.IDENTITY).build(), VERTEX)
        .setOutputs("loss")
        .build();
  }

  /** A new, initialised network trained with BCE. */
  public static ComputationGraph create(ModelShape shape, Aggregation aggregation, int candidates, double learningRate,
      double l2, long seed) {
    return create(shape, aggregation, candidates, learningRate, l2, seed, TrainingLoss.BCE);
  }

  /** A new, initialised network. */
  public static ComputationGraph create(ModelShape shape, Aggregation aggregation, int candidates, double learningRate,
      double l2, long seed, TrainingLoss loss) {
    ComputationGraph graph = new ComputationGraph(configuration(shape, aggregation, candidates, learningRate, l2, seed, loss));
    graph.init();
    return graph;
  }

  /**
   * One minibatch: row r is user history {@code hist[r]} (indices, oldest first, padded to m) with
   * {@code weights[r]} (0 on padding), candidates {@code cand[r]} (C each) and their labels (0 or 1).
   */
  public static MultiDataSet batch(int[][] hist, float[][] weights, int[][] cand, float[][] labels) {
    int b = cand.length;
    int m = hist[0].length;
    int c = cand[0].length;
    float[] items = new float[b * (m + c)];
    float[] w = new float[b * m];
    float[] y = new float[b * 2 * c];
    for (int r = 0; r < b; r++) {
      for (int i = 0; i < m; i++) {
        items[r * (m + c) + i] = hist[r][i];
        w[r * m + i] = weights[r][i];
      }
      for (int j = 0; j < c; j++) {
        items[r * (m + c) + m + j] = cand[r][j];
        y[r * 2 * c + j] = labels[r][j];
        y[r * 2 * c + c + j] = labels[r][j];
      }
    }
    INDArray[] features = {Nd4j.create(items, new long[] {b, m + c}, 'c'), Nd4j.create(w, new long[] {b, m}, 'c')};
    return new MultiDataSet(features, new INDArray[] {Nd4j.create(y, new long[] {b, 2L * c}, 'c')});
  }
}
