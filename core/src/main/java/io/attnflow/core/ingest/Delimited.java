package io.attnflow.core.ingest;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits one text line into fields. {@link #csv()} follows RFC 4180 within a line (quoted fields
 * may hold the delimiter and doubled quotes); the others split on a literal separator, which may be
 * several characters long ({@code ::} in MovieLens 1M).
 */
public final class Delimited implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String separator;
  private final boolean quoted;

  private Delimited(String separator, boolean quoted) {
    if (separator.isEmpty()) {
      throw new IllegalArgumentException("Cannot split on an empty separator");
    }
    this.separator = separator;
    this.quoted = quoted;
  }

  /** Comma-separated with RFC 4180 quoting. */
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

  private String[] splitQuoted(String line) throws BadRecordException {
    char sep = separator.charAt(0);
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    int i = 0;
    int n = line.length();
    while (true) {
      if (i < n && line.charAt(i) == '"') {
        i++;
        while (true) {
          if (i >= n) {
            throw new BadRecordException(
                RejectReason.MALFORMED,
                "field " + (fields.size() + 1) + ": unterminated quote (a quoted field must end with \")");
          }
          char c = line.charAt(i++);
          if (c == '"') {
            if (i < n && line.charAt(i) == '"') {
              field.append('"');
              i++;
            } else {
              break;
            }
          } else {
            field.append(c);
          }
        }
        if (i < n && line.charAt(i) != sep) {
          throw new BadRecordException(
              RejectReason.MALFORMED,
              "field " + (fields.size() + 1) + ": text after a closing quote (expected '" + sep + "' or end of line)");
        }
      } else {
        while (i < n && line.charAt(i) != sep) {
          field.append(line.charAt(i++));
        }
      }
      fields.add(field.toString());
      field.setLength(0);
      if (i >= n) {
        return fields.toArray(String[]::new);
      }
      i++; // the separator
    }
  }
}
