package io.attnflow.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Exit codes and messages that schedulers and people see, without starting Spark. */
class MainTest {
  @Test
  void badSetValueExitsTwoNamingTheKey() {
    int[] code = new int[1];
    String err = Stderr.of(() -> code[0] = Main.run("ingest",
        "--set", "input.interactions.path=a", "--set", "input.items.path=b",
        "--set", "ingest.max-reject-rate=lots"));
    assertThat(code[0]).isEqualTo(2);
    assertThat(err).contains("Cannot start: 1 configuration problem")
        .contains("ingest.max-reject-rate = \"lots\" is not valid (expected a number in [0.0, 1.0])");
  }

  @Test
  void unknownOptionAndUnknownJobAreUsageErrors() {
    assertThat(Main.run("ingest", "--bogus")).isEqualTo(2);
    assertThat(Main.run("no-such-job")).isEqualTo(2);
  }

  @Test
  void helpExitsZero() {
    assertThat(Main.run("--help")).isZero();
    assertThat(Main.run("ingest", "--help")).isZero();
  }
}
