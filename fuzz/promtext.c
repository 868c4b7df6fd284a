/* fuzz/promtext.c - lib/promtext.c, the Prometheus text exposition parser
 * scrape runs on every target's /metrics.  Input: the exposition text.
 * The callback touches every string it is handed, so ASan sees any that
 * point outside the input or the parser's buffers. */
#include <stdlib.h>
#include <string.h>

#include "srw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static int
on_sample(const srw_prom_sample *s, void *ctx)
{
	size_t i, *n = ctx;

	sink += strlen(s->name) + strlen(s->family) + (s->help ? strlen(s->help) : 0);
	for (i = 0; i < s->nlabels; i++)
		sink += strlen(s->labels[i].k) + strlen(s->labels[i].v);
	sink += (s->value == s->value) + (size_t)s->has_ts;
	(*n)++;
	return 0;
}

static void
on_error(long lineno, const char *msg, void *ctx)
{
	sink += strlen(msg) + (size_t)lineno;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;
	srw_prom_opts o = { on_sample, on_error, &n };
	/* the parser takes (text, len): give it an exact-size copy, no NUL,
	 * so a read past len is caught */
	char *copy = srw_xmalloc(size ? size : 1);

	memcpy(copy, data, size);
	srw_prom_parse(copy, size, &o);
	free(copy);
	return 0;
}
