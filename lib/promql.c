/* promql.c - a PromQL subset: lexer, parser, compiler into shared
 * single-function steps (the Monasca threshold-engine proposal), and an
 * evaluator over an in-memory series store on event time.
 *
 * Semantics follow Prometheus 2.x (what promtool 2.42 does): instant
 * selectors look back 5 minutes, ranges are closed [t-range, t], rate,
 * increase and delta extrapolate, comparison without bool filters, one-to-one
 * matching with on() keeps only the on() labels.  Anything outside the
 * subset is an error at compile time, never a silent wrong answer.
 *
 * This file: the program (nodes shared between rules) and its canonical
 * text; pqstore.c, pqparse.c and pqeval.c hold the rest (promql-int.h). */
#include <ctype.h>
#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srw.h"
#include "promql-int.h"

const struct fndef fns[F_VECTOR + 1] = {
	[F_RATE] = { "rate", "m", VT_VECTOR },
	[F_IRATE] = { "irate", "m", VT_VECTOR },
	[F_INCREASE] = { "increase", "m", VT_VECTOR },
	[F_DELTA] = { "delta", "m", VT_VECTOR },
	[F_IDELTA] = { "idelta", "m", VT_VECTOR },
	[F_AVG_OT] = { "avg_over_time", "m", VT_VECTOR },
	[F_MIN_OT] = { "min_over_time", "m", VT_VECTOR },
	[F_MAX_OT] = { "max_over_time", "m", VT_VECTOR },
	[F_SUM_OT] = { "sum_over_time", "m", VT_VECTOR },
	[F_COUNT_OT] = { "count_over_time", "m", VT_VECTOR },
	[F_STDDEV_OT] = { "stddev_over_time", "m", VT_VECTOR },
	[F_QUANTILE_OT] = { "quantile_over_time", "sm", VT_VECTOR },
	[F_LAST_OT] = { "last_over_time", "m", VT_VECTOR },
	[F_MAD_OT] = { "mad_over_time", "m", VT_VECTOR },
	[F_ABSENT] = { "absent", "v", VT_VECTOR },
	[F_ABSENT_OT] = { "absent_over_time", "m", VT_VECTOR },
	[F_ABS] = { "abs", "v", VT_VECTOR },
	[F_CLAMP_MIN] = { "clamp_min", "vs", VT_VECTOR },
	[F_CLAMP_MAX] = { "clamp_max", "vs", VT_VECTOR },
	[F_CLAMP] = { "clamp", "vss", VT_VECTOR },
	[F_ROUND] = { "round", "vs?", VT_VECTOR },
	[F_HQUANTILE] = { "histogram_quantile", "sv", VT_VECTOR },
	[F_TIME] = { "time", "", VT_SCALAR },
	[F_SCALAR] = { "scalar", "v", VT_SCALAR },
	[F_VECTOR] = { "vector", "s", VT_VECTOR },
};

const char *const aggnames[] = { "sum", "avg", "min", "max", "count",
	"stddev", "stdvar", "topk", "bottomk", "quantile" };
const char *const bopnames[] = { "+", "-", "*", "/", "%", "^", "==", "!=",
	">", "<", ">=", "<=", "and", "or", "unless" };


void *
pq_aalloc(srw_pq *pq, size_t sz)
{
	ablock *b = pq->arena;

	sz = (sz + 15) & ~(size_t)15;
	if (!b || b->used + sz > b->cap) {
		size_t cap = sz > (1u << 20) ? sz : (1u << 20);

		b = srw_xmalloc(sizeof *b + cap);
		b->cap = cap;
		b->used = 0;
		b->next = pq->arena;
		pq->arena = b;
	}
	b->used += sz;
	return b->data + b->used - sz;
}

void
pq_arena_reset(srw_pq *pq)
{
	ablock *b, *nx;

	if (!pq->arena)
		return;
	for (b = pq->arena->next; b; b = nx) {
		nx = b->next;
		free(b);
	}
	pq->arena->next = NULL;
	pq->arena->used = 0;
}

srw_pq *
srw_pq_new(void)
{
	srw_pq *pq = srw_xcalloc(1, sizeof *pq);

	pq->hsz = 1024;
	pq->htab = srw_xcalloc(pq->hsz, sizeof *pq->htab);
	pq->horizon = LOOKBACK_MS;
	pq->epoch = 1;
	return pq;
}

