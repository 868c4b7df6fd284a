/* srw/simdjson.h: the declarations of lib/simdjson.cpp (see srw.h) */
#ifndef SRW_SIMDJSON_H
#define SRW_SIMDJSON_H

#include "srw/base.h"

/* ---- lib/simdjson.cpp: the C shim over simdjson (Debian libsimdjson) -- */
/*
 * lib/val.c's fast parser.  A document is parsed with simdjson's DOM parser
 * (one per thread, reused) and copied into a tree of srw_sj_node allocated
 * with alloc(ctx, bytes), strings and keys included (NUL-terminated, with
 * their length), so the tree outlives the parser's buffers.  Numbers are
 * doubles, as in JSON's data model.  Only val.c calls this.
 */
typedef struct srw_sj_node {
	struct srw_sj_node *child, *next;	/* first child; next sibling */
	const char *key;	/* in an object: the member's key */
	const char *str;	/* a string's bytes */
	size_t len;		/* a string's length (it may hold NULs) */
	double num;
	unsigned char type;	/* enum srw_type */
} srw_sj_node;

/* Returns the root, or NULL if s[0..len) is not one JSON value (errors,
 * trailing data, invalid UTF-8 and nesting deeper than max_depth alike: the
 * caller finds out which with its slower parser). */
srw_sj_node *srw_sj_parse(const char *s, size_t len, unsigned max_depth,
    void *(*alloc)(void *ctx, size_t n), void *ctx);
/* The NDJSON records' parse, without a copy: nodes and strings stay in the
 * slot's own buffers (its parser's strings), valid until its next parse.
 * One slot per record alive at once (records nest: card-parse parses a
 * card inside its message).  NULL also when slot >= SRW_SJ_SLOTS or the
 * line is longer than SRW_SJ_RECORD_MAX: then srw_sj_parse. */
#define SRW_SJ_SLOTS 4
#define SRW_SJ_RECORD_MAX (64 * 1024)
srw_sj_node *srw_sj_parse_record(const char *s, size_t len, unsigned slot,
    unsigned max_depth);

#endif
