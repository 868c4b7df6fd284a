-- agent.investigations: one report per task, written by investigate.
-- evidence, recommendations and tool_calls are JSON arrays.
CREATE TABLE IF NOT EXISTS agent.investigations (
  task_id         VARCHAR(64)  NOT NULL,
  cluster_id      VARCHAR(64)  NOT NULL,
  started_at      DATETIME     NOT NULL,
  duration_ms     BIGINT       NOT NULL DEFAULT "0",
  model           VARCHAR(128) NOT NULL DEFAULT "",
  severity        VARCHAR(16)  NOT NULL DEFAULT "",
  confidence      DOUBLE       NULL,
  root_cause      STRING         NULL,
  evidence        STRING   NULL,
  recommendations STRING         NULL,
  tool_calls      STRING   NULL,
  input_tokens    BIGINT       NOT NULL DEFAULT "0",
  output_tokens   BIGINT       NOT NULL DEFAULT "0",
  status          VARCHAR(16)  NOT NULL DEFAULT "done"
) PRIMARY KEY (task_id)
DISTRIBUTED BY HASH (task_id) BUCKETS 4
PROPERTIES ("replication_num" = "3");
