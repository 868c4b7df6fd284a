/* srw/streamload.h: the declarations of lib/streamload.c (see srw.h) */
#ifndef SRW_STREAMLOAD_H
#define SRW_STREAMLOAD_H

#include "srw/base.h"
#include "srw/insert.h"

/* ---- lib/streamload.c: StarRocks Stream Load, a backend of the writer -- */

#define SRW_STREAM_LOAD_MAX_HEADERS 4

typedef struct srw_stream_load_cfg {
	const char *base_url;	/* the FE's HTTP address, e.g. http://fe1:8030 */
	const char *user, *password;	/* basic auth, kept across the 307 */
	const char *db, *table;
	long timeout_ms;	/* default 600000 */
	int retries;	/* default 5 (when retry_ms is 0) */
	long retry_ms;	/* retry for this long instead of a count */
	/* More "Name: value" headers (partial_update, columns), NULL-ended;
	 * they are part of the label. */
	const char *const *headers;
	const char *label_salt;	/* part of the label too (srw_ins_opts) */
} srw_stream_load_cfg;

typedef struct srw_stream_load_result {
	char label[48];	/* srw_ + hash of table, headers and batch */
	char status[64], message[512], error_url[512];
	long http_status;
	long long loaded, filtered;
	bool already;	/* the label had been loaded before: nothing new */
} srw_stream_load_result;

/* PUTs body (a JSON array of rows) with format json, strip_outer_array,
 * Expect: 100-continue, max_filter_ratio 0 and a deterministic label.
 * Returns 0 when the batch is loaded (now or before), 1 when StarRocks
 * refused rows of it (the caller isolates them), -1 when it could not be
 * loaded after retries. */
int srw_stream_load(const srw_stream_load_cfg *c, const char *body, size_t len,
    srw_stream_load_result *res);

/* The writer's backend (srw/insert.h): the default on StarRocks. */
extern const srw_ins_backend srw_ins_backend_stream_load;

#endif
