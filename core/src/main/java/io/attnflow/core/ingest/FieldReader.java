package io.attnflow.core.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the wanted fields of one text record, in a fixed order of wanted names, whatever the
 * input's own column order. Delimited layouts check the field count (too few: {@code
 * missing_field}, too many: {@code extra_fields}); JSON lines look fields up by key. Unwanted
 * positions ({@code -1}) read as the empty string.
 */
public final class FieldReader implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final ObjectReader JSON =
      new ObjectMapper().readerFor(JsonNode.class).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final Delimited splitter; // null for JSON lines
  private final int[] positions;
  private final int width;
  private final String[] keys; // JSON lines only
  private final List<String> absent;

  private FieldReader(Delimited splitter, int[] positions, int width, String[] keys, List<String> absent) {
    this.splitter = splitter;
    this.positions = positions;
    this.width = width;
    this.keys = keys;
    this.absent = List.copyOf(absent);
  }

  /**
   * A delimited layout whose column positions are known: {@code positions[k]} is where wanted field
   * k stands ({@code -1}: absent), {@code width} how many fields every line has.
   */
  public static FieldReader fixed(Delimited splitter, int width, int... positions) {
    return new FieldReader(splitter, positions.clone(), width, null, List.of());
  }

  /**
   * A delimited layout whose positions come from its header line.
   *
   * @param required how many of {@code wanted}, from the first, the header must name; a later one it lacks is
   *     read as absent (see {@link #absentColumns()})
   * @param wanted the column names to read, in order; {@code ""} for a field the input lacks
   * @throws InputLayoutException if the header lacks a required column
   */
  public static FieldReader fromHeader(Delimited splitter, String headerLine, String file, int required, String... wanted)
      throws InputLayoutException {
    String[] header;
    try {
      header = splitter.split(stripBom(headerLine));
    } catch (BadRecordException e) {
      throw new InputLayoutException("Cannot read the header of " + file + ": " + e.detail());
    }
    List<String> names = Arrays.stream(header).map(String::trim).toList();
    int[] positions = new int[wanted.length];
    List<String> missing = new ArrayList<>();
    List<String> absent = new ArrayList<>();
    for (int k = 0; k < wanted.length; k++) {
      positions[k] = wanted[k].isEmpty() ? -1 : names.indexOf(wanted[k]);
      if (!wanted[k].isEmpty() && positions[k] < 0) {
        (k < required ? missing : absent).add(wanted[k]);
      }
    }
    if (!missing.isEmpty()) {
      throw new InputLayoutException(
          "Cannot read " + file + ": its header " + names + " lacks the column(s) " + missing
              + " (map the contract's fields to this file's columns with input.*.columns)");
    }
    return new FieldReader(splitter, positions, header.length, null, absent);
  }

  /** JSON lines: one object per line; {@code wanted} are keys ({@code ""}: absent). */
  public static FieldReader json(String... wanted) {
    return new FieldReader(null, null, -1, wanted.clone(), List.of());
  }

  /** The optional columns a header did not name: their fields read as {@code ""} in every record. */
  public List<String> absentColumns() {
    return absent;
  }

  /**
   * The wanted fields of {@code line}, in the wanted order. Unwanted fields are {@code ""}; a wanted
   * JSON key the object lacks is {@code null}, so that callers can tell absent from empty.
   */
  public String[] read(String line) throws BadRecordException {
    return splitter == null ? readJson(line) : readDelimited(line);
  }

  private String[] readDelimited(String line) throws BadRecordException {
    String[] fields = splitter.split(line);
    if (fields.length < width) {
      throw new BadRecordException(
          RejectReason.MISSING_FIELD, "expected " + width + " fields, found " + fields.length);
    }
    if (fields.length > width) {
      throw new BadRecordException(
          RejectReason.EXTRA_FIELDS, "expected " + width + " fields, found " + fields.length);
    }
    String[] out = new String[positions.length];
    for (int k = 0; k < positions.length; k++) {
      out[k] = positions[k] < 0 ? "" : fields[positions[k]];
    }
    return out;
  }

  private String[] readJson(String line) throws BadRecordException {
    JsonNode node;
    try {
      node = line.isBlank() ? null : JSON.readValue(line);
    } catch (MismatchedInputException e) {
      node = null; // trailing tokens after the object
    } catch (JsonProcessingException e) {
      throw new BadRecordException(RejectReason.MALFORMED, "not a JSON object: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new BadRecordException(RejectReason.MALFORMED, "not a JSON object (one object per line expected)");
    }
    String[] out = new String[keys.length];
    for (int k = 0; k < keys.length; k++) {
      JsonNode v = keys[k].isEmpty() ? null : node.get(keys[k]);
      out[k] = keys[k].isEmpty() || (v != null && v.isNull()) ? "" : v == null ? null : v.isValueNode() ? v.asText() : v.toString();
    }
    return out;
  }

  private static String stripBom(String s) {
    return !s.isEmpty() && s.charAt(0) == '\uFEFF' ? s.substring(1) : s;
  }
}
