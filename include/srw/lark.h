/* srw/lark.h: the declarations of lib/lark.c (see srw.h) */
#ifndef SRW_LARK_H
#define SRW_LARK_H

#include <jansson.h>

#include "srw/base.h"

/* ---- lib/lark.c: Lark open-platform client (token, list messages) ----- */
typedef struct srw_lark srw_lark;
/* base_url without trailing slash ("https://open.larksuite.com"). */
srw_lark *srw_lark_new(const char *base_url, const char *app_id,
    const char *app_secret);
void srw_lark_free(srw_lark *l);
/* Time limit of one HTTP request (default 30 s); the client retries a
 * failed request a few times with backoff. */
void srw_lark_set_timeout(srw_lark *l, long ms);
/* Called per item in the order received; return non-zero to stop. */
typedef int (*srw_lark_item_fn)(json_t *item, void *ctx);
/* GET /open-apis/im/v1/messages of chat for start_s..end_s (seconds, as the
 * API takes them), oldest first, every page.  Tenant tokens are fetched and
 * refreshed as needed; rate limits and 5xx are waited out (bounded).
 * Returns 0, or SRW_EX_UNAVAILABLE with err set (Lark's code and msg). */
int srw_lark_messages(srw_lark *l, const char *chat, int64_t start_s,
    int64_t end_s, srw_lark_item_fn fn, void *ctx, char *err, size_t errsz);
/* Pages fetched so far (for progress). */
long srw_lark_pages(const srw_lark *l);

#endif
