-- metrics.metrics_table: raw metric points (scrape, evaluate -> sr-insert),
-- read by mquery, rollup and the snapshot materialized view.  A Unique Key
-- table rather than a Primary Key one: the key (labels as sorted compact
-- JSON) is often longer than the 128 bytes a primary key may encode.
-- ts is epoch milliseconds; le is NULL except for histogram buckets (whose
-- labels hold le as well, so it is part of the key).
CREATE TABLE IF NOT EXISTS metrics.metrics_table (
  name    VARCHAR(128) NOT NULL,
  labels  VARCHAR(512) NOT NULL,
  ts      BIGINT       NOT NULL,
  le      VARCHAR(32)  NULL,
  value   DOUBLE       NULL,
  type    VARCHAR(16)  NOT NULL DEFAULT "gauge"
) UNIQUE KEY (name, labels, ts)
DISTRIBUTED BY HASH (name, labels) BUCKETS 16
PROPERTIES ("replication_num" = "3");
