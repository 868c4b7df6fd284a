-- Written by `rollup --snapshot`; deployments that roll up inside StarRocks
-- use the async materialized view of metrics.mv_hourly_snapshots instead.
-- metric VARCHAR(52) (the longest dimension name is 38): cluster_id 64 +
-- metric 52 + hour 8 and two terminators fit the 128-byte primary key.
CREATE TABLE IF NOT EXISTS metrics.amv_hourly_snapshots_v1 (
  cluster_id  VARCHAR(64)  NOT NULL,
  metric      VARCHAR(52)  NOT NULL,
  hour        DATETIME     NOT NULL,
  avg_value   DOUBLE       NULL,
  min_value   DOUBLE       NULL,
  max_value   DOUBLE       NULL,
  samples     BIGINT       NOT NULL DEFAULT "0"
) PRIMARY KEY (cluster_id, metric, hour)
DISTRIBUTED BY HASH (cluster_id) BUCKETS 8
PROPERTIES ("replication_num" = "3");
