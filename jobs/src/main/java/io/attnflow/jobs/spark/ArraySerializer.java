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
import java.util.function.ObjIntConsumer;
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
    inChunks(c.length() * type.width(), (chunk, n) -> {
      data.get(chunk, 0, n);
      output.writeBytes(chunk, 0, n);
    });
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
      inChunks(array.length() * dataType.width(), (chunk, n) -> {
        input.readBytes(chunk, 0, n);
        data.put(chunk, 0, n);
      });
      Reference.reachabilityFence(array);
      return array;
    }
  }

  /** Moves {@code bytes} bytes a megabyte at a time: {@code move} gets one buffer and how many of its bytes to move. */
  private static void inChunks(long bytes, ObjIntConsumer<byte[]> move) {
    byte[] chunk = new byte[(int) Math.min(CHUNK, bytes)];
    for (long left = bytes; left > 0; left -= chunk.length) {
      move.accept(chunk, (int) Math.min(chunk.length, left));
    }
  }
}
