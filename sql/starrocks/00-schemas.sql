-- The databases of srwatch (StarRocks 3.x, production).
-- Replication: the tables use replication_num = 3; for a single-BE test
-- cluster load them through `sed 's/"replication_num" = "3"/"replication_num" = "1"/'`.
-- Primary keys: StarRocks refuses, at load time, a row whose encoded
-- primary key passes 128 bytes (primary_key_limit_size).  Key columns are
-- sized so that no value that fits them can (t/0010-sql-ddl.t: VARCHAR(n)
-- counts n bytes, +2 when another key column follows); sql/mariadb keeps
-- the same widths, so a name too long for StarRocks is refused by the
-- tests' MariaDB too.  Defaults are written DEFAULT "value", as StarRocks
-- documents them.
CREATE DATABASE IF NOT EXISTS alerts;
CREATE DATABASE IF NOT EXISTS metrics;
CREATE DATABASE IF NOT EXISTS ops;
CREATE DATABASE IF NOT EXISTS agent;
