package io.attnflow.jobs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attnflow.core.model.ModelException;
import io.attnflow.core.model.ModelShape;
import io.attnflow.core.model.UserHistory;
import io.attnflow.jobs.spark.Warehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model folders in a warehouse: loading, verification failures, promotion. No Spark needed. */
class ModelStoreTest {
  /** A model written by attnflow 0.1.0 (format 1): every later version must still load it. */
  private static final Path FIXTURE = Path.of("src", "test", "resources", "models", "format-1-v0.1.0");
  /** s and p of the history {0, 5, 42} (weights 1, 1, 2) for item 7, as 0.1.0 computed them from the fixture. */
  private static final float GOLDEN_SCORE = 0.49777633f;
  private static final float GOLDEN_POOLED = 0.49763638f;

  @TempDir
  Path wh;

  private ModelStore store;

  @BeforeEach
  void warehouseWithTheFixture() throws IOException {
    Configuration conf = new Configuration();
    store = new ModelStore(new Warehouse(wh.toString(), conf), conf);
    Path target = wh.resolve("models").resolve("v010");
    Files.createDirectories(target);
    try (Stream<Path> files = Files.list(FIXTURE)) {
      for (Path f : files.toList()) {
        Files.copy(f, target.resolve(f.getFileName()));
      }
    }
    store.promote("v010");
  }

  @Test
  void modelWrittenByVersion010StillLoadsAndScoresAsItDid() {
    ModelStore.Loaded loaded = store.load("latest");
    assertThat(loaded.version()).isEqualTo("v010");
    assertThat(loaded.manifest().shape()).isEqualTo(new ModelShape(1768, 8, 8, 4, 10));
    assertThat(loaded.model().vocabulary().size()).isEqualTo(1768);
    assertThat(loaded.model().vocabulary().id(0)).isEqualTo("1");
    UserHistory h = new UserHistory("u", new int[] {0, 5, 42}, new float[] {1f, 1f, 2f});
    assertThat(loaded.model().score(h, 7)).isEqualTo(GOLDEN_SCORE);
    assertThat(loaded.manifest().version()).isEqualTo("20261124-013121");
    assertThat(loaded.model().pooledScore(loaded.model().userVector(h), 7)).isEqualTo(GOLDEN_POOLED);
    // its manifest predates the decay by position and its floor: histories form as they did, without them
    var weights = io.attnflow.jobs.config.ModelSettings.of(loaded.manifest()).weights();
    assertThat(weights.halfLifeEvents()).isZero();
    assertThat(weights.decayFloor()).isZero();
  }

  @Test
  void tamperedFileIsRefusedNamingIt() throws IOException {
    Path vocabulary = wh.resolve("models/v010/vocabulary.parquet");
    byte[] bytes = Files.readAllBytes(vocabulary);
    bytes[bytes.length / 2] ^= 1;
    Files.write(vocabulary, bytes);
    assertThatThrownBy(() -> store.load("v010")).isInstanceOf(ModelException.class)
        .hasMessageContaining(": vocabulary.parquet was altered or truncated (SHA-256 ");
  }

  @Test
  void truncatedNetworkIsRefused() throws IOException {
    Path network = wh.resolve("models/v010/network.zip");
    Files.write(network, java.util.Arrays.copyOf(Files.readAllBytes(network), 1000));
    assertThatThrownBy(() -> store.load("latest")).isInstanceOf(ModelException.class)
        .hasMessageContaining(": network.zip was altered or truncated (SHA-256 ");
  }

  @Test
  void missingModelsAreNamed() throws IOException {
    assertThatThrownBy(() -> store.load("v999")).isInstanceOf(ModelException.class)
        .hasMessage("Cannot load model v999: " + wh.resolve("models/v999") + " does not exist");
    Files.delete(wh.resolve("models/LATEST"));
    assertThatThrownBy(() -> store.load("latest")).isInstanceOf(ModelException.class)
        .hasMessage("Cannot load the latest model: " + wh + "/models/LATEST does not exist (train a model first: attnflow train)");
  }

  @Test
  void promoteMovesLatestAndPublishRefusesAnExistingVersion() {
    store.promote("v011");
    assertThat(store.latest()).contains("v011");
    assertThatThrownBy(() -> store.publish(FIXTURE, "v010")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Cannot publish model v010: ").hasMessageEndingWith(" exists already");
  }
}
