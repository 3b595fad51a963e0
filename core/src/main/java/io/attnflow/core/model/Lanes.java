package io.attnflow.core.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one vector species of attnflow's SIMD loops (the encoder's products, the training step's passes, e^x, the
 * scoring kernel's σ, item-kNN): {@code FloatVector.SPECIES_MAX}, the species Spark ML's Java BLAS
 * (dev.ludovic.netlib's {@code VectorBLAS}, which ALS and Word2Vec call) uses. On x86 it has as many lanes as
 * {@code SPECIES_PREFERRED} but another class, and the Vector API's methods (a {@code fma}, a {@code fromArray}) keep
 * one type profile for every caller in the JVM: once Spark ML had run them on its species, C2 compiled attnflow's
 * loops on the other with the vectors boxed, an allocation per operation. On ML-1M's {@code evaluate} that made the
 * encoder's forward pass 8 times as slow (4.8 ms a history instead of 0.59) and the JVM collect its young generation
 * six times a second (docs/experiments.md, session 44). With one species the profiles stay monomorphic.
 */
public final class Lanes {
  public static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_MAX;

  private Lanes() {}
}
