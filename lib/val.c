/* val.c - srw_val, the parsed form of an NDJSON record, over cJSON.
 * The only file that knows which fast parser runs (DESIGN.md, JSON parsing). */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "srw.h"

#define C(v) ((cJSON *)(v))
#define V(c) ((srw_val *)(c))

srw_val *
srw_val_parse(const char *s, size_t len)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(s, len, &end, 0);

	/* "{...} junk" is not JSON either (cJSON stops at the value's end) */
	while (j && end && end < s + len && (*end == ' ' || *end == '\t' ||
	    *end == '\r' || *end == '\n'))
		end++;
	if (j && end && end < s + len && *end != '\0') {
		cJSON_Delete(j);
		return NULL;
	}
	return V(j);
}

void
srw_val_free(srw_val *v)
{
	cJSON_Delete(C(v));
}

enum srw_type
srw_val_type(const srw_val *v)
{
	if (!v)
		return SRW_INVALID;
	switch (C(v)->type & 0xff) {
	case cJSON_NULL: return SRW_NULL;
	case cJSON_True:
	case cJSON_False: return SRW_BOOL;
	case cJSON_Number: return SRW_NUM;
	case cJSON_String: return SRW_STR;
	case cJSON_Array: return SRW_ARR;
	case cJSON_Object: return SRW_OBJ;
	default: return SRW_INVALID;
	}
}

srw_val *
srw_val_get(const srw_val *obj, const char *key)
{
	if (!obj || !cJSON_IsObject(C(obj)))
		return NULL;
	return V(cJSON_GetObjectItemCaseSensitive(C(obj), key));
}

const char *
srw_val_str(const srw_val *v)
{
	return v && cJSON_IsString(C(v)) ? C(v)->valuestring : NULL;
}

const char *
srw_val_get_str(const srw_val *obj, const char *key)
{
	return srw_val_str(srw_val_get(obj, key));
}

bool
srw_val_num(const srw_val *v, double *out)
{
	char *end;
	const char *s;

	if (!v)
		return false;
	if (cJSON_IsNumber(C(v))) {
		*out = C(v)->valuedouble;
		return true;
	}
	if ((s = srw_val_str(v)) && *s) {
		double d = strtod(s, &end);

		if (*end == '\0') {
			*out = d;
			return true;
		}
	}
	return false;
}

bool
srw_val_get_num(const srw_val *obj, const char *key, double *out)
{
	return srw_val_num(srw_val_get(obj, key), out);
}

bool
srw_val_bool(const srw_val *v, bool *out)
{
	if (!v || !cJSON_IsBool(C(v)))
		return false;
	*out = cJSON_IsTrue(C(v));
	return true;
}

srw_val *
srw_val_first(const srw_val *v)
{
	if (!v || !(cJSON_IsObject(C(v)) || cJSON_IsArray(C(v))))
		return NULL;
	return V(C(v)->child);
}

srw_val *
srw_val_next(const srw_val *v)
{
	return v ? V(C(v)->next) : NULL;
}

const char *
srw_val_key(const srw_val *v)
{
	return v ? C(v)->string : NULL;
}

size_t
srw_val_len(const srw_val *arr)
{
	size_t n = 0;
	srw_val *c;

	for (c = srw_val_first(arr); c; c = srw_val_next(c))
		n++;
	return n;
}

char *
srw_val_print(const srw_val *v)
{
	char *s = cJSON_PrintUnformatted(C(v));

	if (!s)
		srw_die(SRW_EX_SOFTWARE, "out of memory");
	return s;
}

json_t *
srw_val_to_json(const srw_val *v)
{
	json_t *j;
	srw_val *c;

	switch (srw_val_type(v)) {
	case SRW_NULL: return json_null();
	case SRW_BOOL: return json_boolean(cJSON_IsTrue(C(v)));
	case SRW_NUM: {
		double d = C(v)->valuedouble;

		if (d == (double)(json_int_t)d && d > -9e15 && d < 9e15)
			return json_integer((json_int_t)d);
		return json_real(d);
	}
	case SRW_STR: return json_string(C(v)->valuestring);
	case SRW_ARR:
		j = json_array();
		for (c = srw_val_first(v); c; c = srw_val_next(c))
			json_array_append_new(j, srw_val_to_json(c));
		return j;
	case SRW_OBJ:
		j = json_object();
		for (c = srw_val_first(v); c; c = srw_val_next(c))
			json_object_set_new(j, srw_val_key(c), srw_val_to_json(c));
		return j;
	default:
		return json_null();
	}
}
