CREATE TABLE IF NOT EXISTS alerts.lark_alerts (
  message_id    VARCHAR(128)  NOT NULL,
  created_at    DATETIME      NOT NULL,
  cluster_name  VARCHAR(4096) NOT NULL DEFAULT "",
  region        VARCHAR(2048) NOT NULL DEFAULT "",
  account_name  VARCHAR(4096) NOT NULL DEFAULT "",
  cluster_id    VARCHAR(4096) NOT NULL DEFAULT "",
  alert_status  VARCHAR(32)   NOT NULL DEFAULT "",
  alert_name    VARCHAR(4096) NOT NULL DEFAULT "",
  alert_detail  STRING        NULL,
  dashboard_url STRING        NULL,
  silence_url   STRING        NULL,
  source        VARCHAR(32)   NOT NULL DEFAULT "lark"
) PRIMARY KEY (message_id)
DISTRIBUTED BY HASH (message_id) BUCKETS 8
PROPERTIES ("replication_num" = "3");
