-- alerts.alert_recommendations: one row per Pacific day and alert name,
-- written by `recommend DATE | sr-insert -t alerts.alert_recommendations
-- --replace-key date` (a re-run replaces that day's rows, nothing else).
-- clusters, cluster_names, regions and flapping_clusters hold JSON arrays
-- as text (["c-8f3a21","c-77b0e4"]); see recommend(1).
-- alert_name VARCHAR(120): with the date (4 bytes) the key stays within
-- StarRocks's 128-byte primary key.
CREATE TABLE IF NOT EXISTS alerts.alert_recommendations (
  date              DATE          NOT NULL,
  alert_name        VARCHAR(120)  NOT NULL,
  severity          VARCHAR(16)   NOT NULL,
  alert_class       VARCHAR(16)   NULL,
  known             BOOLEAN       NOT NULL DEFAULT "true",
  fired             INT           NOT NULL DEFAULT "0",
  resolved          INT           NOT NULL DEFAULT "0",
  cluster_count     INT           NOT NULL DEFAULT "0",
  clusters          STRING        NULL,
  cluster_names     STRING        NULL,
  regions           STRING        NULL,
  noisy             BOOLEAN       NOT NULL DEFAULT "false",
  noisy_reason      VARCHAR(255)  NULL,
  flapping          BOOLEAN       NOT NULL DEFAULT "false",
  flapping_clusters STRING        NULL,
  max_refires       INT           NOT NULL DEFAULT "0",
  median_resolve_s  BIGINT        NULL,
  resolve_pairs     INT           NOT NULL DEFAULT "0",
  prev_week_fired   INT           NULL,
  fired_change      INT           NULL,
  fired_change_pct  DOUBLE        NULL,
  first_fired_at    DATETIME      NULL,
  last_fired_at     DATETIME      NULL,
  summary           STRING        NULL,
  recommendation    STRING        NULL
) PRIMARY KEY (date, alert_name)
DISTRIBUTED BY HASH (date) BUCKETS 4
PROPERTIES ("replication_num" = "3");
