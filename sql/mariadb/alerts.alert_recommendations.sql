-- alerts.alert_recommendations: one row per Pacific day and alert name,
-- written by `recommend DATE | sr-insert -t alerts.alert_recommendations
-- --replace-key date` (a re-run replaces that day's rows, nothing else).
-- clusters, cluster_names, regions and flapping_clusters hold JSON arrays
-- as text (["c-8f3a21","c-77b0e4"]); see recommend(1).
CREATE TABLE IF NOT EXISTS alerts.alert_recommendations (
  date              DATE          NOT NULL,
  alert_name        VARCHAR(120)  NOT NULL,
  severity          VARCHAR(16)   NOT NULL,
  alert_class       VARCHAR(16)   NULL,
  known             TINYINT       NOT NULL DEFAULT 1,
  fired             INT           NOT NULL DEFAULT 0,
  resolved          INT           NOT NULL DEFAULT 0,
  cluster_count     INT           NOT NULL DEFAULT 0,
  clusters          TEXT          NULL,
  cluster_names     TEXT          NULL,
  regions           TEXT          NULL,
  noisy             TINYINT       NOT NULL DEFAULT 0,
  noisy_reason      VARCHAR(255)  NULL,
  flapping          TINYINT       NOT NULL DEFAULT 0,
  flapping_clusters TEXT          NULL,
  max_refires       INT           NOT NULL DEFAULT 0,
  median_resolve_s  BIGINT        NULL,
  resolve_pairs     INT           NOT NULL DEFAULT 0,
  prev_week_fired   INT           NULL,
  fired_change      INT           NULL,
  fired_change_pct  DOUBLE        NULL,
  first_fired_at    DATETIME      NULL,
  last_fired_at     DATETIME      NULL,
  summary           TEXT          NULL,
  recommendation    TEXT          NULL,
  PRIMARY KEY (date, alert_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
