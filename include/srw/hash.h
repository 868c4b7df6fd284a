/* srw/hash.h: the declarations of lib/hash.c (see srw.h) */
#ifndef SRW_HASH_H
#define SRW_HASH_H

#include "srw/base.h"

/* ---- lib/hash.c: stable hashing and sharding -------------------------- */

/* FNV-1a 64, the one non-cryptographic hash of srwatch. */
#define SRW_FNV_OFFSET 14695981039346656037ULL	/* FNV-1a 64's offset basis */
#define SRW_FNV_PRIME 1099511628211ULL
/* The seed of srw_hash_str and the shards is the offset basis missing its
 * last digit, as it was copied into several tools first; kept so stored
 * hashes and shard assignments stay stable. */
#define SRW_HASH_SEED 1469598103934665603ULL
/* FNV-1a 64 of n bytes, continuing from h (start with SRW_HASH_SEED or
 * SRW_FNV_OFFSET). */
uint64_t srw_hash64(const void *p, size_t n, uint64_t h);
/* FNV-1a 64 of the string s and a 0xff after it, continuing from h: the
 * fingerprint of a label set is its names and values one after the other,
 * and the 0xff keeps ("ab", "c") apart from ("a", "bc"). */
uint64_t srw_hash_field(uint64_t h, const char *s);
uint64_t srw_hash_str(const char *s);
/* "--shard I/N": 0 <= I < N.  Returns 0, or -1 if malformed. */
int srw_shard_parse(const char *arg, unsigned *i, unsigned *n);
/* The shard (0..n-1) a hash belongs to, the same on every machine. */
unsigned srw_shard_of(uint64_t h, unsigned n);

#endif
