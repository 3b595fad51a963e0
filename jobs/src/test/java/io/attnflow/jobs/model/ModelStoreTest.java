package io.attnflow.jobs.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.attnflow.core.model.ModelException;
import io.attnflow.core.model.ModelFiles;
import io.attnflow.core.model.ModelShape;
import io.attnflow.core.model.UserHistory;
import io.attnflow.jobs.DuckDb;
import io.attnflow.jobs.spark.Warehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model folders in a warehouse: loading, verification failures, promotion. No Spark needed. */
class ModelStoreTest {
  /** A model written by attnflow 0.2.0 (format 2): every later version must still load it. */
  private static final Path FIXTURE = Path.of("src", "test", "resources", "models", "format-2-v0.2.0");
  /** A model written by attnflow 0.1.0 (format 1, a per-example network): refused, with the advice to retrain. */
  private static final Path FORMAT_1 = Path.of("src", "test", "resources", "models", "format-1-v0.1.0");
  /** s, p and α of the history {0, 5, 12} (weights 1, 1, 2) for item 7, as 0.2.0 computed them from the fixture. */
  private static final float GOLDEN_SCORE = 0.5612604f;
  private static final float GOLDEN_POOLED = 0.6791306f;
  private static final float[] GOLDEN_ALPHAS = {0.5504925f, 0.4765356f, 0.5137047f};
  /** A model of format 3 with a one-block history encoder (θ read in context), and the same three figures. */
  private static final Path FORMAT_3 = Path.of("src", "test", "resources", "models", "format-3-v0.3.0");
  private static final float GOLDEN_SCORE_3 = 0.46389756f;
  private static final float GOLDEN_POOLED_3 = 0.33526972f;
  private static final float[] GOLDEN_ALPHAS_3 = {0.370617f, 0.36471426f, 0.36178255f};
  /**
   * A model of format 4 that reads content (vectors of length 5, every fourth item without one), with the same three
   * figures, and the score and α of a new item placed by item 6's content alone.
   */
  private static final Path FORMAT_4 = Path.of("src", "test", "resources", "models", "format-4-v0.4.0");
  private static final float GOLDEN_SCORE_4 = 0.3421702f;
  private static final float GOLDEN_POOLED_4 = 0.1715349f;
  private static final float[] GOLDEN_ALPHAS_4 = {0.5419277f, 0.4520732f, 0.39735815f};
  private static final float GOLDEN_NEW_SCORE_4 = 0.9993925f;
  private static final float[] GOLDEN_NEW_ALPHAS_4 = {0.50519407f, 0.5412957f, 0.8845658f};
  /**
   * A model of format 5: format 4's network as training with id dropout leaves it, with E_u, the id part of an item
   * without one. The items it knows score as format 4's; a new item placed by item 6's content is E_u + W_cᵀ c.
   */
  private static final Path FORMAT_5 = Path.of("src", "test", "resources", "models", "format-5-v0.5.0");
  private static final float GOLDEN_NEW_SCORE_5 = 0.99785835f;
  private static final float[] GOLDEN_NEW_ALPHAS_5 = {0.52057415f, 0.51314104f, 0.85314393f};

  @TempDir
  Path wh;

  private ModelStore store;

  @BeforeEach
  void warehouseWithTheFixtures() throws IOException {
    Configuration conf = new Configuration();
    store = new ModelStore(new Warehouse(wh.toString(), conf), conf);
    copy(FIXTURE, "v020");
    copy(FORMAT_1, "v010");
    copy(FORMAT_3, "v030");
    copy(FORMAT_4, "v040");
    copy(FORMAT_5, "v050");
    store.promote("v020");
  }

  private void copy(Path fixture, String version) throws IOException {
    Path target = wh.resolve("models").resolve(version);
    Files.createDirectories(target);
    try (Stream<Path> files = Files.list(fixture)) {
      for (Path f : files.toList()) {
        Files.copy(f, target.resolve(f.getFileName()));
      }
    }
  }

