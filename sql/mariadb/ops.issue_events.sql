-- ops.issue_events: every triage or disposition change of an issue, written
-- by `group-issues triage|dispose` (field triage or disposition; who is --by
-- or $USER).
CREATE TABLE IF NOT EXISTS ops.issue_events (
  issue_id    VARCHAR(40)  NOT NULL,
  `at`        DATETIME     NOT NULL,
  field       VARCHAR(16)  NOT NULL,
  to_status   VARCHAR(32)  NOT NULL,
  from_status VARCHAR(32)  NOT NULL,
  who         VARCHAR(128) NOT NULL,
  note        TEXT         NULL,
  PRIMARY KEY (issue_id, `at`, field, to_status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
