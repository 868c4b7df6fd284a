-- ops.cluster_health_scores: one row per cluster per `score` run (every 15
-- minutes from cron).  The formula is ../shared/SCORING.md; score(1) lists
-- the fields.  score is NULL and risk_level 'Unknown' when the cluster had
-- no scored dimension in the hour.  *_value: the hour's reading, *_score
-- its sub-score (0..100).  top_factors: a JSON array of phrases.
CREATE TABLE IF NOT EXISTS ops.cluster_health_scores (
  cluster_id        VARCHAR(64)  NOT NULL,
  scored_at         DATETIME     NOT NULL,
  hour              DATETIME     NOT NULL,
  score             DOUBLE       NULL,
  risk_level        VARCHAR(16)  NOT NULL,
  tier              VARCHAR(8)   NOT NULL DEFAULT 'B',
  metric_score      DOUBLE       NULL,
  metric_raw        DOUBLE       NULL,
  trend_penalty     DOUBLE       NULL,
  alert_score       DOUBLE       NULL,
  tier_score        DOUBLE       NULL,
  dimensions        INT          NOT NULL DEFAULT 0,
  cpu_value         DOUBLE       NULL,
  cpu_score         DOUBLE       NULL,
  heap_value        DOUBLE       NULL,
  heap_score        DOUBLE       NULL,
  disk_value        DOUBLE       NULL,
  disk_score        DOUBLE       NULL,
  compaction_value  DOUBLE       NULL,
  compaction_score  DOUBLE       NULL,
  latency_value     DOUBLE       NULL,
  latency_score     DOUBLE       NULL,
  errors_value      DOUBLE       NULL,
  errors_score      DOUBLE       NULL,
  critical_alerts   INT          NOT NULL DEFAULT 0,
  warning_alerts    INT          NOT NULL DEFAULT 0,
  info_alerts       INT          NOT NULL DEFAULT 0,
  top_factors       TEXT         NULL,
  PRIMARY KEY (cluster_id, scored_at),
  KEY idx_scored (scored_at),
  KEY idx_hour (hour)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
