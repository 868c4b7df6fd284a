-- ops.alert_rules: rules kept in the database, the same fields as a rule
-- file entry; written by `evaluate rule add|rm`, read by `evaluate --db`.
-- labels and annotations are JSON objects of strings.
CREATE TABLE IF NOT EXISTS ops.alert_rules (
  rule_name        VARCHAR(128) NOT NULL,
  group_name       VARCHAR(255) NOT NULL DEFAULT 'db',
  kind             VARCHAR(16)  NOT NULL DEFAULT 'alert',
  expr             TEXT         NOT NULL,
  for_duration     VARCHAR(32)  NOT NULL DEFAULT '0s',
  keep_firing_for  VARCHAR(32)  NOT NULL DEFAULT '0s',
  labels           TEXT         NULL,
  annotations      TEXT         NULL,
  updated_at       DATETIME     NOT NULL,
  PRIMARY KEY (rule_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
