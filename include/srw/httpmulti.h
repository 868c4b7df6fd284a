/* srw/httpmulti.h: the declarations of lib/httpmulti.c (see srw.h) */
#ifndef SRW_HTTPMULTI_H
#define SRW_HTTPMULTI_H

#include "srw/base.h"

/* ---- lib/httpmulti.c: many GETs at once over libcurl multi ------------ */
/*
 * One thread drives every transfer (scrape's fleet rounds).  At most
 * max_inflight transfers run; the rest wait in order of srw_hm_add.  Each
 * has its own timeout, counted from its start, so a slow or dead peer
 * delays no other.  A body larger than max_bytes (0: no cap) is cut off:
 * the transfer ends with too_large set and no body.  No retries: the next
 * round is the retry.  TLS verification stays on.
 */
typedef struct srw_hm srw_hm;
typedef struct srw_hm_done {
	void *arg;		/* as given to srw_hm_add */
	long status;		/* HTTP status; 0 on transport failure */
	const char *body;	/* NUL-terminated; valid during the callback */
	size_t len;
	const char *err;	/* transport error, or NULL */
	bool too_large;		/* body passed max_bytes: cut, body empty */
	int64_t start_ms;	/* wall clock when the transfer started */
	double seconds;		/* start to end */
} srw_hm_done;
srw_hm *srw_hm_new(unsigned max_inflight, size_t max_bytes);
void srw_hm_free(srw_hm *m);	/* abandons transfers still running */
/* Queues a GET of url; headers NULL-terminated "Name: value" or NULL. */
void srw_hm_add(srw_hm *m, const char *url, long timeout_ms,
    const char *const *headers, void *arg);
unsigned srw_hm_pending(const srw_hm *m);	/* running + queued */
/* Drives the transfers for up to wait_ms (returns earlier when one ends);
 * done() is called once per finished transfer, from this thread. */
void srw_hm_run(srw_hm *m, long wait_ms,
    void (*done)(const srw_hm_done *d, void *ctx), void *ctx);

#endif
