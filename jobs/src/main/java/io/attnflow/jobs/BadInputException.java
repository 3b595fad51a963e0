package io.attnflow.jobs;

/** The input cannot be used (missing files, an unreadable layout, too many rejected rows): exit 3. */
public final class BadInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BadInputException(String message) {
    super(message);
  }
}
