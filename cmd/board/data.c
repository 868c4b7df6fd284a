/* data.c - the board's bounded queries, run by one poller thread every few
 * seconds; results are cached so a hundred open pages cost the database one
 * set of queries per refresh. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"
#include "board.h"

const char *const sec_names[NSEC] = { "clusters", "alerts", "issues",
	"investigations", "noisy" };

struct cache cache = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
	.refresh_ms = 5000,
};

static const char *const queries[NSEC] = {
	/* clusters by risk: the latest snapshot per cluster, worst first */
	"SELECT s.cluster_id, DATE_FORMAT(s.snapshot_at, '%Y-%m-%d %H:%i:%s') AS snapshot_at, "
	"s.score, s.risk_level, s.tier, s.top_factors, s.critical_alerts, s.warning_alerts, "
	"s.info_alerts, p.cluster_name, p.account_name, p.region "
	"FROM ops.cluster_risk_snapshots s "
	"JOIN (SELECT cluster_id, MAX(snapshot_at) AS m FROM ops.cluster_risk_snapshots "
	"GROUP BY cluster_id) l ON s.cluster_id = l.cluster_id AND s.snapshot_at = l.m "
	"LEFT JOIN ops.dim_customer_profile p ON p.cluster_id = s.cluster_id "
	"ORDER BY (s.score IS NULL), s.score ASC, s.cluster_id LIMIT 500",
	/* the most recent alert rows; firing sections are worked out below */
	"SELECT " SRW_ALERT_COLS " FROM alerts.lark_alerts "
	"ORDER BY created_at DESC, message_id DESC LIMIT 5000",
	"SELECT issue_id, cluster_id, cluster_name, kind, alert_names, severity, escalated, "
	"issue_status, triage_status, disposition_status, alert_count, "
	"DATE_FORMAT(first_seen, '%Y-%m-%d %H:%i:%s') AS first_seen, "
	"DATE_FORMAT(last_seen, '%Y-%m-%d %H:%i:%s') AS last_seen "
	"FROM ops.issues WHERE issue_status <> 'Resolved' "
	"ORDER BY escalated DESC, last_seen DESC LIMIT 200",
	"SELECT i.task_id, i.cluster_id, DATE_FORMAT(i.started_at, '%Y-%m-%d %H:%i:%s') AS started_at, "
	"i.model, i.severity, i.confidence, i.root_cause, i.recommendations "
	"FROM agent.investigations i JOIN (SELECT cluster_id, MAX(started_at) AS m "
	"FROM agent.investigations GROUP BY cluster_id) l "
	"ON i.cluster_id = l.cluster_id AND i.started_at = l.m "
	"ORDER BY i.started_at DESC LIMIT 200",
	"SELECT DATE_FORMAT(date, '%Y-%m-%d') AS date, alert_name, severity, fired, resolved, "
	"cluster_count, noisy_reason, recommendation FROM alerts.alert_recommendations "
	"WHERE noisy = 1 AND date = (SELECT MAX(date) FROM alerts.alert_recommendations) "
	"ORDER BY fired DESC, alert_name LIMIT 50",
};

static unsigned long links_dropped, last_dropped;	/* poller thread only */

struct firing {
	char *key;	/* cluster_id \x1f alert_name */
	srw_section s;	/* the latest section for the key (fields owned) */
	bool firing;
};

static char *
xdup(const char *s)
{
	return srw_xstrdup(s ? s : "");
}

/* Firing sections without a later Resolved for the same cluster and alert,
 * from rows newest first. */
static json_t *
firing_alerts(srw_res *r)
{
	json_t *items = json_array();
	struct firing *f = NULL;
	size_t nf = 0, cap = 0, i;
	char **row;

	while ((row = srw_res_next(r, NULL))) {
		srw_section *s;
		int n = srw_sections_split_cols(row, &s), k;

		for (k = 0; k < n; k++) {
			srw_buf key;
			size_t j;

			srw_buf_init(&key);
			srw_buf_adds(&key, s[k].cluster_id);
			srw_buf_addc(&key, '\x1f');
			srw_buf_adds(&key, s[k].alert_name);
			for (j = 0; j < nf && strcmp(f[j].key, key.s) != 0; j++)
				;
			if (j < nf) {	/* a newer row decided this key already */
				srw_buf_free(&key);
				continue;
			}
			if (nf == cap) {
				cap = cap ? 2 * cap : 64;
				f = srw_xrealloc(f, cap * sizeof *f);
			}
			f[nf].key = key.s;
			f[nf].firing = strcasecmp(s[k].alert_status, "Firing") == 0;
			f[nf].s = s[k];
			f[nf].s.cluster_name = xdup(s[k].cluster_name);
			f[nf].s.cluster_id = xdup(s[k].cluster_id);
			f[nf].s.alert_name = xdup(s[k].alert_name);
			f[nf].s.alert_detail = xdup(s[k].alert_detail);
			f[nf].s.dashboard_url = xdup(s[k].dashboard_url);
			f[nf].s.region = xdup(s[k].region);
			f[nf].s.source = xdup(s[k].source);
			f[nf].s.message_id = NULL;
			nf++;
		}
		srw_sections_free(s, n);
		if (nf > 2000)
			break;
	}
	for (i = 0; i < nf; i++) {
		if (f[i].firing) {
			const srw_alert_type *t = srw_alert_type_find(f[i].s.alert_name);
			json_t *o = json_object();

			json_object_set_new(o, "cluster_id", json_string(f[i].s.cluster_id));
			json_object_set_new(o, "cluster_name", json_string(f[i].s.cluster_name));
			json_object_set_new(o, "alert_name", json_string(f[i].s.alert_name));
			json_object_set_new(o, "severity",
			    json_string(srw_severity_name(t ? t->severity : SRW_SEV_UNKNOWN)));
			json_object_set_new(o, "detail", json_string(f[i].s.alert_detail));
			json_object_set_new(o, "region", json_string(f[i].s.region));
			/* rows stored before links were checked may hold others */
			if (*f[i].s.dashboard_url && !srw_link_ok(f[i].s.dashboard_url)) {
				links_dropped++;
				*f[i].s.dashboard_url = '\0';
			}
			json_object_set_new(o, "dashboard_url", json_string(f[i].s.dashboard_url));
			json_object_set_new(o, "source", json_string(f[i].s.source));
			json_object_set_new(o, "since", json_string(f[i].s.created_at));
			json_array_append_new(items, o);
		}
		free(f[i].key);
		free(f[i].s.cluster_name);
		free(f[i].s.cluster_id);
		free(f[i].s.alert_name);
		free(f[i].s.alert_detail);
		free(f[i].s.dashboard_url);
		free(f[i].s.region);
		free(f[i].s.source);
	}
	free(f);
	return items;
}

