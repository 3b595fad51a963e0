package io.attnflow.jobs.ingest;

import io.attnflow.jobs.BadInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
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
import org.apache.spark.api.java.JavaNewHadoopRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * Reads text files as numbered raw lines, in parallel over file splits. Spark's text source does
 * not know line numbers, and a rejected row must name its line, so this reads twice: once to count
 * the lines of each split, then again numbering each line from its split's first line number
 * (splits of one file follow each other, so the numbers are the file's own). Lines stay bytes
 * until {@link io.attnflow.core.ingest.LineDecoder} checks their encoding; compressed files
 * (.gz, .bz2) work as Hadoop reads them.
 */
final class TextInput {
  private record SplitCount(String path, long start, long lines) implements java.io.Serializable {}

  /** Numbered lines and how many there are (headers left out). */
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

  /** Every line of {@code files}, numbered from 1 per file; line 1 left out when {@code skipHeader}. */
  static Lines lines(SparkSession spark, List<String> files, boolean skipHeader) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    @SuppressWarnings("unchecked")
    JavaNewHadoopRDD<LongWritable, Text> rdd = (JavaNewHadoopRDD<LongWritable, Text>) jsc.newAPIHadoopFile(
        String.join(",", files), TextInputFormat.class, LongWritable.class, Text.class,
        new Configuration(spark.sparkContext().hadoopConfiguration()));

    List<SplitCount> counts = rdd.mapPartitionsWithInputSplit((split, it) -> {
      long n = 0;
      for (; it.hasNext(); it.next()) {
        n++;
      }
      FileSplit fs = (FileSplit) split;
      return List.of(new SplitCount(fs.getPath().toString(), fs.getStart(), n)).iterator();
    }, true).collect();

    Map<String, Long> firstLine = new HashMap<>();
    Map<String, Long> next = new HashMap<>();
    counts.stream().sorted(Comparator.comparing(SplitCount::path).thenComparingLong(SplitCount::start)).forEach(c -> {
      long first = next.getOrDefault(c.path(), 1L);
      firstLine.put(c.path() + "@" + c.start(), first);
      next.put(c.path(), first + c.lines());
    });
    Broadcast<Map<String, Long>> starts = jsc.broadcast(firstLine);

    long headers = skipHeader ? next.values().stream().filter(n -> n > 1).count() : 0;
    long total = counts.stream().mapToLong(SplitCount::lines).sum() - headers;

    JavaRDD<SourceLine> numbered = rdd.mapPartitionsWithInputSplit((split, it) -> {
      FileSplit fs = (FileSplit) split;
      String path = fs.getPath().toString();
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
    return new Lines(numbered, total);
  }

  private static boolean visible(Path p) {
    String name = p.getName();
    return !name.startsWith("_") && !name.startsWith(".");
  }
}
