package io.attnflow.jobs.cluster;

import io.attnflow.jobs.Processes;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A real Spark standalone cluster on loopback: a master and workers, each a JVM of its own started
 * from a SPARK_HOME (bin/spark-home), one core and one native thread each; every executor is a JVM of
 * its worker. Closing
 * it kills every process it started, executors included, by PID.
 */
final class StandaloneCluster implements AutoCloseable {
  private final List<Processes.Started> daemons = new ArrayList<>();
  private final List<Processes.Started> workers = new ArrayList<>();
  private final List<Path> workDirs = new ArrayList<>();
  private final String url;

  private StandaloneCluster(String url) {
    this.url = url;
  }

  /** Starts a master and {@code workers} workers under {@code sparkHome}, with their work folders in {@code dir}. */
  static StandaloneCluster start(String sparkHome, Path dir, int workers) throws IOException, InterruptedException {
    // one native (OpenMP, BLAS) thread per one-core executor, which inherits its worker's environment
    Map<String, String> env = Map.of("SPARK_HOME", sparkHome, "SPARK_LOCAL_IP", "127.0.0.1", "OMP_NUM_THREADS", "1");
    String spark = sparkHome + "/bin/spark-class";
    StandaloneCluster cluster = new StandaloneCluster("spark://127.0.0.1:" + freePort());
    try {
      Processes.Started master = Processes.start(env, spark, "org.apache.spark.deploy.master.Master",
          "--host", "127.0.0.1", "--port", cluster.url.substring(cluster.url.lastIndexOf(':') + 1),
          "--webui-port", String.valueOf(freePort()));
      cluster.daemons.add(master);
      master.awaitErr(e -> e.contains("I have been elected leader"), Duration.ofMinutes(2));
      for (int i = 0; i < workers; i++) {
        Path work = Files.createDirectories(dir.resolve("worker-" + i));
        Processes.Started worker = Processes.start(env, spark, "org.apache.spark.deploy.worker.Worker",
            "--host", "127.0.0.1", "--cores", "1", "--memory", "2g", "--work-dir", work.toString(),
            "--webui-port", String.valueOf(freePort()), cluster.url);
        cluster.daemons.add(worker);
        cluster.workers.add(worker);
        cluster.workDirs.add(work);
      }
      for (Processes.Started worker : cluster.workers) {
        worker.awaitErr(e -> e.contains("Successfully registered with master"), Duration.ofMinutes(2));
      }
      return cluster;
    } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
      cluster.close();
      throw e;
    }
  }

  /** The master's URL, {@code spark://127.0.0.1:<port>}. */
  String url() {
    return url;
  }

  /** The executors' stderr files of every application so far: {@code <work>/<app-id>/<executor-id>/stderr}. */
  List<Path> executorLogs() throws IOException {
    List<Path> logs = new ArrayList<>();
    for (Path work : workDirs) {
      try (Stream<Path> files = Files.walk(work, 3)) {
        files.filter(f -> f.getFileName().toString().equals("stderr")).forEach(logs::add);
      }
    }
    return logs;
  }

  /** The executor JVM of an application, found among the workers' child processes. */
  Optional<ProcessHandle> executor(String appId, String executorId) {
    return workers.stream().flatMap(w -> w.process().descendants())
        .filter(p -> {
          List<String> args = List.of(p.info().arguments().orElse(new String[0]));
          int a = args.indexOf("--app-id");
          int e = args.indexOf("--executor-id");
          return a >= 0 && e >= 0 && args.get(a + 1).equals(appId) && args.get(e + 1).equals(executorId);
        })
        .findFirst();
  }

  @Override
  public void close() throws IOException {
    for (int i = daemons.size() - 1; i >= 0; i--) {
      daemons.get(i).close();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
