/* srw/re.h: the declarations of lib/re.cpp (see srw.h) */
#ifndef SRW_RE_H
#define SRW_RE_H

#include "srw/base.h"

/* ---- lib/re.cpp: regular expressions in linear time (RE2) ------------- */
/*
 * PromQL's regex matchers, with Prometheus' semantics: RE2 syntax (Go's
 * regexp), anchored at both ends as "^(?:RE)$".  RE2 matches in time linear
 * in the input and compiles within a memory budget (SRW_RE_MAX_MEM): what
 * would need more, or is not RE2 syntax (nested repetition such as "a++",
 * backreferences), is refused with RE2's reason in err.  Only lib/re.cpp
 * includes re2.
 */
#define SRW_RE_MAX_MEM (1 << 20)
typedef struct srw_re srw_re;
srw_re *srw_re_new(const char *re, char *err, size_t errsz);	/* NULL: refused */
bool srw_re_match(const srw_re *re, const char *s);
void srw_re_free(srw_re *re);

#endif
