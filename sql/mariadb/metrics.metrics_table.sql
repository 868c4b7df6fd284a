-- metrics.metrics_table: raw metric points (scrape, evaluate -> sr-insert),
-- read by mquery and by rollup.  One row per (series, ts); labels is the
-- point's labels object as compact JSON with keys sorted (scrape and
-- evaluate write them sorted), so equal label sets are equal strings.
-- ts is epoch milliseconds, as in the NDJSON point.  Histogram buckets carry
-- le (NULL for other points); le is among the labels too, so it is part of
-- the key.  A NaN value is refused by sr-insert.
CREATE TABLE IF NOT EXISTS metrics.metrics_table (
  name    VARCHAR(128) NOT NULL,
  labels  VARCHAR(512) NOT NULL,
  ts      BIGINT       NOT NULL,
  le      VARCHAR(32)  NULL,
  value   DOUBLE       NULL,
  type    VARCHAR(16)  NOT NULL DEFAULT 'gauge',
  PRIMARY KEY (name, labels, ts),
  KEY idx_name_ts (name, ts)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
