package io.attnflow.core.model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.SessionMemMgr;
import org.nd4j.autodiff.samediff.internal.memory.ArrayCacheMemoryMgr;
import org.nd4j.linalg.api.ndarray.BaseNDArray;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;

/**
 * Lets SameDiff reuse the arrays of the attention vertex's ops from one training step to the next.
 *
 * <p>DL4J 1.0.0-M2.1 gives the SameDiff sessions of a vertex its own memory manager on every forward and backward
 * pass, which allocates a fresh off-heap array for each op output. The sessions made here keep SameDiff's own
 * manager instead ({@code ArrayCacheMemoryMgr}), which reuses the arrays the session releases. But the session
 * releases almost none of them: in a training step of this vertex (about 400 op outputs, 0.5 GB at ML-1M's shape) it
 * released two (docs/experiments.md, session 23). The rest lived until the collector found their handles, so every
 * step faulted in fresh pages for its arrays (88% of a step's page faults), and the process held gigabytes of dead
 * arrays between collections.
 *
 * <p>A {@link Step} closes that gap where the caller knows an execution's arrays are dead: {@link OnePassVertex}
 * opens one around a training step's SameDiff execution and closes it once it has copied out the output and the
 * gradients. Every array the session allocated inside the step then goes back to the session's manager, and the next
 * step, whose ops ask for the same shapes, gets them back: the same memory, written again by the same ops. Outside a
 * step (inference, DL4J's own backward pass) the manager behaves as SameDiff's.
 */
final class OpMemory {
  private OpMemory() {}

  /** The managers that allocated arrays in this thread's open step, if one is open. */
  private static final ThreadLocal<List<Recycling>> OPEN_STEP = new ThreadLocal<>();

  /**
   * Makes every SameDiff session of this JVM keep its own memory manager (idempotent). The arrays that still die are the
   * {@link NativeMemoryWatch}'s, which a network's first training pass starts ({@link OnePassVertex}).
   */
  static void install() {
    if (!(SameDiff.getInferenceFactory() instanceof Reusing)) {
      SameDiff.bindInferenceFactory(new Reusing());
    }
  }

  /**
   * Opens a step on this thread: the arrays SameDiff sessions allocate until it closes are handed back to their
   * managers when it closes, so nothing may hold one of them (or a view of one) after that.
   */
  static Step step() {
    if (OPEN_STEP.get() != null) {
      throw new IllegalStateException("a step is already open on this thread");
    }
    OPEN_STEP.set(new ArrayList<>(2));
    return new Step();
  }

  /** An open step; {@link #close()} recycles its arrays. */
  static final class Step implements AutoCloseable {
    private Step() {}

    @Override
    public void close() {
      List<Recycling> managers = OPEN_STEP.get();
      OPEN_STEP.remove();
      for (Recycling manager : managers) {
        manager.recycle();
      }
    }
  }

  private static final class Reusing implements org.nd4j.autodiff.samediff.InferenceFactory {
    @Override
    public InferenceSession create(SameDiff sd) {
      return new KeepingSession(sd);
    }
  }

  private static final class KeepingSession extends InferenceSession {
    KeepingSession(SameDiff sd) {
      super(sd);
      super.setMmgr(new Recycling());
    }

    @Override
    public void setMmgr(SessionMemMgr ignored) {
      // keep the session's own manager (see the class comment)
    }
  }

  /**
   * SameDiff's array cache, plus the arrays of this session's steps: tracked while a step is open, free for the same
   * shape once it closes. Free arrays of shapes no step asked for lately are freed beyond a quarter of JavaCPP's
   * memory limit (ND4J's bound for its own cache). They are kept apart from that cache because it cannot take them:
   * handed a step's arrays, it gave one of them out twice ("Array was released multiple times"). A session runs on one
   * thread.
   */
  static final class Recycling extends ArrayCacheMemoryMgr {
    private final Map<INDArray, LongShapeDescriptor> inStep = new IdentityHashMap<>();
    /** Free arrays by shape, the shapes in the order of their last use (the least recent first). */
    private final LinkedHashMap<LongShapeDescriptor, ArrayDeque<INDArray>> free = new LinkedHashMap<>(16, 0.75f, true);
    private long freeBytes;

    @Override
    public INDArray allocate(boolean detached, LongShapeDescriptor descriptor) {
      List<Recycling> step = OPEN_STEP.get();
      if (step == null || descriptor.isEmpty()) {
        return super.allocate(detached, descriptor);
      }
      if (!step.contains(this)) {
        step.add(this);
      }
      ArrayDeque<INDArray> same = free.get(descriptor);
      INDArray array;
      if (same != null && !same.isEmpty()) {
        array = same.pop();
        freeBytes -= bytes(array);
        ((BaseNDArray) array).assignNewId(); // a new array to the session, as SameDiff's cache does
      } else {
        array = super.allocate(detached, descriptor);
      }
      inStep.put(array, descriptor);
      return array;
    }

    @Override
    public void release(INDArray array) {
      LongShapeDescriptor descriptor = inStep.remove(array);
      if (descriptor == null) {
        super.release(array);
      } else {
        makeFree(array, descriptor);
      }
    }

    /** Frees for reuse every array of the step that just closed. */
    void recycle() {
      inStep.forEach(this::makeFree);
      inStep.clear();
      long limit = getMaxCacheBytes();
      Iterator<ArrayDeque<INDArray>> oldest = free.values().iterator();
      while (freeBytes > limit && oldest.hasNext()) {
        ArrayDeque<INDArray> arrays = oldest.next();
        while (freeBytes > limit && !arrays.isEmpty()) {
          INDArray array = arrays.removeLast();
          freeBytes -= bytes(array);
          if (array.closeable()) {
            array.close();
          }
        }
        if (arrays.isEmpty()) {
          oldest.remove();
        }
      }
    }

    private void makeFree(INDArray array, LongShapeDescriptor descriptor) {
      free.computeIfAbsent(descriptor, d -> new ArrayDeque<>()).push(array);
      freeBytes += bytes(array);
    }

    private static long bytes(INDArray array) {
      return array.data().length() * array.dataType().width();
    }

    @Override
    public void close() {
      free.values().forEach(arrays -> arrays.stream().filter(INDArray::closeable).forEach(INDArray::close));
      free.clear();
      freeBytes = 0;
      super.close();
    }
  }
}
