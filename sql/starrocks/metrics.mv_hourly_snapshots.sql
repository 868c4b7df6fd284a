-- metrics.mv_hourly_snapshots: the hourly snapshot (the rows of
-- metrics.amv_hourly_snapshots_v1, same columns) computed inside StarRocks
-- from the raw points in metrics.metrics_table, for deployments that roll
-- up there instead of running `rollup --snapshot`.  The definitions follow
-- rollup(1): a moment is one scrape (cluster_id, ts); each moment gives one
-- value per dimension; an hour's row is avg/min/max of those and their
-- count.  Counters are compared with the node's previous scrape, and a
-- counter that went down restarted from zero (reset-aware deltas).
-- Readers that want one name can point a view at it:
--   CREATE VIEW metrics.amv_hourly_snapshots_v1_mv AS SELECT * FROM metrics.mv_hourly_snapshots;
--
-- Hours are UTC whatever the server's or the refresh task's time zone:
-- the hour is computed from the epoch milliseconds with DATE_ADD on a
-- DATETIME literal, arithmetic that no session zone enters
-- (from_unixtime() follows the session zone, the refresh task does not run
-- in the tools' UTC session, and StarRocks's default zone is not UTC).
-- t/0525-mv-snapshot.t runs this file's SELECT, as written
-- (get_json_string read as MariaDB's JSON_VALUE), on the demo's raw points
-- under a +05:30 session zone and finds `rollup --snapshot`'s rows.
--
-- Not partitioned, so each refresh recomputes from the whole raw table.
-- StarRocks cannot refresh this definition by partition: a partitioned
-- MV needs a partitioned base table whose partition column it carries
-- (metrics_table's time is a BIGINT ts and its hourly rows do not carry
-- it), and its window functions must be partitioned by that column, which
-- would cut every counter's LAG at each partition boundary.  Keep the raw
-- table's retention short (or run `rollup --snapshot`, which keeps state
-- across hours) where this grows too costly.
CREATE MATERIALIZED VIEW IF NOT EXISTS metrics.mv_hourly_snapshots
DISTRIBUTED BY HASH (cluster_id) BUCKETS 8
REFRESH ASYNC EVERY (INTERVAL 1 HOUR)
PROPERTIES ("replication_num" = "3")
AS
SELECT cluster_id, metric,
       DATE_ADD(CAST('1970-01-01 00:00:00' AS DATETIME), INTERVAL floor(ts / 3600000) HOUR) AS hour,
       AVG(v) AS avg_value, MIN(v) AS min_value, MAX(v) AS max_value,
       COUNT(*) AS samples
