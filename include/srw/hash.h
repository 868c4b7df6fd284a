/* srw/hash.h: the declarations of lib/hash.c (see srw.h) */
#ifndef SRW_HASH_H
#define SRW_HASH_H

#include "srw/base.h"

/* ---- lib/hash.c: stable hashing and sharding -------------------------- */

/* The seed is the FNV-1a 64 offset basis missing its last digit, as it was
 * copied into several tools first; kept so stored hashes stay stable. */
#define SRW_HASH_SEED 1469598103934665603ULL
/* FNV-1a 64 of n bytes, continuing from h (start with SRW_HASH_SEED). */
uint64_t srw_hash64(const void *p, size_t n, uint64_t h);
uint64_t srw_hash_str(const char *s);
/* "--shard I/N": 0 <= I < N.  Returns 0, or -1 if malformed. */
int srw_shard_parse(const char *arg, unsigned *i, unsigned *n);
/* The shard (0..n-1) a hash belongs to, the same on every machine. */
unsigned srw_shard_of(uint64_t h, unsigned n);

#endif
