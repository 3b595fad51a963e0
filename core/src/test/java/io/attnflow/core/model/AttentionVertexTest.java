package io.attnflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.junit.jupiter.api.Test;

/** The vertex's configuration survives what DL4J and dl4j-spark do with it: JSON and clone(). */
class AttentionVertexTest {
  private static AttentionVertex vertex(ComputationGraphConfiguration c) {
    return (AttentionVertex) c.getVertices().get(AttentionNetwork.VERTEX);
  }

  @Test
  void jsonRoundTripKeepsShapeAndUpdater() {
    ComputationGraphConfiguration c = AttentionNetwork.configuration(new ModelShape(20, 8, 6, 4, 5), Aggregation.INTEREST, 3, 0.01, 1e-4, 42);
    AttentionVertex back = vertex(ComputationGraphConfiguration.fromJson(c.toJson()));
    assertThat(back).isEqualTo(vertex(c));
    assertThat(back.dim()).isEqualTo(8);
    assertThat(back.projection()).isEqualTo(6);
    assertThat(back.history()).isEqualTo(5);
    assertThat(back.candidates()).isEqualTo(3);
    assertThat(back.getUpdater()).isEqualTo(vertex(c).getUpdater());
    assertThat(back.getRegularization()).isEqualTo(vertex(c).getRegularization()).isNotEmpty();
  }

  @Test
  void cloneKeepsInheritedTrainingState() {
    ComputationGraphConfiguration c = AttentionNetwork.configuration(new ModelShape(20, 8, 6, 4, 5), Aggregation.INTEREST, 3, 0.01, 1e-4, 42);
    AttentionVertex original = vertex(c);
    AttentionVertex copy = vertex(c.clone());
    assertThat(copy).isNotSameAs(original).isEqualTo(original);
    assertThat(copy.getUpdater()).isEqualTo(original.getUpdater()).isNotNull();
    assertThat(copy.getRegularization()).isEqualTo(original.getRegularization());
    assertThat(copy.getDataType()).isEqualTo(original.getDataType());
    assertThat(copy.getVertexParams()).isEqualTo(original.getVertexParams());
  }
}
