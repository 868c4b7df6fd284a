-- The databases of srwatch (StarRocks 3.x, production).
-- Replication: the tables use replication_num = 3; for a single-BE test
-- cluster load them through `sed 's/"replication_num" = "3"/"replication_num" = "1"/'`.
CREATE DATABASE IF NOT EXISTS alerts;
CREATE DATABASE IF NOT EXISTS metrics;
CREATE DATABASE IF NOT EXISTS ops;
CREATE DATABASE IF NOT EXISTS agent;
