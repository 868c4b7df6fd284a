-- metrics.metrics_rollup: rollup rows (rollup -> sr-insert), read by mquery.
-- One row per (series, resolution, bucket start ts in epoch ms).  counter is
-- the reset-adjusted running value of a counter at the bucket's end (NULL
-- for gauges): rate = (counter - previous bucket's counter) / time.
CREATE TABLE IF NOT EXISTS metrics.metrics_rollup (
  name        VARCHAR(128) NOT NULL,
  labels      VARCHAR(512) NOT NULL,
  resolution  VARCHAR(8)   NOT NULL,
  ts          BIGINT       NOT NULL,
  le          VARCHAR(32)  NULL,
  sum         DOUBLE       NULL,
  count       BIGINT       NOT NULL DEFAULT 0,
  min         DOUBLE       NULL,
  max         DOUBLE       NULL,
  counter     DOUBLE       NULL,
  first       DOUBLE       NULL,
  first_ts    BIGINT       NULL,
  PRIMARY KEY (name, labels, resolution, ts),
  KEY idx_res_ts (resolution, ts)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
