package io.attnflow.core.ingest;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The input layouts ingest reads ({@code input.interactions.format}, {@code input.items.format}). */
public enum InputFormat {
  /** Parquet with the contract's columns, renamed through the column mapping. */
  PARQUET("parquet", false, StandardCharsets.UTF_8),
  /** Comma-separated with a header row (RFC 4180 quoting), through the column mapping. */
  CSV("csv", true, StandardCharsets.UTF_8),
  /** Tab-separated with a header row, through the column mapping. */
  TSV("tsv", true, StandardCharsets.UTF_8),
  /** One JSON object per line, through the column mapping. */
  JSONL("jsonl", false, StandardCharsets.UTF_8),
  /** MovieLens "latest" / 20M / 25M: ratings.csv, movies.csv (+ tags.csv). */
  MOVIELENS_CSV("movielens-csv", true, StandardCharsets.UTF_8),
  /** MovieLens 100K: tab-separated u.data, '|'-separated u.item (Latin-1). */
  MOVIELENS_100K("movielens-100k", false, StandardCharsets.ISO_8859_1),
  /** MovieLens 1M: '::'-separated ratings.dat and movies.dat (Latin-1). */
  MOVIELENS_1M("movielens-1m", false, StandardCharsets.ISO_8859_1),
  /** Microsoft News (MIND): behaviors.tsv and news.tsv, no header. */
  MIND("mind", false, StandardCharsets.UTF_8);

  private final String code;
  private final boolean header;
  private final Charset charset;

  InputFormat(String code, boolean header, Charset charset) {
    this.code = code;
    this.header = header;
    this.charset = charset;
  }

  /** The name used in configuration. */
  public String code() {
    return code;
  }

  /** True when the first line of every file names the columns. */
  public boolean hasHeader() {
    return header;
  }

  /** How the bytes of a line are decoded; Latin-1 accepts every byte. */
  public Charset charset() {
    return charset;
  }

  /** True for the formats read line by line (all but Parquet). */
  public boolean isText() {
    return this != PARQUET;
  }

  /** True for the comma-separated formats, whose quoted fields may hold line breaks (RFC 4180). */
  public boolean isCsv() {
    return this == CSV || this == MOVIELENS_CSV;
  }

  /** True for the formats whose columns come from {@code input.*.columns}. */
  public boolean usesColumnMapping() {
    return this == PARQUET || this == CSV || this == TSV || this == JSONL;
  }

  public static Optional<InputFormat> fromCode(String code) {
    return Arrays.stream(values()).filter(f -> f.code.equals(code)).findFirst();
  }

  public static List<String> codes() {
    return Arrays.stream(values()).map(InputFormat::code).toList();
  }
}
