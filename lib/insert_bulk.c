/* insert_bulk.c - the row writer's MariaDB backend on bulk prepared
 * statements: the batch's INSERT … ON DUPLICATE KEY UPDATE is prepared once
 * per set of columns, and each batch (or part of one, while refused rows are
 * isolated) is one execute with column-wise arrays of typed values.  The
 * server parses no SQL text per row, which was half its CPU on the text
 * path (issue 19). */
#include <stdlib.h>
#include <string.h>

#include "srw.h"

union slot { int64_t i; uint64_t u; double d; const char *s; };

struct bulk {
	srw_stmt *st;	/* prepared for the columns in sig */
	int *sig;
	size_t nsig;
	enum srw_ins_mode mode;
	union slot *vals;	/* nsig columns of n rows */
	unsigned long *lens;
	char *null;
	size_t cap;	/* rows * columns the arrays hold */
	size_t nrows;	/* rows of the execute being prepared */
	srw_param *params;
	srw_buf text;	/* numbers sent as text (mixed columns) */
	size_t *toff;
};

static void *
bulk_open(const srw_ins_target *tg, char *err, size_t errsz)
{
	struct bulk *x = srw_xcalloc(1, sizeof *x);

	x->sig = srw_xcalloc(tg->t->ncols + 1, sizeof *x->sig);
	x->params = srw_xcalloc(tg->t->ncols + 1, sizeof *x->params);
	srw_buf_init(&x->text);
	return x;
}

static void
bulk_close(void *be)
{
	struct bulk *x = be;

	if (!x)
		return;
	srw_stmt_free(x->st);
	free(x->sig);
	free(x->vals);
	free(x->lens);
	free(x->null);
	free(x->params);
	free(x->toff);
	srw_buf_free(&x->text);
	free(x);
}

static void
prepare(struct bulk *x, const srw_ins_target *tg, const srw_ins_batch *b)
{
	srw_buf q;
	size_t i;

	if (x->st && x->nsig == b->nsig && x->mode == tg->o->mode &&
	    memcmp(x->sig, b->sig, b->nsig * sizeof *b->sig) == 0)
		return;
	srw_stmt_free(x->st);
	srw_buf_init(&q);
	srw_ins_sql_prefix(tg, b, &q);
	srw_buf_addc(&q, '(');
	for (i = 0; i < b->nsig; i++)
		srw_buf_adds(&q, i ? ",?" : "?");
	srw_buf_addc(&q, ')');
	srw_ins_sql_suffix(tg, b, &q);
	x->st = srw_stmt_new(tg->db, q.s, q.len);
	srw_buf_free(&q);
	memcpy(x->sig, b->sig, b->nsig * sizeof *b->sig);
	x->nsig = b->nsig;
	x->mode = tg->o->mode;
}

/* The parameter type of column i over rows [from, to): binary where every
 * value has one type, else text (the server converts, as it does SQL). */
static enum srw_param_type
coltype(const srw_ins_batch *b, size_t i, size_t from, size_t to)
{
	enum srw_cell_kind k = SRW_CELL_NULL;
	bool neg = false;
	size_t r;

	for (r = from; r < to; r++) {
		const srw_cell *c = srw_ins_cell(b, r, i);

		if (c->kind == SRW_CELL_NULL)
			continue;
		if (c->kind == SRW_CELL_INT && c->v.i < 0)
			neg = true;
		if (k == SRW_CELL_NULL || (k == SRW_CELL_INT && c->kind == SRW_CELL_UINT))
			k = c->kind;
		else if (c->kind != k && !(k == SRW_CELL_UINT && c->kind == SRW_CELL_INT))
			return SRW_PARAM_STR;
	}
	switch (k) {
	case SRW_CELL_INT: return SRW_PARAM_I64;
	case SRW_CELL_UINT: return neg ? SRW_PARAM_STR : SRW_PARAM_U64;
	case SRW_CELL_DBL: return SRW_PARAM_DBL;
	default: return SRW_PARAM_STR;
	}
}

static int
exec(void *arg)
{
	struct bulk *x = arg;

	return srw_stmt_exec_bulk(x->st, x->params, (unsigned)x->nsig, x->nrows);
}

static int
bulk_send(void *be, const srw_ins_target *tg, const srw_ins_batch *b, size_t from,
    size_t to, char *reason, size_t rsz)
{
	struct bulk *x = be;
	size_t n = to - from, i, r, need = n * b->nsig;

	prepare(x, tg, b);
	if (need > x->cap) {
		x->cap = need;
		x->vals = srw_xrealloc(x->vals, need * sizeof *x->vals);
		x->lens = srw_xrealloc(x->lens, need * sizeof *x->lens);
		x->null = srw_xrealloc(x->null, need);
		x->toff = srw_xrealloc(x->toff, need * sizeof *x->toff);
	}
	x->nrows = n;
	srw_buf_reset(&x->text);
	for (i = 0; i < b->nsig; i++) {
		union slot *v = x->vals + i * n;
		unsigned long *l = x->lens + i * n;
		char *nl = x->null + i * n;
		size_t *to_ = x->toff + i * n;
		srw_param *p = &x->params[i];

		p->type = coltype(b, i, from, to);
		for (r = 0; r < n; r++) {
			const srw_cell *c = srw_ins_cell(b, from + r, i);

			nl[r] = c->kind == SRW_CELL_NULL;
			l[r] = 0;
			to_[r] = (size_t)-1;
			switch (c->kind) {
			case SRW_CELL_NULL:
				v[r].i = 0;
				break;
			case SRW_CELL_STR:
			case SRW_CELL_NUMTEXT:
				v[r].s = b->bytes.s + c->v.off;
				l[r] = c->len;
				break;
			default:
				if (p->type == SRW_PARAM_STR) {
					/* a mixed column: the number as text */
					size_t at = x->text.len;

					if (c->kind == SRW_CELL_INT)
						srw_buf_add_jint(&x->text, c->v.i);
					else if (c->kind == SRW_CELL_UINT)
						srw_buf_printf(&x->text, "%llu",
						    (unsigned long long)c->v.u);
					else
						srw_buf_add_jnum(&x->text, c->v.d);
					to_[r] = at;
					l[r] = x->text.len - at;
				} else if (c->kind == SRW_CELL_DBL) {
					v[r].d = c->v.d;
				} else {
					v[r].i = c->v.i;
				}
			}
		}
		p->vals = v;
		p->lens = l;
		p->null = nl;
	}
	/* text numbers point into x->text only once it stops growing */
	for (i = 0; i < need; i++)
		if (x->toff[i] != (size_t)-1)
			x->vals[i].s = x->text.s + x->toff[i];
	return srw_ins_db_retry(tg, exec, x, reason, rsz);
}

const srw_ins_backend srw_ins_backend_bulk = {
	.name = "bulk",
	.open = bulk_open,
	.send = bulk_send,
	.close = bulk_close,
};
