-- agent.memory: the root cause of every investigation, per cluster, so the
-- next investigation of the cluster sees what was found before.
CREATE TABLE IF NOT EXISTS agent.memory (
  task_id       VARCHAR(64)  NOT NULL,
  cluster_id    VARCHAR(64)  NOT NULL,
  created_at    DATETIME     NOT NULL,
  severity      VARCHAR(16)  NOT NULL DEFAULT "",
  confidence    DOUBLE       NULL,
  root_cause    STRING         NULL,
  model         VARCHAR(128) NOT NULL DEFAULT ""
) PRIMARY KEY (task_id)
DISTRIBUTED BY HASH (task_id) BUCKETS 4
PROPERTIES ("replication_num" = "3");
