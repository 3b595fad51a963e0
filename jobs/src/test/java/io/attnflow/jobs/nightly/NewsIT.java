package io.attnflow.jobs.nightly;

import static org.assertj.core.api.Assertions.assertThat;

import io.attnflow.jobs.DuckDb;
import io.attnflow.jobs.TestSpark;
import io.attnflow.jobs.config.Settings;
import io.attnflow.jobs.embed.EmbedJob;
import io.attnflow.jobs.evaluate.EvaluateJob;
import io.attnflow.jobs.ingest.IngestJob;
import io.attnflow.jobs.score.ScoreJob;
import io.attnflow.jobs.score.ScoreResult;
import io.attnflow.jobs.train.TrainJob;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The news preset ({@code conf/news.conf}) on impression logs in MIND's layout that the test writes, with a known
 * answer: three topics, each with its own words, and readers who click one topic only. Night one trains on the first
 * day; on day two nine new articles (three a topic) are shown, and yesterday's model must rank each reader's topic
 * first among them, from their text alone.
 */
class NewsIT {
  private static final LocalDate DAY_1 = LocalDate.of(2019, 11, 10);
  private static final LocalDate DAY_2 = DAY_1.plusDays(1);
  private static final String[][] WORDS = {
      {"football", "goal", "league", "coach", "striker", "stadium"},
      {"election", "senate", "vote", "campaign", "governor", "ballot"},
      {"software", "chip", "startup", "smartphone", "robot", "cloud"}};
  private static final String[] TOPICS = {"sports", "politics", "tech"};
  private static final int READERS = 10; // per topic

  private static String news(String id, int topic, int i) {
    String[] w = WORDS[topic];
    return String.join("\t", id, TOPICS[topic], TOPICS[topic] + "-news", w[i % 6] + " " + w[(i + 1) % 6] + " " + w[(i + 2) % 6],
        "the " + w[(i + 3) % 6] + " and " + w[(i + 4) % 6] + " story", "https://example.org/" + id, "[]", "[]");
  }

  /** MIND's time, as behaviors.tsv writes it. */
  private static String time(LocalDate day, int hour, int minute) {
    return String.format("%d/%d/%d %d:%02d:00 %s", day.getMonthValue(), day.getDayOfMonth(), day.getYear(),
        hour % 12 == 0 ? 12 : hour % 12, minute, hour < 12 ? "AM" : "PM");
  }

  private static String old(int topic, int i) {
    return "N" + topic + String.format("%02d", i);
  }

  private static String fresh(int topic, int i) {
    return "M" + topic + i;
  }

  @Test
  void yesterdaysModelRanksTodaysNewArticlesByTheirText(@TempDir Path in, @TempDir Path wh) throws IOException {
    List<String> day1News = new ArrayList<>();
    List<String> day2News = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      for (int i = 0; i < 12; i++) {
        day1News.add(news(old(t, i), t, i));
      }
      for (int i = 0; i < 3; i++) {
        day2News.add(news(fresh(t, i), t, 2 * i + 1));
      }
    }
    List<String> day1Logs = new ArrayList<>();
    List<String> day2Logs = new ArrayList<>();
    int impression = 0;
    for (int t = 0; t < 3; t++) {
      for (int r = 0; r < READERS; r++) {
        String user = "U" + t + r;
        // as in MIND, a history of clicks from before the logs (four articles of the reader's topic) repeated in every
        // log, and two impressions on day one: one article of the topic clicked, four of the other topics not
        String history = String.join(" ", old(t, r % 12), old(t, (r + 1) % 12), old(t, (r + 2) % 12), old(t, (r + 3) % 12));
        for (int k = 0; k < 2; k++) {
          List<String> shown = new ArrayList<>(List.of(old(t, (r + 4 + k) % 12) + "-1"));
          for (int o = 1; o <= 2; o++) {
            shown.add(old((t + o) % 3, (r + 2 * k) % 12) + "-0");
            shown.add(old((t + o) % 3, (r + 2 * k + 5) % 12) + "-0");
          }
          day1Logs.add(String.join("\t", "I" + ++impression, user, time(DAY_1, 9 + 6 * k, r), history,
              String.join(" ", shown)));
        }
        // day two: the new articles shown, none clicked yet
        List<String> shownNew = new ArrayList<>();
        for (int nt = 0; nt < 3; nt++) {
          for (int i = 0; i < 3; i++) {
            shownNew.add(fresh(nt, i) + "-0");
          }
        }
        day2Logs.add(String.join("\t", "I" + ++impression, user, time(DAY_2, 8, r), history, String.join(" ", shownNew)));
      }
    }
    Path behaviors1 = Files.write(in.resolve("behaviors-1.tsv"), day1Logs);
    Path news1 = Files.write(in.resolve("news-1.tsv"), day1News);
    List<String> allLogs = new ArrayList<>(day1Logs);
    allLogs.addAll(day2Logs);
    List<String> allNews = new ArrayList<>(day1News);
    allNews.addAll(day2News);
    Path behaviors2 = Files.write(in.resolve("behaviors-2.tsv"), allLogs);
    Path news2 = Files.write(in.resolve("news-2.tsv"), allNews);

