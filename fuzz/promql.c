/* fuzz/promql.c - lib/promql.c, the PromQL subset evaluate compiles rule
 * expressions with.  Input: expressions, one per line, compiled into one
 * shared program and evaluated at a few instants over a small store
 * (a counter with a reset, a gauge, histogram buckets, a NaN). */
#include <stdlib.h>
#include <string.h>

#include "srw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static srw_store *
store(void)
{
	static const char *les[] = { "0.1", "1", "10", "+Inf" };
	srw_store *st = srw_store_new();
	srw_point_label a[] = { { "cluster_id", "c-1" }, { "instance", "be1:8040" } };
	srw_point_label b[] = { { "cluster_id", "c-2" }, { "instance", "be2:8040" } };
	int64_t t0 = 1773151200000LL;
	int i, k;

	for (i = 0; i < 40; i++) {
		int64_t ts = t0 + i * 15000LL;

		srw_store_add(st, "req_total", a, 2, NULL, ts, i < 20 ? i * 10 : (i - 20) * 3, 0);
		srw_store_add(st, "req_total", b, 2, NULL, ts, i * 7, 0);
		srw_store_add(st, "mem_bytes", a, 2, NULL, ts, 1e9 + i * 1e6, 0);
		srw_store_add(st, "mem_bytes", b, 2, NULL, ts, i == 17 ? 0.0 / 0.0 : 5e8, 0);
		for (k = 0; k < 4; k++)
			srw_store_add(st, "lat_seconds_bucket", a, 2, les[k], ts, (k + 1) * i, 0);
		srw_store_add(st, "up", b, 1, NULL, ts, i % 5 != 0, i == 39 ? 30000 : 0);
	}
	return st;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static srw_store *st;
	char *text, *line, *save = NULL, err[256];
	int ids[16], nid = 0, i, k;
	srw_pq *pq;
	srw_buf b;

	if (size > 8192)
		return 0;
	if (!st)
		st = store();
	text = srw_xstrndup((const char *)data, size);
	pq = srw_pq_new();
	for (line = strtok_r(text, "\n", &save); line && nid < 16;
	    line = strtok_r(NULL, "\n", &save)) {
		int id = srw_pq_compile(pq, line, err, sizeof err);

		if (id >= 0) {
			srw_pq_use(pq, id);
			ids[nid++] = id;
		}
	}
	srw_buf_init(&b);
	for (i = 0; i < nid; i++)
		srw_pq_explain(pq, ids[i], true, &b);
	sink += b.len + (size_t)srw_pq_horizon(pq);
	for (k = 0; k < 3; k++) {
		srw_pq_begin(pq, st, 1773151200000LL + k * 290000LL);
		for (i = 0; i < nid; i++) {
			srw_sample *s;
			size_t n = srw_pq_eval(pq, ids[i], &s), j;

			for (j = 0; j < n; j++)
				sink += (size_t)(s[j].v == s[j].v) +
				    (s[j].ls ? s[j].ls->n : 0);
		}
	}
	srw_buf_free(&b);
	srw_pq_free(pq);
	free(text);
	return 0;
}
