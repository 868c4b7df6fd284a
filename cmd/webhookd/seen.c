/* seen.c - the set of rows of the writer's round (an open-addressing table
 * of line hashes, reused round after round). */
#include <stdlib.h>
#include <string.h>

#include "webhookd.h"

/*
 * The distinct rows of a round.  Concurrent requests often carry the same
 * alerts (every peer of an Alertmanager HA cluster may send a notification,
 * and a group is re-sent whole when one of its alerts changes); one copy in
 * the INSERT stores them all.  Entries point into the round's rows.
 */
static struct seen *seen;
static size_t seen_mask;

void
seen_reset(size_t rows)
{
	size_t cap = 16;

	while (cap < 2 * rows)
		cap <<= 1;
	if (cap > seen_mask + 1 || !seen) {
		free(seen);
		seen = srw_xcalloc(cap, sizeof *seen);
	} else {
		cap = seen_mask + 1;
		memset(seen, 0, cap * sizeof *seen);
	}
	seen_mask = cap - 1;
}

void
seen_free(void)
{
	free(seen);
	seen = NULL;
	seen_mask = 0;
}

/* The entry of the line, *fresh when it is new this round. */
struct seen *
seen_find(const char *p, size_t len, bool *fresh)
{
	uint64_t h = srw_hash64(p, len, SRW_HASH_SEED) | 1;
	size_t i;

	for (i = h & seen_mask;; i = (i + 1) & seen_mask) {
		if (!seen[i].h) {
			seen[i] = (struct seen){ h, p, len, -1 };
			*fresh = true;
			return &seen[i];
		}
		if (seen[i].h == h && seen[i].len == len && memcmp(seen[i].p, p, len) == 0) {
			*fresh = false;
			return &seen[i];
		}
	}
}

