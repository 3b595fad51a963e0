package io.attnflow.jobs.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Kryo's serializer for ND4J arrays in place of ND4J's own ({@code Nd4jSerializer}), which writes an array element
 * by element through a {@code DataOutputStream}: an array here is its type, its shape and its bytes, copied a megabyte
 * at a time. dl4j-spark's parameter averaging moves the network's parameters and its updater's state (three floats per
 * parameter) as a broadcast to every worker and back as each worker's task result, once per average: at 100,000 items
 * about 150 MB each way. Arrays of strings keep ND4J's format.
 */
final class ArraySerializer extends Serializer<INDArray> {
  private static final int CHUNK = 1 << 20;

  @Override
  public void write(Kryo kryo, Output output, INDArray array) {
    DataType type = array.dataType();
    boolean raw = type != DataType.UTF8 && type != DataType.COMPRESSED && type != DataType.UNKNOWN;
    output.writeBoolean(raw);
    if (!raw) {
      try {
        DataOutputStream out = new DataOutputStream(output);
        Nd4j.write(array, out);
        out.flush();
      } catch (IOException e) {
        throw new KryoException("Cannot write an array of " + type, e);
      }
      return;
    }
    INDArray c = array.isEmpty() || array.ordering() == 'c' && !array.isView() && array.offset() == 0 ? array
        : array.dup('c');
    output.writeString(type.name());
    long[] shape = c.shape();
    output.writeVarInt(shape.length, true);
    for (long size : shape) {
      output.writeVarLong(size, true);
    }
    output.writeBoolean(c.isEmpty());
    if (c.isEmpty()) {
      return;
    }
    // a view of the array's off-heap memory, which does not keep the array alive: the fences below do, or the collector
    // could free the memory (JavaCPP's deallocator) while it is copied
    ByteBuffer data = c.data().asNio();
    byte[] chunk = new byte[(int) Math.min(CHUNK, c.length() * type.width())];
    for (long left = c.length() * type.width(); left > 0; left -= chunk.length) {
      int n = (int) Math.min(chunk.length, left);
      data.get(chunk, 0, n);
      output.writeBytes(chunk, 0, n);
    }
    Reference.reachabilityFence(c);
    Reference.reachabilityFence(array);
  }

  @Override
  public INDArray read(Kryo kryo, Input input, Class<INDArray> type) {
    // outside any workspace: the array outlives whatever scope the reading thread is in
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      if (!input.readBoolean()) {
        return Nd4j.read(new DataInputStream(input));
      }
      DataType dataType = DataType.valueOf(input.readString());
      long[] shape = new long[input.readVarInt(true)];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = input.readVarLong(true);
      }
      if (input.readBoolean()) {
        return shape.length == 0 ? Nd4j.empty(dataType) : Nd4j.create(dataType, shape);
      }
      INDArray array = Nd4j.createUninitialized(dataType, shape, 'c');
      ByteBuffer data = array.data().asNio();
      byte[] chunk = new byte[(int) Math.min(CHUNK, array.length() * dataType.width())];
      for (long left = array.length() * dataType.width(); left > 0; left -= chunk.length) {
        int n = (int) Math.min(chunk.length, left);
        input.readBytes(chunk, 0, n);
        data.put(chunk, 0, n);
      }
      Reference.reachabilityFence(array);
      return array;
    }
  }
}