  @Test
  void modelWrittenByVersion020StillLoadsAndScoresAsItDid() {
    ModelStore.Loaded loaded = store.load("latest");
    assertThat(loaded.version()).isEqualTo("v020");
    assertThat(loaded.manifest().shape()).isEqualTo(new ModelShape(40, 8, 8, 4, 10));
    assertThat(loaded.model().vocabulary().size()).isEqualTo(40);
    assertThat(loaded.model().vocabulary().id(0)).isEqualTo("m100");
    assertThat(loaded.model().alphaTemperature()).isEqualTo(8f);
    UserHistory h = new UserHistory("u", new int[] {0, 5, 12}, new float[] {1f, 1f, 2f});
    // to within 1e-6, as format 3's: the CPU's vector width (AVX2 or AVX-512) can move the last bit of a float
    assertThat(loaded.model().score(h, 7)).isCloseTo(GOLDEN_SCORE, within(1e-6f));
    assertThat(loaded.model().alphas(h, 7)).containsExactly(GOLDEN_ALPHAS, within(1e-6f));
    assertThat(loaded.model().pooledScore(loaded.model().userVector(h), 7)).isCloseTo(GOLDEN_POOLED, within(1e-6f));
    var weights = io.attnflow.jobs.config.ModelSettings.of(loaded.manifest()).weights();
    assertThat(weights.halfLifeEvents()).isEqualTo(2);
    assertThat(weights.decayFloor()).isEqualTo(0.1);
  }

  @Test
  void contextAwareModelOfFormat3LoadsAndScoresAsItDid() {
    ModelStore.Loaded loaded = store.load("v030");
    assertThat(loaded.model().contextAware()).isTrue();
    UserHistory h = new UserHistory("u", new int[] {0, 5, 12}, new float[] {1f, 1f, 2f});
    // within float rounding of the BLAS the encoder's products run on (this machine's figures, to 1e-6)
    assertThat(loaded.model().score(h, 7)).isCloseTo(GOLDEN_SCORE_3, within(1e-6f));
    assertThat(loaded.model().alphas(h, 7)).containsExactly(GOLDEN_ALPHAS_3, within(1e-6f));
    assertThat(loaded.model().pooledScore(loaded.model().userVector(h), 7)).isCloseTo(GOLDEN_POOLED_3, within(1e-6f));
    // the encoder reads order: the same items in another order give other α
    UserHistory reordered = new UserHistory("u", new int[] {12, 5, 0}, new float[] {2f, 1f, 1f});
    assertThat(loaded.model().alphas(reordered, 7)[2]).isNotCloseTo(GOLDEN_ALPHAS_3[0], within(1e-4f));
  }

  @Test
  void contentModelOfFormat4LoadsWithItsContentAndPlacesNewItemsAsItDid() {
    ModelStore.Loaded loaded = store.load("v040");
    assertThat(loaded.model().readsContent()).isTrue();
    assertThat(loaded.content().dim()).isEqualTo(5);
    assertThat(loaded.content().has(6)).isTrue();
    assertThat(loaded.content().has(7)).isFalse();
    UserHistory h = new UserHistory("u", new int[] {0, 5, 12}, new float[] {1f, 1f, 2f});
    assertThat(loaded.model().score(h, 7)).isCloseTo(GOLDEN_SCORE_4, within(1e-6f));
    assertThat(loaded.model().alphas(h, 7)).containsExactly(GOLDEN_ALPHAS_4, within(1e-6f));
    assertThat(loaded.model().pooledScore(loaded.model().userVector(h), 7)).isCloseTo(GOLDEN_POOLED_4, within(1e-6f));
    float[] item6 = java.util.Arrays.copyOfRange(loaded.content().vectors(), 6 * 5, 7 * 5);
    var grown = loaded.model().withNewItems(List.of("fresh"), item6);
    assertThat(grown.score(h, 40)).isCloseTo(GOLDEN_NEW_SCORE_4, within(1e-6f));
    assertThat(grown.alphas(h, 40)).containsExactly(GOLDEN_NEW_ALPHAS_4, within(1e-6f));
  }

