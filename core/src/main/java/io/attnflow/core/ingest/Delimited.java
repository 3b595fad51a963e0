package io.attnflow.core.ingest;

import com.univocity.parsers.common.TextParsingException;
import com.univocity.parsers.csv.CsvParser;
import com.univocity.parsers.csv.CsvParserSettings;
import com.univocity.parsers.csv.UnescapedQuoteHandling;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits one record into fields. {@link #csv()} follows RFC 4180 with univocity's parser (quoted fields may hold
 * the separator, doubled quotes and line breaks: {@link CsvRecords} finds where such a record ends); the others
 * split one line on a literal separator, which may be several characters long ({@code ::} in MovieLens 1M).
 * Not thread-safe: one per task.
 */
public final class Delimited implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String separator;
  private final boolean quoted;
  private transient CsvParser csv;

  private Delimited(String separator, boolean quoted) {
    if (separator.isEmpty()) {
      throw new IllegalArgumentException("Cannot split on an empty separator");
    }
    this.separator = separator;
    this.quoted = quoted;
  }

  /**
   * Comma-separated with RFC 4180 quoting; a quoted field that does not close, or text after its closing quote,
   * is malformed.
   */
  public static Delimited csv() {
    return new Delimited(",", true);
  }

  /** Tab-separated, no quoting (as MIND and MovieLens 100K write it). */
  public static Delimited tsv() {
    return new Delimited("\t", false);
  }

  /** A literal separator, no quoting. */
  public static Delimited on(String separator) {
    return new Delimited(separator, false);
  }

  public String separator() {
    return separator;
  }

  /** The fields of {@code line}; an empty line has one empty field. */
  public String[] split(String line) throws BadRecordException {
    return quoted ? splitQuoted(line) : splitPlain(line);
  }

  private String[] splitPlain(String line) {
    List<String> fields = new ArrayList<>();
    int from = 0;
    int at;
    while ((at = line.indexOf(separator, from)) >= 0) {
      fields.add(line.substring(from, at));
      from = at + separator.length();
    }
    fields.add(line.substring(from));
    return fields.toArray(String[]::new);
  }

  private String[] splitQuoted(String record) throws BadRecordException {
    int open = CsvRecords.unterminatedField(record);
    if (open > 0) {
      throw new BadRecordException(RejectReason.MALFORMED, "field " + open + ": unterminated quote (a quoted field must end"
          + " with \", within ingest.max-line-bytes and before the end of the file)");
    }
    if (csv == null) {
      csv = new CsvParser(csvSettings());
    }
    String[] fields;
    try {
      fields = csv.parseLine(record);
    } catch (TextParsingException e) {
      String why = e.getMessage() != null && e.getMessage().contains("Unescaped quote character")
          ? "text after a closing quote (a quote inside a quoted field is written \"\", and a quoted field ends at ','"
              + " or the end of the record)"
          : "not readable as CSV (" + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + ")";
      throw new BadRecordException(RejectReason.MALFORMED, "field " + (e.getColumnIndex() + 1) + ": " + why);
    }
    return fields == null ? new String[] {""} : fields;
  }

  /** RFC 4180 as written: fields kept exactly (no trimming, "" for empty), a quote inside a quoted field doubled. */
  private static CsvParserSettings csvSettings() {
    CsvParserSettings s = new CsvParserSettings();
    s.getFormat().setDelimiter(',');
    s.getFormat().setQuote('"');
    s.getFormat().setQuoteEscape('"');
    s.getFormat().setCharToEscapeQuoteEscaping('"'); // the default, '\0', would make a NUL inside quotes vanish
    s.getFormat().setLineSeparator("\n");
    s.setLineSeparatorDetectionEnabled(false);
    s.setNormalizeLineEndingsWithinQuotes(false);
    s.setNullValue("");
    s.setEmptyValue("");
    s.setIgnoreLeadingWhitespaces(false);
    s.setIgnoreTrailingWhitespaces(false);
    s.setIgnoreLeadingWhitespacesInQuotes(false);
    s.setIgnoreTrailingWhitespacesInQuotes(false);
    s.setSkipEmptyLines(false);
    s.setSkipBitsAsWhitespace(false);
    s.setMaxCharsPerColumn(-1);
    s.setMaxColumns(1 << 16);
    s.setUnescapedQuoteHandling(UnescapedQuoteHandling.RAISE_ERROR);
    s.setErrorContentLength(0);
    return s;
  }
}
