package io.attnflow.jobs.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** attnflow's Spark properties merged into a cluster's: the cluster's configuration survives. */
class SparkDefaultsTest {
  private static final String ADMIN = """
      # an edge node's $SPARK_HOME/conf/spark-defaults.conf
      spark.master                     spark://cluster:7077
      spark.submit.deployMode          client
      spark.executor.extraJavaOptions  -Dcom.example.audit=on -XX:+UseG1GC -Dorg.bytedeco.javacpp.maxphysicalbytes=6g
      spark.executor.memoryOverhead    6g
      spark.kryo.registrator           com.example.Registrator
      spark.eventLog.enabled           true
      """;

  @Test
  void theAdminsJavaOptionsSurviveBesideAttnflowsAndTheAdminsSettingOfAFlagWins() throws Exception {
    Map<String, String> attnflow = SparkDefaults.attnflow();
    assertThat(attnflow.get("spark.executor.extraJavaOptions"))
        .contains("--add-modules=jdk.incubator.vector").contains("-Dorg.bytedeco.javacpp.maxphysicalbytes=");

    Map<String, String> merged = SparkDefaults.merge(SparkDefaults.load(new StringReader(ADMIN)), attnflow).properties();

    // the admin's flags first and whole; attnflow's module and collector flag added; its javacpp cap dropped, the
    // admin set one
    assertThat(merged.get("spark.executor.extraJavaOptions")).isEqualTo("-Dcom.example.audit=on -XX:+UseG1GC "
        + "-Dorg.bytedeco.javacpp.maxphysicalbytes=6g --add-modules=jdk.incubator.vector -XX:+ExplicitGCInvokesConcurrent");
  }

  @Test
  void theClustersValuesWinAttnflowsFillTheGapsAndClassListsAreJoined() throws Exception {
    SparkDefaults.Merged m = SparkDefaults.merge(SparkDefaults.load(new StringReader(ADMIN)), SparkDefaults.attnflow());

    assertThat(m.properties())
        .containsEntry("spark.master", "spark://cluster:7077")
        .containsEntry("spark.eventLog.enabled", "true")
        .containsEntry("spark.executor.memoryOverhead", "6g")
        .containsEntry("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .containsEntry("spark.executorEnv.OMP_NUM_THREADS", "1")
        .containsEntry("spark.kryo.registrator",
            "com.example.Registrator,org.nd4j.kryo.Nd4jRegistrator,io.attnflow.jobs.spark.KryoSerializers");
    assertThat(m.kept()).containsExactly("spark.executor.memoryOverhead = 6g (attnflow's: 4g)");
    // merging again changes nothing: Sessions re-applies the merge to what bin/attnflow submitted
    assertThat(SparkDefaults.merge(m.properties(), SparkDefaults.attnflow()).properties()).isEqualTo(m.properties());
  }

  @Test
  void jvmOptionsNameTheSettingTheySet() {
    assertThat(SparkDefaults.setting("-Dkey=value")).isEqualTo("-Dkey");
    assertThat(SparkDefaults.setting("-XX:+UseG1GC")).isEqualTo(SparkDefaults.setting("-XX:-UseG1GC")).isEqualTo("-XX:UseG1GC");
    assertThat(SparkDefaults.setting("-XX:MaxDirectMemorySize=1g")).isEqualTo("-XX:MaxDirectMemorySize");
    assertThat(SparkDefaults.setting("-Xss4m")).isEqualTo("-Xss");
    // modules and opens accumulate: two different ones are both kept
    assertThat(SparkDefaults.jvmOptions("--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED"))
        .isEqualTo("--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED");
  }

  @Test
  void theMasterResolvesAsSparkSubmitResolvesIt() {
    Map<String, String> props = Map.of("spark.master", "yarn");
    assertThat(SparkDefaults.master(List.of("--master", "spark://a:7077", "--conf", "spark.master=local[2]"), props, "local"))
        .isEqualTo("spark://a:7077");
    assertThat(SparkDefaults.master(List.of("--conf", "spark.master=spark://b:7077"), props, null)).isEqualTo("spark://b:7077");
    assertThat(SparkDefaults.master(List.of("--driver-memory", "2g"), props, "local")).isEqualTo("yarn");
    assertThat(SparkDefaults.master(List.of(), Map.of(), "spark://c:7077")).isEqualTo("spark://c:7077");
    assertThat(SparkDefaults.master(List.of(), Map.of(), null)).isEqualTo("local[*]");
  }

  @Test
  void theLauncherWritesOneFileWithTheClustersAttnflowsAndTheDriversProperties(@TempDir Path tmp) throws Exception {
    Path admin = Files.writeString(tmp.resolve("spark-defaults.conf"),
        ADMIN + "spark.driver.extraJavaOptions -Dcom.example.driver=on -Dlog4j2.configurationFile=/etc/spark/log4j2.xml\n");
    Path out = tmp.resolve("merged.conf");

    SparkDefaults.main(new String[] {out.toString(), admin.toString(), "3g",
        "--add-modules=jdk.incubator.vector -Dlog4j2.configurationFile=conf/log4j2.properties", "-Dexplicit=yes",
        "--master", "spark://other:7077"});

    Map<String, String> written = SparkDefaults.load(Files.newBufferedReader(out));
    assertThat(written).containsEntry("spark.master", "spark://cluster:7077").containsEntry("spark.driver.memory", "3g")
        .containsEntry("spark.driver.extraJavaOptions", "-Dcom.example.driver=on -Dlog4j2.configurationFile=/etc/spark/log4j2.xml "
            + "--add-modules=jdk.incubator.vector -Dexplicit=yes");
    assertThat(written.get("spark.executor.extraJavaOptions")).startsWith("-Dcom.example.audit=on");
  }
}
