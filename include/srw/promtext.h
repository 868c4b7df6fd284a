/* srw/promtext.h: the declarations of lib/promtext.c (see srw.h) */
#ifndef SRW_PROMTEXT_H
#define SRW_PROMTEXT_H

#include "srw/base.h"
#include "srw/points.h"

/* ---- lib/promtext.c: Prometheus text exposition parser --------------- */
/*
 * Calls on_sample for each sample line, with the family and type declared
 * by the TYPE line it belongs to (foo_bucket, foo_sum, foo_count belong to
 * histogram foo; foo, foo_sum, foo_count to summary foo; otherwise untyped
 * and family = name).  Labels are unescaped, in written order; le and
 * quantile stay among them.  Strings are valid during the callback only.
 * A bad line goes to on_error (if set) and is skipped.  on_sample returning
 * non-zero stops the parse.  Returns the number of bad lines.
 */
enum srw_prom_type { SRW_PROM_UNTYPED, SRW_PROM_COUNTER, SRW_PROM_GAUGE,
	SRW_PROM_SUMMARY, SRW_PROM_HISTOGRAM };
typedef struct srw_prom_sample {
	const char *name, *family, *help;	/* help NULL if none */
	enum srw_prom_type type;
	const srw_point_label *labels;
	size_t nlabels;
	double value;
	bool has_ts;
	int64_t ts;	/* epoch ms, when has_ts */
	long lineno;
} srw_prom_sample;
typedef struct srw_prom_opts {
	int (*on_sample)(const srw_prom_sample *s, void *ctx);
	void (*on_error)(long lineno, const char *msg, void *ctx);
	void *ctx;
} srw_prom_opts;
long srw_prom_parse(const char *text, size_t len, const srw_prom_opts *o);
const char *srw_prom_type_name(enum srw_prom_type t);

#endif
