package io.attnflow.jobs.bench;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import io.attnflow.core.model.UserSequence;
import io.attnflow.jobs.spark.KryoSerializers;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoRegistrator;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * What Spark's Kryo costs for the user sequences that training persists serialized: attnflow's registrator (flat
 * records field by field) against every record through Java serialization (what it did before), alternating in one
 * run. Prints a table. After {@code bin/attnflow --help} (which builds the jar), from the project root:
 * {@code java $(cat jobs/target/classes/attnflow/jvm.options) -cp "jobs/target/attnflow-jobs.jar:jobs/target/spark-jars/*"
 * io.attnflow.jobs.bench.RecordSerializerBenchmark [users] [rounds]}.
 */
public final class RecordSerializerBenchmark {
  private static final ClassTag<Object> ANY = ClassTag$.MODULE$.apply(Object.class);

  /** The baseline: every record through Java serialization. */
  public static final class JavaRecords implements KryoRegistrator {
    @Override
    public void registerClasses(Kryo kryo) {
      kryo.addDefaultSerializer(Record.class, JavaSerializer.class);
    }
  }

  private RecordSerializerBenchmark() {}

  public static void main(String[] args) {
    int users = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    SplittableRandom random = new SplittableRandom(42);
    UserSequence[] sequences = new UserSequence[users];
    for (int u = 0; u < users; u++) {
      int n = 5 + random.nextInt(40);
      int[] items = new int[n];
      long[] ts = new long[n];
      String[] events = new String[n];
      for (int i = 0; i < n; i++) {
        items[i] = random.nextInt(100_000);
        ts[i] = 1_700_000_000_000_000L + 60_000_000L * i;
        events[i] = i % 3 == 0 ? "click" : "view";
      }
      sequences[u] = new UserSequence("user-" + u, items, ts, events);
    }
    System.out.printf(Locale.ROOT, "%d user sequences of 5 to 44 events%n", users);
    System.out.printf(Locale.ROOT, "%-12s %5s %8s %13s %15s%n", "records", "round", "MB", "serialize s", "deserialize s");
    for (int round = 1; round <= rounds; round++) {
      for (Class<?> registrator : new Class<?>[] {JavaRecords.class, KryoSerializers.class}) {
        SerializerInstance kryo = new KryoSerializer(new SparkConf(false)
            .set("spark.kryo.registrator", registrator.getName())).newInstance();
        ByteBuffer[] out = new ByteBuffer[users];
        long bytes = 0;
        long t0 = System.nanoTime();
        for (int u = 0; u < users; u++) {
          out[u] = kryo.serialize(sequences[u], ANY);
          bytes += out[u].remaining();
        }
        long t1 = System.nanoTime();
        for (int u = 0; u < users; u++) {
          kryo.deserialize(out[u], ANY);
        }
        long t2 = System.nanoTime();
        System.out.printf(Locale.ROOT, "%-12s %5d %8.1f %13.3f %15.3f%n",
            registrator == JavaRecords.class ? "java" : "attnflow", round, bytes / 1e6, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
      }
    }
  }
}
