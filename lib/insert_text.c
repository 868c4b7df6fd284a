/* insert_text.c - the row writer's SQL text backend: one multi-row
 * INSERT … VALUES per batch, values escaped with their lengths (NUL bytes
 * included), ON DUPLICATE KEY UPDATE on the listed non-key columns on
 * MariaDB.  StarRocks has no server-side prepared INSERT, so this is its
 * INSERT path; on MariaDB it serves servers without bulk statements and
 * --dry-run, which prints the statements. */
#include <string.h>

#include "srw.h"

struct text {
	srw_buf sql;
	const srw_ins_target *tg;
};

static void *
text_open(const srw_ins_target *tg, char *err, size_t errsz)
{
	struct text *x = srw_xcalloc(1, sizeof *x);

	srw_buf_init(&x->sql);
	return x;
}

static void
text_close(void *be)
{
	struct text *x = be;

	if (!x)
		return;
	srw_buf_free(&x->sql);
	free(x);
}

void
srw_ins_sql_prefix(const srw_ins_target *tg, const srw_ins_batch *bt, srw_buf *b)
{
	size_t i;

	srw_buf_printf(b, "INSERT INTO `%s`.`%s` (", tg->t->db, tg->t->name);
	for (i = 0; i < bt->nsig; i++) {
		if (i)
			srw_buf_addc(b, ',');
		srw_buf_printf(b, "`%s`", tg->t->cols[bt->sig[i]].name);
	}
	srw_buf_adds(b, ") VALUES ");
}

void
srw_ins_sql_suffix(const srw_ins_target *tg, const srw_ins_batch *bt, srw_buf *b)
{
	size_t i;
	bool any = false;

	if (tg->o->mode != SRW_INS_UPSERT || tg->dialect != SRW_DIALECT_MARIADB)
		return;
	for (i = 0; i < bt->nsig; i++) {
		const srw_col *c = &tg->t->cols[bt->sig[i]];

		if (c->key)
			continue;
		srw_buf_adds(b, any ? "," : " ON DUPLICATE KEY UPDATE ");
		srw_buf_printf(b, "`%s`=VALUES(`%s`)", c->name, c->name);
		any = true;
	}
	if (!any && bt->nsig) {	/* only key columns: still an upsert */
		const char *k = tg->t->cols[bt->sig[0]].name;

		srw_buf_printf(b, " ON DUPLICATE KEY UPDATE `%s`=VALUES(`%s`)", k, k);
	}
}

static void
literal(srw_buf *q, const srw_ins_batch *b, const srw_cell *c)
{
	switch (c->kind) {
	case SRW_CELL_NULL:
		srw_buf_add(q, "NULL", 4);
		break;
	case SRW_CELL_INT:
		srw_buf_add_jint(q, c->v.i);
		break;
	case SRW_CELL_UINT:
		srw_buf_printf(q, "%llu", (unsigned long long)c->v.u);
		break;
	case SRW_CELL_DBL:
		srw_buf_add_jnum(q, c->v.d);
		break;
	case SRW_CELL_NUMTEXT:
		srw_buf_add(q, b->bytes.s + c->v.off, c->len);
		break;
	case SRW_CELL_STR:
		srw_sql_quote(q, b->bytes.s + c->v.off, c->len);
		break;
	}
}

static int
exec(void *arg)
{
	struct text *x = arg;

	return srw_db_exec(x->tg->db, x->sql.s, x->sql.len);
}

static int
text_send(void *be, const srw_ins_target *tg, const srw_ins_batch *b, size_t from,
    size_t to, char *reason, size_t rsz)
{
	struct text *x = be;
	srw_buf *q = &x->sql;
	size_t r, i;

	srw_buf_reset(q);
	srw_ins_sql_prefix(tg, b, q);
	for (r = from; r < to; r++) {
		srw_buf_adds(q, r > from ? ",(" : "(");
		for (i = 0; i < b->nsig; i++) {
			if (i)
				srw_buf_addc(q, ',');
			literal(q, b, srw_ins_cell(b, r, i));
		}
		srw_buf_addc(q, ')');
	}
	srw_ins_sql_suffix(tg, b, q);
	if (tg->o->dry_run) {
		fwrite(q->s, 1, q->len, tg->o->dry_fp);
		fputs(";\n", tg->o->dry_fp);
		return 0;
	}
	x->tg = tg;
	return srw_ins_db_retry(tg, exec, x, reason, rsz);
}

const srw_ins_backend srw_ins_backend_text = {
	.name = "insert",
	.open = text_open,
	.send = text_send,
	.close = text_close,
};
