/* rwtypes.c - remote-writed's memory of metric families and their types,
 * from metadata and from what names tell: a bounded hash map shared by the
 * request threads. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "srw.h"

struct srw_rw_types {
	pthread_rwlock_t mu;
	size_t cap, n, max;
	char **k;
	unsigned char *v;
};

srw_rw_types *
srw_rw_types_new(size_t max)
{
	srw_rw_types *t = srw_xcalloc(1, sizeof *t);

	pthread_rwlock_init(&t->mu, NULL);
	t->max = max ? max : 100000;
	for (t->cap = 64; t->cap < 2 * t->max; t->cap *= 2)
		;
	t->k = srw_xcalloc(t->cap, sizeof *t->k);
	t->v = srw_xcalloc(t->cap, 1);
	return t;
}

void
srw_rw_types_free(srw_rw_types *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->cap; i++)
		free(t->k[i]);
	free(t->k);
	free(t->v);
	pthread_rwlock_destroy(&t->mu);
	free(t);
}

size_t
srw_rw_types_count(srw_rw_types *t)
{
	size_t n;

	pthread_rwlock_rdlock(&t->mu);
	n = t->n;
	pthread_rwlock_unlock(&t->mu);
	return n;
}

static size_t
slot(const srw_rw_types *t, const char *k, size_t n)
{
	size_t i = (size_t)srw_hash64(k, n, SRW_HASH_SEED) & (t->cap - 1);

	while (t->k[i] && !(strncmp(t->k[i], k, n) == 0 && t->k[i][n] == '\0'))
		i = (i + 1) & (t->cap - 1);
	return i;
}

int
srw_rw_types_get(srw_rw_types *t, const char *k, size_t n)
{
	int v;

	if (!t)
		return 0;
	pthread_rwlock_rdlock(&t->mu);
	v = t->v[slot(t, k, n)];
	pthread_rwlock_unlock(&t->mu);
	return v;
}

bool
srw_rw_types_put(srw_rw_types *t, const char *k, size_t n, int type, bool guess)
{
	bool added = false;
	size_t i;

	if (!t)
		return false;
	pthread_rwlock_wrlock(&t->mu);
	i = slot(t, k, n);
	if (t->k[i]) {
		if (!guess)	/* metadata overrides what the names suggested */
			t->v[i] = (unsigned char)(type + 1);
	} else if (t->n < t->max) {
		t->k[i] = srw_xstrndup(k, n);
		t->v[i] = (unsigned char)(type + 1);
		t->n++;
		added = true;
	}
	pthread_rwlock_unlock(&t->mu);
	return added;
}

