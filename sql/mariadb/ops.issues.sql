-- ops.issues: alert sections grouped into issues by `group-issues --write`
-- (see group-issues(1)); triage_status, disposition_status and jira_key are
-- changed by `group-issues triage|dispose`, with a row in ops.issue_events.
-- alert_names and message_ids are comma-joined lists; a message id of the
-- N-th section (N > 0) of a multi-section card is written "message_id#N".
CREATE TABLE IF NOT EXISTS ops.issues (
  issue_id           VARCHAR(40)   NOT NULL,
  cluster_id         VARCHAR(256)  NOT NULL,
  cluster_name       VARCHAR(512)  NOT NULL DEFAULT '',
  kind               VARCHAR(16)   NOT NULL,
  alert_names        VARCHAR(4096) NOT NULL DEFAULT '',
  first_seen         DATETIME      NOT NULL,
  last_seen          DATETIME      NOT NULL,
  alert_count        INT           NOT NULL DEFAULT 0,
  message_ids        MEDIUMTEXT    NULL,
  correlation_group  VARCHAR(40)   NOT NULL DEFAULT '',
  severity           VARCHAR(16)   NOT NULL DEFAULT 'Warning',
  escalated          BOOLEAN       NOT NULL DEFAULT 0,
  issue_status       VARCHAR(16)   NOT NULL DEFAULT 'Ongoing',
  resolved_at        DATETIME      NULL,
  resolve_reason     VARCHAR(1024) NULL,
  triage_status      VARCHAR(32)   NOT NULL DEFAULT 'New',
  disposition_status VARCHAR(32)   NOT NULL DEFAULT 'New',
  jira_key           VARCHAR(64)   NULL,
  PRIMARY KEY (issue_id),
  KEY idx_status (issue_status),
  KEY idx_cluster (cluster_id, last_seen)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
