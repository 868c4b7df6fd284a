CREATE TABLE IF NOT EXISTS ops.cluster_operations (
  cluster_id    VARCHAR(64)  NOT NULL,
  ts            DATETIME     NOT NULL,
  op            VARCHAR(32)  NOT NULL,
  status        VARCHAR(32)  NOT NULL DEFAULT "",
  operator      VARCHAR(128) NOT NULL DEFAULT "",
  detail        STRING       NULL,
  duration_s    BIGINT       NULL
) PRIMARY KEY (cluster_id, ts, op)
DISTRIBUTED BY HASH (cluster_id) BUCKETS 4
PROPERTIES ("replication_num" = "3");
