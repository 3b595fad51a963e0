package io.attnflow.core.ingest;

import static io.attnflow.core.ingest.Rejects.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LineDecoderTest {
  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void decodesValidUtf8() throws Exception {
    String text = "1,Amélie (2001),Comédie|Romance — 東京 🎬";
    byte[] bytes = utf8(text);
    assertThat(new LineDecoder(StandardCharsets.UTF_8, 1000).decode(bytes, bytes.length)).isEqualTo(text);
  }

  @Test
  void decodesOnlyTheFirstLengthBytes() throws Exception {
    byte[] bytes = utf8("abcdef");
    assertThat(new LineDecoder(StandardCharsets.UTF_8, 1000).decode(bytes, 3)).isEqualTo("abc");
    assertThat(new LineDecoder(StandardCharsets.UTF_8, 1000).decode(bytes, 0)).isEmpty();
  }

  @Test
  void invalidUtf8IsRejected() {
    // 0xC3 starts a two-byte sequence, 0x28 '(' is no continuation byte
    byte[] bytes = {'a', (byte) 0xC3, 0x28};
    assertRejected(() -> new LineDecoder(StandardCharsets.UTF_8, 1000).decode(bytes, bytes.length),
        RejectReason.INVALID_ENCODING, "bytes that are not valid UTF-8 (Input length = 1)");
  }

  @Test
  void truncatedUtf8SequenceIsRejected() {
    byte[] bytes = {'a', (byte) 0xE6, (byte) 0x9D}; // the first two of the three bytes of U+6771
    assertThatThrownBy(() -> new LineDecoder(StandardCharsets.UTF_8, 1000).decode(bytes, bytes.length))
        .isInstanceOfSatisfying(BadRecordException.class, e -> {
          assertThat(e.reason()).isEqualTo(RejectReason.INVALID_ENCODING);
          assertThat(e.detail()).startsWith("bytes that are not valid UTF-8 (");
        });
  }

  @Test
  void decoderIsUsableAgainAfterARejection() throws Exception {
    LineDecoder d = new LineDecoder(StandardCharsets.UTF_8, 1000);
    byte[] bad = {(byte) 0xC3, 0x28};
    assertRejected(() -> d.decode(bad, 2), RejectReason.INVALID_ENCODING,
        "bytes that are not valid UTF-8 (Input length = 1)");
    byte[] good = utf8("é");
    assertThat(d.decode(good, good.length)).isEqualTo("é");
  }

  @Test
  void latin1AcceptsEveryByte() throws Exception {
    byte[] bytes = new byte[256];
    for (int b = 0; b < 256; b++) {
      bytes[b] = (byte) (255 - b); // ends with 0x00, so no trailing \r is dropped
    }
    String s = new LineDecoder(StandardCharsets.ISO_8859_1, 1000).decode(bytes, bytes.length);
    assertThat(s).hasSize(256);
    for (int i = 0; i < 256; i++) {
      assertThat((int) s.charAt(i)).isEqualTo(255 - i);
    }
  }

  @Test
  void lineLongerThanTheLimitIsRejected() throws Exception {
    LineDecoder d = new LineDecoder(StandardCharsets.UTF_8, 10);
    byte[] eleven = utf8("12345678901");
    assertRejected(() -> d.decode(eleven, eleven.length), RejectReason.LINE_TOO_LONG,
        "11 bytes (at most 10, ingest.max-line-bytes)");
    // bytes, not characters: 6 x "é" is 6 characters but 12 bytes
    byte[] accents = utf8("éééééé");
    assertRejected(() -> d.decode(accents, accents.length), RejectReason.LINE_TOO_LONG,
        "12 bytes (at most 10, ingest.max-line-bytes)");
    byte[] ten = utf8("1234567890");
    assertThat(d.decode(ten, ten.length)).isEqualTo("1234567890");
  }

  @Test
  void trailingCarriageReturnIsDropped() throws Exception {
    LineDecoder d = new LineDecoder(StandardCharsets.UTF_8, 1000);
    byte[] crlf = utf8("a,b\r");
    assertThat(d.decode(crlf, crlf.length)).isEqualTo("a,b");
    byte[] cr = utf8("\r");
    assertThat(d.decode(cr, cr.length)).isEmpty();
    // only one, and only at the end
    byte[] two = utf8("a\rb\r\r");
    assertThat(d.decode(two, two.length)).isEqualTo("a\rb\r");
  }

  @Test
  void displayReplacesInvalidBytesAndCapsLength() {
    byte[] bad = {'a', (byte) 0xC3, 0x28};
    assertThat(LineDecoder.display(bad, bad.length, StandardCharsets.UTF_8, 100)).isEqualTo("a\uFFFD(");
    byte[] longLine = utf8("abcdefgh");
    assertThat(LineDecoder.display(longLine, longLine.length, null, 3)).isEqualTo("abc...");
  }
}
