-- alerts.alert_sections: one row per alert section of alerts.lark_alerts (a
-- Lark card row joins its sections' fields with '|'), keyed so that a
-- cluster's alerts in a time window are one index range: investigate's
-- query_cluster_alerts reads it instead of scanning lark_alerts with LIKE.
-- Kept by alert-sections(1), run after each writer of lark_alerts.
-- section_id: the first 32 hex digits of SHA-256(message_id "#" index),
-- short enough for StarRocks' 128-byte primary key.
CREATE TABLE IF NOT EXISTS alerts.alert_sections (
  cluster_id    VARCHAR(64)   NOT NULL,
  created_at    DATETIME      NOT NULL,
  section_id    VARCHAR(32)   NOT NULL,
  message_id    VARCHAR(128)  NOT NULL,
  section       INT           NOT NULL DEFAULT 0,
  cluster_name  VARCHAR(255)  NOT NULL DEFAULT '',
  region        VARCHAR(64)   NOT NULL DEFAULT '',
  account_name  VARCHAR(255)  NOT NULL DEFAULT '',
  alert_status  VARCHAR(32)   NOT NULL DEFAULT '',
  alert_name    VARCHAR(255)  NOT NULL DEFAULT '',
  alert_detail  TEXT          NULL,
  source        VARCHAR(32)   NOT NULL DEFAULT 'lark',
  PRIMARY KEY (cluster_id, created_at, section_id),
  KEY idx_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
