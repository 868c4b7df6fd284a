-- ops.issue_events: see sql/mariadb/ops.issue_events.sql.
CREATE TABLE IF NOT EXISTS ops.issue_events (
  issue_id    VARCHAR(40)  NOT NULL,
  `at`        DATETIME     NOT NULL,
  field       VARCHAR(16)  NOT NULL,
  to_status   VARCHAR(32)  NOT NULL,
  from_status VARCHAR(32)  NOT NULL,
  who         VARCHAR(128) NOT NULL,
  note        STRING       NULL
) PRIMARY KEY (issue_id, `at`, field, to_status)
DISTRIBUTED BY HASH (issue_id) BUCKETS 4
PROPERTIES ("replication_num" = "3");
