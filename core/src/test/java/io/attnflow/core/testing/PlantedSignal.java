package io.attnflow.core.testing;

import io.attnflow.core.data.Interaction;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Interactions with a planted preference structure, for tests that must show a model recovers it.
 * Items form {@code clusters} clusters of {@code size} items ({@code c03-i07}); each user follows
 * one cluster, visiting its items in cyclic order from a random start, one event a minute, with a
 * share {@code noise} of events replaced by a random item of another cluster. Every item is about
 * equally popular, so popularity ranks the next item no better than chance, while anything that
 * attends to the history finds it among the cluster's items.
 */
public final class PlantedSignal {
  private PlantedSignal() {}

  public static List<Interaction> generate(int users, int clusters, int size, int length, double noise, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<Interaction> out = new ArrayList<>();
    long t0 = 1_600_000_000_000_000L; // 2020-09-13, microseconds
    for (int u = 0; u < users; u++) {
      int cluster = random.nextInt(clusters);
      int start = random.nextInt(size);
      for (int e = 0; e < length; e++) {
        int c = cluster;
        int i = (start + e) % size;
        if (random.nextDouble() < noise) {
          c = (cluster + 1 + random.nextInt(clusters - 1)) % clusters;
          i = random.nextInt(size);
        }
        out.add(new Interaction(String.format("u%04d", u), item(c, i), t0 + (u * 1000L + e) * 60_000_000L, "click", 1.0));
      }
    }
    return out;
  }

  public static String item(int cluster, int index) {
    return String.format("c%02d-i%02d", cluster, index);
  }

  /** The cluster of an item id made by {@link #item}. */
  public static int clusterOf(String itemId) {
    return Integer.parseInt(itemId.substring(1, 3));
  }
}
