/* srw/kb.h: the declarations of lib/kb.c (see srw.h) */
#ifndef SRW_KB_H
#define SRW_KB_H

#include "srw/base.h"

/* lib/kb.c: Knowledge Lake search in memory: BM25 (fulltext), hashed
 * character 3-gram TF-IDF cosine (vector), reciprocal rank fusion (hybrid). */
typedef struct srw_kb srw_kb;
enum srw_kb_mode { SRW_KB_HYBRID, SRW_KB_FULLTEXT, SRW_KB_VECTOR };
typedef struct srw_kb_hit {
	size_t doc;	/* index returned by srw_kb_add */
	double score;
} srw_kb_hit;
srw_kb *srw_kb_new(void);
size_t srw_kb_add(srw_kb *kb, const char *title, const char *body);
size_t srw_kb_count(const srw_kb *kb);
/* Replace the local vectors by n*dim floats from an embedding model. */
int srw_kb_set_vectors(srw_kb *kb, const float *v, size_t dim);
/* Best first, at most max hits; returns the count. */
size_t srw_kb_search(srw_kb *kb, const char *query, enum srw_kb_mode mode,
    srw_kb_hit *out, size_t max);
/* As srw_kb_search with the query's vector from the same embedding model. */
size_t srw_kb_search_vec(srw_kb *kb, const char *query, const float *qvec,
    enum srw_kb_mode mode, srw_kb_hit *out, size_t max);
int srw_kb_mode_parse(const char *s, enum srw_kb_mode *m);
const char *srw_kb_mode_name(enum srw_kb_mode m);
void srw_kb_free(srw_kb *kb);

#endif
