package io.attnflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.junit.jupiter.api.Test;

/** The vertex's configuration survives what DL4J and dl4j-spark do with it: JSON and clone(). */
class AttentionVertexTest {
  private static final NetworkSpec SPEC = new NetworkSpec(new ModelShape(20, 8, 6, 4, 5, 3), 5, 7, Aggregation.INTEREST,
      TrainingLoss.BCE, 4, 1, 0.2, 0.3, new HistoryWeights(Map.of("click", 1.0), 2, 3, 0.1), 0.01, 1e-4);

  private static AttentionVertex vertex(ComputationGraphConfiguration c) {
    return (AttentionVertex) c.getVertices().get(AttentionNetwork.VERTEX);
  }

  @Test
  void jsonRoundTripKeepsShapeAndUpdater() {
    ComputationGraphConfiguration c = AttentionNetwork.configuration(SPEC, 42, false);
    AttentionVertex back = vertex(ComputationGraphConfiguration.fromJson(c.toJson()));
    assertThat(back).isEqualTo(vertex(c));
    assertThat(back.window()).isEqualTo(5);
    assertThat(back.negatives()).isEqualTo(7);
    assertThat(back.alphaTemperature()).isEqualTo(4);
    assertThat(back.contextBlocks()).isEqualTo(1);
    assertThat(back.getUpdater()).isEqualTo(vertex(c).getUpdater());
    assertThat(back.getRegularization()).isEqualTo(vertex(c).getRegularization()).isNotEmpty();
    assertThat(c.toJson()).contains("InputAsLoss");
    assertThat(c.getNetworkInputs()).containsExactly("items", "context", "content", "kept");
    // the network as it scores keeps every id: no kept input
    assertThat(AttentionNetwork.configuration(back.spec(20, 7), 42, true).getNetworkInputs())
        .containsExactly("items", "context", "content");
  }

  @Test
  void cloneKeepsInheritedTrainingState() {
    ComputationGraphConfiguration c = AttentionNetwork.configuration(SPEC, 42, false);
    AttentionVertex original = vertex(c);
    AttentionVertex copy = vertex(c.clone());
    assertThat(copy).isNotSameAs(original).isEqualTo(original);
    assertThat(copy.getUpdater()).isEqualTo(original.getUpdater()).isNotNull();
    assertThat(copy.getRegularization()).isEqualTo(original.getRegularization());
    assertThat(copy.getDataType()).isEqualTo(original.getDataType());
    assertThat(copy.getVertexParams()).isEqualTo(original.getVertexParams());
    assertThat(vertex(AttentionNetwork.configuration(SPEC, 42, true))).isNotEqualTo(original); // the scoring form differs
  }
}
