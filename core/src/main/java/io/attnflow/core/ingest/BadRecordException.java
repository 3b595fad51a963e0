package io.attnflow.core.ingest;

/**
 * A record that cannot be accepted, with the reason and a detail naming the field and what was
 * expected. Thrown per record on the hot path, so it carries no stack trace.
 */
public final class BadRecordException extends Exception {
  private static final long serialVersionUID = 1L;

  private final RejectReason reason;

  public BadRecordException(RejectReason reason, String detail) {
    super(detail, null, false, false);
    this.reason = reason;
  }

  public RejectReason reason() {
    return reason;
  }

  /** What exactly was wrong, e.g. {@code rating: "abc" is not a number}. */
  public String detail() {
    return getMessage();
  }
}
