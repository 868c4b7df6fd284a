-- agent.knowledge: the Knowledge Lake. kind: runbook, oncall_log, known_bug,
-- guideline, resolution.  doc_id is derived from the source path, so
-- reloading a directory replaces its documents.
CREATE TABLE IF NOT EXISTS agent.knowledge (
  doc_id      VARCHAR(128) NOT NULL,
  kind        VARCHAR(32)  NOT NULL DEFAULT 'runbook',
  title       VARCHAR(512) NOT NULL DEFAULT '',
  sr_version  VARCHAR(64)  NOT NULL DEFAULT '',
  alert_name  VARCHAR(128) NOT NULL DEFAULT '',
  body        MEDIUMTEXT   NULL,
  source      VARCHAR(512) NOT NULL DEFAULT '',
  updated_at  DATETIME     NULL,
  PRIMARY KEY (doc_id),
  KEY idx_kind (kind)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
