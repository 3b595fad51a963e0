package io.attnflow.core.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Shared assertion for the ingest tests: a record is rejected with exactly this reason and detail. */
final class Rejects {
  private Rejects() {}

  static void assertRejected(ThrowingCallable call, RejectReason reason, String detail) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(BadRecordException.class, e -> {
          assertThat(e.reason()).isEqualTo(reason);
          assertThat(e.detail()).isEqualTo(detail);
          assertThat(e.getMessage()).isEqualTo(detail);
        });
  }
}
