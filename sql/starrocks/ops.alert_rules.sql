-- ops.alert_rules: rules kept in the database (see sql/mariadb/).
-- rule_name VARCHAR(128): the whole 128-byte primary key.
CREATE TABLE IF NOT EXISTS ops.alert_rules (
  rule_name        VARCHAR(128) NOT NULL,
  group_name       VARCHAR(255) NOT NULL DEFAULT "db",
  kind             VARCHAR(16)  NOT NULL DEFAULT "alert",
  expr             STRING       NOT NULL,
  for_duration     VARCHAR(32)  NOT NULL DEFAULT "0s",
  keep_firing_for  VARCHAR(32)  NOT NULL DEFAULT "0s",
  labels           STRING       NULL,
  annotations      STRING       NULL,
  updated_at       DATETIME     NOT NULL
) PRIMARY KEY (rule_name)
DISTRIBUTED BY HASH (rule_name) BUCKETS 1
PROPERTIES ("replication_num" = "3");
