package io.attnflow.jobs.spark;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attnflow.jobs.config.ConfigProblems;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

class WarehouseTest {
  @Test
  void aWarehouseThatCannotRenameAtomicallyIsRefusedUnlessAllowedKnowingly() {
    Configuration conf = new Configuration();
    assertThatThrownBy(() -> new Warehouse("s3a://bucket/attnflow", conf).requireAtomicRename(false))
        .isInstanceOf(ConfigProblems.class)
        .hasMessageContaining("warehouse: Cannot publish to s3a://bucket/attnflow: s3a:// cannot rename atomically")
        .hasMessageContaining("set allow-non-atomic-warehouse = true");
    assertThatThrownBy(() -> new Warehouse("gs://bucket/attnflow", conf).requireAtomicRename(false))
        .isInstanceOf(ConfigProblems.class);
    assertThatCode(() -> new Warehouse("s3a://bucket/attnflow", conf).requireAtomicRename(true)).doesNotThrowAnyException();
    assertThatCode(() -> new Warehouse("hdfs://namenode/attnflow", conf).requireAtomicRename(false)).doesNotThrowAnyException();
    assertThatCode(() -> new Warehouse("warehouse", conf).requireAtomicRename(false)).doesNotThrowAnyException();
  }
}
