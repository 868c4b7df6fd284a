-- alerts.alert_sections: one row per alert section of alerts.lark_alerts,
-- keyed and distributed by cluster_id so that a cluster's alerts in a time
-- window are read from one tablet through the sort key's prefix index.
-- Kept by alert-sections(1), run after each writer of lark_alerts.
-- Encoded key: cluster_id (at most 64 bytes) + created_at (8) +
-- section_id (32 hex digits) stays under StarRocks' 128-byte limit.
CREATE TABLE IF NOT EXISTS alerts.alert_sections (
  cluster_id    VARCHAR(64)   NOT NULL,
  created_at    DATETIME      NOT NULL,
  section_id    VARCHAR(32)   NOT NULL,
  message_id    VARCHAR(128)  NOT NULL,
  section       INT           NOT NULL DEFAULT "0",
  cluster_name  VARCHAR(255)  NOT NULL DEFAULT "",
  region        VARCHAR(64)   NOT NULL DEFAULT "",
  account_name  VARCHAR(255)  NOT NULL DEFAULT "",
  alert_status  VARCHAR(32)   NOT NULL DEFAULT "",
  alert_name    VARCHAR(255)  NOT NULL DEFAULT "",
  alert_detail  STRING        NULL,
  source        VARCHAR(32)   NOT NULL DEFAULT "lark"
) PRIMARY KEY (cluster_id, created_at, section_id)
DISTRIBUTED BY HASH (cluster_id) BUCKETS 8
PROPERTIES ("replication_num" = "3");
