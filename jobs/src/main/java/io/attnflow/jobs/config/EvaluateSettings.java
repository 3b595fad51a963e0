package io.attnflow.jobs.config;

import java.io.Serializable;
import java.util.List;

/** Everything the evaluate job reads from configuration ({@code warehouse}, {@code model.version}, {@code evaluate.*}), validated. */
public record EvaluateSettings(
    String warehouse,
    ModelSettings model,
    int[] ks,
    int negatives,
    long seed,
    int users,
    List<Integer> alsRanks,
    List<Double> alsRegParams,
    double alsAlpha,
    int alsIterations,
    List<Integer> twoStageCandidates) implements Serializable {

  static EvaluateSettings from(ConfigReader r, ModelSettings model) {
    List<Integer> ks = r.intList("evaluate.ks", 1, 1000);
    r.check(ks.stream().sorted().distinct().toList().equals(ks) && ks.contains(10), "evaluate.ks", ks.toString(),
        "cut-offs in ascending order, each once, among them 10 (the ALS grid is chosen on NDCG@10)");
    return new EvaluateSettings(
        r.nonEmptyString("warehouse"),
        model,
        ks.stream().mapToInt(Integer::intValue).toArray(),
        r.intIn("evaluate.negatives", 1, 100_000),
        r.intIn("evaluate.seed", 0, Integer.MAX_VALUE),
        r.intIn("evaluate.users", 0, Integer.MAX_VALUE),
        r.intList("evaluate.als.ranks", 1, 1000),
        r.doubleList("evaluate.als.reg-params", 0, 100),
        r.doubleIn("evaluate.als.alpha", 0, 1e6),
        r.intIn("evaluate.als.iterations", 1, 1000),
        r.intList("evaluate.two-stage-candidates", 1, 1 << 20));
  }

  /** Settings with another model version (e.g. after the command line's --set). */
  public EvaluateSettings withModel(ModelSettings m) {
    return new EvaluateSettings(warehouse, m, ks, negatives, seed, users, alsRanks, alsRegParams, alsAlpha, alsIterations,
        twoStageCandidates);
  }
}
