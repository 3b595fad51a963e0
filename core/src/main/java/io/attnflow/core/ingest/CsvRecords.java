package io.attnflow.core.ingest;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Where the records of a CSV file begin and end (RFC 4180): a line break inside a quoted field belongs to the
 * field, so one record may span several lines. This works on the bytes of lines, before any decoding ({@code "},
 * {@code ,} and line breaks are single bytes in UTF-8 and Latin-1 and occur inside no multi-byte character), so
 * that each record is then decoded, and rejected for bad bytes, on its own; the fields of a record are
 * univocity's ({@link Delimited#csv()}).
 *
 * <p>univocity is not asked to find the records because, reading a whole file, it works on decoded characters (an
 * invalid byte would stop the file or be replaced without a word), it stops at the first malformed record, and an
 * unterminated quote takes the rest of the file. Here a quoted field that has not closed within {@code maxBytes},
 * or by the end of the file, ends its record at its first line, which is rejected as malformed, and reading goes
 * on with the next line: one stray quote costs one row.
 */
public final class CsvRecords {
  private static final int FIELD_START = 0;
  private static final int UNQUOTED = 1;
  private static final int QUOTED = 2;
  /** A quote inside a quoted field: the closing one, or the first of a doubled pair. */
  private static final int QUOTE = 3;

  /** One record: the number of its first line, and its lines joined by {@code '\n'} (their own ends removed). */
  public record Record(long line, byte[] bytes) {}

  private CsvRecords() {}

  /** True when a record that starts at the start of {@code line} ends with it: it leaves no quoted field open. */
  public static boolean closes(byte[] line, int length) {
    return scan(FIELD_START, line, length) != QUOTED;
  }

  /** The 1-based number of the field whose quote {@code record} leaves open, or 0 when every quote closes. */
  static int unterminatedField(String record) {
    int state = FIELD_START;
    int field = 1;
    for (int i = 0; i < record.length(); i++) {
      char c = record.charAt(i);
      if (c == ',' && state != QUOTED) {
        field++;
      }
      state = next(state, c);
    }
    return state == QUOTED ? field : 0;
  }

  /**
   * The records of one file, from its lines in order (without their line ends), numbered from {@code firstLine}.
   *
   * @param maxBytes how long a quoted field may run on over lines before its record is cut back to its first line
   */
  public static Iterator<Record> records(Iterator<byte[]> lines, long firstLine, int maxBytes) {
    return new Iterator<>() {
      private final Deque<byte[]> reread = new ArrayDeque<>();
      private long line = firstLine;
      private Record next;

      @Override
      public boolean hasNext() {
        if (next == null) {
          next = read();
        }
        return next != null;
      }

      @Override
      public Record next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Record r = next;
        next = null;
        return r;
      }

      private Record read() {
        List<byte[]> parts = new ArrayList<>(1);
        int state = FIELD_START;
        long size = 0;
        while (true) {
          byte[] l = !reread.isEmpty() ? reread.pollFirst() : lines.hasNext() ? lines.next() : null;
          if (l == null) {
            if (parts.isEmpty()) {
              return null;
            }
            break; // the file ended inside a quoted field
          }
          parts.add(l);
          size += l.length + 1;
          state = scan(state, l, l.length);
          if (state != QUOTED) {
            Record r = new Record(line, join(parts, size - 1));
            line += parts.size();
            return r;
          }
          if (size > maxBytes) {
            break;
          }
        }
        // A quoted field left open: its record is its first line alone, and the lines after it are read again.
        for (int k = parts.size() - 1; k >= 1; k--) {
          reread.addFirst(parts.get(k));
        }
        return new Record(line++, parts.get(0));
      }
    };
  }

  private static int scan(int state, byte[] line, int length) {
    int s = state;
    for (int i = 0; i < length; i++) {
      s = next(s, line[i]);
    }
    return s;
  }

  private static int next(int state, int c) {
    return switch (state) {
      case FIELD_START -> c == '"' ? QUOTED : c == ',' ? FIELD_START : UNQUOTED;
      case UNQUOTED -> c == ',' ? FIELD_START : UNQUOTED;
      case QUOTED -> c == '"' ? QUOTE : QUOTED;
      // after a quote: a second one is an escaped quote; text after a closing quote (malformed) reads as unquoted
      default -> c == '"' ? QUOTED : c == ',' ? FIELD_START : UNQUOTED;
    };
  }

  private static byte[] join(List<byte[]> parts, long size) {
    if (parts.size() == 1) {
      return parts.get(0);
    }
    byte[] out = new byte[(int) size];
    int at = 0;
    for (byte[] p : parts) {
      if (at > 0) {
        out[at++] = '\n';
      }
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
