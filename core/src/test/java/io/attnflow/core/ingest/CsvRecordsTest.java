package io.attnflow.core.ingest;

import static io.attnflow.core.ingest.Rejects.assertRejected;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class CsvRecordsTest {

  @Test
  void aQuotedLineBreakJoinsLinesIntoOneRecordNumberedByItsFirstLine() {
    List<CsvRecords.Record> r = records(1_000, "id,text", "1,\"two", "lines\"", "2,plain", "3,\"a \"\"quoted\"\"", "", "end\"");

    assertThat(r).extracting(CsvRecords.Record::line).containsExactly(1L, 2L, 4L, 5L);
    assertThat(r).extracting(x -> new String(x.bytes(), UTF_8))
        .containsExactly("id,text", "1,\"two\nlines\"", "2,plain", "3,\"a \"\"quoted\"\"\n\nend\"");
  }

  @Test
  void aQuoteThatNeverClosesCostsOnlyItsOwnLine() {
    List<CsvRecords.Record> r = records(1_000, "1,ok", "2,\"open", "3,fine", "4,also fine");

    assertThat(r).extracting(CsvRecords.Record::line).containsExactly(1L, 2L, 3L, 4L);
    assertThat(r).extracting(x -> new String(x.bytes(), UTF_8)).containsExactly("1,ok", "2,\"open", "3,fine", "4,also fine");
    assertRejected(() -> Delimited.csv().split("2,\"open"), RejectReason.MALFORMED,
        "field 2: unterminated quote (a quoted field must end with \", within ingest.max-line-bytes and before the end of"
            + " the file)");
  }

  @Test
  void aQuotedFieldLongerThanTheLimitIsCutBackToItsFirstLine() {
    // line 2 opens a quote that line 5 closes, but 2..4 already pass 20 bytes: line 2 alone, then 3 and 4 re-read;
    // line 5's quote then opens a field of its own that the file's end leaves open
    List<CsvRecords.Record> r = records(20, "1,ok", "2,\"a long", "3,text that", "4,runs on", "5,\"");

    assertThat(r).extracting(CsvRecords.Record::line).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(r).extracting(x -> new String(x.bytes(), UTF_8)).containsExactly("1,ok", "2,\"a long", "3,text that", "4,runs on", "5,\"");
  }

  @Test
  void textAfterAClosingQuoteEndsTheRecordAtItsLine() {
    assertThat(records(1_000, "1,\"a\"b,\"c", "2,x")).extracting(CsvRecords.Record::line).containsExactly(1L, 2L);
    assertThat(records(1_000, "1,\"a\"\"", "b\"", "2,x")).extracting(CsvRecords.Record::line).containsExactly(1L, 3L);
  }

  @Test
  void closesTellsALineThatIsAWholeRecord() {
    assertThat(closes("1,\"a, b\",\"say \"\"hi\"\"\"")).isTrue();
    assertThat(closes("1,a\"b,c")).isTrue();
    assertThat(closes("1,\"a")).isFalse();
    assertThat(closes("1,\"a\"\"")).isFalse();
    assertThat(closes("")).isTrue();
  }

  /** Any table written as RFC 4180 CSV (fields quoted when they must be) reads back record for record, field for field. */
  @Property(tries = 300)
  void writtenCsvReadsBack(@ForAll("tables") List<List<String>> table) throws Exception {
    List<String> lines = new ArrayList<>();
    List<Long> starts = new ArrayList<>();
    for (List<String> row : table) {
      starts.add((long) lines.size() + 1);
      String record = row.stream().map(CsvRecordsTest::quoted).collect(Collectors.joining(","));
      lines.addAll(Arrays.asList(record.split("\n", -1)));
    }

    List<CsvRecords.Record> read = records(1 << 20, lines.toArray(String[]::new));

    assertThat(read).extracting(CsvRecords.Record::line).containsExactlyElementsOf(starts);
    for (int k = 0; k < table.size(); k++) {
      assertThat(Delimited.csv().split(new String(read.get(k).bytes(), UTF_8))).containsExactlyElementsOf(table.get(k));
    }
  }

  @Provide
  Arbitrary<List<List<String>>> tables() {
    Arbitrary<String> field = Arbitraries.oneOf(
        Arbitraries.strings().alpha().numeric().ofMaxLength(6),
        Arbitraries.strings().withChars(',', '"', ' ', 'a', '\n', 'é').ofMaxLength(8));
    return field.list().ofMinSize(2).ofMaxSize(5).list().ofMinSize(1).ofMaxSize(6);
  }

  private static String quoted(String field) {
    return field.matches("[^,\"\n]*") && !field.isEmpty() ? field : "\"" + field.replace("\"", "\"\"") + "\"";
  }

  private static boolean closes(String line) {
    byte[] b = line.getBytes(UTF_8);
    return CsvRecords.closes(b, b.length);
  }

  private static List<CsvRecords.Record> records(int maxBytes, String... lines) {
    Iterator<byte[]> it = Arrays.stream(lines).map(l -> l.getBytes(UTF_8)).iterator();
    List<CsvRecords.Record> out = new ArrayList<>();
    CsvRecords.records(it, 1, maxBytes).forEachRemaining(out::add);
    return out;
  }
}
