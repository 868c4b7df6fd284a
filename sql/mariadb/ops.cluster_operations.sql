-- ops.cluster_operations: START/STOP/UPDATE/SCALE/… events per cluster, from
-- the operations export.  ts in UTC.
CREATE TABLE IF NOT EXISTS ops.cluster_operations (
  cluster_id    VARCHAR(64)  NOT NULL,
  ts            DATETIME     NOT NULL,
  op            VARCHAR(32)  NOT NULL,
  status        VARCHAR(32)  NOT NULL DEFAULT '',
  operator      VARCHAR(128) NOT NULL DEFAULT '',
  detail        TEXT         NULL,
  duration_s    BIGINT       NULL,
  PRIMARY KEY (cluster_id, ts, op)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
