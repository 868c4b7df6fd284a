/* srw/anthropic.h: the declarations of lib/anthropic.c (see srw.h) */
#ifndef SRW_ANTHROPIC_H
#define SRW_ANTHROPIC_H

#include <jansson.h>

#include "srw/base.h"

/* lib/anthropic.c: one model call; the parsed response (new reference) or
 * NULL with err set (and *status the HTTP status, 0 on transport failure).
 * Retries 429/5xx/529 honouring retry-after. */
typedef struct srw_llm {
	const char *base_url;	/* https://api.anthropic.com, or OPENAI_BASE_URL */
	const char *api_key;	/* header only, never logged */
	long timeout_ms;	/* per request; default 120000 */
	int max_retries;	/* default 4; negative: no retry */
} srw_llm;
json_t *srw_anthropic_messages(const srw_llm *c, const json_t *req, long *status,
    char *err, size_t errsz);	/* POST /v1/messages */
json_t *srw_openai_chat(const srw_llm *c, const json_t *req, long *status,
    char *err, size_t errsz);	/* POST (/v1)/chat/completions */
/* POST (/v1)/embeddings: n*dim floats in input order (malloc'd), or NULL. */
float *srw_openai_embed(const srw_llm *c, const char *model, const char *const *texts,
    size_t n, size_t *dim, char *err, size_t errsz);

#endif
