package io.attnflow.jobs.spark;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * A task's rows processed in batches, lazily: the next batch of the input is read and turned into output only
 * when the output of the last one has been consumed, so that a task holds one batch at a time, never its
 * whole partition's output (which, at a million users a task, does not fit a heap).
 */
public final class Batches {
  private Batches() {}

  /** The concatenated outputs of {@code f} over consecutive batches of at most {@code size} inputs. */
  public static <T, R> Iterator<R> flatMap(Iterator<T> in, int size, Function<List<T>, List<R>> f) {
    if (size < 1) {
      throw new IllegalArgumentException("Cannot batch by " + size);
    }
    return new Iterator<>() {
      private Iterator<R> current = Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && in.hasNext()) {
          List<T> batch = new ArrayList<>(size);
          while (batch.size() < size && in.hasNext()) {
            batch.add(in.next());
          }
          current = f.apply(batch).iterator();
        }
        return current.hasNext();
      }

      @Override
      public R next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return current.next();
      }
    };
  }
}