void
pq_strv_free_n(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
pq_node_free(node *nd)
{
	size_t i;

	free(nd->canon);
	free(nd->numtext);
	free(nd->metric);
	for (i = 0; i < nd->nm; i++) {
		free(nd->m[i].name);
		free(nd->m[i].val);
		if (nd->m[i].op == M_RE || nd->m[i].op == M_NRE)
			srw_re_free(nd->m[i].re);
	}
	free(nd->m);
	free(nd->ms);
	pq_strv_free_n(nd->grp, nd->ngrp);
	pq_strv_free_n(nd->incl, nd->nincl);
}

void
srw_pq_free(srw_pq *pq)
{
	size_t i;

	if (!pq)
		return;
	for (i = 0; i < pq->n; i++)
		pq_node_free(&pq->nodes[i]);
	free(pq->nodes);
	free(pq->htab);
	free(pq->roots);
	pq_arena_reset(pq);
	free(pq->arena);
	free(pq);
}

bool
srw_pq_is_vector(const srw_pq *pq, int id)
{
	return id >= 0 && (size_t)id < pq->n && pq->nodes[id].vt == VT_VECTOR;
}

int64_t
srw_pq_horizon(const srw_pq *pq)
{
	return pq->horizon;
}

unsigned long
srw_pq_computed(const srw_pq *pq)
{
	return pq->computed;
}

/* ---- canonical text: the key that makes identical steps one ------------- */

static void
add_dur(srw_buf *b, int64_t ms)
{
	static const struct { int64_t ms; char u; } u[] = {
		{ 7LL * 86400000, 'w' }, { 86400000, 'd' }, { 3600000, 'h' },
		{ 60000, 'm' }, { 1000, 's' } };
	size_t i;

	if (ms == 0) {
		srw_buf_adds(b, "0s");
		return;
	}
	for (i = 0; i < sizeof u / sizeof *u; i++) {
		if (ms >= u[i].ms) {
			srw_buf_printf(b, "%lld%c", (long long)(ms / u[i].ms), u[i].u);
			ms %= u[i].ms;
		}
	}
	if (ms)
		srw_buf_printf(b, "%lldms", (long long)ms);
}

static void
add_names(srw_buf *b, char **v, size_t n)
{
	size_t i;

	srw_buf_addc(b, '(');
	for (i = 0; i < n; i++)
		srw_buf_printf(b, "%s%s", i ? ", " : "", v[i]);
	srw_buf_addc(b, ')');
}

/* The text of node id as an argument: a leaf inline, a step by its temp
 * name when temps are given, else its canonical text. */
static void
add_ref(srw_pq *pq, srw_buf *b, int id, bool temps)
{
	node *nd = &pq->nodes[id];

	if (temps && nd->temp > 0)
		srw_buf_printf(b, "temp%d", nd->temp);
	else if (nd->kind == N_BIN && !temps)
		srw_buf_printf(b, "(%s)", nd->canon);
	else
		srw_buf_adds(b, nd->canon);
}

static void
node_text(srw_pq *pq, node *nd, srw_buf *b, bool temps)
{
	size_t i;

	switch (nd->kind) {
	case N_NUM:
		srw_buf_adds(b, nd->numtext);
		break;
	case N_SEL:
		srw_buf_adds(b, nd->metric ? nd->metric : "");
		if (nd->nm) {
			srw_buf_addc(b, '{');
			for (i = 0; i < nd->nm; i++) {
				static const char *const ops[] = { "=", "!=", "=~", "!~" };

				srw_buf_printf(b, "%s%s%s", i ? "," : "", nd->m[i].name,
				    ops[nd->m[i].op]);
				srw_buf_add_jstr(b, nd->m[i].val, strlen(nd->m[i].val));
			}
			srw_buf_addc(b, '}');
		}
		if (nd->range) {
			srw_buf_addc(b, '[');
			add_dur(b, nd->range);
			srw_buf_addc(b, ']');
		}
		if (nd->offset) {
			srw_buf_adds(b, " offset ");
			add_dur(b, nd->offset);
		}
		break;
	case N_FUNC:
		srw_buf_printf(b, "%s(", fns[nd->fn].name);
		for (i = 0; i < (size_t)nd->nargs; i++) {
			if (i)
				srw_buf_adds(b, ", ");
			add_ref(pq, b, nd->args[i], temps);
		}
		srw_buf_addc(b, ')');
		break;
	case N_AGG:
		srw_buf_adds(b, aggnames[nd->aop]);
		if (nd->ngrp || nd->without) {
			srw_buf_adds(b, nd->without ? " without " : " by ");
			add_names(b, nd->grp, nd->ngrp);
		}
		srw_buf_adds(b, " (");
		if (nd->nargs == 2) {
			add_ref(pq, b, nd->args[0], temps);
			srw_buf_adds(b, ", ");
		}
		add_ref(pq, b, nd->args[nd->nargs - 1], temps);
		srw_buf_addc(b, ')');
		break;
	case N_NEG:
		srw_buf_adds(b, "-");
		add_ref(pq, b, nd->args[0], temps);
		break;
	case N_BIN:
		add_ref(pq, b, nd->args[0], temps);
		srw_buf_printf(b, " %s ", bopnames[nd->bop]);
		if (nd->retbool)
			srw_buf_adds(b, "bool ");
		if (nd->on || nd->ngrp) {
			srw_buf_adds(b, nd->on ? "on" : "ignoring");
			add_names(b, nd->grp, nd->ngrp);
			srw_buf_addc(b, ' ');
		}
		if (nd->card != C_ONE) {
			srw_buf_adds(b, nd->card == C_MANY_ONE ? "group_left" : "group_right");
			add_names(b, nd->incl, nd->nincl);
			srw_buf_addc(b, ' ');
		}
		add_ref(pq, b, nd->args[1], temps);
		break;
	}
}

/* Adds nd to the program unless an identical node exists (then nd is freed). */
int
pq_intern(srw_pq *pq, node *nd)
{
	srw_buf b;
	size_t i;
	int id;

	srw_buf_init(&b);
	node_text(pq, nd, &b, false);
	nd->canon = b.s;
	nd->chash = pq_fnv_add(FNV0, b.s);
	for (i = nd->chash & (pq->hsz - 1); pq->htab[i]; i = (i + 1) & (pq->hsz - 1)) {
		id = pq->htab[i] - 1;
		if (pq->nodes[id].chash == nd->chash && strcmp(pq->nodes[id].canon, nd->canon) == 0) {
			pq_node_free(nd);
			return id;
		}
	}
	if (pq->n == pq->cap) {
		pq->cap = pq->cap ? pq->cap * 2 : 64;
		pq->nodes = srw_xrealloc(pq->nodes, pq->cap * sizeof *pq->nodes);
	}
	id = pq->n++;
	pq->nodes[id] = *nd;
	pq->htab[i] = id + 1;
	if (pq->n * 2 > pq->hsz) {
		size_t nsz = pq->hsz * 2, j;
		int *nt = srw_xcalloc(nsz, sizeof *nt);

		for (j = 0; j < pq->n; j++) {
			size_t k = pq->nodes[j].chash & (nsz - 1);

			while (nt[k])
				k = (k + 1) & (nsz - 1);
			nt[k] = j + 1;
		}
		free(pq->htab);
		pq->htab = nt;
		pq->hsz = nsz;
	}
	return id;
}

/* ---- explain and statistics --------------------------------------------- */

static bool
is_step(const node *nd)
{
	return nd->kind != N_NUM && nd->kind != N_SEL;
}

void
srw_pq_use(srw_pq *pq, int id)
{
	if (pq->nroots == pq->caproots) {
		pq->caproots = pq->caproots ? pq->caproots * 2 : 16;
		pq->roots = srw_xrealloc(pq->roots, pq->caproots * sizeof *pq->roots);
	}
	pq->roots[pq->nroots++] = id;
}

static void
explain_rec(srw_pq *pq, int id, srw_buf *b)
{
	node *nd = &pq->nodes[id];
	int i;

	if (!is_step(nd))
		return;
	if (nd->temp > 0) {
		srw_buf_printf(b, "  temp%d (shared: computed once)\n", nd->temp);
		return;
	}
	for (i = 0; i < nd->nargs; i++)
		explain_rec(pq, nd->args[i], b);
	nd->temp = ++pq->ntemp;
	srw_buf_printf(b, "  temp%d = ", nd->temp);
	node_text(pq, nd, b, true);
	srw_buf_addc(b, '\n');
}

void
srw_pq_explain(srw_pq *pq, int id, bool alarm, srw_buf *b)
{
	node *nd = &pq->nodes[id];

	if (alarm && nd->kind == N_BIN && pq_is_cmp(nd->bop) && !nd->retbool &&
	    pq->nodes[nd->args[1]].kind == N_NUM && nd->temp == 0) {
		explain_rec(pq, nd->args[0], b);
		srw_buf_adds(b, "  if ");
		add_ref(pq, b, nd->args[0], true);
		srw_buf_printf(b, " %s %s: alarm()\n", bopnames[nd->bop],
		    pq->nodes[nd->args[1]].numtext);
		return;
	}
	explain_rec(pq, id, b);
	if (alarm) {
		srw_buf_adds(b, "  if ");
		add_ref(pq, b, id, true);
		srw_buf_adds(b, ": alarm()\n");
	}
}

static size_t
tree_steps(srw_pq *pq, int id, int *parents, bool *seen)
{
	node *nd = &pq->nodes[id];
	size_t n = is_step(nd) ? 1 : 0;
	int i;

	if (!seen[id]) {
		seen[id] = true;
		for (i = 0; i < nd->nargs; i++)
			parents[nd->args[i]]++;
	}
	for (i = 0; i < nd->nargs; i++)
		n += tree_steps(pq, nd->args[i], parents, seen);
	return n;
}

void
srw_pq_stats(const srw_pq *pq, size_t *steps, size_t *shared, size_t *uses)
{
	int *parents = srw_xcalloc(pq->n + 1, sizeof *parents);
	bool *seen = srw_xcalloc(pq->n + 1, sizeof *seen);
	size_t i;

	*steps = *shared = *uses = 0;
	for (i = 0; i < pq->nroots; i++) {
		parents[pq->roots[i]]++;
		*uses += tree_steps((srw_pq *)pq, pq->roots[i], parents, seen);
	}
	for (i = 0; i < pq->n; i++) {
		if (!seen[i] || !is_step(&pq->nodes[i]))
			continue;
		(*steps)++;
		if (parents[i] > 1)
			(*shared)++;
	}
	free(parents);
	free(seen);
}
