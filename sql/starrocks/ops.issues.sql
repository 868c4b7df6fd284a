-- ops.issues: see sql/mariadb/ops.issues.sql.
CREATE TABLE IF NOT EXISTS ops.issues (
  issue_id           VARCHAR(40)   NOT NULL,
  cluster_id         VARCHAR(256)  NOT NULL,
  cluster_name       VARCHAR(512)  NOT NULL DEFAULT "",
  kind               VARCHAR(16)   NOT NULL,
  alert_names        VARCHAR(4096) NOT NULL DEFAULT "",
  first_seen         DATETIME      NOT NULL,
  last_seen          DATETIME      NOT NULL,
  alert_count        INT           NOT NULL DEFAULT "0",
  message_ids        VARCHAR(1048576) NULL,
  correlation_group  VARCHAR(40)   NOT NULL DEFAULT "",
  severity           VARCHAR(16)   NOT NULL DEFAULT "Warning",
  escalated          BOOLEAN       NOT NULL DEFAULT "false",
  issue_status       VARCHAR(16)   NOT NULL DEFAULT "Ongoing",
  resolved_at        DATETIME      NULL,
  resolve_reason     VARCHAR(1024) NULL,
  triage_status      VARCHAR(32)   NOT NULL DEFAULT "New",
  disposition_status VARCHAR(32)   NOT NULL DEFAULT "New",
  jira_key           VARCHAR(64)   NULL
) PRIMARY KEY (issue_id)
DISTRIBUTED BY HASH (issue_id) BUCKETS 8
PROPERTIES ("replication_num" = "3");
