package io.attnflow.core.ingest;

import io.attnflow.core.data.Item;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns one input record into an {@link Item}, or a {@link BadRecordException} saying why not.
 * For MovieLens the item text is the title and the genres (tags from {@code tags.csv} are appended
 * by the ingest job); the category is the first genre; the publication time is 1 January of the
 * year in the title. For MIND the text is title and abstract, the category MIND's category and the
 * tags its sub-category.
 */
public final class ItemParser implements Serializable {
  private static final long serialVersionUID = 1L;

  /** ml-100k's u.item has one 0/1 flag per genre, in this order (its u.genre). */
  static final List<String> ML100K_GENRES = List.of(
      "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
      "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western");

  private static final ObjectMapper TAGS = new ObjectMapper();
  private static final Pattern TITLE_YEAR = Pattern.compile("\\((\\d{4})\\)\\s*$");
  private static final String NO_GENRES = "(no genres listed)";

  private final InputFormat format;
  private final FieldReader reader;
  private final Timestamps timestamps; // mapped formats only
  private final String tagSeparator;

  private ItemParser(InputFormat format, FieldReader reader, Timestamps timestamps, String tagSeparator) {
    this.format = format;
    this.reader = reader;
    this.timestamps = timestamps;
    this.tagSeparator = tagSeparator;
  }

  /**
   * A parser for one file.
   *
   * @param headerLine   the file's first line for formats with a header, else ignored
   * @param columns      the column mapping (csv, tsv, jsonl, parquet only)
   * @param tsFormat     the format of {@code published_at} (mapped formats only)
   * @param tagSeparator what separates tags inside the tags field (mapped formats only)
   */
  public static ItemParser forFile(
      InputFormat format,
      String file,
      String headerLine,
      ItemColumns columns,
      String tsFormat,
      String tagSeparator,
      Instant minTs,
      Instant maxTs)
      throws InputLayoutException {
    Timestamps ts = format.usesColumnMapping() ? Timestamps.of(tsFormat, minTs, maxTs) : null;
    return switch (format) {
      case CSV, TSV -> new ItemParser(
          format,
          FieldReader.fromHeader(format == InputFormat.CSV ? Delimited.csv() : Delimited.tsv(), headerLine, file,
              ItemColumns.REQUIRED, columns.inOrder()),
          ts,
          tagSeparator);
      case JSONL, PARQUET -> new ItemParser(format, FieldReader.json(columns.inOrder()), ts, tagSeparator);
      case MOVIELENS_CSV -> new ItemParser(
          format, FieldReader.fromHeader(Delimited.csv(), headerLine, file, 3, "movieId", "title", "genres"), ts, "|");
      // movies.dat: MovieID::Title::Genres
      case MOVIELENS_1M -> new ItemParser(format, FieldReader.fixed(Delimited.on("::"), 3, 0, 1, 2), ts, "|");
      // u.item: id|title|release date|video release date|IMDb URL|19 genre flags
      case MOVIELENS_100K -> new ItemParser(format, FieldReader.fixed(Delimited.on("|"), 5 + ML100K_GENRES.size(), allPositions(5 + ML100K_GENRES.size())), ts, "|");
      // news.tsv: id, category, subcategory, title, abstract, url, title entities, abstract entities
      case MIND -> new ItemParser(format, FieldReader.fixed(Delimited.tsv(), 8, 0, 1, 2, 3, 4), ts, "|");
    };
  }

  /** The optional mapped columns this file's header lacks: their fields are empty in all of its items. */
  public List<String> absentColumns() {
    return reader.absentColumns();
  }

  /** The item in one text line; any unreadable field rejects it. */
  public Item parse(String line) throws BadRecordException {
    List<DroppedField> dropped = new ArrayList<>();
    Item item = parse(line, dropped);
    DroppedField.rejectAny(dropped);
    return item;
  }

  /**
   * The item in one text line. An optional field that cannot be read ({@code published_at}, a JSON tag list,
   * ml-100k's release date) is left null (tags: empty) and noted in {@code dropped}; only a bad required field
   * rejects the item.
   */
  public Item parse(String line, List<DroppedField> dropped) throws BadRecordException {
    String[] f = reader.read(line);
    return switch (format) {
      case CSV, TSV, JSONL, PARQUET -> mapped(f, dropped);
      case MOVIELENS_CSV, MOVIELENS_1M -> movie(f[0], f[1], Arrays.asList(f[2].split("\\|")));
      case MOVIELENS_100K -> movie100k(f, dropped);
      case MIND -> new Item(
          InteractionParser.requireId("item_id", f[0]),
          f[3].trim(),
          (f[3].trim() + " " + f[4].trim()).trim(),
          blankToNull(f[1]),
          f[2].isBlank() ? List.of() : List.of(f[2].trim()),
          null,
          null);
    };
  }

