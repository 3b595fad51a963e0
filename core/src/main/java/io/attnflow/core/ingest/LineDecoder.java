package io.attnflow.core.ingest;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes the raw bytes of one line strictly: bytes that are not valid in the charset are a
 * rejected record ({@code invalid_encoding}), never silently replaced, and a line longer than the
 * limit is rejected ({@code line_too_long}) before any parsing. A trailing carriage return (CRLF
 * files) is dropped. Not thread-safe: one per task.
 */
public final class LineDecoder implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String charsetName;
  private final int maxBytes;
  private transient CharsetDecoder decoder;

  public LineDecoder(Charset charset, int maxBytes) {
    this.charsetName = charset.name();
    this.maxBytes = maxBytes;
  }

  public String decode(byte[] bytes, int length) throws BadRecordException {
    int n = length > 0 && bytes[length - 1] == '\r' ? length - 1 : length;
    if (n > maxBytes) {
      throw new BadRecordException(
          RejectReason.LINE_TOO_LONG, n + " bytes (at most " + maxBytes + ", ingest.max-line-bytes)");
    }
    if (decoder == null) {
      decoder = Charset.forName(charsetName).newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
    }
    try {
      CharBuffer chars = decoder.reset().decode(ByteBuffer.wrap(bytes, 0, n));
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw new BadRecordException(
          RejectReason.INVALID_ENCODING, "bytes that are not valid " + charsetName + " (" + e.getMessage() + ")");
    }
  }

  /** The line as people should see it in {@code rejects/}: invalid bytes replaced, length capped. */
  public static String display(byte[] bytes, int length, Charset charset, int maxChars) {
    String s = new String(bytes, 0, length, charset == null ? StandardCharsets.UTF_8 : charset);
    return s.length() <= maxChars ? s : s.substring(0, maxChars) + "...";
  }
}
