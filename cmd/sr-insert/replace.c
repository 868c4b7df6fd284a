/* replace.c - sr-insert's --replace-key: the rows of each key tuple met in
 * the input are deleted (once, before the tuple's first new row), so a day
 * or a cluster can be reloaded whole while other keys stay untouched. */
#include <stdlib.h>
#include <string.h>

#include "srw.h"
#include "replace.h"

struct replace {
	const srw_table *t;
	char **keys;
	size_t nkeys;
	char **seen;	/* key tuples already deleted, nkeys strings each */
	size_t nseen, capseen;
};

struct replace *
replace_new(const srw_table *t, const char *cols)
{
	struct replace *r = srw_xcalloc(1, sizeof *r);
	size_t k;

	r->t = t;
	r->keys = srw_split(cols, ',', &r->nkeys);
	for (k = 0; k < r->nkeys; k++)
		if (srw_table_colidx(t, r->keys[k]) < 0)
			srw_die(SRW_EX_USAGE, "--replace-key: %s is not a column of %s.%s",
			    r->keys[k], t->db, t->name);
	return r;
}

void
replace_free(struct replace *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nseen * r->nkeys; i++)
		free(r->seen[i]);
	free(r->seen);
	srw_strv_free(r->keys);
	free(r);
}

static void
tuple_free(char **v, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		free(v[k]);
	free(v);
}

/* Key values of a row as text; NULL if a key is missing. */
static char **
key_tuple(struct replace *r, const srw_val *row, char *reason, size_t rsz)
{
	char **v = srw_xcalloc(r->nkeys, sizeof *v);
	size_t k;

	for (k = 0; k < r->nkeys; k++) {
		srw_val *x = srw_val_get(row, r->keys[k]);
		double d;

		if (srw_val_str(x)) {
			v[k] = srw_xstrdup(srw_val_str(x));
		} else if (srw_val_type(x) == SRW_NUM && srw_val_num(x, &d)) {
			srw_buf b;

			srw_buf_init(&b);
			srw_buf_add_jnum(&b, d);
			v[k] = b.s;
		} else if (srw_val_type(x) == SRW_NULL) {
			v[k] = NULL;
		} else {
			snprintf(reason, rsz, "--replace-key column %s is missing", r->keys[k]);
			tuple_free(v, k);
			return NULL;
		}
	}
	return v;
}

static bool
seen(struct replace *r, char **v)
{
	size_t i, k;

	for (i = 0; i < r->nseen; i++) {
		for (k = 0; k < r->nkeys; k++) {
			const char *a = r->seen[i * r->nkeys + k], *b = v[k];

			if (!(a == b || (a && b && strcmp(a, b) == 0)))
				break;
		}
		if (k == r->nkeys)
			return true;
	}
	return false;
}

int
replace_before(struct replace *r, srw_db *db, srw_ins *ins, const srw_val *row,
    bool dry_run, char *reason, size_t rsz)
{
	char **v = key_tuple(r, row, reason, rsz);

	if (!v)
		return -1;
	if (seen(r, v)) {
		tuple_free(v, r->nkeys);
		return 0;
	}
	/* store what is queued, then clear the key's old rows before its new
	 * ones go in */
	if (srw_ins_drain(ins) != 0) {
		tuple_free(v, r->nkeys);
		return -2;
	}
	if (srw_table_delete_keys(db, r->t, r->keys, r->nkeys, v, 1, dry_run, stdout) != 0) {
		tuple_free(v, r->nkeys);
		return -3;
	}
	if (r->nseen == r->capseen) {
		r->capseen = r->capseen ? 2 * r->capseen : 16;
		r->seen = srw_xrealloc(r->seen, r->capseen * r->nkeys * sizeof *r->seen);
	}
	memcpy(r->seen + r->nseen * r->nkeys, v, r->nkeys * sizeof *v);
	r->nseen++;
	free(v);
	return 0;
}
