package io.attnflow.jobs.ingest;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The row accounting of one input: {@code read = accepted + rejected}, with the rejects by reason
 * and a few example rows per reason.
 *
 * @param input    {@code interactions}, {@code items} or {@code tags}
 * @param files    how many files were read
 * @param records  records read from the files (lines without headers, or Parquet rows)
 * @param rejectedByReason rejected rows per reason code, in reason order
 * @param droppedByReason  accepted rows' optional fields left null because they could not be read, per reason
 * @param absentColumns    the optional mapped columns the input lacks (their fields are null in every row)
 * @param read     rows read: equals {@code records} except for MIND impression logs, whose one
 *                 line holds many events
 */
public record InputAccount(
    String input,
    int files,
    long records,
    long read,
    long accepted,
    Map<String, Long> rejectedByReason,
    Map<String, Long> droppedByReason,
    List<String> absentColumns,
    List<RejectExample> examples) {

  public InputAccount {
    rejectedByReason = Collections.unmodifiableSortedMap(new TreeMap<>(rejectedByReason));
    droppedByReason = Collections.unmodifiableSortedMap(new TreeMap<>(droppedByReason));
    absentColumns = List.copyOf(absentColumns);
    examples = List.copyOf(examples);
  }

  /** One rejected row, as shown in reports and error messages. */
  public record RejectExample(String reason, String source, long line, String detail, String raw) {
    @Override
    public String toString() {
      return source + ":" + line + " " + reason + ": " + detail + " | " + (raw.length() > 120 ? raw.substring(0, 117) + "..." : raw);
    }
  }

  public long rejected() {
    return rejectedByReason.values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * The share of rows rejected as bad input, 0 for an empty input: every rejected row but the repeats that a layout
   * makes by design ({@code repeated_history}), which are still rejected and counted.
   */
  public double rejectRate() {
    long expected = rejectedByReason.getOrDefault(io.attnflow.core.ingest.RejectReason.REPEATED_HISTORY.code(), 0L);
    return read == 0 ? 0.0 : (double) (rejected() - expected) / read;
  }

  public boolean balanced() {
    return read == accepted + rejected();
  }
}
