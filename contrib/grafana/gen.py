#!/usr/bin/env python3
"""gen.py - writes srwatch-fleet.json and srwatch-cluster.json, the Grafana
dashboards over srwatch's tables through Grafana's MySQL data source (which
speaks to StarRocks' FE and to MariaDB alike).  Edit here, then run
./gen.py; the JSON files are what Grafana imports.  The SQL keeps to what
both StarRocks 3.x and MariaDB accept; times are stored in UTC."""
import json
import os

DS = {"type": "mysql", "uid": "${datasource}"}
CLUSTER_LINK = "/d/srwatch-cluster/srwatch-cluster?var-cluster_id=${__value.raw}&${__url_time_range}"
RISK_STEPS = [
    {"color": "red", "value": None},
    {"color": "orange", "value": 50},
    {"color": "green", "value": 80},
]
RISK_MAP = [{"type": "value", "options": {
    "Critical": {"color": "red", "index": 0},
    "Warning": {"color": "orange", "index": 1},
    "Healthy": {"color": "green", "index": 2},
    "Unknown": {"color": "text", "index": 3}}}]
# a row of lark_alerts joins several sections' cluster ids with '|'
ALERT_OF_CLUSTER = "CONCAT('|', cluster_id, '|') LIKE CONCAT('%|', '$cluster_id', '|%')"

_id = [0]


def target(sql, fmt="table", ref="A"):
    return {"datasource": DS, "refId": ref, "format": fmt, "rawQuery": True,
            "editorMode": "code", "rawSql": " ".join(sql.split())}


def panel(kind, title, x, y, w, h, targets, desc="", **kw):
    _id[0] += 1
    p = {"id": _id[0], "type": kind, "title": title, "description": desc,
         "datasource": DS, "gridPos": {"x": x, "y": y, "w": w, "h": h},
         "targets": targets}
    p.update(kw)
    return p


def ts_panel(title, x, y, w, h, sql, unit="", minv=None, maxv=None, steps=None,
             desc="", stack=False, bars=False):
    defaults = {"unit": unit, "custom": {
        "drawStyle": "bars" if bars else "line", "lineWidth": 1,
        "fillOpacity": 60 if bars else 10, "spanNulls": False,
        "stacking": {"mode": "normal" if stack else "none", "group": "A"}}}
    if minv is not None:
        defaults["min"] = minv
    if maxv is not None:
        defaults["max"] = maxv
    if steps:
        defaults["thresholds"] = {"mode": "absolute", "steps": steps}
        defaults["custom"]["thresholdsStyle"] = {"mode": "line+area"}
    return panel("timeseries", title, x, y, w, h, [target(sql, "time_series")], desc,
                 fieldConfig={"defaults": defaults, "overrides": []},
                 options={"legend": {"displayMode": "list", "placement": "bottom"},
                          "tooltip": {"mode": "multi"}})


def table_panel(title, x, y, w, h, sql, desc="", overrides=None, sort=None):
    opts = {"showHeader": True, "cellHeight": "sm"}
    if sort:
        opts["sortBy"] = [{"displayName": sort[0], "desc": sort[1]}]
    return panel("table", title, x, y, w, h, [target(sql)], desc,
                 fieldConfig={"defaults": {"custom": {"filterable": True}},
                              "overrides": overrides or []},
                 options=opts)


def color_cell(field, mode="color-background", mappings=None, steps=None):
    props = [{"id": "custom.cellOptions", "value": {"type": mode}}]
    if mappings:
        props.append({"id": "mappings", "value": mappings})
    if steps:
        props.append({"id": "thresholds", "value": {"mode": "absolute", "steps": steps}})
        props.append({"id": "color", "value": {"mode": "thresholds"}})
    return {"matcher": {"id": "byName", "options": field}, "properties": props}


def link_cell(field, url, title):
    return {"matcher": {"id": "byName", "options": field}, "properties": [
        {"id": "links", "value": [{"title": title, "url": url}]}]}


def ds_var():
    return {"name": "datasource", "label": "Data source", "type": "datasource",
            "query": "mysql", "current": {}, "hide": 0, "refresh": 1,
            "options": [], "regex": ""}


