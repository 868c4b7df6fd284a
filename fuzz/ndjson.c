/* fuzz/ndjson.c - lib/ndjson.c (the input loop of every tool) and lib/val.c,
 * plus the record readers behind it: metric points (lib/points.c) and alert
 * rows split into sections (lib/sections.c).  Input: an NDJSON stream. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "srw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;
static srw_point pt;

static void
walk(const srw_val *v, int depth)
{
	srw_val *c;
	double d;
	bool b;

	if (depth > 64)
		return;
	if (srw_val_num(v, &d))
		sink += (size_t)(d == d);
	if (srw_val_bool(v, &b))
		sink += b;
	if (srw_val_str(v))
		sink += strlen(srw_val_str(v));
	sink += srw_val_len(v);
	for (c = srw_val_first(v); c; c = srw_val_next(c)) {
		if (srw_val_key(c))
			sink += strlen(srw_val_key(c));
		walk(c, depth + 1);
	}
}

static int
on_rec(srw_val *rec, const srw_line *ln, void *ctx)
{
	char err[256], *s;
	srw_section *sec = NULL;
	json_t *j;
	int n;

	walk(rec, 0);
	if ((s = srw_val_print(rec))) {
		srw_val *again = srw_val_parse(s, strlen(s));

		if (!again)
			__builtin_trap();	/* our own output must parse */
		srw_val_free(again);
		free(s);
	}
	if ((j = srw_val_to_json(rec)))
		json_decref(j);
	if (srw_point_read(&pt, rec, err, sizeof err) == 0) {
		srw_buf b;

		srw_buf_init(&b);
		srw_point_jw(&b, pt.name, pt.labels, pt.nlabels, pt.ts, pt.value,
		    pt.type, pt.le);
		srw_buf_free(&b);
	}
	if ((n = srw_sections_split(rec, &sec)) > 0)
		srw_sections_free(sec, n);
	return *(const char *)ctx && ln->lineno > 3 ? SRW_NDJSON_STOP : SRW_NDJSON_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	srw_ndjson_opts o = { 0 };
	char stop;
	FILE *fp;
	int fd;

	if (!init) {
		srw_point_init(&pt);
		srw_ndjson_setup(&o);
		init = true;
	}
	/* the reader read(2)s its FILE's descriptor: a memfd, not fmemopen */
	if ((fd = memfd_create("fuzz", 0)) < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	lseek(fd, 0, SEEK_SET);
	if (!(fp = fdopen(fd, "r")))
		abort();
	stop = size && data[0] == 's';
	srw_ndjson_each(fp, "fuzz", on_rec, &stop);
	fclose(fp);
	return 0;
}
