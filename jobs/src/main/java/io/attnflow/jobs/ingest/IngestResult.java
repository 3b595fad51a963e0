package io.attnflow.jobs.ingest;

import java.util.List;

/**
 * What one ingest run did: its id, the accounting of each input, and where the report went.
 */
public record IngestResult(String runId, List<InputAccount> accounts, String reportPath) {
  public IngestResult {
    accounts = List.copyOf(accounts);
  }

  public InputAccount account(String input) {
    return accounts.stream().filter(a -> a.input().equals(input)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("No input named " + input + " in run " + runId));
  }
}
