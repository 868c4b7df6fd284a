/* val.c - srw_val, the parsed form of an NDJSON record.  The only file
 * that knows which parsers run (DESIGN.md, JSON parsing): simdjson (Debian
 * libsimdjson, through lib/simdjson.cpp) parses, and the tree it leaves is
 * ours; cJSON parses only what simdjson refused, so every line cJSON took
 * before is still taken (trailing data is still told apart, bad UTF-8 still
 * passes through) and a bad line's column is still reported.
 *
 * Measured on 2M metric points (callgrind, instructions per line): cJSON
 * into the arena 7.9k, simdjson plus the copy into our tree 2.1k. */
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "srw.h"
#include "srw/simdjson.h"

struct srw_val {
	srw_sj_node n;
};

#define N(v) (&(v)->n)
#define V(c) ((srw_val *)(c))
/* cJSON's nesting limit: the same documents are too deep for both */
#define MAX_DEPTH 1000

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


static void *
arena_alloc(void *ctx, size_t n)
{
	(void)ctx;
	return hook_malloc(n);
}

/* What simdjson refused, cJSON's way: its tree copied into ours. */
static srw_sj_node *
from_cjson(const cJSON *j, void *(*alloc)(void *, size_t), void *ctx)
{
	srw_sj_node *n = alloc(ctx, sizeof *n), **tail;
	const cJSON *c;
	size_t l;

	if (!n)
		return NULL;
	memset(n, 0, sizeof *n);
	switch (j->type & 0xff) {
	case cJSON_NULL: n->type = SRW_NULL; break;
	case cJSON_False: n->type = SRW_BOOL; break;
	case cJSON_True: n->type = SRW_BOOL; n->num = 1; break;
	case cJSON_Number: n->type = SRW_NUM; n->num = j->valuedouble; break;
	case cJSON_String: {
		char *p;

		n->type = SRW_STR;
		l = strlen(j->valuestring);
		if (!(p = alloc(ctx, l + 1)))
			return NULL;
		memcpy(p, j->valuestring, l + 1);
		n->str = p;
		n->len = l;
		break;
	}
	case cJSON_Array:
	case cJSON_Object:
		n->type = (j->type & 0xff) == cJSON_Array ? SRW_ARR : SRW_OBJ;
		tail = &n->child;
		for (c = j->child; c; c = c->next) {
			srw_sj_node *k = from_cjson(c, alloc, ctx);

			if (!k)
				return NULL;
			if (n->type == SRW_OBJ) {
				char *p;

				l = strlen(c->string);
				if (!(p = alloc(ctx, l + 1)))
					return NULL;
				memcpy(p, c->string, l + 1);
				k->key = p;
			}
			*tail = k;
			tail = &k->next;
		}
		break;
	default:
		n->type = SRW_INVALID;
	}
	return n;
}

