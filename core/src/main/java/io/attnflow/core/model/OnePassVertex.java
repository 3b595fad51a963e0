package io.attnflow.core.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.samediff.SameDiffGraphVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.ExternalErrorsFunction;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The {@link AttentionVertex} in a network: a training step's forward and backward passes in one SameDiff execution.
 *
 * <p>DL4J 1.0.0-M2.1's {@link SameDiffGraphVertex} runs the vertex's graph forward for its output, then, in the
 * backward pass, SameDiff's gradient function, which runs every forward op again before the backward ops: a step
 * computed its [B, L, N] tensors twice. The gradient that comes back to this vertex is known before the backward pass
 * starts: {@link InputAsLoss} gives 1 for every window. So a training forward pass here asks SameDiff for the output
 * and the gradients at once ({@code calculateGradientsAndOutputs}, one execution of the gradient function with that
 * gradient of ones), keeps the gradients, and the backward pass hands them to DL4J. A backward pass that finds any
 * other gradient, or other inputs, computes its own as DL4J does; a forward pass outside training is DL4J's. Only the
 * gradients someone reads are asked for: the parameters' and the embedded items'; the network's own inputs (context,
 * content vectors, keep flags) get zeros, as DL4J drops what it is handed for them.
 *
 * <p>dl4j-spark builds a new network for every split of an epoch it fits (ML-1M: dozens an epoch on each worker), and
 * DL4J's vertex builds its SameDiff graph and that graph's gradient function anew in each, cloning every op through
 * FlatBuffers, and with them new sessions whose array caches start empty. Here the graph a thread last built is kept
 * for the next network of the same configuration on that thread, with its gradient function and warm caches, and every
 * pass binds the current network's parameter arrays to it first.
 *
 * <p>When the vertex leaves a step's pool part to the {@link PoolHead} ({@link AttentionVertex#handHead()}), a pass
 * runs SameDiff's graph forward to the values the head reads, then the head, then the graph's gradient function fed
 * with the head's gradients of those values: the graph's small forward ops run twice, its [B, L, N] work not at all.
 *
 * <p>When the vertex leaves a step's history encoder to the {@link EncoderPass} ({@link AttentionVertex#handEncoder()}),
 * a pass first composes the history slots' items as the graph would (id part, E_u where ids are dropped, content's
 * projection) and encodes them by hand; the graph reads the encoded slots as a placeholder and gives back their
 * gradient, from which the pass's backward pass gives the encoder's parameters' gradients and carries its input's on
 * to the items' embeddings, E_u and W_c.
 *
 * <p>When the whole step is by hand ({@link AttentionVertex#handStep()}, every softmax training network), a pass is the
 * {@link StepPass}'s alone: the SameDiff graph is neither built nor run.
 */
final class OnePassVertex extends SameDiffGraphVertex {
  /**
   * The gradients of the last training forward pass, by variable name (parameters, and the inputs that come from
   * another vertex: the embedded items; the network's own inputs get none); null when spent.
   */
  private Map<String, INDArray> kept;
  /** The inputs they were computed for. */
  private INDArray[] keptFor;

  /** The SameDiff graph this thread built last, for the next network of the same configuration and input shapes. */
  private static final ThreadLocal<Built> LAST_BUILT = new ThreadLocal<>();
  /** The step by hand this thread built last ({@link AttentionVertex#handStep()}), for the next network of its kind. */
  private static final ThreadLocal<Map.Entry<AttentionVertex, StepPass>> LAST_STEP = new ThreadLocal<>();

  private record Built(Object key, SameDiff sameDiff, Map<String, SDVariable> inputVars, SDVariable outputVar,
      ExternalErrorsFunction fn, PoolHead head, EncoderPass encoder) {}

  /** This thread's pool head, for a vertex with {@link AttentionVertex#handHead()}. */
  private PoolHead head;
  /** This thread's history encoder, for a vertex with {@link AttentionVertex#handEncoder()}. */
  private EncoderPass encoder;
  /** What the encoder's backward pass reads of the last training forward pass: the history slots' kept ids, content. */
  private float[] keptHistory;
  private float[] contentHistory;

  OnePassVertex(SameDiffVertex config, ComputationGraph graph, String name, int index, INDArray params,
      boolean initialize, DataType dataType) {
    super(config, graph, name, index, params, initialize, dataType);
  }

  /** DL4J's graph of this vertex with its gradient function: this thread's last one when its configuration matches. */
  @Override
  protected void doInit() {
    List<Object> key = new ArrayList<>(List.of(config));
    for (INDArray input : inputs) {
      key.add(List.of(Arrays.stream(input.shape()).skip(1).boxed().toArray()));
    }
    Built built = LAST_BUILT.get();
    if (built == null || !built.key().equals(key)) {
      super.doInit();
      AttentionVertex vertex = (AttentionVertex) config;
      List<String> differentiated = new ArrayList<>(config.getVertexParams().getInputs()); // inputs' too, as DL4J's
      if (vertex.handEncoder()) {
        differentiated.add(AttentionVertex.ENCODED);
      }
      try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        if (vertex.handEncoder()) { // its parameters, unused in the graph, defeat SameDiff's guess of the loss
          // twice the windows' summed loss: DL4J's external errors of 1 a window reach its graph as twice the gradient
          // of the summed loss (by finite differences), and DL4J's own vertex trains with that; so does this one
          sameDiff.setLossVariables(outputVar.sum().mul(2));
        }
        sameDiff.createGradFunction(differentiated.toArray(String[]::new));
      }
      built = new Built(key, sameDiff, inputVars, outputVar, fn, vertex.handHead() ? vertex.poolHead() : null,
          vertex.handEncoder() ? vertex.encoderPass() : null);
      LAST_BUILT.set(built);
    }
    sameDiff = built.sameDiff();
    inputVars = built.inputVars();
    outputVar = built.outputVar();
    fn = built.fn();
    head = built.head();
    encoder = built.encoder();
    outputKey = outputVar.name();
  }

  /** Makes the graph and its gradient function compute with this network's parameters (the graph may be shared). */
  private void bind() {
    if (sameDiff == null) {
      try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        doInit();
      }
    }
    SameDiff gradient = sameDiff.getFunction("grad");
    paramTable.forEach((name, values) -> {
      sameDiff.associateArrayWithVariable(values, sameDiff.getVariable(name));
      gradient.associateArrayWithVariable(values, gradient.getVariable(name));
    });
  }

  @Override
  public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
    kept = null;
    if (training) {
      // a JVM that trains leaves dead ND4J arrays behind every step; one that only loads models to score (evaluate,
      // score) does not, and there the watch's collections cost time (ML-1M's evaluate: 5 min 14 s against 3 min 55 s)
      NativeMemoryWatch.start();
    }
    if (((AttentionVertex) config).handStep()) {
      return stepByHand(training, workspaceMgr);
    }
    bind();
    boolean byHand = ((AttentionVertex) config).handHead();
    if (!training && !byHand && encoder == null) {
      return super.doForward(false, workspaceMgr);
    }
    List<String> inputNames = config.getVertexParams().getInputs();
    config.validateInput(inputs);
    Map<String, INDArray> placeholders = new HashMap<>();
    for (int i = 0; i < inputs.length; i++) {
      placeholders.put(inputNames.get(i), inputs[i]);
      INDArray mask = maskArrays == null ? null : maskArrays[i];
      placeholders.put(inputNames.get(i) + "_mask", mask != null ? mask : allOnesMask(inputs[i]));
    }
    if (encoder == null) { // with the encoder by hand, the window's loss is the graph's loss variable (doInit)
      placeholders.put(fn.getGradPlaceholderName(), Nd4j.ones(dataType, inputs[0].size(0), 1));
    }
    List<String> wanted = new ArrayList<>(paramTable.keySet());
    List<String> sources = graph.getConfiguration().getVertexInputs().get(getVertexName());
    for (int i = 0; i < inputNames.size(); i++) { // a network input's gradient goes nowhere: not computed
      if (!graph.getConfiguration().getNetworkInputs().contains(sources.get(i))) {
        wanted.add(inputNames.get(i));
      }
    }
    if (encoder != null) {
      placeholders.put(AttentionVertex.ENCODED, encode());
      wanted.add(AttentionVertex.ENCODED);
    }
    if (byHand) {
      return handStep(training, placeholders, wanted, workspaceMgr);
    }
    Map<String, INDArray> gradients = new HashMap<>();
    INDArray output;
    try (OpMemory.Step step = OpMemory.step()) { // every array of the execution is dead once these copies exist
      if (training) {
        OutAndGrad both = sameDiff.calculateGradientsAndOutputs(placeholders, List.of(outputKey), wanted);
        both.getGradients().forEach((name, gradient) -> gradients.put(name, gradient == null ? null : gradient.dup()));
        output = workspaceMgr.dup(ArrayType.ACTIVATIONS, both.getOutputs().get(outputKey));
      } else { // the hand encoder's graph outside training: its output alone
        output = workspaceMgr.dup(ArrayType.ACTIVATIONS, sameDiff.output(placeholders, List.of(outputKey)).get(outputKey));
      }
      sameDiff.clearPlaceholders(true);
      sameDiff.clearOpInputs();
    }
    if (training) {
      encoderBackward(gradients);
      kept = gradients;
      keptFor = inputs.clone();
    }
    return output;
  }

  /** A pass that is the {@link StepPass}'s whole: every window's loss, and in training its gradients, kept. */
  private INDArray stepByHand(boolean training, LayerWorkspaceMgr workspaceMgr) {
    config.validateInput(inputs);
    List<String> names = config.getVertexParams().getInputs();
    StepPass.Result result = stepPass().step(inputs[names.indexOf("x")], inputs[names.indexOf("context")],
        names.contains("content") ? inputs[names.indexOf("content")] : null,
        names.contains("kept") ? inputs[names.indexOf("kept")] : null,
        names.contains("ids") ? inputs[names.indexOf("ids")] : null, paramTable, training);
    if (training) {
      kept = result.gradients();
      keptFor = inputs.clone();
    }
    return workspaceMgr.dup(ArrayType.ACTIVATIONS,
        Nd4j.createFromArray(result.loss()).reshape(inputs[0].size(0), 1).castTo(dataType));
  }

  /** This thread's step by hand for this configuration, with its buffers kept from the last network's. */
  private StepPass stepPass() {
    Map.Entry<AttentionVertex, StepPass> last = LAST_STEP.get();
    if (last == null || !last.getKey().equals(config)) {
      last = Map.entry((AttentionVertex) config, ((AttentionVertex) config).stepPass());
      LAST_STEP.set(last);
    }
    return last.getValue();
  }

  /**
   * The encoded history slots [B·L, d], by the {@link EncoderPass}: the slots' items as the graph composes them (x_i,
   * its id part dropped where {@code kept} says, plus its content's projection), through the encoder.
   */
  private INDArray encode() {
    List<String> names = config.getVertexParams().getInputs();
    int window = ((AttentionVertex) config).window();
    long windows = inputs[0].size(0);
    int dim = (int) inputs[0].size(2);
    float[] items = EncoderPass.values(inputs[names.indexOf("x")].get(NDArrayIndex.all(),
        NDArrayIndex.interval(0, window), NDArrayIndex.all()));
    keptHistory = !names.contains("kept") ? null : EncoderPass.values(inputs[names.indexOf("kept")]
        .get(NDArrayIndex.all(), NDArrayIndex.interval(0, window)));
    contentHistory = !names.contains("content") ? null : EncoderPass.values(inputs[names.indexOf("content")]
        .get(NDArrayIndex.all(), NDArrayIndex.interval(0, window), NDArrayIndex.all()));
    StepPass.compose(items, dim, keptHistory, contentHistory, paramTable);
    float[] events = EncoderPass.values(inputs[names.indexOf("context")].get(NDArrayIndex.all(),
        NDArrayIndex.interval(0, window)));
    Map<String, float[]> params = HistoryEncoder.values(paramTable::get, ((AttentionVertex) config).contextBlocks());
    return EncoderPass.array(encoder.forward(items, events, window, params), windows * window, dim);
  }

  /**
   * The {@link EncoderPass}'s backward pass from the graph's gradient of the encoded slots: its parameters' gradients,
   * and its input's carried on to what composes it (the items' embeddings, E_u and W_c), beside the graph's own.
   */
  private void encoderBackward(Map<String, INDArray> gradients) {
    if (encoder == null) {
      return;
    }
    int window = ((AttentionVertex) config).window();
    float[] encoded = EncoderPass.values(gradients.remove(AttentionVertex.ENCODED));
    float[] input = new float[encoded.length];
    gradients.putAll(encoder.backward(encoded, input));
    INDArray x = inputs[config.getVertexParams().getInputs().indexOf("x")];
    long windows = x.size(0);
    int dim = (int) x.size(2);
    StepPass.composeBackward(input, dim, keptHistory, contentHistory)
        .forEach((name, gradient) -> add(gradients, name, gradient));
    INDArray items = EncoderPass.array(input, windows * window, dim);
    // the history slots of x, which the graph's own gradient of x (its targets, negatives and pooling) already holds
    gradients.get("x").get(NDArrayIndex.all(), NDArrayIndex.interval(0, window), NDArrayIndex.all())
        .addi(items.reshape(windows, window, dim));
  }

  /** Where the pool holds a window's own items ({@link TrainingWindows#ownInPool}); null without the ids input. */
  private boolean[] ownInPool(Map<String, INDArray> placeholders) {
    INDArray ids = placeholders.get("ids");
    if (ids == null) {
      return null;
    }
    AttentionVertex vertex = (AttentionVertex) config;
    return TrainingWindows.ownInPool(EncoderPass.values(ids), EncoderPass.values(placeholders.get("context")),
        (int) ids.size(0), vertex.window(), vertex.negatives());
  }

  private static void add(Map<String, INDArray> gradients, String name, INDArray more) {
    INDArray gradient = gradients.get(name);
    gradients.put(name, gradient == null ? more : gradient.addi(more.castTo(gradient.dataType())));
  }

  /**
   * A pass whose pool part is the {@link PoolHead}'s: the graph forward to the head's values, the head, and in training
   * the graph's gradients from the head's. The output is every window's loss: the pooled head's plus the pool part's.
   */
  private INDArray handStep(boolean training, Map<String, INDArray> placeholders, List<String> wanted,
      LayerWorkspaceMgr workspaceMgr) {
    int window = ((AttentionVertex) config).window();
    INDArray counted = placeholders.get("context").get(NDArrayIndex.all(), NDArrayIndex.interval(window, 2 * window));
    float bias = paramTable.get(AttentionVertex.BIAS).getFloat(0);
    Map<String, INDArray> gradients = new HashMap<>();
    INDArray output;
    INDArray ones = placeholders.remove(fn.getGradPlaceholderName()); // the gradient function's, for the second
    try (OpMemory.Step step = OpMemory.step()) { // every array of both executions is dead once these copies exist
      List<String> read = new ArrayList<>(List.of(AttentionVertex.HEAD_THETA, AttentionVertex.HEAD_PHI,
          AttentionVertex.HEAD_WEIGHTS, AttentionVertex.HEAD_TARGETS));
      if (!training) { // in training, the second execution computes the pooled head's loss with its gradients
        read.add(AttentionVertex.HEAD_POOLED_LOSS);
      }
      Map<String, INDArray> values = sameDiff.output(placeholders, read);
      PoolHead.Step pool = head.step(values.get(AttentionVertex.HEAD_THETA), values.get(AttentionVertex.HEAD_PHI),
          values.get(AttentionVertex.HEAD_WEIGHTS), values.get(AttentionVertex.HEAD_TARGETS), counted,
          ownInPool(placeholders), bias, training, true);
      INDArray pooled;
      if (training) {
        placeholders.put(AttentionVertex.HEAD_THETA + AttentionVertex.GRADIENT, pool.theta());
        placeholders.put(AttentionVertex.HEAD_PHI + AttentionVertex.GRADIENT, pool.phi());
        placeholders.put(AttentionVertex.HEAD_WEIGHTS + AttentionVertex.GRADIENT, pool.weights());
        placeholders.put(AttentionVertex.HEAD_TARGETS + AttentionVertex.GRADIENT, pool.targets());
        placeholders.put(AttentionVertex.HEAD_BIAS_GRADIENT,
            Nd4j.scalar(dataType, pool.bias() / inputs[0].size(0)).reshape(1, 1));
        if (ones != null) {
          placeholders.put(fn.getGradPlaceholderName(), ones);
        }
        OutAndGrad both = sameDiff.calculateGradientsAndOutputs(placeholders,
            List.of(AttentionVertex.HEAD_POOLED_LOSS), wanted);
        both.getGradients().forEach((name, gradient) -> gradients.put(name, gradient == null ? null : gradient.dup()));
        pooled = both.getOutputs().get(AttentionVertex.HEAD_POOLED_LOSS);
      } else {
        pooled = values.get(AttentionVertex.HEAD_POOLED_LOSS);
      }
      output = workspaceMgr.dup(ArrayType.ACTIVATIONS,
          Nd4j.createFromArray(pool.loss()).reshape(pooled.shape()).addi(pooled));
      sameDiff.clearPlaceholders(true);
      sameDiff.clearOpInputs();
    }
    if (training) {
      encoderBackward(gradients);
      kept = gradients;
      keptFor = inputs.clone();
    }
    return output;
  }

  @Override
  public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
    Map<String, INDArray> gradients = kept;
    kept = null;
    if (gradients == null || !Arrays.equals(keptFor, inputs, (a, b) -> a == b ? 0 : 1) || !allOnes(epsilon)) {
      bind();
      if (((AttentionVertex) config).handHead() || encoder != null) { // parts by hand: DL4J's pass cannot run them
        throw new IllegalStateException("A training network with parts by hand needs a training forward pass before "
            + "its backward pass, and InputAsLoss's gradient of 1 a window");
      }
      return super.doBackward(tbptt, workspaceMgr);
    }
    Gradient g = new DefaultGradient();
    for (String name : paramTable.keySet()) {
      INDArray gradient = gradients.get(name);
      INDArray target = gradTable.get(name);
      if (gradient == null) {
        target.assign(0); // a parameter the loss does not reach
      } else {
        target.assign(gradient);
      }
      g.gradientForVariable().put(name, target);
    }
    List<String> inputNames = config.getVertexParams().getInputs();
    INDArray[] inputGradients = new INDArray[inputNames.size()];
    for (int j = 0; j < inputGradients.length; j++) {
      INDArray gradient = gradients.get(inputNames.get(j));
      // the items' indices: none, as the embedding layer that reads them too gives none (DL4J adds the two)
      inputGradients[j] = gradient != null ? gradient
          : inputNames.get(j).equals("ids") ? null : inputs[j].ulike().assign(0);
    }
    return new Pair<>(g, inputGradients);
  }

  /** Whether the gradient DL4J hands back is the one the forward pass assumed: 1 for every window. */
  private static boolean allOnes(INDArray epsilon) {
    return epsilon != null && epsilon.minNumber().doubleValue() == 1 && epsilon.maxNumber().doubleValue() == 1;
  }

  /** The mask DL4J feeds for an input without one (SameDiffGraphVertex's, which is not visible here). */
  private INDArray allOnesMask(INDArray input) {
    long[] shape = input.shape();
    return switch (shape.length) {
      case 2 -> Nd4j.ones(dataType, shape[0], 1);
      case 3 -> Nd4j.ones(dataType, shape[0], shape[2]);
      default -> Nd4j.ones(dataType, shape[0], 1, 1, 1);
    };
  }
}
