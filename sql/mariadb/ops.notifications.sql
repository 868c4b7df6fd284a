-- ops.notifications: notify's log, one row per delivery attempt (attempt 1,
-- 2, ... per event, across runs: an event waiting in the outbox goes on
-- counting).  claim_key is hex SHA-256 of destination, fingerprint, event
-- status, the alert's startsAt and the resend slot: the first attempt's
-- row, inserted before anything is sent, is the claim that makes two
-- notify instances sharing this table send an event once (the second
-- insert fails on the primary key).  Read by `notify log --db` and by
-- notify at start (the dedup window, events already delivered).
CREATE TABLE IF NOT EXISTS ops.notifications (
  claim_key     CHAR(64)     NOT NULL,
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
  error         VARCHAR(512) NULL,
  PRIMARY KEY (claim_key, attempt),
  KEY notifications_fingerprint (fingerprint),
  KEY notifications_attempted_at (attempted_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
