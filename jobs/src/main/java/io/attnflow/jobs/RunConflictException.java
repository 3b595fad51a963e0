package io.attnflow.jobs;

/** Another run holds what this one needs (the lock of the day it would write): exit 5. */
public final class RunConflictException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public RunConflictException(String message) {
    super(message);
  }
}
