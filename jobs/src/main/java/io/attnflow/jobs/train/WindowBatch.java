package io.attnflow.jobs.train;

import io.attnflow.core.model.ItemContent;
import io.attnflow.core.model.TrainingWindows;
import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * A training minibatch as dl4j-spark moves it: its windows (item indices) and keep flags, which is what Spark counts,
 * splits, shuffles and serializes; its arrays ({@link TrainingWindows#batch(List, ItemContent, float[])}, content
 * vectors gathered from the broadcast table) are built on first use, in the task that trains on it, and never
 * serialized. Built in a generator, the content vectors of a minibatch (L + 1 + M items of c floats a window: 4.6 MB
 * for ML-1M's 32 windows of 563 items) went through Java serialization element by element at every split and shuffle.
 */
final class WindowBatch implements MultiDataSet {
  private static final long serialVersionUID = 1L;
  private final List<TrainingWindows.Window> windows;
  private final Broadcast<ItemContent> content;
  private final float[] kept;
  private transient MultiDataSet arrays;

  /**
   * @param windows serializable (not a view of a larger list)
   * @param content the content table, or null for a model of ids alone
   * @param kept    the keep flags ({@link TrainingWindows#kept}), or null
   */
  WindowBatch(List<TrainingWindows.Window> windows, Broadcast<ItemContent> content, float[] kept) {
    this.windows = windows;
    this.content = content;
    this.kept = kept;
  }

  private MultiDataSet arrays() {
    if (arrays == null) {
      arrays = TrainingWindows.batch(windows, content == null ? null : content.value(), kept);
    }
    return arrays;
  }

  @Override
  public int numFeatureArrays() {
    return arrays().numFeatureArrays();
  }

  @Override
  public int numLabelsArrays() {
    return arrays().numLabelsArrays();
  }

  @Override
  public INDArray[] getFeatures() {
    return arrays().getFeatures();
  }

  @Override
  public INDArray getFeatures(int index) {
    return arrays().getFeatures(index);
  }

  @Override
  public void setFeatures(INDArray[] features) {
    arrays().setFeatures(features);
  }

  @Override
  public void setFeatures(int index, INDArray features) {
    arrays().setFeatures(index, features);
  }

  @Override
  public INDArray[] getLabels() {
    return arrays().getLabels();
  }

  @Override
  public INDArray getLabels(int index) {
    return arrays().getLabels(index);
  }

  @Override
  public void setLabels(INDArray[] labels) {
    arrays().setLabels(labels);
  }

  @Override
  public void setLabels(int index, INDArray labels) {
    arrays().setLabels(index, labels);
  }

  @Override
  public boolean hasMaskArrays() {
    return arrays().hasMaskArrays();
  }

  @Override
  public INDArray[] getFeaturesMaskArrays() {
    return arrays().getFeaturesMaskArrays();
  }

  @Override
  public INDArray getFeaturesMaskArray(int index) {
    return arrays().getFeaturesMaskArray(index);
  }

  @Override
  public void setFeaturesMaskArrays(INDArray[] masks) {
    arrays().setFeaturesMaskArrays(masks);
  }

  @Override
  public void setFeaturesMaskArray(int index, INDArray mask) {
    arrays().setFeaturesMaskArray(index, mask);
  }

  @Override
  public INDArray[] getLabelsMaskArrays() {
    return arrays().getLabelsMaskArrays();
  }

  @Override
  public INDArray getLabelsMaskArray(int index) {
    return arrays().getLabelsMaskArray(index);
  }

  @Override
  public void setLabelsMaskArray(INDArray[] masks) {
    arrays().setLabelsMaskArray(masks);
  }

  @Override
  public void setLabelsMaskArray(int index, INDArray mask) {
    arrays().setLabelsMaskArray(index, mask);
  }

  @Override
  public void save(OutputStream to) throws java.io.IOException {
    arrays().save(to);
  }

  @Override
  public void save(File to) throws java.io.IOException {
    arrays().save(to);
  }

  @Override
  public void load(InputStream from) {
    throw new UnsupportedOperationException("A training minibatch is built from its windows, not loaded");
  }

  @Override
  public void load(File from) {
    throw new UnsupportedOperationException("A training minibatch is built from its windows, not loaded");
  }

  @Override
  public List<MultiDataSet> asList() {
    return arrays().asList();
  }

  @Override
  public MultiDataSet copy() {
    return arrays().copy();
  }

  @Override
  public void setExampleMetaData(List<? extends Serializable> metaData) {
    arrays().setExampleMetaData(metaData);
  }

  @Override
  public <T extends Serializable> List<T> getExampleMetaData(Class<T> type) {
    return arrays().getExampleMetaData(type);
  }

  @Override
  public List<Serializable> getExampleMetaData() {
    return arrays().getExampleMetaData();
  }

  @Override
  public long getMemoryFootprint() {
    return arrays().getMemoryFootprint();
  }

  @Override
  public void migrate() {
    arrays().migrate();
  }

  @Override
  public void detach() {
    arrays().detach();
  }

  @Override
  public boolean isEmpty() {
    return windows.isEmpty();
  }

  @Override
  public void shuffle() {
    arrays().shuffle();
  }
}
