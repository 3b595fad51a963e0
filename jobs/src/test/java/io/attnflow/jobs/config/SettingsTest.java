package io.attnflow.jobs.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attnflow.core.ingest.InputFormat;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
  private static final List<String> PATHS = List.of("input.interactions.path=in/ratings.csv", "input.items.path=in/movies.csv");

  private static Settings load(String... sets) {
    List<String> all = new ArrayList<>(PATHS);
    all.addAll(List.of(sets));
    return Settings.load(List.of(), all);
  }

  private static List<String> problems(String... sets) {
    try {
      load(sets);
    } catch (ConfigProblems e) {
      return e.problems();
    }
    throw new AssertionError("expected configuration problems for " + List.of(sets));
  }

  @Test
  void defaultsFromReferenceConf() {
    Settings s = load();
    assertThat(s.ingest().maxRejectRate()).isEqualTo(0.01);
    assertThat(s.ingest().interactions().format()).isEqualTo(InputFormat.CSV);
    assertThat(s.ingest().interactions().columns().userId()).isEqualTo("user_id");
    assertThat(s.ingest().warehouse()).isEqualTo("warehouse");
  }

  @Test
  void laterSourcesWin(@TempDir Path dir) throws IOException {
    File a = Files.writeString(dir.resolve("a.conf"), "ingest.max-reject-rate = 0.2\nwarehouse = /a").toFile();
    File b = Files.writeString(dir.resolve("b.conf"), "ingest.max-reject-rate = 0.3").toFile();
    List<String> sets = new ArrayList<>(PATHS);
    Settings files = Settings.load(List.of(a, b), sets);
    assertThat(files.ingest().maxRejectRate()).isEqualTo(0.3);
    assertThat(files.ingest().warehouse()).isEqualTo("/a");
    sets.add("ingest.max-reject-rate=0.4");
    assertThat(Settings.load(List.of(a, b), sets).ingest().maxRejectRate()).isEqualTo(0.4);
    sets.add("ingest.max-reject-rate=0.5");
    assertThat(Settings.load(List.of(a, b), sets).ingest().maxRejectRate()).isEqualTo(0.5);
  }

  @Test
  void setKeepsUriValuesWhole() {
    // "//" would start a HOCON comment if the value were parsed as HOCON text.
    assertThat(load("warehouse=hdfs://nn:8020/wh").ingest().warehouse()).isEqualTo("hdfs://nn:8020/wh");
  }

  @Test
  void unknownKeyIsNamedWithTheNearestKnownOne() {
    assertThat(problems("ingest.max-rejct-rate=0.5")).containsExactly(
        "ingest.max-rejct-rate is not a known key (did you mean ingest.max-reject-rate? every key is listed in reference.conf)");
  }

  @Test
  void sparkPropertiesAreFreeForm() {
    Settings s = load("spark.properties.\"spark.executor.cores\"=4");
    assertThat(s.spark().properties()).containsEntry("spark.executor.cores", "4");
  }

  @Test
  void wrongTypeNamesKeyValueAndExpectation() {
    assertThat(problems("ingest.max-line-bytes=lots")).containsExactly(
        "ingest.max-line-bytes = \"lots\" is not valid (expected an integer in [16, 2147483583])");
  }

  @Test
  void outOfRangeNamesKeyValueAndRange() {
    assertThat(problems("ingest.max-reject-rate=1.5")).containsExactly(
        "ingest.max-reject-rate = 1.5 is not valid (expected a number in [0.0, 1.0])");
  }

  @Test
  void minibatchesHoldAtLeastTwoWindows() {
    assertThat(load("train.batch-size=2").train().batchSize()).isEqualTo(2);
    assertThat(problems("train.batch-size=1")).containsExactly(
        "train.batch-size = 1 is not valid (expected an integer in [2, 65536])");
  }

  @Test
  void historyDecaysByTimeAndByPosition() {
    assertThat(load().model().weights().halfLifeEvents()).isEqualTo(2.0);
    var w = load("model.half-life-days=7", "model.half-life-events=2.5").model().weights();
    assertThat(w.halfLifeDays()).isEqualTo(7.0);
    assertThat(w.halfLifeEvents()).isEqualTo(2.5);
    assertThat(problems("model.half-life-events=-1")).containsExactly(
        "model.half-life-events = -1.0 is not valid (expected a number in [0.0, 1000000.0])");
  }

  @Test
  void decayHasAFloorBetweenZeroAndOne() {
    assertThat(load().model().weights().decayFloor()).isEqualTo(0.1);
    assertThat(load("model.decay-floor=0.25").model().weights().decayFloor()).isEqualTo(0.25);
    assertThat(problems("model.decay-floor=1.5")).containsExactly(
        "model.decay-floor = 1.5 is not valid (expected a number in [0.0, 1.0])");
  }

  @Test
  void embedReadsKnownTextFieldsWithWeightsAndNeedsOnePartWeighed() {
    Settings s = load("embed.text-fields.text=0", "embed.text-fields.title=2");
    assertThat(s.embed().words().fields()).containsEntry("title", 2.0).containsEntry("text", 0.0);
    assertThat(s.embed().fitAlways()).isFalse();
    assertThat(problems("embed.text-fields.body=1")).containsExactly("embed.text-fields.body is not a known key (did you "
        + "mean embed.text-fields.tags? every key is listed in reference.conf)");
    assertThat(problems("embed.text-fields.title=-1", "embed.fit=sometimes")).containsExactlyInAnyOrder(
        "embed.text-fields.title = \"-1\" is not valid (expected a weight >= 0)",
        "embed.fit = \"sometimes\" is not valid (expected one of missing, always)");
    assertThat(problems("embed.text-weight=0", "embed.vector-weight=0")).containsExactly(
        "embed.text-weight = 0.0 is not valid (expected a weight above 0 for the text or the supplied vector "
            + "(embed.vector-weight))");
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    List<String> p = problems(
        "ingest.max-reject-rate=-1",
        "input.items.format=xml",
        "input.interactions.ts-format=yyyy-MM-dd'",
        "ingest.unknown-items=drop",
        "ingest.timestamps.min=yesterday");
    assertThat(p).containsExactlyInAnyOrder(
        "ingest.max-reject-rate = -1.0 is not valid (expected a number in [0.0, 1.0])",
        "input.items.format = \"xml\" is not valid (expected one of parquet, csv, tsv, jsonl, movielens-csv, "
            + "movielens-100k, movielens-1m, mind)",
        "input.interactions.ts-format = \"yyyy-MM-dd'\" is not valid (expected one of epoch-seconds, epoch-millis, "
            + "epoch-micros, iso, or a java.time pattern such as yyyy-MM-dd HH:mm:ss)",
        "ingest.unknown-items = \"drop\" is not valid (expected one of reject, keep)",
        "ingest.timestamps.min = \"yesterday\" is not valid (expected an ISO-8601 instant such as 2024-01-31T00:00:00Z)");
  }

  @Test
  void missingInputPathsAreProblems() {
    assertThat(Settings.load(List.of(), List.of()).train().dim()).isEqualTo(128); // train needs no inputs
    assertThatThrownBy(() -> Settings.load(List.of(), List.of()).ingest().requireInputs())
        .isInstanceOf(ConfigProblems.class)
        .hasMessage("Cannot start: 2 configuration problems\n"
            + "  - input.interactions.path = \"\" is not valid (expected the path of the interaction input)\n"
            + "  - input.items.path = \"\" is not valid (expected the path of the item input)");
  }

  @Test
  void tagsPathOnlyForMovieLens() {
    assertThat(problems("input.items.tags-path=tags.csv")).containsExactly(
        "input.items.tags-path = \"tags.csv\" is not valid (expected \"\" unless input.items.format is movielens-csv)");
  }

  @Test
  void unreadableFilesAndMalformedOverridesAreProblems(@TempDir Path dir) throws IOException {
    File broken = Files.writeString(dir.resolve("broken.conf"), "ingest {").toFile();
    File missing = dir.resolve("missing.conf").toFile();
    assertThatThrownBy(() -> Settings.load(List.of(broken, missing), List.of("no-equals-sign")))
        .isInstanceOf(ConfigProblems.class)
        .hasMessageContaining("--set no-equals-sign is not valid (expected key=value)")
        .hasMessageContaining("Cannot read configuration file " + broken)
        .hasMessageContaining("Cannot read configuration file " + missing);
  }
}
