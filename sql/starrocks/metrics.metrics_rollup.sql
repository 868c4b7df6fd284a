-- metrics.metrics_rollup: rollup rows (rollup -> sr-insert), read by mquery.
-- Unique Key for the same reason as metrics_table (long label keys).
CREATE TABLE IF NOT EXISTS metrics.metrics_rollup (
  name        VARCHAR(128) NOT NULL,
  labels      VARCHAR(512) NOT NULL,
  resolution  VARCHAR(8)   NOT NULL,
  ts          BIGINT       NOT NULL,
  le          VARCHAR(32)  NULL,
  sum         DOUBLE       NULL,
  count       BIGINT       NOT NULL DEFAULT "0",
  min         DOUBLE       NULL,
  max         DOUBLE       NULL,
  counter     DOUBLE       NULL,
  first       DOUBLE       NULL,
  first_ts    BIGINT       NULL
) UNIQUE KEY (name, labels, resolution, ts)
DISTRIBUTED BY HASH (name, labels) BUCKETS 16
PROPERTIES ("replication_num" = "3");
