package io.attnflow.jobs.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Lets Kryo ship Java records (tasks' inputs and results, broadcast settings): Spark's Kryo 4
 * cannot build its field serializer for a record, so records go through Java serialization. Listed
 * in {@code spark.kryo.registrator} next to ND4J's registrator (conf/spark-defaults.conf).
 */
public final class RecordSerializers implements KryoRegistrator {
  @Override
  public void registerClasses(Kryo kryo) {
    kryo.addDefaultSerializer(Record.class, JavaSerializer.class);
  }
}