  @Test
  void contentModelOfFormat5PlacesNewItemsWithItsUnknownIdPart() {
    ModelStore.Loaded loaded = store.load("v050");
    assertThat(loaded.manifest().formatVersion()).isEqualTo(5);
    assertThat(loaded.network().paramTable()).containsKey("attention_Eu");
    UserHistory h = new UserHistory("u", new int[] {0, 5, 12}, new float[] {1f, 1f, 2f});
    assertThat(loaded.model().score(h, 7)).isCloseTo(GOLDEN_SCORE_4, within(1e-6f));
    assertThat(loaded.model().alphas(h, 7)).containsExactly(GOLDEN_ALPHAS_4, within(1e-6f));
    float[] item6 = java.util.Arrays.copyOfRange(loaded.content().vectors(), 6 * 5, 7 * 5);
    var grown = loaded.model().withNewItems(List.of("fresh"), item6);
    assertThat(grown.score(h, 40)).isCloseTo(GOLDEN_NEW_SCORE_5, within(1e-6f));
    assertThat(grown.alphas(h, 40)).containsExactly(GOLDEN_NEW_ALPHAS_5, within(1e-6f));
  }

  @Test
  void aContentModelSavedAndLoadedKeepsItsContentRowByRow() throws IOException {
    ModelStore.Loaded original = store.load("v040");
    store.save("v041", original.network(), original.model().vocabulary(), original.content(), original.split(),
        original.manifest());
    ModelStore.Loaded again = store.load("v041");
    assertThat(again.content().dim()).isEqualTo(5);
    assertThat(again.content().vectors()).containsExactly(original.content().vectors());
    assertThat(DuckDb.scalar("SELECT count(*) FROM read_parquet('" + wh.resolve("models/v041/content.parquet")
        + "') WHERE len(vector) = 5")).isEqualTo(40L);
  }

  @Test
  void modelOfFormat1IsRefusedWithTheAdviceToRetrain() {
    assertThatThrownBy(() -> store.load("v010")).isInstanceOf(ModelException.class)
        .hasMessage("Cannot load the model in " + wh.resolve("models/v010") + ": its format version is 1 (this attnflow "
            + "reads versions 2 to " + ModelFiles.FORMAT_VERSION + "; retrain it with bin/attnflow train)");
  }

  @Test
  void tamperedFileIsRefusedNamingIt() throws IOException {
    Path vocabulary = wh.resolve("models/v020/vocabulary.parquet");
    byte[] bytes = Files.readAllBytes(vocabulary);
    bytes[bytes.length / 2] ^= 1;
    Files.write(vocabulary, bytes);
    assertThatThrownBy(() -> store.load("v020")).isInstanceOf(ModelException.class)
        .hasMessageContaining(": vocabulary.parquet was altered or truncated (SHA-256 ");
  }

  @Test
  void truncatedNetworkIsRefused() throws IOException {
    Path network = wh.resolve("models/v020/network.zip");
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
  void aLatestRewrittenByHandNamesTheModelToLoad() throws IOException {
    assertThat(wh.resolve("models/.LATEST.crc")).exists(); // the promotion's checksum, which the hand edit leaves stale
    Files.writeString(wh.resolve("models/LATEST"), "v030\n");
    assertThat(store.latest()).contains("v030");
    assertThat(store.load("latest").version()).isEqualTo("v030");
  }

  @Test
  void promoteMovesLatestAndPublishRefusesAnExistingVersion() {
    store.promote("v011");
    assertThat(store.latest()).contains("v011");
    assertThatThrownBy(() -> store.publish(FIXTURE, "v020")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Cannot publish model v020: ").hasMessageEndingWith(" exists already");
  }
}
