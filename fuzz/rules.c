/* fuzz/rules.c - lib/rules.c, the Prometheus (and numbat) rule file loader
 * over libyaml, and the annotation templates it expands when an alert
 * fires.  Input: a rule file.  Every rule that loads is compiled into a
 * program, and its annotations and labels are expanded as a firing alert
 * would expand them. */
#include <stdlib.h>
#include <string.h>

#include "srw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static void
expand(char **kv, size_t n, const srw_lset *ls)
{
	char err[256];
	srw_buf b;
	size_t i;

	srw_buf_init(&b);
	for (i = 0; kv && i < n; i++) {
		srw_buf_reset(&b);
		if (srw_template(&b, kv[2 * i + 1], ls, 1234.5678, err, sizeof err) == 0)
			sink += b.len;
		else
			sink += strlen(err);
	}
	srw_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static srw_store *st;
	static const srw_lset *ls;
	static srw_pq *lpq;
	srw_ruleset rs = { 0 };
	char err[512];
	size_t g, r;

	if (size > 16384)
		return 0;
	if (!st) {
		/* a label set to expand $labels.x against */
		srw_point_label l[] = { { "cluster_id", "c-1" }, { "instance", "be1:8040" } };
		srw_sample *s;
		int id;

		lpq = srw_pq_new();
		st = srw_store_new();
		srw_store_add(st, "up", l, 2, NULL, 1773151200000LL, 1, 0);
		id = srw_pq_compile(lpq, "up", err, sizeof err);
		srw_pq_begin(lpq, st, 1773151200000LL);
		if (id >= 0 && srw_pq_eval(lpq, id, &s) == 1)
			ls = s[0].ls;	/* in the store or lpq's arena; both live on */
	}
	if (srw_rules_load_mem(&rs, "fuzz.yml", (const char *)data, size, 60000,
	    err, sizeof err) == 0) {
		srw_pq *pq = srw_pq_new();

		if (srw_rules_compile(&rs, pq, err, sizeof err) == 0)
			sink += 1;
		for (g = 0; g < rs.ngroups; g++)
			for (r = 0; r < rs.groups[g].nrules; r++) {
				srw_rule *ru = &rs.groups[g].rules[r];

				expand(ru->annot_kv, ru->nannots, ls);
				expand(ru->label_kv, ru->nlabels, ls);
			}
		srw_pq_free(pq);
	}
	srw_ruleset_free(&rs);
	return 0;
}
