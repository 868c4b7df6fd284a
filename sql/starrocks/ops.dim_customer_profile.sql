CREATE TABLE IF NOT EXISTS ops.dim_customer_profile (
  cluster_id    VARCHAR(64)  NOT NULL,
  cluster_name  VARCHAR(255) NOT NULL DEFAULT "",
  account_name  VARCHAR(255) NOT NULL DEFAULT "",
  tier          VARCHAR(8)   NOT NULL DEFAULT "B",
  region        VARCHAR(64)  NOT NULL DEFAULT "",
  sr_version    VARCHAR(64)  NOT NULL DEFAULT "",
  cloud         VARCHAR(32)  NOT NULL DEFAULT "",
  config        STRING       NULL,
  updated_at    DATETIME     NULL
) PRIMARY KEY (cluster_id)
DISTRIBUTED BY HASH (cluster_id) BUCKETS 4
PROPERTIES ("replication_num" = "3");