srw_val *
srw_val_parse_record(const char *s, size_t len, const char **errpos)
{
	const char *end = NULL;
	srw_sj_node *n;
	cJSON *j;

	pthread_once(&hooks_once, init_hooks);
	/* records nest LIFO (ndjson, card.c), so the number alive is the slot */
	if (arena_depth >= 0 &&
	    (n = srw_sj_parse_record(s, len, (unsigned)arena_depth, MAX_DEPTH))) {
		arena_depth++;
		*errpos = s + len;
		return V(n);
	}
	arena_on = true;
	if ((n = srw_sj_parse(s, len, MAX_DEPTH, arena_alloc, NULL))) {
		arena_on = false;
		arena_depth++;
		*errpos = s + len;
		return V(n);
	}
	/* refused: cJSON says where, or takes it as it always did */
	j = cJSON_ParseWithLengthOpts(s, len, &end, 0);
	n = j ? from_cjson(j, arena_alloc, NULL) : NULL;
	arena_on = false;
	if (!n) {
		const char *ep = cJSON_GetErrorPtr();

		*errpos = ep && ep >= s && ep <= s + len ? ep : s;
		arena_reset();
		return NULL;
	}
	arena_depth++;
	*errpos = end;
	return V(n);
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

/* A document of srw_val_parse lives in blocks of its own: the root is the
 * first node of the first block, so srw_val_free finds them all from it. */
struct blk {
	struct blk *more;	/* the first block: the later ones */
	size_t cap, used;
	max_align_t mem[];
};

struct docctx {
	struct blk *first, *cur;
};

static void *
doc_alloc(void *ctx, size_t n)
{
	struct docctx *d = ctx;
	struct blk *b = d->cur;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (!b || b->used + n > b->cap) {
		size_t cap = b ? 2 * b->cap : 1024;

		while (cap < n)
			cap *= 2;
		b = srw_xmalloc(sizeof *b + cap);
		b->cap = cap;
		b->used = 0;
		b->more = NULL;
		if (!d->first) {
			d->first = b;
		} else {
			b->more = d->first->more;
			d->first->more = b;
		}
		d->cur = b;
	}
	p = (char *)b->mem + b->used;
	b->used += n;
	return p;
}

static void
doc_free(struct blk *first)
{
	struct blk *b, *n;

	if (!first)
		return;
	for (b = first->more; b; b = n) {
		n = b->more;
		free(b);
	}
	free(first);
}

srw_val *
srw_val_parse(const char *s, size_t len)
{
	struct docctx d = { NULL, NULL };
	const char *end = NULL;
	srw_sj_node *n;
	cJSON *j;

	pthread_once(&hooks_once, init_hooks);
	if ((n = srw_sj_parse(s, len, MAX_DEPTH, doc_alloc, &d)))
		return V(n);
	doc_free(d.first);
	d.first = d.cur = NULL;
	if (!(j = cJSON_ParseWithLengthOpts(s, len, &end, 0)))
		return NULL;
	/* "{...} junk" is not JSON either (cJSON stops at the value's end) */
	while (end && end < s + len && (*end == ' ' || *end == '\t' ||
	    *end == '\r' || *end == '\n'))
		end++;
	if (end && end < s + len && *end != '\0') {
		cJSON_Delete(j);
		return NULL;
	}
	n = from_cjson(j, doc_alloc, &d);
	cJSON_Delete(j);
	return V(n);
}

void
srw_val_free(srw_val *v)
{
	if (v)
		doc_free((struct blk *)((char *)v - offsetof(struct blk, mem)));
}

enum srw_type
srw_val_type(const srw_val *v)
{
	return v ? (enum srw_type)N(v)->type : SRW_INVALID;
}

srw_val *
srw_val_get(const srw_val *obj, const char *key)
{
	srw_sj_node *c;

	if (!obj || N(obj)->type != SRW_OBJ)
		return NULL;
	for (c = N(obj)->child; c; c = c->next)
		if (strcmp(c->key, key) == 0)
			return V(c);
	return NULL;
}

const char *
srw_val_str(const srw_val *v)
{
	return v && N(v)->type == SRW_STR ? N(v)->str : NULL;
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
	if (N(v)->type == SRW_NUM) {
		*out = N(v)->num;
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
	if (!v || N(v)->type != SRW_BOOL)
		return false;
	*out = N(v)->num != 0;
	return true;
}

srw_val *
srw_val_first(const srw_val *v)
{
	if (!v || (N(v)->type != SRW_OBJ && N(v)->type != SRW_ARR))
		return NULL;
	return V(N(v)->child);
}

srw_val *
srw_val_next(const srw_val *v)
{
	return v ? V(N(v)->next) : NULL;
}

const char *
srw_val_key(const srw_val *v)
{
	return v ? N(v)->key : NULL;
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

/* Strings as cJSON_PrintUnformatted wrote them: stored JSON columns keep
 * their bytes. */
static void
print_str(srw_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, from = 0;

	srw_buf_addc(b, '"');
	for (i = 0; i < n && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[7] = "\\u00";

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		srw_buf_add(b, s + from, i - from);
		from = i + 1;
		switch (c) {
		case '"': srw_buf_add(b, "\\\"", 2); break;
		case '\\': srw_buf_add(b, "\\\\", 2); break;
		case '\b': srw_buf_add(b, "\\b", 2); break;
		case '\f': srw_buf_add(b, "\\f", 2); break;
		case '\n': srw_buf_add(b, "\\n", 2); break;
		case '\r': srw_buf_add(b, "\\r", 2); break;
		case '\t': srw_buf_add(b, "\\t", 2); break;
		default:
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			srw_buf_add(b, e, 6);
		}
	}
	srw_buf_add(b, s + from, i - from);
	srw_buf_addc(b, '"');
}

/* Numbers as cJSON 1.7.15 prints them: %1.15g unless that does not read
 * back, then %1.17g; NaN and infinities as null.  (An integer literal -0
 * reads as 0 now, so it prints as 0 where cJSON kept -0.) */
static void
print_num(srw_buf *b, double d)
{
	char t[32];
	double back, m;

	if (isnan(d) || isinf(d)) {
		srw_buf_add(b, "null", 4);
		return;
	}
	snprintf(t, sizeof t, "%1.15g", d);
	back = strtod(t, NULL);
	m = fabs(back) > fabs(d) ? fabs(back) : fabs(d);
	if (!(fabs(back - d) <= m * 2.220446049250313e-16))
		snprintf(t, sizeof t, "%1.17g", d);
	srw_buf_adds(b, t);
}

static void
print_val(srw_buf *b, const srw_sj_node *n)
{
	const srw_sj_node *c;

	switch (n->type) {
	case SRW_NULL: srw_buf_add(b, "null", 4); break;
	case SRW_BOOL: srw_buf_adds(b, n->num != 0 ? "true" : "false"); break;
	case SRW_NUM: print_num(b, n->num); break;
	case SRW_STR: print_str(b, n->str, n->len); break;
	case SRW_ARR:
	case SRW_OBJ:
		srw_buf_addc(b, n->type == SRW_ARR ? '[' : '{');
		for (c = n->child; c; c = c->next) {
			if (c != n->child)
				srw_buf_addc(b, ',');
			if (n->type == SRW_OBJ) {
				print_str(b, c->key, strlen(c->key));
				srw_buf_addc(b, ':');
			}
			print_val(b, c);
		}
		srw_buf_addc(b, n->type == SRW_ARR ? ']' : '}');
		break;
	default:
		srw_buf_add(b, "null", 4);
	}
}

char *
srw_val_print(const srw_val *v)
{
	srw_buf b;

	srw_buf_init(&b);
	if (v)
		print_val(&b, N(v));
	srw_buf_addc(&b, '\0');	/* an empty buffer has no string yet */
	return b.s;
}

json_t *
srw_val_to_json(const srw_val *v)
{
	json_t *j;
	srw_val *c;

	switch (srw_val_type(v)) {
	case SRW_NULL: return json_null();
	case SRW_BOOL: return json_boolean(N(v)->num != 0);
	case SRW_NUM: {
		double d = N(v)->num;

		if (d > -9e15 && d < 9e15 && d == (double)(json_int_t)d)	/* range first: the cast of a larger value is UB */
			return json_integer((json_int_t)d);
		return json_real(d);
	}
	case SRW_STR: return json_string(N(v)->str);
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
