package io.attnflow.core.ingest;

import static io.attnflow.core.ingest.Rejects.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TagParserTest {
  private static TagParser parser() throws InputLayoutException {
    return TagParser.forFile("tags.csv", "userId,movieId,tag,timestamp");
  }

  @Test
  void readsItemAndTag() throws Exception {
    assertThat(parser().parse("2,60756,funny,1445714994")).isEqualTo(new TagParser.Tag("60756", "funny"));
  }

  @Test
  void quotedTagWithCommaAndSpacesTrimmed() throws Exception {
    assertThat(parser().parse("2,89774,\" Highly quotable, funny \",1445715207"))
        .isEqualTo(new TagParser.Tag("89774", "Highly quotable, funny"));
  }

  @Test
  void columnsAreFoundByName() throws Exception {
    TagParser p = TagParser.forFile("tags.csv", "tag,timestamp,movieId,userId");
    assertThat(p.parse("funny,1445714994,60756,2")).isEqualTo(new TagParser.Tag("60756", "funny"));
  }

  @Test
  void emptyTagIsMissingField() throws Exception {
    assertRejected(() -> parser().parse("2,60756,,1445714994"), RejectReason.MISSING_FIELD, "tag: empty");
    assertRejected(() -> parser().parse("2,60756,\"  \",1445714994"), RejectReason.MISSING_FIELD, "tag: empty");
  }

  @Test
  void emptyItemIsEmptyId() throws Exception {
    assertRejected(() -> parser().parse("2,,funny,1445714994"), RejectReason.EMPTY_ID, "item_id: empty");
  }

  @Test
  void wrongFieldCount() throws Exception {
    assertRejected(() -> parser().parse("2,60756,funny"), RejectReason.MISSING_FIELD, "expected 4 fields, found 3");
    assertRejected(() -> parser().parse("2,60756,funny,stuff,1445714994"), RejectReason.EXTRA_FIELDS,
        "expected 4 fields, found 5");
  }

  @Test
  void headerLackingTag() {
    assertThatThrownBy(() -> TagParser.forFile("tags.csv", "userId,movieId,timestamp"))
        .isInstanceOf(InputLayoutException.class)
        .hasMessage("Cannot read tags.csv: its header [userId, movieId, timestamp] lacks the column(s) [tag]"
            + " (map the contract's fields to this file's columns with input.*.columns)");
  }
}
