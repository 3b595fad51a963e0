package io.attnflow.jobs.config;

import io.attnflow.core.ingest.InputFormat;
import io.attnflow.core.ingest.InteractionColumns;
import io.attnflow.core.ingest.ItemColumns;
import io.attnflow.core.ingest.Timestamps;
import java.time.Instant;
import java.util.List;

/**
 * Everything the ingest job reads from configuration ({@code warehouse}, {@code input.*},
 * {@code ingest.*}), validated.
 */
public record IngestSettings(
    String warehouse,
    InputSpec<InteractionColumns> interactions,
    String defaultEvent,
    InputSpec<ItemColumns> items,
    String tagSeparator,
    String tagsPath,
    double maxRejectRate,
    int maxLineBytes,
    UnknownItems unknownItems,
    Instant minTs,
    Instant maxTs,
    int rejectExamples,
    int lockLeaseSeconds,
    boolean allowNonAtomicWarehouse,
    boolean strictOptionalFields,
    boolean publishedAtFromFirstEvent) {

  /** What ingest does with an interaction whose item the items input lacks. */
  public enum UnknownItems {
    REJECT, KEEP
  }

  /** @throws ConfigProblems if an input path is not set (other jobs do not need them) */
  public void requireInputs() {
    java.util.List<String> problems = new java.util.ArrayList<>();
    if (interactions.path().isBlank()) {
      problems.add("input.interactions.path = \"\" is not valid (expected the path of the interaction input)");
    }
    if (items.path().isBlank()) {
      problems.add("input.items.path = \"\" is not valid (expected the path of the item input)");
    }
    if (!problems.isEmpty()) {
      throw new ConfigProblems(problems);
    }
  }

  static IngestSettings from(ConfigReader r) {
    String warehouse = r.nonEmptyString("warehouse");
    InputFormat interactionFormat = format(r, "input.interactions.format");
    InteractionColumns ic = new InteractionColumns(
        r.nonEmptyString("input.interactions.columns.user_id"),
        r.nonEmptyString("input.interactions.columns.item_id"),
        r.nonEmptyString("input.interactions.columns.ts"),
        r.string("input.interactions.columns.event"),
        r.string("input.interactions.columns.value"));
    String interactionTs = tsFormat(r, "input.interactions.ts-format");
    InputFormat itemFormat = format(r, "input.items.format");
    ItemColumns itc = new ItemColumns(
        r.nonEmptyString("input.items.columns.item_id"),
        r.string("input.items.columns.title"),
        r.string("input.items.columns.text"),
        r.string("input.items.columns.category"),
        r.string("input.items.columns.tags"),
        r.string("input.items.columns.published_at"),
        r.string("input.items.columns.vector"));
    String itemTs = tsFormat(r, "input.items.ts-format");
    String interactionsPath = r.string("input.interactions.path");
    String itemsPath = r.string("input.items.path");
    String tagsPath = r.string("input.items.tags-path");
    r.check(tagsPath.isBlank() || itemFormat == InputFormat.MOVIELENS_CSV, "input.items.tags-path", tagsPath,
        "\"\" unless input.items.format is movielens-csv");
    UnknownItems unknown = UnknownItems.valueOf(r.oneOf("ingest.unknown-items", List.of("reject", "keep")).toUpperCase());
    Instant min = r.instant("ingest.timestamps.min");
    Instant max = r.instant("ingest.timestamps.max");
    r.check(min.isBefore(max), "ingest.timestamps.max", max.toString(), "an instant after ingest.timestamps.min");
    return new IngestSettings(
        warehouse,
        new InputSpec<>(interactionsPath, interactionFormat, ic, interactionTs),
        r.nonEmptyString("input.interactions.default-event"),
        new InputSpec<>(itemsPath, itemFormat, itc, itemTs),
        r.nonEmptyString("input.items.tag-separator"),
        tagsPath,
        r.doubleIn("ingest.max-reject-rate", 0.0, 1.0),
        r.intIn("ingest.max-line-bytes", 16, Integer.MAX_VALUE - 64),
        unknown,
        min,
        max,
        r.intIn("ingest.reject-examples", 0, 100),
        r.intIn("ingest.lock-lease-seconds", 10, 7 * 24 * 3600),
        r.bool("allow-non-atomic-warehouse"),
        r.bool("ingest.strict-optional-fields"),
        r.oneOf("ingest.published-at", List.of("column", "first-event")).equals("first-event"));
  }

  private static InputFormat format(ConfigReader r, String key) {
    return InputFormat.fromCode(r.oneOf(key, InputFormat.codes())).orElse(InputFormat.CSV);
  }

  private static String tsFormat(ConfigReader r, String key) {
    String f = r.nonEmptyString(key);
    r.check(f.isBlank() || Timestamps.isValidFormat(f), key, f,
        "one of " + String.join(", ", Timestamps.NAMED) + ", or a java.time pattern such as yyyy-MM-dd HH:mm:ss");
    return f;
  }
}
