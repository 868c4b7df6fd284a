/* fuzz/remotewrite.c - lib/remotewrite.c, remote-writed's decoder of
 * remote write requests from the network.  Input: a flag byte, then either
 * a request body as sent (snappy block format around a WriteRequest; flag
 * bit 0 clear) or the raw protobuf (bit 0 set), compressed here so the
 * fuzzer reaches the protobuf and series checks.  The points written are
 * parsed back: every line must be a metric point. */
#include <stdlib.h>
#include <string.h>

#include <snappy-c.h>

#include "srw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static srw_rw_types *types;
static srw_rw_dec *dec;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	srw_buf out, body;
	srw_rw_stats st;
	srw_point pt;
	char err[200];
	size_t off;

	if (size < 1)
		return 0;
	if (!types) {	/* learnt types carry across inputs, as in the daemon */
		types = srw_rw_types_new(1000);
		dec = srw_rw_dec_new(types, 1u << 20);
	}
	srw_buf_init(&out);
	srw_buf_init(&body);
	if (data[0] & 1) {
		size_t n = snappy_max_compressed_length(size - 1);

		srw_buf_grow(&body, n + 1);
		if (snappy_compress((const char *)data + 1, size - 1, body.s, &n) != SNAPPY_OK)
			abort();
		body.len = n;
	} else {
		srw_buf_add(&body, data + 1, size - 1);	/* an exact-size copy */
	}
	if (srw_rw_decode(dec, body.s ? body.s : "", body.len, &out, &st, err, sizeof err) == 0) {
		srw_point_init(&pt);
		for (off = 0; off < out.len;) {
			char *nl = memchr(out.s + off, '\n', out.len - off);
			srw_val *v;

			if (!nl)
				abort();	/* every point ends its line */
			if (!(v = srw_val_parse(out.s + off, (size_t)(nl - out.s) - off)) ||
			    srw_point_read(&pt, v, err, sizeof err) != 0) {
				fprintf(stderr, "unreadable point (%s): %.*s\n", v ? err : "not JSON",
				    (int)((size_t)(nl - out.s) - off), out.s + off);
				abort();	/* what we write, we must read */
			}
			srw_val_free(v);
			off = (size_t)(nl - out.s) + 1;
		}
		srw_point_free(&pt);
	}
	srw_buf_free(&out);
	srw_buf_free(&body);
	return 0;
}
