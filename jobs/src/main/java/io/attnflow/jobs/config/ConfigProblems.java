package io.attnflow.jobs.config;

import java.util.List;

/** The configuration cannot be used; carries every problem found, each naming key, value and what is valid. */
public final class ConfigProblems extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  public ConfigProblems(List<String> problems) {
    super(render(problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }

  private static String render(List<String> problems) {
    StringBuilder sb = new StringBuilder("Cannot start: ")
        .append(problems.size()).append(problems.size() == 1 ? " configuration problem" : " configuration problems");
    for (String p : problems) {
      sb.append("\n  - ").append(p);
    }
    return sb.toString();
  }
}
