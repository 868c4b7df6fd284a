/* jansson-floor - the floor rollup is compared with: read NDJSON lines and
 * parse each with jansson, nothing else.  Built by bench/bench.d/50-rollup.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

int
main(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long ok = 0, bad = 0;

	while ((n = getline(&line, &cap, stdin)) > 0) {
		json_t *j = json_loadb(line, (size_t)n, 0, NULL);

		if (j)
			ok++;
		else
			bad++;
		json_decref(j);
	}
	free(line);
	printf("%ld parsed, %ld bad\n", ok, bad);
	return 0;
}
