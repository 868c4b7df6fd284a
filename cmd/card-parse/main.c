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

static void
usage(void)
{
	fprintf(stderr,
	    "usage: card-parse [--explode] [--strict] [--reject FILE] [-v] [FILE ...]\n");
	exit(SRW_EX_USAGE);
}

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
	static const struct option lopts[] = {
		{ "explode", no_argument, NULL, 'x' },
		{ "strict", no_argument, NULL, 's' },
		{ "reject", required_argument, NULL, 'R' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct state st = { 0 };
	srw_ndjson_opts no = { 0 };
	unsigned long cards, rows;
	int c;

	srw_init("card-parse", argc, argv);
	while ((c = getopt_long(argc, argv, "vh", lopts, NULL)) != -1) {
		switch (c) {
		case 'x': explode = true; break;
		case 's': strict = true; break;
		case 'R': reject_path = optarg; break;
		case 'v': srw_set_verbose(srw_verbose() + 1); break;
		default: usage();
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
