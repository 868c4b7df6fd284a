-- srw_readonly: what investigate's run_sql may read (INVESTIGATE_DB_USER):
-- SELECT on the srwatch schemas and nothing else.  Never SELECT ON *.*:
-- that reads mysql.user's password hashes.  The account itself holds this
-- role as its default and no privilege of its own (the password is the
-- operator's, never in this file); scripts/testdb creates one, see
-- investigate(1):
--   CREATE USER 'investigate_ro'@'%' IDENTIFIED BY '…';
--   GRANT srw_readonly TO 'investigate_ro'@'%';
--   SET DEFAULT ROLE srw_readonly FOR 'investigate_ro'@'%';
CREATE ROLE IF NOT EXISTS srw_readonly;
GRANT SELECT ON alerts.* TO srw_readonly;
GRANT SELECT ON metrics.* TO srw_readonly;
GRANT SELECT ON ops.* TO srw_readonly;
GRANT SELECT ON agent.* TO srw_readonly;