  private Item mapped(String[] fields, List<DroppedField> dropped) throws BadRecordException {
    if (fields[0] == null) {
      throw new BadRecordException(RejectReason.MISSING_FIELD, "item_id: absent");
    }
    String[] f = Arrays.stream(fields).map(InteractionParser::orEmpty).toArray(String[]::new);
    String id = InteractionParser.requireId("item_id", f[0]);
    List<String> tags = DroppedField.optional(dropped, () -> tags(f[4].trim()));
    Long published = DroppedField.optional(dropped, () -> f[5].isBlank() ? null : timestamps.parse("published_at", f[5]));
    String text = f[2].isBlank() ? f[1].trim() : f[2].trim();
    return new Item(id, f[1].trim(), text, blankToNull(f[3]), tags == null ? List.of() : tags, published, parseVector(f[6]));
  }

  /** Tags as a JSON array (jsonl, or a Parquet array<string> column) or separated by the tag separator. */
  private List<String> tags(String tagText) throws BadRecordException {
    List<String> tags = new ArrayList<>();
    if (tagText.startsWith("[")) {
      try {
        for (JsonNode t : TAGS.readTree(tagText)) {
          if (!t.asText().isBlank()) {
            tags.add(t.asText().trim());
          }
        }
      } catch (JsonProcessingException e) {
        throw new BadRecordException(RejectReason.MALFORMED, "tags: not a JSON array of strings: " + e.getOriginalMessage());
      }
    } else {
      for (String t : tagText.split(Pattern.quote(tagSeparator))) {
        if (!t.isBlank()) {
          tags.add(t.trim());
        }
      }
    }
    return tags;
  }

  private Item movie(String idField, String title, List<String> genreList) throws BadRecordException {
    String id = InteractionParser.requireId("item_id", idField);
    List<String> genres = genreList.stream().map(String::trim).filter(g -> !g.isEmpty() && !g.equals(NO_GENRES)).toList();
    String t = title.trim();
    String text = (t + " " + String.join(" ", genres)).trim();
    return new Item(id, t, text, genres.isEmpty() ? null : genres.get(0), genres, yearOf(t), null);
  }

  private Item movie100k(String[] f, List<DroppedField> dropped) throws BadRecordException {
    List<String> genres = new ArrayList<>();
    for (int g = 0; g < ML100K_GENRES.size(); g++) {
      String flag = f[5 + g].trim();
      if (!flag.equals("0") && !flag.equals("1")) {
        throw new BadRecordException(
            RejectReason.BAD_NUMBER, "genre flag " + ML100K_GENRES.get(g) + ": \"" + flag + "\" is not 0 or 1");
      }
      if (flag.equals("1")) {
        genres.add(ML100K_GENRES.get(g));
      }
    }
    Item movie = movie(f[0], f[1], genres);
    Long released = DroppedField.optional(dropped, () -> releaseDate(f[2]));
    return released == null ? movie
        : new Item(movie.itemId(), movie.title(), movie.text(), movie.category(), movie.tags(), released, null);
  }

  /** ml-100k writes release dates as {@code 01-Jan-1995} or {@code 4-Feb-1971}; some are empty. */
  private static Long releaseDate(String text) throws BadRecordException {
    if (text.isBlank()) {
      return null;
    }
    try {
      LocalDate d = LocalDate.parse(text.trim(), DateTimeFormatter.ofPattern("d-MMM-yyyy", Locale.US));
      return Timestamps.toMicros(d.atStartOfDay(ZoneOffset.UTC).toInstant());
    } catch (DateTimeParseException e) {
      throw new BadRecordException(
          RejectReason.BAD_TIMESTAMP, "release date: \"" + Timestamps.abbreviate(text) + "\" is not d-MMM-yyyy");
    }
  }

  private static Long yearOf(String title) {
    Matcher m = TITLE_YEAR.matcher(title);
    if (!m.find()) {
      return null;
    }
    int year = Integer.parseInt(m.group(1));
    return Timestamps.toMicros(LocalDate.of(year, 1, 1).atStartOfDay(ZoneOffset.UTC).toInstant());
  }

  /** A vector as {@code [0.1, 0.2]} (JSON, as Spark writes array columns) or {@code 0.1 0.2}. */
  static float[] parseVector(String text) throws BadRecordException {
    String t = text.trim();
    if (t.isEmpty()) {
      return null;
    }
    if (t.startsWith("[") && t.endsWith("]")) {
      t = t.substring(1, t.length() - 1).trim();
      if (t.isEmpty()) {
        return null;
      }
    }
    String[] parts = t.trim().split("[,\\s]+");
    float[] v = new float[parts.length];
    for (int i = 0; i < parts.length; i++) {
      v[i] = (float) InteractionParser.parseNumber("vector[" + i + "]", parts[i]);
      if (!Float.isFinite(v[i])) {
        throw new BadRecordException(RejectReason.BAD_NUMBER, "vector[" + i + "]: " + parts[i] + " is not finite");
      }
    }
    return v;
  }

  private static int[] allPositions(int n) {
    int[] p = new int[n];
    Arrays.setAll(p, i -> i);
    return p;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
