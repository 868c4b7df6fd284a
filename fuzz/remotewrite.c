/* fuzz/remotewrite.c - lib/remotewrite.c, remote-writed's decoder of
 * remote write requests from the network, against protobuf-c (lib/rwpb.c)
 * as the reference.  Input: a flag byte, then either a request body as sent
 * (snappy block format around a WriteRequest; flag bit 0 clear) or the raw
 * protobuf (bit 0 set), compressed here so the fuzzer reaches the wire
 * format and the series checks.  Checked:
 *  - the decoder takes a request exactly when protobuf-c parses it;
 *  - when it does, the points of the request and of protobuf-c's canonical
 *    re-encoding of it are the same bytes;
 *  - every line written reads back as a metric point. */
#include <stdlib.h>
#include <string.h>

#include <snappy-c.h>

#include "srw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static srw_rw_types *types;
static srw_rw_dec *dec;

static void
compress(const char *p, size_t n, srw_buf *out)
{
	size_t m = snappy_max_compressed_length(n);

	srw_buf_reset(out);
	srw_buf_grow(out, m + 1);
	if (snappy_compress(p, n, out->s, &m) != SNAPPY_OK)
		abort();
	out->len = m;
}

static void
check_points(const srw_buf *out)
{
	srw_point pt;
	char err[200];
	size_t off;

	srw_point_init(&pt);
	for (off = 0; off < out->len;) {
		char *nl = memchr(out->s + off, '\n', out->len - off);
		srw_val *v;

		if (!nl)
			abort();	/* every point ends its line */
		if (!(v = srw_val_parse(out->s + off, (size_t)(nl - out->s) - off)) ||
		    srw_point_read(&pt, v, err, sizeof err) != 0) {
			fprintf(stderr, "unreadable point (%s): %.*s\n", v ? err : "not JSON",
			    (int)((size_t)(nl - out->s) - off), out->s + off);
			abort();	/* what we write, we must read */
		}
		srw_val_free(v);
		off = (size_t)(nl - out->s) + 1;
	}
	srw_point_free(&pt);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	srw_buf out, out2, body, raw, canon;
	srw_rw_stats st;
	char err[200];
	int rc, rc2;

	if (size < 1)
		return 0;
	if (!types) {	/* learnt types carry across inputs, as in the daemon */
		types = srw_rw_types_new(1000);
		dec = srw_rw_dec_new(types, 1u << 20);
	}
	srw_buf_init(&out);
	srw_buf_init(&out2);
	srw_buf_init(&body);
	srw_buf_init(&raw);
	srw_buf_init(&canon);
	if (data[0] & 1)
		compress((const char *)data + 1, size - 1, &body);
	else
		srw_buf_add(&body, data + 1, size - 1);	/* an exact-size copy */
	rc = srw_rw_decode(dec, body.s ? body.s : "", body.len, &out, &st, err, sizeof err);
	if (rc == 0)
		check_points(&out);
	else if (out.len)
		abort();	/* nothing of a refused request */
	if (srw_rw_unsnappy(body.s ? body.s : "", body.len, 1u << 20, &raw, err, sizeof err) == 0) {
		if (srw_rwpb_canonical(raw.s, raw.len, &canon) != 0) {
			if (rc == 0) {
				fprintf(stderr, "decoder took what protobuf-c refuses\n");
				abort();
			}
		} else {
			if (rc != 0) {
				fprintf(stderr, "decoder refused what protobuf-c takes: %s\n", err);
				abort();
			}
			/* protobuf-c packs an unknown field 0 it read from a two-byte
			 * tag as a one-byte tag it refuses: no canonical form then */
			if (srw_rwpb_canonical(canon.s ? canon.s : "", canon.len, &raw) != 0)
				goto done;
			compress(canon.s ? canon.s : "", canon.len, &body);
			rc2 = srw_rw_decode(dec, body.s ? body.s : "", body.len, &out2, &st, err,
			    sizeof err);
			if (rc2 != 0 || out.len != out2.len ||
			    (out.len && memcmp(out.s, out2.s, out.len) != 0)) {
				fprintf(stderr, "points differ from protobuf-c's reading:\n%.*s---\n%.*s\n",
				    (int)out.len, out.s ? out.s : "", (int)out2.len, out2.s ? out2.s : "");
				abort();
			}
		}
	}
done:
	srw_buf_free(&out);
	srw_buf_free(&out2);
	srw_buf_free(&body);
	srw_buf_free(&raw);
	srw_buf_free(&canon);
	return 0;
}
