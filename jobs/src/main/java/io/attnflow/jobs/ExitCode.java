package io.attnflow.jobs;

/** Process exit codes, a contract with schedulers: never renumber. */
public enum ExitCode {
  OK(0),
  FAILURE(1),
  BAD_USAGE_OR_CONFIG(2),
  BAD_INPUT(3),
  MODEL_PROBLEM(4),
  RUN_CONFLICT(5);

  private final int code;

  ExitCode(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }
}
