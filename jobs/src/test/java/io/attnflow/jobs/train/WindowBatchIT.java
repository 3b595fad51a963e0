package io.attnflow.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.attnflow.core.model.ItemContent;
import io.attnflow.core.model.TrainingWindows;
import io.attnflow.jobs.TestSpark;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.api.MultiDataSet;

class WindowBatchIT {
  @Test
  void shipsItsWindowsAndBuildsTheMinibatchWhereItIsRead() throws Exception {
    int items = 40;
    int dim = 256;
    int l = 5;
    int m = 7;
    SplittableRandom random = new SplittableRandom(3);
    float[] vectors = new float[items * dim];
    for (int i = dim; i < vectors.length; i++) { // item 0 has no content: it always keeps its id
      vectors[i] = (float) random.nextGaussian();
    }
    ItemContent content = new ItemContent(dim, vectors);
    List<TrainingWindows.Window> windows = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      int[] ids = random.ints(l + 1, 0, items).toArray();
      float[] ones = new float[l];
      java.util.Arrays.fill(ones, 1f);
      windows.add(new TrainingWindows.Window(ids, ones, ones.clone(), new float[l + 1],
          random.ints(m, 0, items).toArray()));
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
    var table = jsc.broadcast(content);
    try {
      WindowBatch batch = new WindowBatch(windows, table, TrainingWindows.kept(windows, content, 0.5, new SplittableRandom(9)));

      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
        out.writeObject(batch);
      }
      // the content vectors alone would take 4 × (l + 1 + m) × 256 floats
      assertThat(bytes.size()).isLessThan(windows.size() * (l + 1 + m) * dim * Float.BYTES / 10);
      MultiDataSet shipped;
      try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
        shipped = (MultiDataSet) in.readObject();
      }

      MultiDataSet expected = TrainingWindows.batch(windows, content, 0.5, new SplittableRandom(9));
      assertThat(shipped.numFeatureArrays()).isEqualTo(4); // items, context, content, kept
      for (int f = 0; f < expected.numFeatureArrays(); f++) {
        assertThat(shipped.getFeatures(f)).isEqualTo(expected.getFeatures(f));
      }
      assertThat(shipped.getLabels(0)).isEqualTo(expected.getLabels(0));
      assertThat(shipped.getFeatures(3).minNumber().floatValue()).isZero(); // some ids dropped
    } finally {
      table.destroy();
    }
  }
}
