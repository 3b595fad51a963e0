package io.attnflow.core.ingest;

/**
 * An input file whose layout as a whole does not fit (its header lacks a mapped column, say): no
 * row of it can be read, so ingest stops with a bad-input exit rather than rejecting every row.
 */
public final class InputLayoutException extends Exception {
  private static final long serialVersionUID = 1L;

  public InputLayoutException(String message) {
    super(message);
  }
}
