/* val.c - srw_val, the parsed form of an NDJSON record, over cJSON.
 * The only file that knows which fast parser runs (DESIGN.md, JSON parsing). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "srw.h"

#define C(v) ((cJSON *)(v))
#define V(c) ((srw_val *)(c))

/* Under AddressSanitizer the arena keeps its guarantees: free space and
 * reset records are poisoned, and allocations are separated by red zones. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define REDZONE 16
#else
#define ASAN_POISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#define ASAN_UNPOISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#define REDZONE 0
#endif

/*
 * Records of the NDJSON stream are parsed into a per-thread arena: a record
 * is a few dozen small nodes and strings that all die together when the
 * reader moves to the next line, so malloc and free per node (most of the
 * parse time) become a pointer bump and one reset.  The arena is active only
 * while a record is parsed; everything else (srw_val_parse, printing)
 * allocates with malloc as usual, and free of an arena pointer is a no-op.
 */
struct chunk {
	struct chunk *next;
	size_t cap, used;
	char mem[];
};

static __thread struct chunk *arena;
static __thread bool arena_on;
static __thread int arena_depth;	/* records alive (they may nest) */
static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static bool
in_arena(const void *p)
{
	const struct chunk *c;

	for (c = arena; c; c = c->next)
		if ((const char *)p >= c->mem && (const char *)p < c->mem + c->cap)
			return true;
	return false;
}

static void *
hook_malloc(size_t want)
{
	struct chunk *c = arena;
	size_t n;
	char *p;

	if (!arena_on)
		return malloc(want);
	n = ((want + 15) & ~(size_t)15) + REDZONE;
	if (!c || c->used + n > c->cap) {
		size_t cap = c ? 2 * c->cap : 64 * 1024;

		while (cap < n)
			cap *= 2;
		if (!(c = malloc(sizeof *c + cap)))
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = arena;
		arena = c;
		ASAN_POISON_MEMORY_REGION(c->mem, cap);
	}
	p = c->mem + c->used;
	c->used += n;
	ASAN_UNPOISON_MEMORY_REGION(p, want);
	return p;
}

static void
hook_free(void *p)
{
	if (p && !in_arena(p))
		free(p);
}

static void
init_hooks(void)
{
	cJSON_Hooks h = { hook_malloc, hook_free };

	cJSON_InitHooks(&h);
}

/* After the last live record is gone: keep one chunk, big enough for the largest record
 * seen lately, so the next parse allocates nothing. */
static void
arena_reset(void)
{
	struct chunk *c = arena, *n;
	size_t total = 0;

	if (!c || arena_depth > 0)
		return;
	if (!c->next) {
		c->used = 0;
		ASAN_POISON_MEMORY_REGION(c->mem, c->cap);
		return;
	}
	for (; c; c = n) {
		n = c->next;
		total += c->cap;
		ASAN_UNPOISON_MEMORY_REGION(c->mem, c->cap);
		free(c);
	}
	arena = NULL;
	if (total <= (1u << 20)) {	/* a huge record does not pin its memory */
		arena_on = true;
		hook_malloc(total);
		arena_on = false;
		arena->used = 0;
		ASAN_POISON_MEMORY_REGION(arena->mem, arena->cap);
	}
}

srw_val *
srw_val_parse_record(const char *s, size_t len, const char **errpos)
{
	const char *end = NULL;
	cJSON *j;

	pthread_once(&hooks_once, init_hooks);
	arena_on = true;
	j = cJSON_ParseWithLengthOpts(s, len, &end, 0);
	arena_on = false;
	if (!j) {
		const char *ep = cJSON_GetErrorPtr();

		*errpos = ep && ep >= s && ep <= s + len ? ep : s;
		arena_reset();
		return NULL;
	}
	arena_depth++;
	*errpos = end;
	return V(j);
}

void
srw_val_free_record(srw_val *v)
{
	if (!v)
		return;
	/* every node of the record is in the arena: nothing to free one by
	 * one; the memory goes back when no record is alive any more */
	arena_depth--;
	arena_reset();
}

srw_val *
srw_val_parse(const char *s, size_t len)
{
	const char *end = NULL;
	cJSON *j;

	pthread_once(&hooks_once, init_hooks);
	j = cJSON_ParseWithLengthOpts(s, len, &end, 0);

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
	char *s;

	pthread_once(&hooks_once, init_hooks);
	s = cJSON_PrintUnformatted(C(v));

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

		if (d > -9e15 && d < 9e15 && d == (double)(json_int_t)d)	/* range first: the cast of a larger value is UB */
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
