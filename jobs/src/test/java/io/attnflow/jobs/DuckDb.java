package io.attnflow.jobs;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads attnflow's Parquet output with a real BI engine, DuckDB over JDBC. */
public final class DuckDb {
  private DuckDb() {}

  /** Every row of {@code sql}, each a column-name to value map. */
  public static List<Map<String, Object>> query(String sql) {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      ResultSetMetaData md = rs.getMetaData();
      List<Map<String, Object>> rows = new ArrayList<>();
      while (rs.next()) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          row.put(md.getColumnLabel(i), rs.getObject(i));
        }
        rows.add(row);
      }
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException("DuckDB query failed: " + sql + ": " + e.getMessage(), e);
    }
  }

  /** The single value of a one-row, one-column query. */
  public static Object scalar(String sql) {
    List<Map<String, Object>> rows = query(sql);
    if (rows.size() != 1 || rows.get(0).size() != 1) {
      throw new IllegalStateException("Expected one value from " + sql + ", got " + rows);
    }
    return rows.get(0).values().iterator().next();
  }

  /** column name to DuckDB type of a Parquet folder, as {@code DESCRIBE} reports it. */
  public static Map<String, String> types(String parquetGlob) {
    Map<String, String> types = new LinkedHashMap<>();
    for (Map<String, Object> r : query("DESCRIBE SELECT * FROM read_parquet('" + parquetGlob + "')")) {
      types.put((String) r.get("column_name"), (String) r.get("column_type"));
    }
    return types;
  }

  /** The picks of a recommendation partition (a Parquet glob): what a run decides, in rank order. */
  public static List<Map<String, Object>> picks(String glob) {
    return query("SELECT user_id, rank, item_id, score, reasons::VARCHAR AS reasons, source FROM read_parquet('" + glob
        + "') ORDER BY user_id, rank");
  }

  /**
   * How two recommendation partitions (Parquet globs) differ beyond near-ties: rows whose score at
   * the same (user, rank) differs by more than 1e-5 or whose source differs, plus items in one list
   * only that do not tie (within 1e-5) with the other list's last pick. 0 when they agree up to the
   * float rounding by which BLAS makes two batchings differ (~1e-7).
   */
  public static long differencesBeyondNearTies(String a, String b) {
    String left = "read_parquet('" + a + "')";
    String right = "read_parquet('" + b + "')";
    long ranks = (Long) scalar("SELECT count(*) FROM " + left + " x FULL JOIN " + right + " y USING (user_id, rank) "
        + "WHERE x.score IS NULL OR y.score IS NULL OR abs(x.score - y.score) > 1e-5 OR x.source <> y.source");
    long items = (Long) scalar("SELECT count(*) FROM " + left + " x LEFT JOIN " + right + " y USING (user_id, item_id) "
        + "WHERE y.item_id IS NULL AND x.score > (SELECT min(score) FROM " + right + " l WHERE l.user_id = x.user_id) + 1e-5");
    return ranks + items;
  }
}
