/* fuzz/replay.c - main() for a fuzz target built without libFuzzer: calls
 * LLVMFuzzerTestOneInput once per file named, so saved crashes
 * (fuzz/regressions/) and the seed corpus run in every `make check` with the
 * normal compiler, under ASan+UBSan when the library was built with SAN=1.
 * Prints one line per file; exits 0 when every input returned. */
#include <stdio.h>
#include <stdlib.h>

#include "srw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char *argv[])
{
	int i;

	for (i = 1; i < argc; i++) {
		FILE *fp = fopen(argv[i], "rb");
		size_t cap = 1 << 16, len = 0, n;
		unsigned char *buf;

		if (!fp) {
			perror(argv[i]);
			return 66;
		}
		buf = srw_xmalloc(cap);
		while ((n = fread(buf + len, 1, cap - len, fp)) > 0) {
			len += n;
			if (len == cap)
				buf = srw_xrealloc(buf, cap *= 2);
		}
		fclose(fp);
		/* an exact-size copy, as libFuzzer hands it: reads past the end
		 * are caught by ASan */
		unsigned char *in = srw_xmalloc(len ? len : 1);
		for (n = 0; n < len; n++)
			in[n] = buf[n];
		free(buf);
		LLVMFuzzerTestOneInput(in, len);
		free(in);
		printf("replayed %s (%zu bytes)\n", argv[i], len);
		fflush(stdout);
	}
	return 0;
}
