-- alerts.lark_alerts: one row per alert card status group (Lark) or per
-- Alertmanager alert (webhookd).  Fields of several sections are '|'-joined.
CREATE TABLE IF NOT EXISTS alerts.lark_alerts (
  message_id    VARCHAR(128)  NOT NULL,
  created_at    DATETIME      NOT NULL,
  cluster_name  VARCHAR(1024) NOT NULL DEFAULT '',
  region        VARCHAR(512)  NOT NULL DEFAULT '',
  account_name  VARCHAR(1024) NOT NULL DEFAULT '',
  cluster_id    VARCHAR(1024) NOT NULL DEFAULT '',
  alert_status  VARCHAR(32)   NOT NULL DEFAULT '',
  alert_name    VARCHAR(1024) NOT NULL DEFAULT '',
  alert_detail  TEXT          NULL,
  dashboard_url TEXT          NULL,
  silence_url   TEXT          NULL,
  source        VARCHAR(32)   NOT NULL DEFAULT 'lark',
  PRIMARY KEY (message_id),
  KEY idx_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