    SparkSession spark = TestSpark.session();
    File preset = Path.of("..", "conf", "news.conf").toFile();
    List<String> base = List.of("warehouse=" + wh, "train.dim=16", "train.projection=16", "train.pool-hidden=8",
        "train.epochs=12", "train.patience=12", "embed.word2vec.min-count=1");
    // night one: day one's logs and articles
    Settings night1 = Settings.load(List.of(preset), with(base, "input.interactions.path=" + behaviors1,
        "input.items.path=" + news1));
    IngestJob.run(spark, night1.ingest(), "ingest-1");
    EmbedJob.run(spark, night1.embed(), "embed-1");
    TrainJob.run(spark, night1.train(), "yesterday");
    // night two: the logs and articles so far, the same model
    Settings night2 = Settings.load(List.of(preset), with(base, "input.interactions.path=" + behaviors2,
        "input.items.path=" + news2));
    IngestJob.run(spark, night2.ingest(), "ingest-2");
    assertThat(DuckDb.scalar("SELECT count(*) FROM read_parquet('" + wh.resolve("items") + "/*.parquet') WHERE "
        + "published_at >= TIMESTAMP '" + DAY_2 + "' AND published_at < TIMESTAMP '" + DAY_2.plusDays(1) + "'"))
        .as("published the day they were first shown").isEqualTo(9L);
    EmbedJob.run(spark, night2.embed(), "embed-2");
    ScoreResult r = ScoreJob.run(spark, night2.score().withDt(DAY_2), "score-2");

    assertThat(r.modelVersion()).isEqualTo("yesterday");
    assertThat(r.newItems()).containsEntry("new_items", 9L).containsEntry("placed", 9L);
    String recs = "read_parquet('" + wh.resolve("recommendations") + "/dt=" + DAY_2 + "/*.parquet')";
    assertThat(DuckDb.scalar("SELECT count(*) FROM " + recs + " WHERE item_id NOT LIKE 'M%'")).isEqualTo(0L);
    assertThat(DuckDb.scalar("SELECT count(DISTINCT user_id) FROM " + recs + " WHERE source = 'attention'"))
        .isEqualTo(3L * READERS);
    assertThat(DuckDb.scalar("SELECT min(len(reasons)) FROM " + recs)).isEqualTo(3L);
    // the known answer: each reader's topic first
    Map<String, List<String>> top3 = new java.util.TreeMap<>();
    for (Map<String, Object> row : DuckDb.query("SELECT user_id, item_id FROM " + recs + " WHERE rank <= 3 ORDER BY user_id, rank")) {
      top3.computeIfAbsent((String) row.get("user_id"), u -> new ArrayList<>()).add((String) row.get("item_id"));
    }
    // user U<topic><reader>, article M<topic><i>
    long right = top3.entrySet().stream().filter(e -> e.getValue().stream()
        .allMatch(item -> item.charAt(1) == e.getKey().charAt(1))).count();
    System.out.printf("news: %d of %d readers get their topic's three new articles first%n", right, top3.size());
    assertThat(right).isGreaterThanOrEqualTo(27);

    // MIND's protocol on the same logs: each held-out click against what its impression showed and was not clicked
    var eval = EvaluateJob.run(spark, night2.evaluate(), "evaluate-news");
    var figures = eval.figures().stream().filter(f -> f.protocol().equals(EvaluateJob.IMPRESSIONS)
        && f.split().equals("test")).toList();
    figures.forEach(f -> System.out.printf("news, MIND protocol, test: %s %s@%s = %.4f over %d impressions%n", f.method(),
        f.metric(), f.k(), f.value(), f.users()));
    assertThat(figures.stream().filter(f -> f.method().equals("attention") && f.metric().equals("auc")).findFirst()
        .orElseThrow().value()).isGreaterThan(0.9);
  }

  private static List<String> with(List<String> base, String... more) {
    List<String> all = new ArrayList<>(base);
    all.addAll(List.of(more));
    return all;
  }
}
