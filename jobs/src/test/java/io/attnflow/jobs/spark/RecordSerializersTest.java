package io.attnflow.jobs.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.attnflow.core.data.Interaction;
import io.attnflow.core.eval.HeldOutCase;
import io.attnflow.core.model.UserHistory;
import io.attnflow.core.model.UserSequence;
import io.attnflow.core.score.Explanation;
import io.attnflow.core.score.Pick;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag$;

/** Records through Spark's Kryo serializer as the jobs configure it: flat ones field by field, the rest through Java serialization. */
class RecordSerializersTest {
  private static final SparkConf CONF = new SparkConf(false)
      .set("spark.kryo.registrator", RecordSerializers.class.getName());
  private final SerializerInstance kryo = new KryoSerializer(CONF).newInstance();

  private ByteBuffer bytes(Object o) {
    return kryo.serialize(o, ClassTag$.MODULE$.apply(Object.class));
  }

  private Object back(Object o) {
    return kryo.deserialize(bytes(o), ClassTag$.MODULE$.apply(Object.class));
  }

  @Test
  void flatRecordsRoundTripFieldByFieldAndNestedOnesToo() {
    UserSequence sequence = new UserSequence("u1", new int[] {3, 1, 2}, new long[] {10, 20, 30},
        new String[] {"click", "view", "click"});
    assertThat(back(sequence)).usingRecursiveComparison().isEqualTo(sequence);
    Interaction noValue = new Interaction("u", "i", 5, "click", null);
    assertThat(back(noValue)).isEqualTo(noValue);
    HeldOutCase nested = new HeldOutCase(new UserHistory("u2", new int[] {4, 5}, new float[] {0.5f, 1}), 7,
        new int[] {8, 9}, new int[] {4, 5, 7}, new int[0]);
    assertThat(back(nested)).usingRecursiveComparison().isEqualTo(nested);
    assertThat(RecordSerializers.flat(UserSequence.class)).isTrue();
    assertThat(RecordSerializers.flat(HeldOutCase.class)).isTrue();
  }

  @Test
  void aRecordHoldingACollectionKeepsJavaSerialization() {
    Pick pick = new Pick(3, 0.7f, List.of(new Explanation(1, 0.9f, 1, 0.4f), new Explanation(2, 0.6f, 0.5f, 0.1f)));
    assertThat(RecordSerializers.flat(Pick.class)).isFalse();
    Pick copy = (Pick) back(pick);
    assertThat(copy).isEqualTo(pick);
    assertThat(copy.reasons().getClass()).isEqualTo(pick.reasons().getClass()); // still immutable
  }

  @Test
  void aUserSequenceTakesFewerBytesThanThroughJavaSerialization() {
    int n = 20; // about the median history of the scale generator
    int[] items = new int[n];
    long[] ts = new long[n];
    String[] events = new String[n];
    for (int i = 0; i < n; i++) {
      items[i] = 1000 + 7 * i;
      ts[i] = 1_700_000_000_000_000L + 60_000_000L * i;
      events[i] = "rating";
    }
    UserSequence sequence = new UserSequence("user-42", items, ts, events);
    int flat = bytes(sequence).remaining();
    int java = new JavaSerializer(CONF).newInstance().serialize(sequence, ClassTag$.MODULE$.apply(Object.class))
        .remaining();
    assertThat(flat).as("Kryo %d bytes, Java %d", flat, java).isLessThan(java * 3 / 4);
  }
}
