/* strtab.c - a string-keyed hash table with fingerprints beside the slots
 * (include/srw/strtab.h).  group-issues probes its tables for every alert
 * section, mostly for keys that are absent: the dense fingerprint array
 * answers those without loading a slot or a key string. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "srw.h"
#include "srw/strtab.h"

/* The fingerprint is also where the key's probe starts (its low bits), so
 * rebuilding never reads a key; entries probed from one home still differ
 * in the fingerprint's upper bits, so a false match is rare. */
static uint32_t
fingerprint(const char *k)
{
	uint64_t h = srw_fasthash(k, strlen(k));
	uint32_t f = (uint32_t)(h ^ h >> 32);

	return f < 2 ? f + 2 : f;
}

/* Eight bytes a step, multiply and fold (FNV's byte a step was a tenth of
 * group-issues' instructions).  In-memory tables only: not stable across
 * versions, unlike srw_hash64. */
uint64_t
srw_fasthash(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
	}
	w = 0;
	memcpy(&w, s, n);
	h = (h ^ w) * 0x94d049bb133111ebULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ h >> 32;
}

srw_strtab_ent *
srw_strtab_find(const srw_strtab *t, const char *k)
{
	uint32_t f;
	size_t i, m;

	if (!t->n)
		return NULL;
	f = fingerprint(k);
	m = t->cap - 1;
	for (i = f & m; t->fp[i]; i = (i + 1) & m)
		if (t->fp[i] == f && strcmp(t->e[i].key, k) == 0)
			return &t->e[i];
	return NULL;
}

void *
srw_strtab_get(const srw_strtab *t, const char *k)
{
	srw_strtab_ent *e = srw_strtab_find(t, k);

	return e ? e->val : NULL;
}

static size_t
slot_for(const srw_strtab *t, uint32_t f)
{
	size_t i, m = t->cap - 1;

	for (i = f & m; t->fp[i] > 1; i = (i + 1) & m)
		;
	return i;
}

/* Big arrays are mapped, not malloc'd: a table rebuilt or freed gives its
 * pages back to the system at once instead of leaving holes in the heap
 * (group-issues' peak RSS is a goal).  Mapped pages come zeroed. */
#define MAP_MIN (256 * 1024)

static void *
arr_alloc(size_t n)
{
	void *p;

	if (n < MAP_MIN)
		return srw_xcalloc(1, n);
	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		srw_die(SRW_EX_SOFTWARE, "out of memory (%zu bytes)", n);
	return p;
}

static void
arr_free(void *p, size_t n)
{
	if (!p)
		return;
	if (n < MAP_MIN)
		free(p);
	else
		munmap(p, n);
}

/* Rebuilt at most two thirds full (a third at least): the memory is
 * group-issues' peak RSS, and a rebuild reads no key, so a fuller table's
 * more frequent rebuilds cost little.  A table that shrank gives memory
 * back. */
static void
rebuild(srw_strtab *t)
{
	srw_strtab o = *t;
	size_t cap = 64, i;

	while (2 * cap < 3 * (o.n + 1))
		cap *= 2;
	t->cap = cap;
	t->fp = arr_alloc(cap * sizeof *t->fp);
	t->e = arr_alloc(cap * sizeof *t->e);
	t->used = t->n;
	for (i = 0; i < o.cap; i++) {
		if (o.fp[i] > 1) {
			size_t j = slot_for(t, o.fp[i]);

			t->fp[j] = o.fp[i];
			t->e[j] = o.e[i];
		}
	}
	arr_free(o.fp, o.cap * sizeof *o.fp);
	arr_free(o.e, o.cap * sizeof *o.e);
}

srw_strtab_ent *
srw_strtab_put(srw_strtab *t, const char *k, void *v)
{
	uint32_t f = fingerprint(k);
	size_t i;

	/* three quarters full: fingerprint probes are cheap, memory is not */
	if ((t->used + 1) * 4 > t->cap * 3)
		rebuild(t);
	i = slot_for(t, f);
	if (!t->fp[i])
		t->used++;
	t->fp[i] = f;
	t->e[i].key = srw_xstrdup(k);
	t->e[i].val = v;
	t->n++;
	return &t->e[i];
}

void
srw_strtab_del(srw_strtab *t, const char *k)
{
	srw_strtab_ent *e = srw_strtab_find(t, k);

	if (!e)
		return;
	free(e->key);
	e->key = NULL;
	e->val = NULL;
	t->fp[e - t->e] = 1;
	t->n--;
	if (t->cap > 64 && t->n * 8 < t->cap)
		rebuild(t);
}

srw_strtab_ent *
srw_strtab_next(const srw_strtab *t, size_t *i)
{
	for (; *i < t->cap; (*i)++)
		if (t->fp[*i] > 1)
			return &t->e[(*i)++];
	return NULL;
}

void
srw_strtab_free(srw_strtab *t, void (*freeval)(void *))
{
	size_t i;

	for (i = 0; i < t->cap; i++) {
		if (t->fp[i] <= 1)
			continue;
		if (freeval)
			freeval(t->e[i].val);
		free(t->e[i].key);
	}
	arr_free(t->fp, t->cap * sizeof *t->fp);
	arr_free(t->e, t->cap * sizeof *t->e);
	memset(t, 0, sizeof *t);
}
