package io.attnflow.jobs.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ludovic.netlib.blas.JavaBLAS;
import io.attnflow.core.model.Lanes;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/**
 * attnflow's SIMD loops share their float species with the Java BLAS that Spark ML (ALS, Word2Vec) runs in the same
 * JVM ({@link Lanes}): with two species the Vector API's shared type profiles turn polymorphic and C2 may box every
 * vector. A netlib upgrade that moved to another species would bring that back; this notices it.
 */
class VectorSpeciesTest {
  @Test
  void sparkMlsJavaBlasComputesFloatsOnAttnflowsSpecies() throws IllegalAccessException {
    Object blas = JavaBLAS.getInstance();
    List<Object> floatSpecies = new ArrayList<>();
    for (Class<?> c = blas.getClass(); c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers()) && VectorSpecies.class.isAssignableFrom(f.getType())) {
          f.setAccessible(true);
          VectorSpecies<?> species = (VectorSpecies<?>) f.get(null);
          if (species.elementType() == float.class) {
            floatSpecies.add(species);
          }
        }
      }
    }
    assertThat(floatSpecies).as("the float species of %s", blas.getClass().getName())
        .isNotEmpty()
        .allSatisfy(species -> assertThat(species).isSameAs(Lanes.FLOATS));
  }
}
