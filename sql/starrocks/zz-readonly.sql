-- srw_readonly: what investigate's run_sql may read (INVESTIGATE_DB_USER):
-- SELECT on the tables, views and materialized views of the srwatch
-- databases, nothing else (never ON ALL DATABASES).  StarRocks has no
-- read-only session to back run_sql's guard: this role is what holds when
-- the guard is wrong.  The account holds only this role (the password is
-- the operator's, never in this file); see investigate(1):
--   CREATE USER 'investigate_ro'@'%' IDENTIFIED BY '…' DEFAULT ROLE 'srw_readonly';
--   GRANT srw_readonly TO USER 'investigate_ro'@'%';
CREATE ROLE IF NOT EXISTS srw_readonly;
GRANT SELECT ON ALL TABLES IN DATABASE alerts TO ROLE srw_readonly;
GRANT SELECT ON ALL TABLES IN DATABASE metrics TO ROLE srw_readonly;
GRANT SELECT ON ALL TABLES IN DATABASE ops TO ROLE srw_readonly;
GRANT SELECT ON ALL TABLES IN DATABASE agent TO ROLE srw_readonly;
GRANT SELECT ON ALL MATERIALIZED VIEWS IN DATABASE metrics TO ROLE srw_readonly;
GRANT SELECT ON ALL VIEWS IN DATABASE alerts TO ROLE srw_readonly;
GRANT SELECT ON ALL VIEWS IN DATABASE metrics TO ROLE srw_readonly;
GRANT SELECT ON ALL VIEWS IN DATABASE ops TO ROLE srw_readonly;
GRANT SELECT ON ALL VIEWS IN DATABASE agent TO ROLE srw_readonly;
