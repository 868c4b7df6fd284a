-- ops.cluster_risk_snapshots: written by `score --write` each run; sentinel
-- compares the latest and previous snapshot per cluster.
CREATE TABLE IF NOT EXISTS ops.cluster_risk_snapshots (
  cluster_id    VARCHAR(64)  NOT NULL,
  snapshot_at   DATETIME     NOT NULL,
  hour          DATETIME     NULL,
  score         DOUBLE       NULL,
  risk_level    VARCHAR(16)  NOT NULL,
  tier          VARCHAR(8)   NOT NULL DEFAULT 'B',
  metric_score  DOUBLE       NULL,
  alert_score   DOUBLE       NULL,
  tier_score    DOUBLE       NULL,
  critical_alerts INT        NOT NULL DEFAULT 0,
  warning_alerts  INT        NOT NULL DEFAULT 0,
  info_alerts     INT        NOT NULL DEFAULT 0,
  top_factors   TEXT         NULL,
  PRIMARY KEY (cluster_id, snapshot_at),
  KEY idx_snapshot (snapshot_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
