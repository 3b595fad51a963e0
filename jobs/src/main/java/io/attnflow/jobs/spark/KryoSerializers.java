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
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.serializer.KryoRegistrator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * attnflow's Kryo registrations, listed in {@code spark.kryo.registrator} after ND4J's registrator
 * (conf/spark-defaults.conf): ND4J arrays in bulk ({@link ArraySerializer}); the JDK's immutable collections
 * ({@code List.of}, {@code Stream.toList()}, {@code Set.of}, {@code Map.of}), which Kryo's collection serializers would
 * rebuild by adding to an empty one, and fail; and Java records (tasks' inputs and results, persisted training
 * sequences, broadcast settings), for which Spark's Kryo 4 cannot build its field serializer.
 *
 * <p>A <em>flat</em> record, whose components are all primitives (boxed or not), strings, enums, arrays of those, or
 * flat records themselves (the user sequences and histories that training and scoring move in bulk), is written
 * component by component with Kryo's own serializers: no class descriptors, no object stream. Any other record
 * (one holding a collection, say, which Kryo would rebuild as a mutable copy of an immutable list) goes through
 * Java serialization, as every record did before.
 */
public final class KryoSerializers implements KryoRegistrator {
  private static final Set<Class<?>> SCALARS = Set.of(String.class, Integer.class, Long.class, Float.class,
      Double.class, Boolean.class, Short.class, Byte.class, Character.class);

  @Override
  public void registerClasses(Kryo kryo) {
    kryo.addDefaultSerializer(Record.class, (SerializerFactory) KryoSerializers::serializer);
    // after ND4J's registrator (spark.kryo.registrator lists it first): its arrays, a copy of their bytes at a time
    kryo.register(Nd4j.getBackend().getNDArrayClass(), new ArraySerializer());
    for (Object c : List.of(List.of(), List.of(1), List.of(1, 2, 3), List.of(1, 2, 3).subList(0, 2), Set.of(1),
        Set.of(1, 2, 3), Map.of(1, 1), Map.of(1, 1, 2, 2))) {
      kryo.addDefaultSerializer(c.getClass(), new Immutable());
    }
  }

  /**
   * A JDK immutable list, set or map: its size, then its elements (a map's keys and values in turn); read back as an
   * unmodifiable collection of the same kind, in the same order (nulls allowed, as {@code Stream.toList()} allows
   * them).
   */
  static final class Immutable extends Serializer<Object> {
    Immutable() {
      setImmutable(true);
    }

    @Override
    public void write(Kryo kryo, Output output, Object value) {
      if (value instanceof Map<?, ?> map) {
        output.writeVarInt(map.size(), true);
        map.forEach((k, v) -> {
          kryo.writeClassAndObject(output, k);
          kryo.writeClassAndObject(output, v);
        });
        return;
      }
      Collection<?> c = (Collection<?>) value;
      output.writeVarInt(c.size(), true);
      c.forEach(e -> kryo.writeClassAndObject(output, e));
    }

    @Override
    public Object read(Kryo kryo, Input input, Class<Object> type) {
      int size = input.readVarInt(true);
      if (Map.class.isAssignableFrom(type)) {
        Map<Object, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < size; i++) {
          map.put(kryo.readClassAndObject(input), kryo.readClassAndObject(input));
        }
        return Collections.unmodifiableMap(map);
      }
      Object[] elements = new Object[size];
      for (int i = 0; i < size; i++) {
        elements[i] = kryo.readClassAndObject(input);
      }
      return Set.class.isAssignableFrom(type)
          ? Collections.unmodifiableSet(new LinkedHashSet<>(Arrays.asList(elements)))
          : Collections.unmodifiableList(Arrays.asList(elements));
    }
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
