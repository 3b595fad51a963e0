package io.attnflow.core.ingest;

import static io.attnflow.core.ingest.Rejects.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attnflow.core.data.Item;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ItemParserTest {
  static final Instant MIN = Instant.parse("1990-01-01T00:00:00Z");
  static final Instant MAX = Instant.parse("2030-01-01T00:00:00Z");
  // 1995-01-01T00:00Z: 25 years incl. 6 leap days (1972..1992) = 9131 days * 86400 = 788918400 s
  static final long JAN_1_1995 = 788_918_400_000_000L;
  // 2019-11-11T09:05:58Z = 1573463158 s (see TimestampsTest)
  static final long MIND_MICROS = 1_573_463_158_000_000L;
  static final String U_ITEM_TOY_STORY = "1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)"
      + "|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0";
  static final ItemColumns MAPPED = new ItemColumns("id", "name", "", "kind", "labels", "released", "emb");

  private static ItemParser parser(InputFormat format, String header, ItemColumns columns) throws InputLayoutException {
    return ItemParser.forFile(format, "items." + format.code(), header, columns, "yyyy-MM-dd HH:mm:ss", "|", MIN, MAX);
  }

  private static ItemParser moviesCsv() throws InputLayoutException {
    return parser(InputFormat.MOVIELENS_CSV, "movieId,title,genres", null);
  }

  private static ItemParser mappedCsv() throws InputLayoutException {
    return parser(InputFormat.CSV, "id,name,labels,released,emb,kind", MAPPED);
  }

  @Test
  void movielensCsvMovie() throws Exception {
    Item m = moviesCsv().parse("1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy");
    assertThat(m.itemId()).isEqualTo("1");
    assertThat(m.title()).isEqualTo("Toy Story (1995)");
    assertThat(m.category()).isEqualTo("Adventure");
    assertThat(m.tags()).containsExactly("Adventure", "Animation", "Children", "Comedy", "Fantasy");
    assertThat(m.text()).isEqualTo("Toy Story (1995) Adventure Animation Children Comedy Fantasy");
    assertThat(m.publishedAtMicros()).isEqualTo(JAN_1_1995);
    assertThat(m.vector()).isNull();
  }

  @Test
  void movielensCsvQuotedTitleWithComma() throws Exception {
    Item m = moviesCsv().parse("11,\"American President, The (1995)\",Comedy|Drama|Romance");
    assertThat(m.itemId()).isEqualTo("11");
    assertThat(m.title()).isEqualTo("American President, The (1995)");
    assertThat(m.category()).isEqualTo("Comedy");
    assertThat(m.tags()).containsExactly("Comedy", "Drama", "Romance");
    assertThat(m.publishedAtMicros()).isEqualTo(JAN_1_1995);
  }

  @Test
  void movielensCsvNoGenresAndNoYear() throws Exception {
    Item m = moviesCsv().parse("182727,A Christmas Story Live! (2017),(no genres listed)");
    assertThat(m.category()).isNull();
    assertThat(m.tags()).isEmpty();
    assertThat(m.text()).isEqualTo("A Christmas Story Live! (2017)");
    Item noYear = moviesCsv().parse("171749,Death Note: Desu nôto (2006–2007),Animation");
    assertThat(noYear.publishedAtMicros()).isNull();
  }

  @Test
  void movielensCsvBadRows() throws Exception {
    assertRejected(() -> moviesCsv().parse(" ,Toy Story (1995),Comedy"), RejectReason.EMPTY_ID, "item_id: empty");
    assertRejected(() -> moviesCsv().parse("1,Toy Story (1995)"), RejectReason.MISSING_FIELD,
        "expected 3 fields, found 2");
    assertRejected(() -> moviesCsv().parse("1,Toy Story, (1995),Comedy"), RejectReason.EXTRA_FIELDS,
        "expected 3 fields, found 4");
  }

  @Test
  void csvWithOnlyIdAndTitleReadsTheOtherMappedColumnsAsAbsent() throws Exception {
    ItemColumns defaults = new ItemColumns("item_id", "title", "text", "category", "tags", "published_at", "vector");
    ItemParser p = parser(InputFormat.CSV, "item_id,title", defaults);

    assertThat(p.absentColumns()).containsExactly("text", "category", "tags", "published_at", "vector");
    Item i = p.parse("7,\"Title, with a comma\nand a second line\"");
    assertThat(i.itemId()).isEqualTo("7");
    assertThat(i.title()).isEqualTo("Title, with a comma\nand a second line");
    assertThat(i.text()).isEqualTo(i.title());
    assertThat(i.category()).isNull();
    assertThat(i.tags()).isEmpty();
    assertThat(i.publishedAtMicros()).isNull();
    assertThat(i.vector()).isNull();
    // the id stays required
    assertThatThrownBy(() -> parser(InputFormat.CSV, "id,title", defaults))
        .isInstanceOf(InputLayoutException.class)
        .hasMessage("Cannot read items.csv: its header [id, title] lacks the column(s) [item_id]"
            + " (map the contract's fields to this file's columns with input.*.columns)");
    assertThat(mappedCsv().absentColumns()).isEmpty();
  }

  @Test
  void movielensCsvHeaderLackingGenres() {
    assertThatThrownBy(() -> parser(InputFormat.MOVIELENS_CSV, "movieId,title", null))
        .isInstanceOf(InputLayoutException.class)
        .hasMessage("Cannot read items.movielens-csv: its header [movieId, title] lacks the column(s) [genres]"
            + " (map the contract's fields to this file's columns with input.*.columns)");
  }

  @Test
  void movielens1mMovie() throws Exception {
    Item m = parser(InputFormat.MOVIELENS_1M, null, null).parse("1::Toy Story (1995)::Animation|Children's|Comedy");
    assertThat(m.itemId()).isEqualTo("1");
    assertThat(m.title()).isEqualTo("Toy Story (1995)");
    assertThat(m.category()).isEqualTo("Animation");
    assertThat(m.tags()).containsExactly("Animation", "Children's", "Comedy");
    assertThat(m.text()).isEqualTo("Toy Story (1995) Animation Children's Comedy");
    assertThat(m.publishedAtMicros()).isEqualTo(JAN_1_1995);
  }

  @Test
  void movielens100kMovie() throws Exception {
    Item m = parser(InputFormat.MOVIELENS_100K, null, null).parse(U_ITEM_TOY_STORY);
    // flags 3, 4, 5 (0-based) are set: Animation, Children's, Comedy
    assertThat(m.itemId()).isEqualTo("1");
    assertThat(m.title()).isEqualTo("Toy Story (1995)");
    assertThat(m.tags()).containsExactly("Animation", "Children's", "Comedy");
    assertThat(m.category()).isEqualTo("Animation");
    assertThat(m.text()).isEqualTo("Toy Story (1995) Animation Children's Comedy");
    assertThat(m.publishedAtMicros()).isEqualTo(JAN_1_1995);
  }

  @Test
  void movielens100kReleaseDateWinsOverTitleYear() throws Exception {
    Item m = parser(InputFormat.MOVIELENS_100K, null, null).parse(U_ITEM_TOY_STORY.replace("01-Jan-1995", "22-Nov-1995"));
    // 1995-11-22 is 304 (Jan..Oct) + 21 = 325 days after 1995-01-01: 788918400 + 325 * 86400 = 816998400 s
    assertThat(m.publishedAtMicros()).isEqualTo(816_998_400_000_000L);
    // no release date and no year in the title: no publication time
    Item unknown = parser(InputFormat.MOVIELENS_100K, null, null)
        .parse("267|unknown||||1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0");
    assertThat(unknown.publishedAtMicros()).isNull();
    assertThat(unknown.category()).isEqualTo("unknown");
  }

  @Test
  void movielens100kReleaseDatesWithOneDigitDays() throws Exception {
    // u.item writes "4-Feb-1971" (its item 1119): 1971-02-04 is 365 (1970) + 31 + 3 = 399 days after the epoch
    Item m = parser(InputFormat.MOVIELENS_100K, null, null).parse(U_ITEM_TOY_STORY.replace("01-Jan-1995", "4-Feb-1971"));
    assertThat(m.publishedAtMicros()).isEqualTo(399L * 86_400 * 1_000_000);
  }

  @Test
  void anUnreadableOptionalFieldIsDroppedNotTheItem() throws Exception {
    List<DroppedField> dropped = new ArrayList<>();
    Item m = parser(InputFormat.MOVIELENS_100K, null, null).parse(U_ITEM_TOY_STORY.replace("01-Jan-1995", "1995-01-01"), dropped);
    assertThat(m.itemId()).isEqualTo("1");
    assertThat(m.tags()).containsExactly("Animation", "Children's", "Comedy");
    assertThat(m.publishedAtMicros()).as("the title's year, as without a release date").isEqualTo(JAN_1_1995);
    assertThat(dropped).containsExactly(new DroppedField(RejectReason.BAD_TIMESTAMP, "release date: \"1995-01-01\" is not d-MMM-yyyy"));

    dropped.clear();
    Item mapped = mappedCsv().parse("A1,t,,11/11/2019,,", dropped);
    assertThat(mapped.itemId()).isEqualTo("A1");
    assertThat(mapped.publishedAtMicros()).isNull();
    assertThat(dropped).extracting(DroppedField::reason).containsExactly(RejectReason.BAD_TIMESTAMP);
    // a bad required field (or a bad vector, which content models need whole) still rejects the item
    assertRejected(() -> mappedCsv().parse("  ,t,,11/11/2019,,", new ArrayList<>()), RejectReason.EMPTY_ID, "item_id: empty");
    assertRejected(() -> mappedCsv().parse("A1,t,,,\"[0.5, x]\",", new ArrayList<>()), RejectReason.BAD_NUMBER,
        "vector[1]: \"x\" is not a number");
  }

  @Test
  void movielens100kBadRows() throws Exception {
    ItemParser p = parser(InputFormat.MOVIELENS_100K, null, null);
    // the 6th flag (index 5, Comedy) is "2"
    assertRejected(() -> p.parse(U_ITEM_TOY_STORY.replace("|1|1|1|", "|1|1|2|")), RejectReason.BAD_NUMBER,
        "genre flag Comedy: \"2\" is not 0 or 1");
    assertRejected(() -> p.parse(U_ITEM_TOY_STORY.replace("01-Jan-1995", "1995-01-01")), RejectReason.BAD_TIMESTAMP,
        "release date: \"1995-01-01\" is not d-MMM-yyyy");
    assertRejected(() -> p.parse(U_ITEM_TOY_STORY + "|0"), RejectReason.EXTRA_FIELDS, "expected 24 fields, found 25");
  }

  @Test
  void mindNews() throws Exception {
    String line = "N55528\tlifestyle\tlifestyleroyals\tThe Brands Queen Elizabeth, Prince Charles, and Prince Philip Swear By"
        + "\tShop the notebooks, jackets, and more that the royals can't live without."
        + "\thttps://assets.msn.com/labs/mind/AAGH0ET.html"
        + "\t[{\"Label\": \"Prince Philip\", \"Type\": \"P\"}]\t[]";
    Item n = parser(InputFormat.MIND, null, null).parse(line);
    assertThat(n.itemId()).isEqualTo("N55528");
    assertThat(n.title()).isEqualTo("The Brands Queen Elizabeth, Prince Charles, and Prince Philip Swear By");
    assertThat(n.text()).isEqualTo("The Brands Queen Elizabeth, Prince Charles, and Prince Philip Swear By"
        + " Shop the notebooks, jackets, and more that the royals can't live without.");
    assertThat(n.category()).isEqualTo("lifestyle");
    assertThat(n.tags()).containsExactly("lifestyleroyals");
    assertThat(n.publishedAtMicros()).isNull();
    assertThat(n.vector()).isNull();
  }

  @Test
  void mindNewsWithoutAbstractOrSubcategory() throws Exception {
    Item n = parser(InputFormat.MIND, null, null).parse("N1\tnews\t\tA title\t\t\t\t");
    assertThat(n.text()).isEqualTo("A title");
    assertThat(n.tags()).isEmpty();
    assertRejected(() -> parser(InputFormat.MIND, null, null).parse("N1\tnews\t\tA title\t\t\t"),
        RejectReason.MISSING_FIELD, "expected 8 fields, found 7");
  }

  @Test
  void mappedCsvWithTagsTimeAndVector() throws Exception {
    Item it = mappedCsv().parse("A1,Some title,news| world ||tech,2019-11-11 09:05:58,\"[0.5, -1.25]\",politics");
    assertThat(it.itemId()).isEqualTo("A1");
    assertThat(it.title()).isEqualTo("Some title");
    assertThat(it.text()).isEqualTo("Some title"); // no text column: the title
    assertThat(it.category()).isEqualTo("politics");
    assertThat(it.tags()).containsExactly("news", "world", "tech");
    assertThat(it.publishedAtMicros()).isEqualTo(MIND_MICROS);
    assertThat(it.vector()).containsExactly(0.5f, -1.25f);
  }

  @Test
  void mappedCsvWithOnlyAnId() throws Exception {
    Item it = mappedCsv().parse("A2,,,,,");
    assertThat(it.itemId()).isEqualTo("A2");
    assertThat(it.title()).isEmpty();
    assertThat(it.text()).isEmpty();
    assertThat(it.category()).isNull();
    assertThat(it.tags()).isEmpty();
    assertThat(it.publishedAtMicros()).isNull();
    assertThat(it.vector()).isNull();
  }

  @Test
  void mappedTsvWithTextColumnAndSpaceSeparatedVector() throws Exception {
    ItemColumns cols = new ItemColumns("id", "title", "body", "", "", "", "vec");
    ItemParser p = parser(InputFormat.TSV, "id\ttitle\tbody\tvec", cols);
    Item it = p.parse("A3\tTitle\t Long body \t1 2.5  -3");
    assertThat(it.text()).isEqualTo("Long body");
    assertThat(it.vector()).containsExactly(1f, 2.5f, -3f);
  }

  @Test
  void mappedBadRows() throws Exception {
    assertRejected(() -> mappedCsv().parse("A1,t,,,\"[0.5, x]\","), RejectReason.BAD_NUMBER,
        "vector[1]: \"x\" is not a number");
    assertRejected(() -> mappedCsv().parse("A1,t,,,\"[0.5, NaN]\","), RejectReason.BAD_NUMBER,
        "vector[1]: \"NaN\" is not a number");
    assertRejected(() -> mappedCsv().parse("  ,t,,,,"), RejectReason.EMPTY_ID, "item_id: empty");
    assertRejected(() -> mappedCsv().parse("A1,t,,11/11/2019,,"), RejectReason.BAD_TIMESTAMP,
        "published_at: \"11/11/2019\" is not a timestamp in format yyyy-MM-dd HH:mm:ss");
    assertRejected(() -> mappedCsv().parse("A1,t,,1980-01-01 00:00:00,,"), RejectReason.TIMESTAMP_OUT_OF_RANGE,
        "published_at: 1980-01-01T00:00:00Z is outside [1990-01-01T00:00:00Z, 2030-01-01T00:00:00Z]");
  }

  @Test
  void jsonlItemWithVectorArray() throws Exception {
    ItemParser p = parser(InputFormat.JSONL, null, MAPPED);
    Item it = p.parse("{\"id\":7,\"name\":\"N\",\"labels\":\"a|b\",\"emb\":[0.5,-1.25],\"other\":true}");
    assertThat(it.itemId()).isEqualTo("7");
    assertThat(it.tags()).containsExactly("a", "b");
    assertThat(it.vector()).containsExactly(0.5f, -1.25f);
    assertRejected(() -> p.parse("{\"name\":\"N\"}"), RejectReason.MISSING_FIELD, "item_id: absent");
    assertThat(p.parse("{\"id\":8,\"emb\":[]}").vector()).isNull();
  }

  @Test
  void jsonlTagsAsArray() throws Exception {
    Item it = parser(InputFormat.JSONL, null, MAPPED).parse("{\"id\":\"7\",\"labels\":[\"a\",\"b\"]}");
    assertThat(it.tags()).containsExactly("a", "b");
  }
}