def dashboard(uid, title, desc, panels, variables, links):
    return {
        "__inputs": [], "uid": uid, "title": title, "description": desc,
        "tags": ["srwatch", "starrocks"], "timezone": "utc", "editable": True,
        "graphTooltip": 1, "schemaVersion": 39, "version": 1, "refresh": "5m",
        "time": {"from": "now-7d", "to": "now"},
        "timepicker": {"refresh_intervals": ["1m", "5m", "15m", "1h"]},
        "templating": {"list": variables}, "annotations": {"list": []},
        "links": links, "panels": panels,
    }


LATEST_SCORES = """
SELECT s.cluster_id, s.score, s.risk_level, s.tier, s.metric_score, s.alert_score,
       s.critical_alerts, s.warning_alerts, s.top_factors, s.scored_at
FROM ops.cluster_health_scores s
JOIN (SELECT cluster_id, MAX(scored_at) AS m FROM ops.cluster_health_scores
      WHERE $__timeFilter(scored_at) GROUP BY cluster_id) l
  ON s.cluster_id = l.cluster_id AND s.scored_at = l.m
ORDER BY s.score IS NULL, s.score ASC, s.cluster_id
"""


def fleet():
    _id[0] = 0
    p = []
    for i, (risk, color) in enumerate([("Critical", "red"), ("Warning", "orange"),
                                       ("Healthy", "green"), ("Unknown", "text")]):
        p.append(panel("stat", risk + " clusters", 6 * i, 0, 6, 4, [target("""
            SELECT COUNT(*) AS clusters FROM ops.cluster_health_scores s
            JOIN (SELECT cluster_id, MAX(scored_at) AS m FROM ops.cluster_health_scores
                  WHERE $__timeFilter(scored_at) GROUP BY cluster_id) l
              ON s.cluster_id = l.cluster_id AND s.scored_at = l.m
            WHERE s.risk_level = '%s'""" % risk)],
            "Clusters whose latest score in the time range is %s (score(1): "
            "Healthy >= 80, Warning >= 50, Critical below, Unknown without data)." % risk,
            fieldConfig={"defaults": {"color": {"mode": "fixed", "fixedColor": color}},
                         "overrides": []},
            options={"colorMode": "background", "graphMode": "none",
                     "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}}))
    p.append(table_panel("Clusters by risk (latest score)", 0, 4, 24, 10, LATEST_SCORES,
        "One row per cluster, worst first. The cluster id opens its dashboard.",
        [link_cell("cluster_id", CLUSTER_LINK, "srwatch cluster"),
         color_cell("score", steps=RISK_STEPS),
         color_cell("risk_level", "color-text", RISK_MAP)],
        sort=("score", False)))
    p.append(ts_panel("Fleet score (min, average)", 0, 14, 12, 8, """
        SELECT $__timeGroupAlias(scored_at, 1h), MIN(score) AS min_score, AVG(score) AS avg_score
        FROM ops.cluster_health_scores
        WHERE $__timeFilter(scored_at) AND score IS NOT NULL
        GROUP BY 1 ORDER BY 1""", minv=0, maxv=100, steps=RISK_STEPS))
    p.append(ts_panel("Clusters per risk level", 12, 14, 12, 8, """
        SELECT $__timeGroupAlias(snapshot_at, 1h), risk_level AS metric,
               COUNT(DISTINCT cluster_id) AS clusters
        FROM ops.cluster_risk_snapshots
        WHERE $__timeFilter(snapshot_at)
        GROUP BY 1, 2 ORDER BY 1""", stack=True, bars=True,
        desc="From ops.cluster_risk_snapshots, the table sentinel compares."))
    p.append(ts_panel("Alerts received per hour", 0, 22, 12, 8, """
        SELECT $__timeGroupAlias(created_at, 1h), CONCAT(alert_status, ' (', source, ')') AS metric,
               COUNT(*) AS alert_rows
        FROM alerts.lark_alerts
        WHERE $__timeFilter(created_at)
        GROUP BY 1, 2 ORDER BY 1""", stack=True, bars=True,
        desc="Rows of alerts.lark_alerts (a Lark card row can hold several sections)."))
    p.append(panel("barchart", "Noisiest alerts", 12, 22, 12, 8, [target("""
        SELECT alert_name, COUNT(*) AS firing_rows
        FROM alerts.lark_alerts
        WHERE $__timeFilter(created_at) AND alert_status = 'Firing'
        GROUP BY alert_name ORDER BY firing_rows DESC LIMIT 15""")],
        "Firing rows by alert_name (joined names count as one combination).",
        options={"orientation": "horizontal", "xField": "alert_name",
                 "legend": {"showLegend": False}},
        fieldConfig={"defaults": {}, "overrides": []}))
    p.append(table_panel("Open issues", 0, 30, 24, 10, """
        SELECT issue_id, cluster_id, cluster_name, kind, severity, alert_names, alert_count,
               first_seen, last_seen, escalated, triage_status, disposition_status, jira_key
        FROM ops.issues
        WHERE issue_status = 'Ongoing'
        ORDER BY CASE severity WHEN 'Critical' THEN 0 WHEN 'Warning' THEN 1 ELSE 2 END, last_seen DESC
        LIMIT 500""", "ops.issues still Ongoing (group-issues(1)), most severe first.",
        [link_cell("cluster_id", CLUSTER_LINK, "srwatch cluster"),
         color_cell("severity", "color-text", [{"type": "value", "options": {
             "Critical": {"color": "red", "index": 0},
             "Warning": {"color": "orange", "index": 1},
             "Info": {"color": "blue", "index": 2}}}])]))
    p.append(ts_panel("Issues opened and resolved per day", 0, 40, 24, 7, """
        SELECT $__timeGroupAlias(first_seen, 1d), 'opened' AS metric, COUNT(*) AS issues
        FROM ops.issues WHERE $__timeFilter(first_seen) GROUP BY 1, 2
        UNION ALL
        SELECT $__timeGroupAlias(resolved_at, 1d), 'resolved' AS metric, COUNT(*) AS issues
        FROM ops.issues WHERE resolved_at IS NOT NULL AND $__timeFilter(resolved_at) GROUP BY 1, 2
        ORDER BY 1""", bars=True))
    return dashboard("srwatch-fleet", "srwatch fleet",
                     "Every StarRocks cluster srwatch scores: risk, alerts, open issues.",
                     p, [ds_var()],
                     [{"title": "Cluster", "type": "dashboards", "tags": ["srwatch"],
                       "asDropdown": True, "keepTime": True, "includeVars": False}])


def cluster():
    _id[0] = 0
    p = []
    latest = """
        SELECT %s FROM ops.cluster_health_scores
        WHERE cluster_id = '$cluster_id' AND $__timeFilter(scored_at)
        ORDER BY scored_at DESC LIMIT 1"""
    p.append(panel("stat", "Score", 0, 0, 4, 5, [target(latest % "score")],
        "Latest health score (0-100) in the time range.",
        fieldConfig={"defaults": {"min": 0, "max": 100, "decimals": 1,
                                  "thresholds": {"mode": "absolute", "steps": RISK_STEPS},
                                  "color": {"mode": "thresholds"}}, "overrides": []},
        options={"colorMode": "background", "graphMode": "none",
                 "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}}))
    p.append(panel("stat", "Risk", 4, 0, 4, 5, [target(latest % "risk_level, tier")], "",
        fieldConfig={"defaults": {"mappings": RISK_MAP}, "overrides": []},
        options={"colorMode": "value", "graphMode": "none", "textMode": "value_and_name",
                 "reduceOptions": {"calcs": ["lastNotNull"], "fields": "/.*/", "values": False}}))
    p.append(table_panel("Top factors (latest)", 8, 0, 16, 5,
        latest % "scored_at, hour, top_factors, critical_alerts, warning_alerts, info_alerts",
        "What costs the score most, from score(1)."))
    p.append(ts_panel("Score and its parts", 0, 5, 24, 8, """
        SELECT scored_at AS time, score, metric_score, alert_score, tier_score
        FROM ops.cluster_health_scores
        WHERE cluster_id = '$cluster_id' AND $__timeFilter(scored_at)
        ORDER BY scored_at""", minv=0, maxv=100, steps=RISK_STEPS,
        desc="score = 0.60 metric (after the trend penalty) + 0.25 alerts + 0.15 tier."))
    p.append(ts_panel("Dimension sub-scores", 0, 13, 12, 8, """
        SELECT scored_at AS time, cpu_score AS cpu, heap_score AS heap, disk_score AS disk,
               compaction_score AS compaction, latency_score AS latency, errors_score AS errors
        FROM ops.cluster_health_scores
        WHERE cluster_id = '$cluster_id' AND $__timeFilter(scored_at)
        ORDER BY scored_at""", minv=0, maxv=100))
    p.append(ts_panel("Utilisation (%)", 12, 13, 12, 8, """
        SELECT scored_at AS time, cpu_value AS cpu, heap_value AS heap, disk_value AS disk
        FROM ops.cluster_health_scores
        WHERE cluster_id = '$cluster_id' AND $__timeFilter(scored_at)
        ORDER BY scored_at""", unit="percent", minv=0, maxv=100))
    p.append(ts_panel("p99 latency", 0, 21, 8, 7, """
        SELECT scored_at AS time, latency_value AS p99_ms
        FROM ops.cluster_health_scores
        WHERE cluster_id = '$cluster_id' AND $__timeFilter(scored_at)
        ORDER BY scored_at""", unit="ms"))
    p.append(ts_panel("Compaction score and errors", 8, 21, 8, 7, """
        SELECT scored_at AS time, compaction_value AS compaction, errors_value AS errors
        FROM ops.cluster_health_scores
        WHERE cluster_id = '$cluster_id' AND $__timeFilter(scored_at)
        ORDER BY scored_at"""))
    p.append(ts_panel("Risk snapshots", 16, 21, 8, 7, """
        SELECT snapshot_at AS time, score AS snapshot_score, critical_alerts, warning_alerts
        FROM ops.cluster_risk_snapshots
        WHERE cluster_id = '$cluster_id' AND $__timeFilter(snapshot_at)
        ORDER BY snapshot_at""", desc="What sentinel compares run to run."))
    p.append(ts_panel("Alerts per hour", 0, 28, 24, 7, """
        SELECT $__timeGroupAlias(created_at, 1h), alert_status AS metric, COUNT(*) AS alert_rows
        FROM alerts.lark_alerts
        WHERE $__timeFilter(created_at) AND """ + ALERT_OF_CLUSTER + """
        GROUP BY 1, 2 ORDER BY 1""", stack=True, bars=True))
    p.append(table_panel("Alerts", 0, 35, 24, 10, """
        SELECT created_at, alert_status, alert_name, cluster_name, region, source,
               alert_detail, dashboard_url, message_id
        FROM alerts.lark_alerts
        WHERE $__timeFilter(created_at) AND """ + ALERT_OF_CLUSTER + """
        ORDER BY created_at DESC LIMIT 500""", "",
        [color_cell("alert_status", "color-text", [{"type": "value", "options": {
            "Firing": {"color": "red", "index": 0},
            "Resolved": {"color": "green", "index": 1}}}]),
         link_cell("dashboard_url", "${__value.raw}", "open")]))
    p.append(table_panel("Issues", 0, 45, 24, 9, """
        SELECT issue_id, kind, severity, issue_status, alert_names, alert_count,
               first_seen, last_seen, resolved_at, resolve_reason, triage_status,
               disposition_status, jira_key
        FROM ops.issues
        WHERE cluster_id = '$cluster_id'
          AND (issue_status = 'Ongoing' OR $__timeFilter(last_seen))
        ORDER BY issue_status = 'Ongoing' DESC, last_seen DESC LIMIT 200"""))
    var = {"name": "cluster_id", "label": "Cluster", "type": "query", "datasource": DS,
           "query": "SELECT DISTINCT cluster_id FROM ops.cluster_health_scores "
                    "WHERE $__timeFilter(scored_at) ORDER BY cluster_id",
           "definition": "SELECT DISTINCT cluster_id FROM ops.cluster_health_scores",
           "refresh": 2, "sort": 1, "multi": False, "includeAll": False,
           "current": {}, "options": [], "hide": 0, "regex": ""}
    return dashboard("srwatch-cluster", "srwatch cluster",
                     "One StarRocks cluster: health score and its dimensions, alerts, issues.",
                     p, [ds_var(), var],
                     [{"title": "Fleet", "type": "link", "url": "/d/srwatch-fleet/srwatch-fleet",
                       "keepTime": True, "icon": "dashboard"}])


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    for name, d in (("srwatch-fleet.json", fleet()), ("srwatch-cluster.json", cluster())):
        with open(os.path.join(here, name), "w") as f:
            json.dump(d, f, indent=2, sort_keys=False)
            f.write("\n")
