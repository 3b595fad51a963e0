package io.attnflow.core.model;

import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/** A model's items: dense index i ↔ item id, the only place where integer item indices exist. */
public final class Vocabulary implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String[] ids;
  private transient Map<String, Integer> index;

  private Vocabulary(String[] ids) {
    this.ids = ids;
  }

  /** Index i is {@code ids.get(i)}; ids must be distinct. */
  public static Vocabulary of(List<String> ids) {
    Vocabulary v = new Vocabulary(ids.toArray(String[]::new));
    if (v.index().size() != ids.size()) {
      throw new IllegalArgumentException("Cannot build a vocabulary: " + (ids.size() - v.index().size()) + " duplicate item ids");
    }
    return v;
  }

  /**
   * This vocabulary with {@code more} appended: the existing items keep their indices.
   *
   * @throws IllegalArgumentException if an id of {@code more} is known already or repeated
   */
  public Vocabulary plus(List<String> more) {
    List<String> all = new java.util.ArrayList<>(List.of(ids));
    all.addAll(more);
    return of(all);
  }

  public int size() {
    return ids.length;
  }

  public String id(int index) {
    return ids[index];
  }

  public OptionalInt index(String id) {
    Integer i = index().get(id);
    return i == null ? OptionalInt.empty() : OptionalInt.of(i);
  }

  private Map<String, Integer> index() {
    if (index == null) {
      Map<String, Integer> m = new HashMap<>(ids.length * 2);
      for (int i = 0; i < ids.length; i++) {
        m.put(ids[i], i);
      }
      index = m;
    }
    return index;
  }
}
