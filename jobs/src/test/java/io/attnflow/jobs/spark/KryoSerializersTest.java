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
import java.util.Map;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import scala.reflect.ClassTag$;

/**
 * Records, ND4J arrays and the JDK's immutable collections through Spark's Kryo serializer as the jobs configure it:
 * flat records field by field, the rest through Java serialization; arrays as their bytes.
 */
class KryoSerializersTest {
  private static final SparkConf CONF = new SparkConf(false)
      .set("spark.kryo.registrator", SparkDefaults.attnflow().get("spark.kryo.registrator"));
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
    assertThat(KryoSerializers.flat(UserSequence.class)).isTrue();
    assertThat(KryoSerializers.flat(HeldOutCase.class)).isTrue();
  }

  @Test
  void aRecordHoldingACollectionKeepsJavaSerialization() {
    Pick pick = new Pick(3, 0.7f, List.of(new Explanation(1, 0.9f, 1, 0.4f), new Explanation(2, 0.6f, 0.5f, 0.1f)));
    assertThat(KryoSerializers.flat(Pick.class)).isFalse();
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

  @Test
  void ndArraysRoundTripInBulkWhateverTheirTypeShapeOrLayout() {
    INDArray matrix = Nd4j.rand(DataType.FLOAT, 300, 70);
    INDArray[] arrays = {matrix, matrix.transpose(), matrix.get(NDArrayIndex.interval(10, 20), NDArrayIndex.all()),
        Nd4j.rand(DataType.DOUBLE, 2, 3, 4).dup('f'), Nd4j.createFromArray(1L, -2L, 3L), Nd4j.createFromArray(7, 8),
        Nd4j.scalar(2.5f), Nd4j.createFromArray(true, false), Nd4j.empty(DataType.FLOAT)};
    for (INDArray a : arrays) {
      INDArray b = (INDArray) back(a);
      assertThat(b.dataType()).isEqualTo(a.dataType());
      assertThat(b.shape()).isEqualTo(a.shape());
      assertThat(b).as("%s %s", a.dataType(), java.util.Arrays.toString(a.shape())).isEqualTo(a);
    }
    // a megabyte and more: copied in chunks; and the raw bytes instead of ND4J's element-by-element stream
    INDArray large = Nd4j.rand(DataType.FLOAT, 1000, 300);
    assertThat(back(large)).isEqualTo(large);
    assertThat(bytes(large).remaining()).isBetween(1_200_000, 1_200_100);
  }

  @Test
  @SuppressWarnings("unchecked")
  void immutableCollectionsRoundTripAsUnmodifiableOnesOfTheSameKindAndOrder() {
    List<Object> values = new java.util.ArrayList<>(List.of(List.of(), List.of("a"), List.of(1, 2, 3),
        List.of(1, 2, 3, 4).subList(1, 3), Set.of("x"), Set.of(3, 1, 2), Map.of("k", 1), Map.of("k", 1, "j", 2)));
    values.add(java.util.stream.Stream.of("p", null, "q").toList()); // Stream.toList() allows nulls
    values.add(new scala.Tuple2<>(List.of(7, 8), new int[] {9})); // inside another object, as shuffles carry them
    for (Object v : values) {
      Object back = back(v);
      if (v instanceof scala.Tuple2<?, ?> t) {
        assertThat(((scala.Tuple2<?, ?>) back)._1()).isEqualTo(t._1());
        continue;
      }
      assertThat(back).as("%s", v).isEqualTo(v);
      if (v instanceof List<?> list) {
        assertThat((List<Object>) back).containsExactlyElementsOf((List<Object>) list);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ((List<Object>) back).add(1))
            .isInstanceOf(UnsupportedOperationException.class);
      }
    }
  }
}
