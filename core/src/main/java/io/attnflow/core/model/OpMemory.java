package io.attnflow.core.model;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.SessionMemMgr;

/**
 * Lets SameDiff reuse the arrays of the attention vertex's ops from one training step to the next.
 *
 * <p>DL4J 1.0.0-M2.1 gives the SameDiff sessions of a vertex its own memory manager on every forward and backward
 * pass. With workspaces off, as this network needs ({@link AttentionNetwork}), that manager allocates a fresh
 * off-heap array for each of the ~300 op outputs of a step and releases none, so the memory comes back only when
 * the collector frees the arrays' handles: most allocations fault in new pages, and the process grows to several
 * GB. The sessions made here keep SameDiff's own manager instead ({@code ArrayCacheMemoryMgr}, the one plain
 * SameDiff training uses), which hands an array that no later op reads back to the next op that needs one of its
 * size. The arithmetic is the same; only where the results are written changes.
 */
final class OpMemory {
  private OpMemory() {}

  /**
   * Makes every SameDiff session of this JVM keep its own memory manager, and starts the JVM's
   * {@link NativeMemoryWatch} for the arrays that still die (idempotent).
   */
  static void install() {
    NativeMemoryWatch.start();
    if (!(SameDiff.getInferenceFactory() instanceof Reusing)) {
      SameDiff.bindInferenceFactory(new Reusing());
    }
  }

  private static final class Reusing implements org.nd4j.autodiff.samediff.InferenceFactory {
    @Override
    public InferenceSession create(SameDiff sd) {
      return new InferenceSession(sd) {
        @Override
        public void setMmgr(SessionMemMgr ignored) {
          // keep the session's own array cache (see the class comment)
        }
      };
    }
  }
}
