package io.attnflow.core.model;

/** A model cannot be used: missing, truncated, altered or incompatible files (the jobs exit with 4). */
public final class ModelException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModelException(String message) {
    super(message);
  }

  public ModelException(String message, Throwable cause) {
    super(message, cause);
  }
}
