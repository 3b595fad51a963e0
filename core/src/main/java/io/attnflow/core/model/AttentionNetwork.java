package io.attnflow.core.model;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The DL4J network that trains an {@link AttentionVertex} on {@link TrainingWindows}: input
 * {@code items} [B, L+1+N] (a window's items, then its negatives) goes through one embedding table
 * ({@code embed}, shared by history items, targets and negatives); input {@code context} [B, 3L+1]
 * goes to the vertex as it is, and so does input {@code content} [B, L+1+N, c], the items' content
 * vectors, when the model reads content ({@link ModelShape#content()}), and input {@code kept} [B, L+1+N] when training
 * drops item ids ({@link NetworkSpec#idDropout()}; not in the scoring form); the vertex computes each
 * window's loss and {@link InputAsLoss} hands it to DL4J.
 */
public final class AttentionNetwork {
  /** The vertex's name in the graph; its parameters are {@code attention_Wt}, {@code attention_Wp}, ... */
  public static final String VERTEX = "attention";
  /** The embedding layer's name; its table is the parameter {@code embed_W}. */
  public static final String EMBED = "embed";
  /** Dropout on the embeddings, training only (DL4J turns it off for output()). */
  private static final String DROPOUT = "dropout";

  private AttentionNetwork() {}

  /**
   * The graph configuration, trained with Adam (the embedding table with {@link LazyAdam} if the spec says so), seeded;
   * with {@code scores} it outputs scores instead of the loss.
   */
  public static ComputationGraphConfiguration configuration(NetworkSpec spec, long seed, boolean scores) {
    ModelShape shape = spec.shape();
    ComputationGraphConfiguration.GraphBuilder graph = new NeuralNetConfiguration.Builder()
        .seed(seed)
        .dataType(DataType.FLOAT)
        .updater(new Adam(spec.learningRate()))
        .l2(spec.l2())
        // Workspaces reuse memory that the SameDiff vertex's backward pass still reads in
        // DL4J 1.0.0-M2.1 (garbage reduction axes, wrong target shapes): off for this network.
        .trainingWorkspaceMode(WorkspaceMode.NONE)
        .inferenceWorkspaceMode(WorkspaceMode.NONE)
        .graphBuilder()
        .addInputs(inputs(spec, scores, "items"))
        .addLayer(EMBED, new EmbeddingSequenceLayer.Builder()
            .nIn(shape.items()).nOut(shape.dim()).inputLength(spec.window() + 1 + spec.negatives()).hasBias(false)
            .outputDataFormat(RNNFormat.NWC)
            .weightInit(new NormalDistribution(0, 0.1))
            .updater(spec.lazyEmbedding() ? new LazyAdam(spec.learningRate()) : new Adam(spec.learningRate()))
            .build(), "items");
    String embedded = EMBED;
    if (spec.dropout() > 0) {
      graph.addLayer(DROPOUT, new DropoutLayer.Builder(1 - spec.dropout()).build(), EMBED); // DL4J's value: the share kept
      embedded = DROPOUT;
    }
    AttentionVertex vertex = new AttentionVertex(spec, seed, scores);
    return graph
        .addVertex(VERTEX, vertex, vertexInputs(spec, scores, embedded, vertex.ownLeftOut()))
        .addLayer("loss", new LossLayer.Builder(new InputAsLoss()).activation(Activation.IDENTITY).build(), VERTEX)
        .setOutputs("loss")
        .build();
  }

  /** The network's inputs, or with the embedded items first, the vertex's first ({@link #vertexInputs}). */
  private static String[] inputs(NetworkSpec spec, boolean scores, String items) {
    return spec.idDropout() > 0 && !scores ? new String[] {items, "context", "content", "kept"}
        : spec.shape().content() > 0 ? new String[] {items, "context", "content"} : new String[] {items, "context"};
  }

  /**
   * The vertex's inputs: the network's with the embedded items first, and the items' indices too when the vertex leaves
   * each window's own items out of its pool.
   */
  private static String[] vertexInputs(NetworkSpec spec, boolean scores, String embedded, boolean ids) {
    List<String> inputs = new ArrayList<>(List.of(inputs(spec, scores, embedded)));
    if (ids) {
      inputs.add("items");
    }
    return inputs.toArray(String[]::new);
  }

  /** A new, initialised training network. */
  public static ComputationGraph create(NetworkSpec spec, long seed) {
    ComputationGraph graph = new ComputationGraph(configuration(spec, seed, false));
    graph.init();
    return graph;
  }

  /**
   * Sets the Adam learning rate of every parameter of the network, in place: the updaters of the running network
   * read it at their next step, and the configuration (which dl4j-spark ships to its workers at every averaging
   * round) carries it. (DL4J's {@code NetworkUtils.setLearningRate} reaches layers only, not the SameDiff vertex.)
   */
  public static void setLearningRate(ComputationGraph network, double learningRate) {
    for (GraphVertex vertex : network.getConfiguration().getVertices().values()) {
      if (vertex instanceof LayerVertex layer && layer.getLayerConf().getLayer() instanceof BaseLayer base) {
        setRate(base.getIUpdater(), learningRate);
        setRate(base.getBiasUpdater(), learningRate);
      } else if (vertex instanceof AttentionVertex attention) {
        setRate(attention.getUpdater(), learningRate);
        setRate(attention.getBiasUpdater(), learningRate);
      }
    }
  }

  /** Sets an Adam's rate; null is a part without parameters (the loss layer). */
  private static void setRate(IUpdater updater, double learningRate) {
    if (updater instanceof Adam adam) {
      adam.setLearningRate(learningRate);
    } else if (updater != null) {
      throw new IllegalStateException("Expected the network to train with Adam, found " + updater);
    }
  }

  /**
   * Replaces the learned id embeddings of {@code items} with the id part of an item without one, in place: E_u in a
   * network trained with id dropout, zeros otherwise. For a content model, these are the items no training event had
   * (they met training only as sampled negatives, which pushed their ids down, never up). Such an item is then placed by
   * its content, as scoring places an item it never saw ({@link AttentionModel#withNewItems}).
   */
  public static void forgetIds(ComputationGraph network, int[] items) {
    org.nd4j.linalg.api.ndarray.INDArray table = network.paramTable().get(EMBED + "_W"); // a view of the parameters
    org.nd4j.linalg.api.ndarray.INDArray unknown = network.paramTable().get(VERTEX + "_" + AttentionVertex.UNKNOWN_ID);
    for (int i : items) {
      if (unknown == null) {
        table.getRow(i).assign(0);
      } else {
        table.getRow(i).assign(unknown.reshape(table.columns()));
      }
    }
  }

  /**
   * DL4J's own evaluation of a trained network: the same network and parameters, with windows of
   * {@code candidates} negatives, outputting for every window position the scores of its own item and
   * of those candidates (z, then p; see {@link AttentionVertex}). With a window from
   * {@link TrainingWindows#at}, the last position's z are a user's scores; the reference that the
   * scoring kernel's parity is checked against.
   */
  public static ComputationGraph scoring(ComputationGraph trained, int candidates) {
    AttentionVertex vertex = (AttentionVertex) trained.getConfiguration().getVertices().get(VERTEX);
    NetworkSpec spec = vertex.spec((int) trained.paramTable().get(EMBED + "_W").rows(), candidates);
    ComputationGraph graph = new ComputationGraph(configuration(spec, vertex.seed(), true));
    graph.init(trained.params().dup(), true);
    return graph;
  }
}
