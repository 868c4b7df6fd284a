/* fuzz/card.c - lib/card.c, the Lark alert card parser.
 *
 * Input: one flag byte, then either a whole Lark message (JSON, flag bit 1)
 * or the card's body.content string, which the harness wraps in a message
 * as lark-fetch writes them (the parser's real attack surface: the card
 * JSON arrives as a string inside the message).  Flag bit 0: --explode. */
#include <string.h>

#include "srw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static srw_card *card;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char reason[256];
	srw_buf msg, out;
	srw_val *v;
	int flags;

	if (size < 1)
		return 0;
	if (!card)
		card = srw_card_new();
	flags = data[0] & 1 ? SRW_CARD_EXPLODE : 0;
	srw_buf_init(&msg);
	srw_buf_init(&out);
	if (data[0] & 2) {
		srw_buf_add(&msg, data + 1, size - 1);
	} else {
		srw_buf_adds(&msg, "{\"message_id\":\"om_fuzz\",\"msg_type\":\"interactive\","
		    "\"create_time\":\"1773151402000\",\"chat_id\":\"oc_x\","
		    "\"body\":{\"content\":");
		srw_buf_add_jstr(&msg, (const char *)data + 1, size - 1);
		srw_buf_adds(&msg, "}}");
	}
	if ((v = srw_val_parse(msg.s, msg.len))) {
		int n = srw_card_rows(card, v, flags, &out, reason, sizeof reason);

		/* every row written must be one JSON object per line */
		if (n > 0) {
			char *p = out.s, *nl;

			while ((nl = memchr(p, '\n', out.s + out.len - p))) {
				srw_val *row = srw_val_parse(p, nl - p);

				if (srw_val_type(row) != SRW_OBJ)
					__builtin_trap();
				srw_val_free(row);
				p = nl + 1;
			}
		}
		srw_val_free(v);
	}
	srw_buf_free(&msg);
	srw_buf_free(&out);
	return 0;
}