FROM (
  -- CPU: 100 * (1 - delta idle / delta all) per BE, averaged over BEs
  SELECT cluster_id, ts, 'starrocks_be_cpu_util_percent' AS metric,
         AVG(100 * (1 - d_idle / d_all)) AS v
  FROM (
    SELECT cluster_id, inst, ts,
           IF(idle >= p_idle, idle - p_idle, idle) AS d_idle,
           IF(allv >= p_all, allv - p_all, allv) AS d_all
    FROM (
      SELECT cluster_id, inst, ts, idle, allv,
             LAG(idle) OVER (PARTITION BY cluster_id, inst ORDER BY ts) AS p_idle,
             LAG(allv) OVER (PARTITION BY cluster_id, inst ORDER BY ts) AS p_all
      FROM (
        SELECT get_json_string(labels, '$.cluster_id') AS cluster_id,
               IFNULL(get_json_string(labels, '$.instance'), '') AS inst, ts,
               SUM(IF(get_json_string(labels, '$.mode') = 'idle', value, 0)) AS idle,
               SUM(value) AS allv
        FROM metrics.metrics_table WHERE name = 'starrocks_be_cpu'
        GROUP BY 1, 2, 3
      ) c
    ) c2 WHERE p_all IS NOT NULL
  ) c3 WHERE d_all > 0 AND d_idle <= d_all
  GROUP BY cluster_id, ts

  UNION ALL
  -- heap: 100 * used / max, max over FEs
  SELECT cluster_id, ts, 'starrocks_be_jvm_heap_used_percent',
         MAX(100 * used / mx)
  FROM (
    SELECT get_json_string(labels, '$.cluster_id') AS cluster_id,
           IFNULL(get_json_string(labels, '$.instance'), '') AS inst, ts,
           MAX(IF(get_json_string(labels, '$.type') = 'used', value, NULL)) AS used,
           MAX(IF(get_json_string(labels, '$.type') = 'max', value, NULL)) AS mx
    FROM metrics.metrics_table WHERE name = 'jvm_heap_size_bytes'
    GROUP BY 1, 2, 3
  ) h WHERE used IS NOT NULL AND mx > 0
  GROUP BY cluster_id, ts

  UNION ALL
  -- disk: 100 * (total - avail) / total, max over BE paths
  SELECT cluster_id, ts, 'starrocks_be_disks_data_used_pct',
         MAX(100 * (total - avail) / total)
  FROM (
    SELECT get_json_string(labels, '$.cluster_id') AS cluster_id,
           IFNULL(get_json_string(labels, '$.instance'), '') AS inst,
           get_json_string(labels, '$.path') AS path, ts,
           MAX(IF(name = 'starrocks_be_disks_total_capacity', value, NULL)) AS total,
           MAX(IF(name = 'starrocks_be_disks_avail_capacity', value, NULL)) AS avail
    FROM metrics.metrics_table
    WHERE name IN ('starrocks_be_disks_total_capacity', 'starrocks_be_disks_avail_capacity')
    GROUP BY 1, 2, 3, 4
  ) d WHERE total > 0 AND avail IS NOT NULL
  GROUP BY cluster_id, ts

  UNION ALL
  -- compaction: the FE's max tablet score, else the BEs' cumulative max
  SELECT cluster_id, ts, 'starrocks_be_compaction_score_average',
         IFNULL(MAX(IF(name = 'starrocks_fe_max_tablet_compaction_score', value, NULL)),
                MAX(IF(name = 'starrocks_be_tablet_cumulative_max_compaction_score', value, NULL)))
  FROM (
    SELECT name, get_json_string(labels, '$.cluster_id') AS cluster_id, ts, value
    FROM metrics.metrics_table
    WHERE name IN ('starrocks_fe_max_tablet_compaction_score',
                   'starrocks_be_tablet_cumulative_max_compaction_score')
  ) k GROUP BY cluster_id, ts

  UNION ALL
  -- gauges, max over nodes: latency quantiles, BE memory, rowsets
  SELECT get_json_string(labels, '$.cluster_id'), ts,
         CASE WHEN name = 'starrocks_fe_query_latency_ms'
                   AND get_json_string(labels, '$.quantile') = '0.99'
                THEN 'starrocks_fe_query_latency_ms_p99'
              WHEN name = 'starrocks_fe_query_latency_ms'
                THEN 'starrocks_fe_query_latency_ms_p95'
              ELSE name END,
         MAX(value)
  FROM metrics.metrics_table
  WHERE (name = 'starrocks_fe_query_latency_ms'
         AND get_json_string(labels, '$.quantile') IN ('0.99', '0.95'))
     OR name IN ('starrocks_be_process_mem_bytes', 'starrocks_be_max_tablet_rowset_num')
  GROUP BY 1, 2, 3

  UNION ALL
  -- connections: summed over users and FEs
  SELECT get_json_string(labels, '$.cluster_id'), ts, 'starrocks_fe_connection_total',
         SUM(value)
  FROM metrics.metrics_table WHERE name = 'starrocks_fe_connection_total'
  GROUP BY 1, 2

  UNION ALL
  -- BE alive ratio: alive / total BEs as the most pessimistic FE sees it
  SELECT cluster_id, ts, 'starrocks_be_alive_ratio', MIN(alive / total)
  FROM (
    SELECT get_json_string(labels, '$.cluster_id') AS cluster_id,
           IFNULL(get_json_string(labels, '$.instance'), '') AS inst, ts,
           MAX(IF(get_json_string(labels, '$.state') = 'alive', value, NULL)) AS alive,
           MAX(IF(get_json_string(labels, '$.state') = 'total', value, NULL)) AS total
    FROM metrics.metrics_table
    WHERE name = 'node_info' AND get_json_string(labels, '$.type') = 'be_node_num'
    GROUP BY 1, 2, 3
  ) n WHERE total > 0 AND alive IS NOT NULL
  GROUP BY cluster_id, ts

  UNION ALL
  -- counters against the node's previous scrape: query error %, query
  -- rate (per second), failed transactions and compactions (per minute)
  SELECT cluster_id, ts, metric,
         CASE metric
           WHEN 'starrocks_fe_query_err' THEN IF(SUM(d_b) > 0, 100 * SUM(d_a) / SUM(d_b), 0)
           WHEN 'starrocks_fe_query_rate_qps' THEN SUM(d_b / (dt / 1000))
           ELSE SUM(d_a / (dt / 60000)) END
  FROM (
    SELECT cluster_id, ts, m.metric,
           IF(a >= p_a, a - p_a, a) AS d_a, IF(b >= p_b, b - p_b, b) AS d_b, ts - p_ts AS dt
    FROM (
      SELECT kind, cluster_id, inst, ts, a, b,
             LAG(a) OVER (PARTITION BY kind, cluster_id, inst ORDER BY ts) AS p_a,
             LAG(b) OVER (PARTITION BY kind, cluster_id, inst ORDER BY ts) AS p_b,
             LAG(ts) OVER (PARTITION BY kind, cluster_id, inst ORDER BY ts) AS p_ts
      FROM (
        SELECT CASE WHEN name IN ('starrocks_fe_query_err', 'starrocks_fe_query_total') THEN 'q'
                    WHEN name = 'starrocks_fe_txn_failed' THEN 't' ELSE 'c' END AS kind,
               get_json_string(labels, '$.cluster_id') AS cluster_id,
               IFNULL(get_json_string(labels, '$.instance'), '') AS inst, ts,
               SUM(IF(name = 'starrocks_fe_query_total', 0, value)) AS a,
               SUM(IF(name = 'starrocks_fe_query_total', value, 0)) AS b
        FROM metrics.metrics_table
        WHERE name IN ('starrocks_fe_query_err', 'starrocks_fe_query_total', 'starrocks_fe_txn_failed')
           OR (name = 'starrocks_be_engine_requests_total'
               AND get_json_string(labels, '$.status') = 'failed'
               AND get_json_string(labels, '$.type') LIKE '%compaction%')
        GROUP BY 1, 2, 3, 4
      ) r
    ) r2
    JOIN (SELECT 'q' AS kind, 'starrocks_fe_query_err' AS metric
          UNION ALL SELECT 'q', 'starrocks_fe_query_rate_qps'
          UNION ALL SELECT 't', 'starrocks_fe_txn_failed_per_min'
          UNION ALL SELECT 'c', 'starrocks_be_compaction_failed_per_min') m
      ON r2.kind = m.kind
    WHERE p_ts IS NOT NULL AND ts > p_ts
  ) r3
  GROUP BY cluster_id, ts, metric
) moments
WHERE cluster_id IS NOT NULL AND v IS NOT NULL
GROUP BY cluster_id, metric, DATE_ADD(CAST('1970-01-01 00:00:00' AS DATETIME), INTERVAL floor(ts / 3600000) HOUR);
