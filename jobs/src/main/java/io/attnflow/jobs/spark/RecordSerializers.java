package io.attnflow.jobs.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.factories.SerializerFactory;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.Set;
import org.apache.spark.serializer.KryoRegistrator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * attnflow's Kryo registrations, listed in {@code spark.kryo.registrator} after ND4J's registrator
 * (conf/spark-defaults.conf): ND4J arrays in bulk ({@link ArraySerializer}), and Java records (tasks' inputs and results,
 * persisted training sequences, broadcast settings), for which Spark's Kryo 4 cannot build its field serializer.
 *
 * <p>A <em>flat</em> record, whose components are all primitives (boxed or not), strings, enums, arrays of those, or
 * flat records themselves (the user sequences and histories that training and scoring move in bulk), is written
 * component by component with Kryo's own serializers: no class descriptors, no object stream. Any other record
 * (one holding a collection, say, which Kryo would rebuild as a mutable copy of an immutable list) goes through
 * Java serialization, as every record did before.
 */
public final class RecordSerializers implements KryoRegistrator {
  private static final Set<Class<?>> SCALARS = Set.of(String.class, Integer.class, Long.class, Float.class,
      Double.class, Boolean.class, Short.class, Byte.class, Character.class);

  @Override
  public void registerClasses(Kryo kryo) {
    kryo.addDefaultSerializer(Record.class, (SerializerFactory) RecordSerializers::serializer);
    // after ND4J's registrator (spark.kryo.registrator lists it first): its arrays, a copy of their bytes at a time
    kryo.register(Nd4j.getBackend().getNDArrayClass(), new ArraySerializer());
  }

  static Serializer<?> serializer(Kryo kryo, Class<?> type) {
    return flat(type) ? new Flat<>(type) : new JavaSerializer();
  }

  /** Whether every component of record {@code type} is a scalar, an enum, an array of those or a flat record. */
  static boolean flat(Class<?> type) {
    if (!type.isRecord()) {
      return false;
    }
    for (RecordComponent c : type.getRecordComponents()) {
      Class<?> t = c.getType();
      while (t.isArray()) {
        t = t.getComponentType();
      }
      if (!(t.isPrimitive() || SCALARS.contains(t) || t.isEnum() || (t != type && flat(t)))) {
        return false;
      }
    }
    return true;
  }

  /** A flat record: each component by Kryo's serializer for its runtime class (nulls allowed), then the canonical constructor. */
  static final class Flat<T> extends Serializer<T> {
    private final Method[] accessors;
    private final Constructor<?> constructor;

    Flat(Class<?> type) {
      RecordComponent[] components = type.getRecordComponents();
      accessors = new Method[components.length];
      Class<?>[] types = new Class<?>[components.length];
      for (int i = 0; i < components.length; i++) {
        accessors[i] = components[i].getAccessor();
        accessors[i].setAccessible(true);
        types[i] = components[i].getType();
      }
      try {
        constructor = type.getDeclaredConstructor(types);
        constructor.setAccessible(true);
      } catch (NoSuchMethodException e) {
        throw new IllegalStateException("Record " + type.getName() + " has no canonical constructor", e);
      }
    }

    @Override
    public void write(Kryo kryo, Output output, T record) {
      try {
        for (Method accessor : accessors) {
          kryo.writeClassAndObject(output, accessor.invoke(record));
        }
      } catch (ReflectiveOperationException e) {
        throw new KryoException("Cannot read a component of " + record.getClass().getName(), e);
      }
    }

    @Override
    @SuppressWarnings("unchecked")
    public T read(Kryo kryo, Input input, Class<T> type) {
      Object[] values = new Object[accessors.length];
      for (int i = 0; i < values.length; i++) {
        values[i] = kryo.readClassAndObject(input);
      }
      try {
        return (T) constructor.newInstance(values);
      } catch (ReflectiveOperationException e) {
        throw new KryoException("Cannot rebuild a " + type.getName(), e);
      }
    }
  }
}
