package io.attnflow.jobs.nightly;

import static org.assertj.core.api.Assertions.assertThat;

import io.attnflow.jobs.DuckDb;
import io.attnflow.jobs.TestSpark;
import io.attnflow.jobs.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two nights on a slice of the demo data: the first trains, the second reuses the model. */
class NightlyIT {
  @Test
  void firstNightTrainsSecondReusesAndBothAreVerified(@TempDir Path in, @TempDir Path wh) throws IOException {
    // the first 4,001 lines of ratings.csv: the header and the ratings of the first users
    try (Stream<String> lines = Files.lines(TestSpark.demoData().resolve("ratings.csv"))) {
      Files.write(in.resolve("ratings.csv"), lines.limit(4001).toList());
    }
    List<String> sets = new ArrayList<>(List.of("warehouse=" + wh,
        "input.interactions.path=" + in.resolve("ratings.csv"), "input.interactions.format=movielens-csv",
        "input.items.path=" + TestSpark.demoData().resolve("movies.csv"), "input.items.format=movielens-csv",
        "train.epochs=1", "train.dim=8", "train.projection=8", "model.history-length=10", "score.top-k=5"));
    Settings settings = Settings.load(List.of(), sets);

    NightlyJob.NightlyResult first = NightlyJob.run(TestSpark.session(), settings, LocalDate.of(2030, 1, 1), "nightly-1");
    assertThat(first.ingest().account("interactions").accepted()).isEqualTo(4000);
    assertThat(first.embedded()).hasValueSatisfying(e -> {
      assertThat(e.fitted()).isTrue();
      assertThat(e.items()).isEqualTo(first.ingest().account("items").accepted());
      assertThat(e.byContent().get("text")).as("movies.csv: titles and genres, no supplied vectors").isEqualTo(e.items());
    });
    assertThat(first.trained()).isPresent();
    long users = (Long) DuckDb.scalar("SELECT count(DISTINCT user_id) FROM read_parquet('" + wh.resolve("interactions") + "/*.parquet')");
    assertThat(first.score().users()).isEqualTo(users);
    assertThat(first.score().recommendationRows()).isEqualTo(5 * users);
    assertThat(first.sample().get(0)).startsWith("user ");
    assertThat(first.sample()).anyMatch(l -> l.contains("because of"));

    NightlyJob.NightlyResult second = NightlyJob.run(TestSpark.session(), settings, LocalDate.of(2030, 1, 2), "nightly-2");
    assertThat(second.embedded()).hasValueSatisfying(e -> {
      assertThat(e.fitted()).as("the Word2Vec of the first night is reused").isFalse();
      assertThat(e.version()).isEqualTo(first.embedded().orElseThrow().version());
    });
    assertThat(second.trained()).isEmpty();
    assertThat(second.score().modelVersion()).isEqualTo(first.score().modelVersion());
    assertThat(DuckDb.scalar("SELECT count(DISTINCT dt) FROM read_parquet('" + wh.resolve("recommendations")
        + "/*/*.parquet', hive_partitioning = true)")).isEqualTo(2L);
  }
}
