package io.attnflow.jobs.config;

import com.typesafe.config.Config;
import java.io.File;
import java.util.List;

/**
 * All of attnflow's settings, validated together at start-up whatever the job, so that a bad key
 * meant for a later stage of the nightly run fails now and not hours later.
 */
public record Settings(SparkSettings spark, IngestSettings ingest, ModelSettings model, TrainSettings train,
    ScoreSettings score, EvaluateSettings evaluate, EmbedSettings embed, RelatedSettings related, boolean nightlyRetrain, boolean nightlyEmbed) {

  /** Loads and validates; {@link ConfigProblems} lists every problem. */
  public static Settings load(List<File> files, List<String> sets) {
    return from(ConfigLoader.load(files, sets));
  }

  public static Settings from(Config config) {
    ConfigReader r = new ConfigReader(config);
    ModelSettings model = ModelSettings.from(r);
    Settings s = new Settings(SparkSettings.from(r), IngestSettings.from(r), model, TrainSettings.from(r, model),
        ScoreSettings.from(r, model), EvaluateSettings.from(r, model), EmbedSettings.from(r), RelatedSettings.from(r, model),
        r.bool("nightly.retrain"),
        r.bool("nightly.embed"));
    r.finish();
    return s;
  }
}
