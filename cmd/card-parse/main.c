/* card-parse - Lark messages (NDJSON, as lark-fetch writes them) into alert
 * rows for alerts.lark_alerts.  The parser itself is lib/card.c. */
#include <getopt.h>
#include <stdlib.h>

#include "srw.h"

static bool explode, strict;
static const char *reject_path;

struct state {
	srw_card *card;
	srw_buf out;
	unsigned long skipped;	/* messages that are not alert cards */
};

enum { OPT_EXPLODE = SRW_OPT_LONG, OPT_STRICT, OPT_REJECT };

static const srw_opt opts[] = {
	{ "explode", OPT_EXPLODE, NULL, "one row per alert section, not per card" },
	{ "strict", OPT_STRICT, NULL, "stop at the first bad line (exit 65)" },
	{ "reject", OPT_REJECT, "FILE", "keep bad lines in FILE" },
	{ "verbose", 'v', NULL, "say what was read at the end (twice: debug)" },
	{ NULL, 0, NULL, NULL },
};

static int
on_message(srw_val *msg, const srw_line *ln, void *ctx)
{
	struct state *st = ctx;
	char reason[256];
	unsigned long dropped = srw_card_links_dropped(st->card);
	int n;

	n = srw_card_rows(st->card, msg, explode ? SRW_CARD_EXPLODE : 0, &st->out,
	    reason, sizeof reason);
	if (srw_card_links_dropped(st->card) > dropped)	/* the row is kept */
		srw_warn("line %ld: %lu links dropped: only http and https links are kept",
		    ln->lineno, srw_card_links_dropped(st->card) - dropped);
	if (n < 0) {
		srw_ndjson_reject(ln, "%s", reason);
		return SRW_NDJSON_REJECT;
	}
	if (n == 0)
		st->skipped++;
	srw_jw_flush(&st->out, stdout, 1 << 16);
	return SRW_NDJSON_OK;
}

int
main(int argc, char *argv[])
{
	struct state st = { 0 };
	srw_ndjson_opts no = { 0 };
	unsigned long cards, rows;
	int c;

	srw_init("card-parse", argc, argv);
	srw_opt_begin("card-parse [--explode] [--strict] [--reject FILE] [-v] [FILE ...]", opts);
	while ((c = srw_opt_next(argc, argv)) != -1) {
		switch (c) {
		case OPT_EXPLODE: explode = true; break;
		case OPT_STRICT: strict = true; break;
		case OPT_REJECT: reject_path = optarg; break;
		case 'v': srw_set_verbose(srw_verbose() + 1); break;
		}
	}
	no.strict = strict;
	no.reject_path = reject_path;
	srw_ndjson_setup(&no);

	st.card = srw_card_new();
	srw_buf_init(&st.out);
	srw_ndjson_files(argc - optind, argv + optind, on_message, &st);
	srw_jw_flush(&st.out, stdout, 0);

	cards = srw_card_count(st.card, &rows);
	if (srw_card_links_dropped(st.card))
		srw_warn("%lu links dropped in all (not http or https)",
		    srw_card_links_dropped(st.card));
	srw_info("%ld messages: %lu alert cards (%lu rows), %lu not alert cards; "
	    "%ld lines rejected", srw_ndjson_read_count(), cards, rows, st.skipped,
	    srw_ndjson_reject_count());
	srw_card_free(st.card);
	srw_buf_free(&st.out);
	return srw_finish(srw_ndjson_reject_count() ? SRW_EX_REJECTED : SRW_EX_OK);
}
