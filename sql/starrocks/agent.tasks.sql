-- agent.tasks: what sentinel decided deserves a look (one task per cluster
-- per run); read back by sentinel for the 4-hour cooldown and by investigate.
-- triggers is a JSON array of trigger names.
CREATE TABLE IF NOT EXISTS agent.tasks (
  task_id       VARCHAR(64)  NOT NULL,
  cluster_id    VARCHAR(64)  NOT NULL,
  created_at    DATETIME     NOT NULL,
  priority      INT          NOT NULL,
  triggers      STRING         NULL,
  reason        STRING         NULL,
  cluster_name  VARCHAR(255) NOT NULL DEFAULT "",
  account_name  VARCHAR(255) NOT NULL DEFAULT "",
  tier          VARCHAR(8)   NOT NULL DEFAULT "B",
  risk_level    VARCHAR(16)  NOT NULL DEFAULT "",
  score         DOUBLE       NULL,
  prev_score    DOUBLE       NULL,
  snapshot_at   DATETIME     NULL,
  firing_alerts INT          NOT NULL DEFAULT "0",
  status        VARCHAR(16)  NOT NULL DEFAULT "pending"
) PRIMARY KEY (task_id)
DISTRIBUTED BY HASH (task_id) BUCKETS 4
PROPERTIES ("replication_num" = "3");
