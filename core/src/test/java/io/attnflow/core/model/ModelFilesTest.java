package io.attnflow.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFilesTest {
  private static final ModelShape SHAPE = new ModelShape(10, 4, 4, 2, 3);

  @TempDir
  Path dir;

  @BeforeEach
  void save() throws IOException {
    ComputationGraph net = AttentionNetwork.create(NetworkSpec.basic(SHAPE), 3);
    ModelFiles.writeNetwork(dir, net);
    Files.writeString(dir.resolve("vocabulary.txt"), "a\nb\n");
    ModelFiles.writeManifest(dir, new Manifest(ModelFiles.FORMAT_VERSION, "v1", "2026-11-24T00:00:00Z", SHAPE, 3,
        Map.of("lr", 0.01), Map.of(), List.of(Map.of("epoch", 1, "val_ndcg10", 0.5)), 1, Map.of()));
  }

  @Test
  void savedFolderVerifiesAndLoads() {
    Manifest m = ModelFiles.verify(dir);
    assertThat(m.files()).containsOnlyKeys("network.zip", "vocabulary.txt");
    assertThat(m.files().get("vocabulary.txt")).hasSize(64);
    assertThat(m.bestMetrics()).containsEntry("val_ndcg10", 0.5);
    ComputationGraph net = ModelFiles.readNetwork(dir, m);
    assertThat(net.getParam("embed_W").rows()).isEqualTo(10);
  }

  @Test
  void missingManifest() throws IOException {
    Files.delete(dir.resolve("manifest.json"));
    assertThatThrownBy(() -> ModelFiles.verify(dir)).isInstanceOf(ModelException.class)
        .hasMessage("Cannot load the model in " + dir + ": manifest.json is missing (not a complete model folder)");
  }

  @Test
  void missingFile() throws IOException {
    Files.delete(dir.resolve("vocabulary.txt"));
    assertThatThrownBy(() -> ModelFiles.verify(dir)).isInstanceOf(ModelException.class)
        .hasMessage("Cannot load the model in " + dir + ": vocabulary.txt is missing");
  }

  @Test
  void truncatedNetwork() throws IOException {
    byte[] bytes = Files.readAllBytes(dir.resolve("network.zip"));
    Files.write(dir.resolve("network.zip"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
    assertThatThrownBy(() -> ModelFiles.verify(dir)).isInstanceOf(ModelException.class)
        .hasMessageStartingWith("Cannot load the model in " + dir + ": network.zip was altered or truncated (SHA-256 ");
  }

  @Test
  void alteredFile() throws IOException {
    Files.writeString(dir.resolve("vocabulary.txt"), "a\nc\n");
    assertThatThrownBy(() -> ModelFiles.verify(dir)).isInstanceOf(ModelException.class)
        .hasMessageContaining("vocabulary.txt was altered or truncated");
  }

  @Test
  void unlistedFile() throws IOException {
    Files.writeString(dir.resolve("extra.bin"), "x");
    assertThatThrownBy(() -> ModelFiles.verify(dir)).isInstanceOf(ModelException.class)
        .hasMessage("Cannot load the model in " + dir + ": [extra.bin] are not in the manifest");
  }

  @Test
  void incompatibleFormatVersion() throws IOException {
    Path m = dir.resolve("manifest.json");
    int current = ModelFiles.FORMAT_VERSION;
    Files.writeString(m, Files.readString(m).replace("\"format_version\" : " + current, "\"format_version\" : 99"));
    assertThatThrownBy(() -> ModelFiles.verify(dir)).isInstanceOf(ModelException.class)
        .hasMessage("Cannot load the model in " + dir + ": its format version is 99 (this attnflow reads versions 2 to "
            + current + "; retrain it with bin/attnflow train)");
  }

  @Test
  void corruptManifest() throws IOException {
    Files.writeString(dir.resolve("manifest.json"), "{ not json", StandardOpenOption.TRUNCATE_EXISTING);
    assertThatThrownBy(() -> ModelFiles.verify(dir)).isInstanceOf(ModelException.class)
        .hasMessageStartingWith("Cannot load the model in " + dir + ": manifest.json is unreadable (");
  }

  @Test
  void shapeMismatchBetweenManifestAndNetwork() {
    Manifest m = ModelFiles.verify(dir);
    Manifest lying = new Manifest(m.formatVersion(), m.version(), m.createdAt(), new ModelShape(11, 4, 4, 2, 3),
        m.seed(), m.config(), m.data(), m.epochs(), m.bestEpoch(), m.files());
    assertThatThrownBy(() -> ModelFiles.readNetwork(dir, lying)).isInstanceOf(ModelException.class)
        .hasMessage("Cannot load the model in " + dir + ": the network has 10 item embeddings but the manifest says 11 items");
  }

  @Test
  void divergedParametersAreRefused() throws IOException {
    ComputationGraph net = AttentionNetwork.create(NetworkSpec.basic(SHAPE), 3);
    assertThat(ModelFiles.finite(net.params())).isTrue();
    net.paramTable().get("attention_Wt").putScalar(0, 0, Float.NaN);
    assertThat(ModelFiles.finite(net.params())).isFalse();
    ModelFiles.writeNetwork(dir, net);
    Manifest m = ModelFiles.writeManifest(dir, ModelFiles.parseManifest(Files.newInputStream(dir.resolve("manifest.json"))));
    assertThat(ModelFiles.verify(dir)).isEqualTo(m); // a complete folder: only the parameters are wrong
    assertThatThrownBy(() -> ModelFiles.readNetwork(dir, m)).isInstanceOf(ModelException.class)
        .hasMessage("Cannot load the model in " + dir + ": its parameters are not all finite (NaN or infinite values: "
            + "its training diverged); retrain it with bin/attnflow train");
    net.paramTable().get("attention_Wt").putScalar(0, 0, Float.POSITIVE_INFINITY);
    assertThat(ModelFiles.finite(net.params())).isFalse();
  }
}
