/* srw/strtab.h: the declarations of lib/strtab.c (see srw.h) */
#ifndef SRW_STRTAB_H
#define SRW_STRTAB_H

#include "srw/base.h"

/* ---- lib/strtab.c: a string-keyed hash table -------------------------- */
/*
 * Open addressing with a 32-bit fingerprint of each key's hash in a dense
 * array beside the slots: a probe reads fingerprints (16 to a cache line)
 * and touches a slot and its key string only when one matches, so a miss
 * usually costs one cache line.  Keys are copied and owned by the table.
 * Deletions leave tombstones, cleared when the table is rebuilt; the table
 * shrinks again when it empties.  Iterate with srw_strtab_next.
 */
typedef struct srw_strtab_ent {
	char *key;
	void *val;
} srw_strtab_ent;
typedef struct srw_strtab {
	uint32_t *fp;	/* 0 empty, 1 deleted, else the key's fingerprint */
	srw_strtab_ent *e;
	size_t cap, n, used;	/* used counts deleted slots too */
} srw_strtab;

srw_strtab_ent *srw_strtab_find(const srw_strtab *t, const char *k);	/* NULL: absent */
void *srw_strtab_get(const srw_strtab *t, const char *k);	/* NULL: absent */
/* Adds k (not present yet) with v; returns its entry (valid until the next
 * put or del). */
srw_strtab_ent *srw_strtab_put(srw_strtab *t, const char *k, void *v);
void srw_strtab_del(srw_strtab *t, const char *k);
/* The next entry from *i on (start at 0), or NULL at the end. */
srw_strtab_ent *srw_strtab_next(const srw_strtab *t, size_t *i);
void srw_strtab_free(srw_strtab *t, void (*freeval)(void *));
/* A fast hash of n bytes for in-memory tables (not stable across versions:
 * never stored, never used for sharding; srw_hash64 is for that). */
uint64_t srw_fasthash(const void *p, size_t n);

#endif