/* For people: scores to one decimal (64.4, not 64.400000000000006), the
 * factors as a list (score writes a JSON array; hand-written rows text). */
static void
clusters_for_people(json_t *items)
{
	size_t i;
	json_t *o;

	json_array_foreach(items, i, o) {
		json_t *sc = json_object_get(o, "score"), *tf = json_object_get(o, "top_factors");
		json_t *list;

		if (json_is_number(sc))
			json_object_set_new(o, "score",
			    json_real(round(json_number_value(sc) * 10) / 10));
		if (json_is_string(tf)) {
			list = json_loads(json_string_value(tf), JSON_DECODE_ANY, NULL);
			if (!json_is_array(list)) {
				json_decref(list);
				list = json_array();
				if (*json_string_value(tf))
					json_array_append(list, tf);
			}
			json_object_set_new(o, "top_factors", list);
		} else if (!json_is_array(tf)) {
			json_object_set_new(o, "top_factors", json_array());
		}
	}
}

static char *
section_json(srw_db *db, int sec)
{
	json_t *o = json_object(), *items;
	srw_res *r;
	char *s;

	if (!db) {
		json_object_set_new(o, "items", json_array());
		json_object_set_new(o, "error", json_string("database unavailable"));
	} else if (!(r = srw_db_query(db, queries[sec]))) {
		json_object_set_new(o, "items", json_array());
		json_object_set_new(o, "error", json_string(srw_db_error(db)));
	} else {
		items = sec == SEC_ALERTS ? firing_alerts(r) : srw_res_to_json(r);
		srw_res_free(r);
		if (sec == SEC_CLUSTERS)
			clusters_for_people(items);
		json_object_set_new(o, "items", items);
	}
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(15));
	json_decref(o);
	return s;
}

void
data_poll_once(srw_db **db)
{
	char *fresh[NSEC], err[256] = "";
	unsigned long dropped = links_dropped;
	int i;

	if (!*db && !(*db = srw_db_open(0, err, sizeof err)))
		srw_debug("database: %s", err);
	for (i = 0; i < NSEC; i++)
		fresh[i] = section_json(*db, i);
	/* the same old rows come back every poll: say it when it changes */
	if (links_dropped - dropped != last_dropped)
		srw_warn("%lu alert links not shown: not http or https",
		    links_dropped - dropped);
	last_dropped = links_dropped - dropped;
	if (*db && srw_db_errno(*db) && srw_db_errno_transient(srw_db_errno(*db))) {
		snprintf(err, sizeof err, "%s", srw_db_error(*db));
		srw_db_close(*db);
		*db = NULL;
	}
	pthread_mutex_lock(&cache.mu);
	cache.db_ok = *db != NULL;
	snprintf(cache.db_err, sizeof cache.db_err, "%s", err);
	cache.polled_ms = srw_now_ms();
	for (i = 0; i < NSEC; i++) {
		if (cache.json[i] && strcmp(cache.json[i], fresh[i]) == 0) {
			free(fresh[i]);
			continue;
		}
		free(cache.json[i]);
		cache.json[i] = fresh[i];
		cache.seq[i]++;
	}
	pthread_cond_broadcast(&cache.cv);
	pthread_mutex_unlock(&cache.mu);
}

void *
data_poller(void *arg)
{
	srw_db *db = arg;

	for (;;) {
		struct timespec ts;
		int64_t due;

		pthread_mutex_lock(&cache.mu);
		due = srw_now_ms() + cache.refresh_ms;
		ts.tv_sec = due / 1000;
		ts.tv_nsec = (due % 1000) * 1000000L;
		while (!cache.quit && srw_now_ms() < due)
			pthread_cond_timedwait(&cache.cv, &cache.mu, &ts);
		if (cache.quit) {
			pthread_mutex_unlock(&cache.mu);
			break;
		}
		pthread_mutex_unlock(&cache.mu);
		data_poll_once(&db);
	}
	srw_db_close(db);
	return NULL;
}
