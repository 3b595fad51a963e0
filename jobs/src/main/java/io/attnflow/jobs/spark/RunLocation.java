package io.attnflow.jobs.spark;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Where a run executes, as every job prints it at start and records it in its run manifest: a cluster job
 * that fell back to local mode must never go unnoticed.
 *
 * @param master        Spark's master URL ({@code local[*]}, {@code spark://...}, {@code yarn}, ...)
 * @param deployMode    client or cluster
 * @param sparkVersion  the running Spark's version
 * @param applicationId the application id (the cluster manager's, or {@code local-...})
 * @param executors     executors registered when asked (local mode: 1, the driver itself)
 * @param cores         their cores in all
 * @param ui            the Spark UI's address, or "" when the UI is off
 * @param eventLog      the event log's folder, or "" when event logging is off
 */
public record RunLocation(String master, String deployMode, String sparkVersion, String applicationId, int executors,
    int cores, String ui, String eventLog) {

  /** The location of {@code spark}'s application now. */
  public static RunLocation of(SparkSession spark) {
    SparkContext sc = spark.sparkContext();
    boolean local = sc.isLocal();
    Map<String, Integer> alive = ExecutorLog.alive();
    int executors = local ? 1 : alive.isEmpty() ? sc.statusTracker().getExecutorInfos().length - 1 : alive.size();
    int cores = local || alive.isEmpty() ? sc.defaultParallelism() : alive.values().stream().mapToInt(Integer::intValue).sum();
    String eventLog = sc.conf().getBoolean("spark.eventLog.enabled", false) ? sc.conf().get("spark.eventLog.dir", "") : "";
    return new RunLocation(sc.master(), sc.deployMode(), sc.version(), sc.applicationId(), executors, cores,
        sc.uiWebUrl().getOrElse(() -> ""), eventLog);
  }

  /** Whether the run stays in this JVM. */
  public boolean local() {
    return master.startsWith("local");
  }

  /** One line: "master spark://h:7077 (client), Spark 3.5.1, application app-..., UI ..., event log ...". */
  public String describe() {
    return "master " + master + " (" + deployMode + " deploy mode), Spark " + sparkVersion + ", application "
        + applicationId + (ui.isEmpty() ? ", UI off" : ", UI " + ui) + (eventLog.isEmpty() ? "" : ", event log " + eventLog);
  }

  /** The run manifest's {@code spark} entry. */
  public Map<String, Object> manifest() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("master", master);
    m.put("deploy_mode", deployMode);
    m.put("spark_version", sparkVersion);
    m.put("application_id", applicationId);
    m.put("executors", executors);
    m.put("cores", cores);
    m.put("ui", ui);
    m.put("event_log", eventLog);
    return m;
  }
}
