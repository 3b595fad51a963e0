package io.attnflow.jobs.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attnflow.core.model.ModelException;
import io.attnflow.jobs.DuckDb;
import io.attnflow.jobs.TestSpark;
import io.attnflow.jobs.config.EmbedSettings;
import io.attnflow.jobs.config.RelatedSettings;
import io.attnflow.jobs.config.Settings;
import io.attnflow.jobs.related.RelatedJob;
import java.time.LocalDate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Embed through real Spark ML Word2Vec on a small items/ table, read back with DuckDB. */
class EmbedIT {
  private static final StructType ITEMS = new StructType()
      .add("item_id", DataTypes.StringType).add("title", DataTypes.StringType).add("text", DataTypes.StringType)
      .add("category", DataTypes.StringType).add("tags", DataTypes.createArrayType(DataTypes.StringType))
      .add("published_at", DataTypes.TimestampType).add("vector", DataTypes.createArrayType(DataTypes.FloatType));

  private static Row item(String id, String title, String category, List<String> tags, Float... vector) {
    return RowFactory.create(id, title, null, category, tags, null, vector.length == 0 ? null : Arrays.asList(vector));
  }

  /** A corpus whose words repeat (Word2Vec's min-count is 2), with the cases embed must tell apart. */
  private static void writeItems(Path wh) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      rows.add(item(String.format("s%02d", i), "space robots adventure " + (i % 2 == 0 ? "war" : "planet"), "scifi",
          List.of("robots"), 1f, 0f, (float) i, 0f));
      rows.add(item(String.format("r%02d", i), "romantic comedy wedding " + (i % 2 == 0 ? "paris" : "summer"), "romance",
          List.of("love"), 0f, 1f, 0f, (float) i));
    }
    rows.add(item("a-text-only", "space comedy", null, List.of()));
    rows.add(item("b-diluted", "space comedy zzzunseen qqqnever", null, List.of()));
    rows.add(item("c-vector-only", "xxxunknownword", null, List.of(), 0f, 0f, 1f, 0f));
    rows.add(item("d-wrong-dimension", "yyyunknown", null, List.of(), 1f, 2f, 3f));
    rows.add(item("e-not-finite", "space", null, List.of(), 1f, Float.NaN, 0f, 0f));
    rows.add(item("f-empty", "", null, List.of()));
    TestSpark.session().createDataFrame(rows, ITEMS).write().mode("overwrite").parquet(wh.resolve("items").toString());
  }

  private static EmbedSettings settings(Path wh, String... sets) {
    List<String> all = new ArrayList<>(List.of("warehouse=" + wh, "embed.word2vec.vector-size=8"));
    all.addAll(List.of(sets));
    return Settings.load(List.of(), all).embed();
  }

  private static Map<String, Map<String, Object>> rows(Path wh) {
    return DuckDb.query("SELECT item_id, content, rejected, words, known_words, len(vector) AS n, len(text_vector) AS t, "
            + "CAST(vector AS VARCHAR) AS v, CAST(text_vector AS VARCHAR) AS tv, embedding_version, "
            + "len(list_filter(vector, lambda x: isnan(x) OR isinf(x))) AS bad "
            + "FROM read_parquet('" + wh.resolve("item_vectors") + "/*.parquet')").stream()
        .collect(Collectors.toMap(r -> (String) r.get("item_id"), r -> r));
  }

  @Test
  void everyItemIsWrittenOnceWithWhatItsVectorHoldsAndWhyASuppliedVectorWasRejected(@TempDir Path wh) {
    writeItems(wh);
    EmbedResult r = EmbedJob.run(TestSpark.session(), settings(wh), "embed-1");

    assertThat(r.fitted()).isTrue();
    assertThat(r.items()).isEqualTo(30);
    assertThat(r.balanced()).isTrue();
    assertThat(r.vectorDimension()).as("the length most vectors have").isEqualTo(4);
    assertThat(r.byContent()).containsExactlyInAnyOrderEntriesOf(Map.of("text+vector", 24L, "text", 3L, "vector", 1L, "none", 2L));
    assertThat(r.rejectedVectors()).containsExactlyInAnyOrderEntriesOf(Map.of("wrong_dimension", 1L, "not_finite", 1L));

    Map<String, Map<String, Object>> rows = rows(wh);
    assertThat(rows).hasSize(30);
    assertThat(rows.values()).allSatisfy(row -> {
      assertThat(row.get("embedding_version")).isEqualTo(r.version());
      assertThat(row.get("bad")).as("no NaN or infinite value in " + row.get("item_id")).isIn(null, 0L);
    });
    assertThat(rows.get("s00")).containsEntry("content", "text+vector").containsEntry("n", 12L).containsEntry("t", 8L);
    // an item with no known word and a supplied vector: the vector's part only, flagged by its known_words
    assertThat(rows.get("c-vector-only")).containsEntry("content", "vector").containsEntry("known_words", 0)
        .containsEntry("words", 1).containsEntry("t", null).containsEntry("n", 12L);
    assertThat(rows.get("d-wrong-dimension")).containsEntry("content", "none").containsEntry("v", null);
    assertThat((String) rows.get("d-wrong-dimension").get("rejected")).startsWith("wrong_dimension: the vector has 3 values, expected 4");
    assertThat(rows.get("e-not-finite")).containsEntry("content", "text");
    assertThat((String) rows.get("e-not-finite").get("rejected")).startsWith("not_finite: vector[1] is NaN");
    assertThat(rows.get("f-empty")).containsEntry("content", "none").containsEntry("words", 0).containsEntry("rejected", null);
    // unknown words leave the mean of the known ones as it is
    assertThat(rows.get("b-diluted")).containsEntry("words", 4).containsEntry("known_words", 2);
    assertThat(rows.get("b-diluted").get("tv")).isNotNull().isEqualTo(rows.get("a-text-only").get("tv"));
    assertThat(Files.exists(Path.of(r.reportPath().replace("file:", "")))).isTrue();
  }

  @Test
  void relatedItemsAreTheNearestByContentNeverThemselvesAndOnlyForItemsWithAVector(@TempDir Path wh) {
    writeItems(wh);
    EmbedJob.run(TestSpark.session(), settings(wh), "embed-1");
    RelatedSettings related = Settings.load(List.of(), List.of("warehouse=" + wh, "related.top-k=3", "related.batch=5",
        "related.item-block=7")).related();
    RelatedJob.RelatedResult r = RelatedJob.run(TestSpark.session(), related, LocalDate.of(2030, 1, 1), "related-1");
    assertThat(r.items()).isEqualTo(28);
    assertThat(r.withoutVector()).isEqualTo(2);
    assertThat(r.rows()).isEqualTo(28 * 3);
    String table = wh.resolve("related/dt=2030-01-01") + "/*.parquet";
    assertThat(wh.resolve("related/dt=2030-01-01/_SUCCESS")).exists();
    assertThat(DuckDb.scalar("SELECT count(*) FROM read_parquet('" + table + "') WHERE item_id = related_item_id")).isEqualTo(0L);
    assertThat(DuckDb.scalar("SELECT count(*) FROM read_parquet('" + table + "') WHERE item_id IN ('d-wrong-dimension', "
        + "'f-empty') OR related_item_id IN ('d-wrong-dimension', 'f-empty')")).isEqualTo(0L);
    assertThat(DuckDb.scalar("SELECT count(*) FROM (SELECT item_id, list(similarity ORDER BY rank) AS s FROM read_parquet('"
        + table + "') GROUP BY item_id) WHERE s <> list_reverse_sort(s)")).as("ranked by similarity").isEqualTo(0L);
    // the science-fiction items (their text and their vectors agree) are one another's neighbours
    assertThat(DuckDb.scalar("SELECT count(*) FROM read_parquet('" + table + "') WHERE item_id LIKE 's%' AND rank = 1 "
        + "AND related_item_id LIKE 's%'")).isEqualTo(12L);
  }

  @Test
  void word2vecIsSavedWithChecksumsReusedAfterAndRefusedWhenAltered(@TempDir Path wh) throws IOException {
    writeItems(wh);
    EmbedResult first = EmbedJob.run(TestSpark.session(), settings(wh), "embed-1");
    Map<String, Map<String, Object>> firstRows = rows(wh);
    Path folder = wh.resolve("embeddings").resolve(first.version());
    assertThat(folder.resolve(WordVectorStore.MANIFEST)).exists();
    assertThat(Files.readString(folder.resolve(WordVectorStore.MANIFEST))).contains("\"word2vec/data/");

    EmbedResult reused = EmbedJob.run(TestSpark.session(), settings(wh), "embed-2");
    assertThat(reused.fitted()).isFalse();
    assertThat(reused.version()).isEqualTo(first.version());
    assertThat(rows(wh)).isEqualTo(firstRows);

    EmbedResult refitted = EmbedJob.run(TestSpark.session(), settings(wh, "embed.fit=always"), "embed-3");
    assertThat(refitted.fitted()).isTrue();
    assertThat(refitted.version()).isNotEqualTo(first.version());
    Map<String, Map<String, Object>> again = rows(wh);
    assertThat(again.get("s03").get("v")).as("one seed, one partition: the same vectors").isEqualTo(firstRows.get("s03").get("v"));

    Path data;
    try (Stream<Path> files = Files.walk(wh.resolve("embeddings").resolve(refitted.version()).resolve("word2vec/data"))) {
      data = files.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    Files.write(data, new byte[] {0}, StandardOpenOption.APPEND);
    assertThatThrownBy(() -> EmbedJob.run(TestSpark.session(), settings(wh), "embed-4"))
        .isInstanceOf(ModelException.class).hasMessageContaining("word2vec/data/").hasMessageContaining("altered");
  }
}
