-- metrics.amv_hourly_snapshots_v1: one row per (cluster, dimension, UTC hour),
-- written by `rollup --snapshot` (or a StarRocks async MV in production).
-- metric is a dimension name such as starrocks_be_cpu_util_percent.
CREATE TABLE IF NOT EXISTS metrics.amv_hourly_snapshots_v1 (
  cluster_id  VARCHAR(64)  NOT NULL,
  metric      VARCHAR(52)  NOT NULL,
  hour        DATETIME     NOT NULL,
  avg_value   DOUBLE       NULL,
  min_value   DOUBLE       NULL,
  max_value   DOUBLE       NULL,
  samples     BIGINT       NOT NULL DEFAULT 0,
  PRIMARY KEY (cluster_id, metric, hour),
  KEY idx_hour (hour)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
