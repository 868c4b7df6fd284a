/* hash.c - stable hashing: FNV-1a 64, and --shard I/N partitioning. */
#include <stdlib.h>
#include <string.h>

#include "srw.h"

uint64_t
srw_hash64(const void *p, size_t n, uint64_t h)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= SRW_FNV_PRIME;
	}
	return h;
}

uint64_t
srw_hash_field(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= SRW_FNV_PRIME;
	}
	h ^= 0xff;
	h *= SRW_FNV_PRIME;
	return h;
}

uint64_t
srw_hash_str(const char *s)
{
	return srw_hash64(s, strlen(s), SRW_HASH_SEED);
}

int
srw_shard_parse(const char *arg, unsigned *i, unsigned *n)
{
	char *end;
	unsigned long a, b;

	a = strtoul(arg, &end, 10);
	if (end == arg || *end != '/')
		return -1;
	arg = end + 1;
	b = strtoul(arg, &end, 10);
	if (end == arg || *end || b == 0 || b > 65536 || a >= b)
		return -1;
	*i = (unsigned)a;
	*n = (unsigned)b;
	return 0;
}

unsigned
srw_shard_of(uint64_t h, unsigned n)
{
	/* FNV's low bits are weak on short keys: mix before the modulo */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (unsigned)(h % n);
}
