package io.attnflow.jobs.ingest;

import io.attnflow.core.ingest.CsvRecords;
import io.attnflow.jobs.BadInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.hadoop.util.LineReader;
import org.apache.spark.SerializableWritable;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaNewHadoopRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.TaskCompletionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads text files as numbered raw records, in parallel over file splits. Spark's text source does
 * not know line numbers, and a rejected row must name its line, so this reads twice: once to count
 * the lines of each split, then again numbering each line from its split's first line number
 * (splits of one file follow each other, so the numbers are the file's own). A CSV record may span
 * lines; the first read also finds the files where one does, which are then read whole. Records stay
 * bytes until {@link io.attnflow.core.ingest.LineDecoder} checks their encoding; compressed files
 * (.gz, .bz2) work as Hadoop reads them.
 */
final class TextInput {
  private static final Logger LOG = LoggerFactory.getLogger(TextInput.class);

  /** One split's line count, and whether each of its lines is a whole record. */
  private record SplitCount(String path, long start, long lines, boolean closed) implements java.io.Serializable {}

  /** Numbered records and how many there are (headers left out). */
  record Lines(JavaRDD<SourceLine> rdd, long count) {}

  private TextInput() {}

  /**
   * The files a configured path names: a file, every visible file of a folder, or a glob.
   *
   * @throws BadInputException if nothing matches
   */
  static List<String> files(Configuration hadoop, String key, String path) {
    try {
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(hadoop);
      FileStatus[] matched = fs.globStatus(p);
      List<String> files = new ArrayList<>();
      if (matched != null) {
        for (FileStatus s : matched) {
          if (s.isDirectory()) {
            Arrays.stream(fs.listStatus(s.getPath()))
                .filter(f -> f.isFile() && visible(f.getPath()))
                .map(f -> f.getPath().toString())
                .sorted()
                .forEach(files::add);
          } else {
            files.add(s.getPath().toString());
          }
        }
      }
      if (files.isEmpty()) {
        throw new BadInputException("Cannot read " + key + " = \"" + path + "\": no file matches (expected a file, a folder of files or a glob)");
      }
      return files;
    } catch (IOException e) {
      throw new BadInputException("Cannot read " + key + " = \"" + path + "\": " + e.getMessage());
    }
  }

  /** The first line of a file (its header), decoded; "" for an empty file. */
  static String firstLine(Configuration hadoop, String file, Charset charset) {
    Path p = new Path(file);
    try {
      FileSystem fs = p.getFileSystem(hadoop);
      CompressionCodec codec = new CompressionCodecFactory(hadoop).getCodec(p);
      try (InputStream raw = fs.open(p);
          InputStream in = codec == null ? raw : codec.createInputStream(raw);
          BufferedReader r = new BufferedReader(new InputStreamReader(in, charset))) {
        String line = r.readLine();
        return line == null ? "" : line;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the header of " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Every record of {@code files}, numbered by its first line (from 1 per file); the first record left out when
   * {@code skipHeader}. Each line is a record, except in CSV ({@code csv}), where a quoted field may hold line
   * breaks ({@link CsvRecords}): a CSV file in which every line is a whole record is read like any other, in
   * parallel splits; one with a record over several lines is read by one task, from its start.
   *
   * @param maxBytes how far a quoted field may run on over lines (ingest.max-line-bytes)
   */
  static Lines records(SparkSession spark, List<String> files, boolean skipHeader, boolean csv, int maxBytes) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    @SuppressWarnings("unchecked")
    JavaNewHadoopRDD<LongWritable, Text> rdd = (JavaNewHadoopRDD<LongWritable, Text>) jsc.newAPIHadoopFile(
        String.join(",", files), TextInputFormat.class, LongWritable.class, Text.class, new Configuration(hadoop));

    List<SplitCount> counts = rdd.mapPartitionsWithInputSplit((split, it) -> {
      long n = 0;
      boolean closed = true;
      while (it.hasNext()) {
        Text t = it.next()._2();
        closed = closed && (!csv || CsvRecords.closes(t.getBytes(), t.getLength()));
        n++;
      }
      FileSplit fs = (FileSplit) split;
      return List.of(new SplitCount(fs.getPath().toString(), fs.getStart(), n, closed)).iterator();
    }, true).collect();

    Set<String> whole = counts.stream().filter(c -> !c.closed()).map(SplitCount::path)
        .collect(Collectors.toCollection(TreeSet::new));
    Map<String, Long> firstLine = new HashMap<>();
    Map<String, Long> next = new HashMap<>();
    counts.stream().sorted(Comparator.comparing(SplitCount::path).thenComparingLong(SplitCount::start)).forEach(c -> {
      long first = next.getOrDefault(c.path(), 1L);
      firstLine.put(c.path() + "@" + c.start(), first);
      next.put(c.path(), first + c.lines());
    });
    Broadcast<Map<String, Long>> starts = jsc.broadcast(firstLine);

    JavaRDD<SourceLine> byLine = rdd.mapPartitionsWithInputSplit((split, it) -> {
      FileSplit fs = (FileSplit) split;
      String path = fs.getPath().toString();
      if (whole.contains(path)) {
        return Collections.emptyIterator();
      }
      long first = starts.value().get(path + "@" + fs.getStart());
      return new Iterator<SourceLine>() {
        long line = first;

        @Override
        public boolean hasNext() {
          if (skipHeader && line == 1 && it.hasNext()) {
            it.next();
            line++;
          }
          return it.hasNext();
        }

        @Override
        public SourceLine next() {
          hasNext();
          Text t = it.next()._2();
          return new SourceLine(path, line++, Arrays.copyOf(t.getBytes(), t.getLength()));
        }
      };
    }, true);
    long headers = !skipHeader ? 0
        : next.entrySet().stream().filter(e -> e.getValue() > 1 && !whole.contains(e.getKey())).count();
    long total = counts.stream().filter(c -> !whole.contains(c.path())).mapToLong(SplitCount::lines).sum() - headers;
    if (whole.isEmpty()) {
      return new Lines(byLine, total);
    }

    LOG.info("ingest: {} of {} CSV files hold records over several lines and are read whole, one task each: {}",
        whole.size(), files.size(), whole);
    Broadcast<SerializableWritable<Configuration>> conf = jsc.broadcast(new SerializableWritable<>(hadoop));
    JavaRDD<SourceLine> byRecord = jsc.parallelize(new ArrayList<>(whole), whole.size()).flatMap(file -> {
      Iterator<CsvRecords.Record> records = CsvRecords.records(lines(file, conf.value().value()), 1, maxBytes);
      if (skipHeader && records.hasNext()) {
        records.next();
      }
      return StreamSupport.stream(Spliterators.spliteratorUnknownSize(records, Spliterator.ORDERED), false)
          .map(r -> new SourceLine(file, r.line(), r.bytes())).iterator();
    });
    return new Lines(byLine.union(byRecord), total + byRecord.count());
  }

  /** The lines of one file as bytes, without their ends ({@code \n}, {@code \r\n} or {@code \r}, as the splits read them). */
  private static Iterator<byte[]> lines(String file, Configuration hadoop) throws IOException {
    Path p = new Path(file);
    CompressionCodec codec = new CompressionCodecFactory(hadoop).getCodec(p);
    InputStream raw = p.getFileSystem(hadoop).open(p);
    LineReader reader = new LineReader(codec == null ? raw : codec.createInputStream(raw), hadoop);
    TaskContext task = TaskContext.get();
    if (task != null) {
      task.addTaskCompletionListener((TaskCompletionListener) ctx -> close(reader));
    }
    Text t = new Text();
    return new Iterator<>() {
      byte[] next = read();

      private byte[] read() {
        try {
          return reader.readLine(t) > 0 ? Arrays.copyOf(t.getBytes(), t.getLength()) : null;
        } catch (IOException e) {
          throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
        }
      }

      @Override
      public boolean hasNext() {
        return next != null;
      }

      @Override
      public byte[] next() {
        if (next == null) {
          throw new NoSuchElementException();
        }
        byte[] line = next;
        next = read();
        return line;
      }
    };
  }

  private static void close(LineReader reader) {
    try {
      reader.close();
    } catch (IOException e) {
      LOG.warn("ingest: cannot close a file: {}", e.getMessage());
    }
  }

  private static boolean visible(Path p) {
    String name = p.getName();
    return !name.startsWith("_") && !name.startsWith(".");
  }
}
