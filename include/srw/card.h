/* srw/card.h: the declarations of lib/card.c (see srw.h) */
#ifndef SRW_CARD_H
#define SRW_CARD_H

#include "srw/base.h"
#include "srw/buf.h"
#include "srw/val.h"

/* ---- lib/card.c: Lark alert cards into alert rows --------------------- */
/* A parser with reusable buffers (one per thread).  srw_card_rows appends
 * the alert rows of one Lark message (an item of list-messages) to out as
 * NDJSON lines: one row per status group ("-f", "-r"), or one per section
 * with SRW_CARD_EXPLODE ("-f1", "-f2", …).  Returns the rows added, 0 when
 * the message is not an alert card (text, recalled, unrenderable), or -1
 * with reason set when it is broken (body.content not JSON, an alert card
 * without message_id or create_time). */
typedef struct srw_card srw_card;
#define SRW_CARD_EXPLODE 1
srw_card *srw_card_new(void);
void srw_card_free(srw_card *c);
int srw_card_rows(srw_card *c, const srw_val *msg, int flags, srw_buf *out,
    char *reason, size_t rsz);
/* Links (dashboard, silence) dropped so far because they were not http or
 * https URLs (srw_link_ok); cards come from people and bots alike. */
unsigned long srw_card_links_dropped(const srw_card *c);
/* Is s (len bytes) an absolute http:// or https:// URL without spaces or
 * control characters?  The only links stored or shown: javascript:, data:
 * and every other scheme are dropped. */
bool srw_link_okn(const char *s, size_t len);
bool srw_link_ok(const char *s);
/* Alert cards seen so far (and rows written, if rows is not NULL). */
unsigned long srw_card_count(const srw_card *c, unsigned long *rows);

#endif
