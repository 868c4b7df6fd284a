-- agent.memory: the root cause of every investigation, per cluster, so the
-- next investigation of the cluster sees what was found before.
CREATE TABLE IF NOT EXISTS agent.memory (
  task_id       VARCHAR(64)  NOT NULL,
  cluster_id    VARCHAR(64)  NOT NULL,
  created_at    DATETIME     NOT NULL,
  severity      VARCHAR(16)  NOT NULL DEFAULT '',
  confidence    DOUBLE       NULL,
  root_cause    TEXT         NULL,
  model         VARCHAR(128) NOT NULL DEFAULT '',
  PRIMARY KEY (task_id),
  KEY idx_cluster_created (cluster_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
