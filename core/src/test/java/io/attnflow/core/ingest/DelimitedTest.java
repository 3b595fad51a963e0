package io.attnflow.core.ingest;

import static io.attnflow.core.ingest.Rejects.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class DelimitedTest {

  @Test
  void csvSplitsPlainFields() throws Exception {
    assertThat(Delimited.csv().split("1,1,4.0,964982703")).containsExactly("1", "1", "4.0", "964982703");
  }

  @Test
  void csvQuotedFieldKeepsCommasAndUndoublesQuotes() throws Exception {
    // "a,""b""" is one quoted field: a , then a doubled quote, b, a doubled quote, then the closing quote
    assertThat(Delimited.csv().split("\"a,\"\"b\"\"\"")).containsExactly("a,\"b\"");
    assertThat(Delimited.csv().split("11,\"American President, The (1995)\",Comedy|Drama"))
        .containsExactly("11", "American President, The (1995)", "Comedy|Drama");
  }

  @Test
  void csvQuotedEmptyFieldAndQuoteInsideUnquotedField() throws Exception {
    assertThat(Delimited.csv().split("\"\",x")).containsExactly("", "x");
    // a quote not at the start of a field is an ordinary character
    assertThat(Delimited.csv().split("ab\"c,d")).containsExactly("ab\"c", "d");
  }

  @Test
  void csvEmptyFields() throws Exception {
    assertThat(Delimited.csv().split("")).containsExactly("");
    assertThat(Delimited.csv().split(",,")).containsExactly("", "", "");
    assertThat(Delimited.csv().split("a,")).containsExactly("a", "");
    assertThat(Delimited.csv().split(",b")).containsExactly("", "b");
    assertThat(Delimited.csv().split("\"a\",")).containsExactly("a", "");
  }

  @Test
  void csvKeepsSurroundingWhitespace() throws Exception {
    assertThat(Delimited.csv().split(" a , b ")).containsExactly(" a ", " b ");
  }

  @Test
  void csvQuotedFieldKeepsLineBreaks() throws Exception {
    assertThat(Delimited.csv().split("7,\"first line\nsecond, \"\"quoted\"\"\",x"))
        .containsExactly("7", "first line\nsecond, \"quoted\"", "x");
    assertThat(Delimited.csv().split("8,\"a\r\nb\",\"\n\"")).containsExactly("8", "a\r\nb", "\n");
  }

  @Test
  void csvUnterminatedQuoteIsMalformed() {
    String detail = ": unterminated quote (a quoted field must end with \", within ingest.max-line-bytes and before the"
        + " end of the file)";
    assertRejected(() -> Delimited.csv().split("a,\"b"), RejectReason.MALFORMED, "field 2" + detail);
    assertRejected(() -> Delimited.csv().split("a,\"b,c\nd,e"), RejectReason.MALFORMED, "field 2" + detail);
    // the doubled quote at the end is an escaped quote, not a closing one
    assertRejected(() -> Delimited.csv().split("\"abc\"\""), RejectReason.MALFORMED, "field 1" + detail);
  }

  @Test
  void csvTextAfterClosingQuoteIsMalformed() {
    String detail = ": text after a closing quote (a quote inside a quoted field is written \"\", and a quoted field"
        + " ends at ',' or the end of the record)";
    assertRejected(() -> Delimited.csv().split("x,\"a\"b,c"), RejectReason.MALFORMED, "field 2" + detail);
    assertRejected(() -> Delimited.csv().split("\"a\"b"), RejectReason.MALFORMED, "field 1" + detail);
  }

  @Test
  void csvRecordBeyondTheParsersColumnLimitIsMalformed() {
    assertThatThrownBy(() -> Delimited.csv().split(",".repeat(70_000)))
        .isInstanceOfSatisfying(BadRecordException.class, e -> {
          assertThat(e.reason()).isEqualTo(RejectReason.MALFORMED);
          assertThat(e.detail()).contains("not readable as CSV");
        });
  }

  @Test
  void tsvSplitsOnTabsAndTreatsQuotesAndCommasLiterally() throws Exception {
    assertThat(Delimited.tsv().split("196\t242\t3\t881250949")).containsExactly("196", "242", "3", "881250949");
    assertThat(Delimited.tsv().split("\"a,b\t\t")).containsExactly("\"a,b", "", "");
    assertThat(Delimited.tsv().separator()).isEqualTo("\t");
  }

  @Test
  void multiCharacterSeparatorAsInMovieLens1M() throws Exception {
    Delimited d = Delimited.on("::");
    assertThat(d.split("1::Toy Story (1995)::Animation|Children's|Comedy"))
        .containsExactly("1", "Toy Story (1995)", "Animation|Children's|Comedy");
    // a single colon is part of a field; ":::" is a separator followed by ":"
    assertThat(d.split("a:b:::c")).containsExactly("a:b", ":c");
    assertThat(d.split("::")).containsExactly("", "");
    assertThat(d.separator()).isEqualTo("::");
  }

  @Test
  void pipeSeparatorAsInMovieLens100K() throws Exception {
    assertThat(Delimited.on("|").split("1|Toy Story (1995)|01-Jan-1995||url"))
        .containsExactly("1", "Toy Story (1995)", "01-Jan-1995", "", "url");
  }

  @Test
  void emptySeparatorIsRefused() {
    assertThatThrownBy(() -> Delimited.on(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot split on an empty separator");
  }

  /** RFC 4180 quoting of every field, joined with commas, splits back into the same fields. */
  @Property(tries = 500)
  void quotedCsvRoundTrips(@ForAll("fieldLists") List<String> fields) throws Exception {
    String line = fields.stream()
        .map(f -> "\"" + f.replace("\"", "\"\"") + "\"")
        .collect(Collectors.joining(","));
    assertThat(Delimited.csv().split(line)).containsExactlyElementsOf(fields);
  }

  @Provide
  Arbitrary<List<String>> fieldLists() {
    Arbitrary<String> anyChars = Arbitraries.strings().all().ofMaxLength(20);
    Arbitrary<String> tricky = Arbitraries.strings().withChars(',', '"', ' ', 'a', '\t', '\n', '\r').ofMaxLength(8);
    return Arbitraries.oneOf(anyChars, tricky).list().ofMinSize(1).ofMaxSize(8);
  }
}
