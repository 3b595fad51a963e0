package io.attnflow.jobs.config;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;

/** Everything the score job reads from configuration ({@code warehouse}, {@code model.*}, {@code score.*}), validated. */
public record ScoreSettings(
    String warehouse,
    ModelSettings model,
    LocalDate dt,
    int topK,
    int reasons,
    Mode mode,
    int shortlist,
    double autoAbovePairs,
    int userBatch,
    int itemBlock,
    long broadcastBudgetBytes,
    int partitions,
    List<String> excludeSeenEvents,
    List<String> blocklist,
    List<String> allowCategories,
    List<String> denyCategories,
    int maxPerCategory,
    int freshnessDays,
    int popularDays,
    long targetFileBytes,
    int lockLeaseSeconds,
    boolean allowNonAtomicWarehouse) implements java.io.Serializable {

  static ScoreSettings from(ConfigReader r, ModelSettings model) {
    String dtText = r.nonEmptyString("score.dt");
    LocalDate dt = LocalDate.now(ZoneOffset.UTC);
    if (!dtText.equals("today")) {
      try {
        dt = LocalDate.parse(dtText);
      } catch (DateTimeParseException e) {
        r.problem("score.dt", dtText, "a date YYYY-MM-DD or \"today\"");
      }
    }
    return new ScoreSettings(
        r.nonEmptyString("warehouse"),
        model,
        dt,
        r.intIn("score.top-k", 1, 10_000),
        r.intIn("score.reasons", 0, 1000),
        Mode.valueOf(r.oneOf("score.mode", List.of("exhaustive", "two-stage", "auto")).replace('-', '_')
            .toUpperCase(java.util.Locale.ROOT)),
        r.intIn("score.two-stage.candidates", 1, 1 << 20),
        r.doubleIn("score.two-stage.auto-above-pairs", 0, 1e18),
        r.intIn("score.user-batch", 1, 1 << 16),
        r.intIn("score.item-block", 1, 1 << 20),
        (long) r.intIn("score.broadcast-budget-mb", 0, 1 << 20) << 20,
        r.intIn("score.partitions", 0, 1 << 20),
        r.stringList("score.exclude-seen-events"),
        r.stringList("score.blocklist"),
        r.stringList("score.categories.allow"),
        r.stringList("score.categories.deny"),
        r.intIn("score.categories.max-per-user", 0, 10_000),
        r.intIn("score.freshness-days", 0, 1 << 20),
        r.intIn("score.popular-days", 0, 1 << 20),
        (long) r.intIn("score.target-file-mb", 1, 1 << 20) << 20,
        r.intIn("score.lock-lease-seconds", 10, 7 * 24 * 3600),
        r.bool("allow-non-atomic-warehouse"));
  }

  /** How candidates are scored ({@code score.mode}). */
  public enum Mode {
    /** α of every history item for every candidate. */
    EXHAUSTIVE,
    /** The pooled user vector shortlists {@code score.two-stage.candidates} items; α for those only. */
    TWO_STAGE,
    /** Two-stage when users × candidates exceed {@code score.two-stage.auto-above-pairs}, else exhaustive. */
    AUTO
  }

  /** Whether a run of {@code users} users over {@code candidates} items scores in two stages. */
  public boolean twoStage(long users, long candidates) {
    return mode == Mode.TWO_STAGE || (mode == Mode.AUTO && (double) users * candidates > autoAbovePairs);
  }

  /** The same settings with the history settings of the model actually used. */
  public ScoreSettings withModel(ModelSettings m) {
    return new ScoreSettings(warehouse, m, dt, topK, reasons, mode, shortlist, autoAbovePairs, userBatch, itemBlock, broadcastBudgetBytes,
        partitions, excludeSeenEvents, blocklist, allowCategories, denyCategories, maxPerCategory, freshnessDays, popularDays,
        targetFileBytes, lockLeaseSeconds, allowNonAtomicWarehouse);
  }

  /** The same settings for another day. */
  public ScoreSettings withDt(LocalDate day) {
    return new ScoreSettings(warehouse, model, day, topK, reasons, mode, shortlist, autoAbovePairs, userBatch, itemBlock, broadcastBudgetBytes,
        partitions, excludeSeenEvents, blocklist, allowCategories, denyCategories, maxPerCategory, freshnessDays, popularDays,
        targetFileBytes, lockLeaseSeconds, allowNonAtomicWarehouse);
  }
}
