-- ops.notifications: notify's log, one row per delivery attempt (see
-- sql/mariadb/).  Key: 64 + 4 bytes encoded, under StarRocks's 128.  A
-- PRIMARY KEY table upserts, so the claim cannot fail on a duplicate here:
-- notify writes its first-attempt row and reads it back, and sends only if
-- its own instance name is there (see notify(1): two instances racing
-- within milliseconds may both send).
CREATE TABLE IF NOT EXISTS ops.notifications (
  claim_key     VARCHAR(64)  NOT NULL,
  attempt       INT          NOT NULL,
  fingerprint   VARCHAR(128) NOT NULL,
  kind          VARCHAR(32)  NULL,
  destination   VARCHAR(32)  NOT NULL,
  event_status  VARCHAR(16)  NOT NULL,
  status        VARCHAR(16)  NOT NULL,
  http_status   INT          NULL,
  attempted_at  DATETIME     NOT NULL,
  triggered_by  VARCHAR(255) NULL,
  instance      VARCHAR(128) NULL,
  error         VARCHAR(512) NULL
) PRIMARY KEY (claim_key, attempt)
DISTRIBUTED BY HASH (claim_key) BUCKETS 1
PROPERTIES ("replication_num" = "3");
