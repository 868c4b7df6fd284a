/* json.c - document JSON helpers over jansson. */
#include <string.h>

#include "srw.h"

json_t *
srw_json_loadb(const char *s, size_t n, char *err, size_t errsz)
{
	json_error_t e;
	json_t *j = json_loadb(s, n, JSON_DECODE_ANY, &e);

	if (!j && err)
		snprintf(err, errsz, "line %d column %d: %s", e.line, e.column, e.text);
	return j;
}

const char *
srw_json_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

bool
srw_json_num(const json_t *obj, const char *key, double *out)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_number(v))
		return false;
	*out = json_number_value(v);
	return true;
}

char *
srw_json_dumps(const json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);

	if (!s)
		srw_die(SRW_EX_SOFTWARE, "out of memory");
	return s;
}

int
srw_json_print(FILE *fp, const json_t *j)
{
	if (json_dumpf(j, fp, JSON_COMPACT | JSON_ENCODE_ANY) != 0)
		return -1;
	return fputc('\n', fp) == EOF ? -1 : 0;
}
