/* srw/notify.h: the declarations of lib/notify.c (see srw.h) */
#ifndef SRW_NOTIFY_H
#define SRW_NOTIFY_H

#include "srw/base.h"

/* ---- lib/notify.c: signing for outgoing notifications ----------------- */
/* Lark custom bot signature: base64(HMAC-SHA256(key = "TS\nSECRET", "")),
 * ts in epoch seconds; out at least 64 bytes.  Returns out. */
char *srw_lark_bot_sign(int64_t ts, const char *secret, char *out, size_t outsz);

#endif
