// simdjson.cpp - the C shim over simdjson's DOM parser for lib/val.c
// (include/srw/simdjson.h).  C++ only here: the rest of the library is C.
#include <cstring>
#include <simdjson.h>

extern "C" {
#include "srw/simdjson.h"
}

namespace {

enum { T_NULL, T_BOOL, T_NUM, T_STR, T_ARR, T_OBJ };	// enum srw_type's order

struct builder {
	void *(*alloc)(void *, size_t);	/* NULL: nodes from the slot */
	void *ctx;
	unsigned max_depth;
	bool failed;
	srw_sj_node *nodes;	/* the slot's, when alloc is NULL */
	size_t nnodes, capnodes;

	srw_sj_node *node(unsigned char type)
	{
		srw_sj_node *n;

		if (alloc)
			n = static_cast<srw_sj_node *>(alloc(ctx, sizeof *n));
		else
			n = nnodes < capnodes ? &nodes[nnodes++] : nullptr;

		if (!n) {
			failed = true;
			return nullptr;
		}
		std::memset(n, 0, sizeof *n);
		n->type = type;
		return n;
	}

	/* s is NUL-terminated in the parser's string buffer: used as it is
	 * when the nodes live as long as that buffer */
	const char *copy(std::string_view s)
	{
		if (!alloc)
			return s.data();
		char *p = static_cast<char *>(alloc(ctx, s.size() + 1));

		if (!p) {
			failed = true;
			return nullptr;
		}
		std::memcpy(p, s.data(), s.size());
		p[s.size()] = '\0';
		return p;
	}

	srw_sj_node *build(simdjson::dom::element e, unsigned depth)
	{
		using simdjson::dom::element_type;
		srw_sj_node *n = nullptr, **tail;

		switch (e.type()) {
		case element_type::OBJECT: {
			simdjson::dom::object o;

			if (depth >= max_depth) {
				failed = true;
				return nullptr;
			}
			if (e.get_object().get(o) != simdjson::SUCCESS || !(n = node(T_OBJ)))
				return nullptr;
			tail = &n->child;
			for (auto kv : o) {
				srw_sj_node *c = build(kv.value, depth + 1);

				if (!c || !(c->key = copy(kv.key)))
					return nullptr;
				*tail = c;
				tail = &c->next;
			}
			return n;
		}
		case element_type::ARRAY: {
			simdjson::dom::array a;

			if (depth >= max_depth) {
				failed = true;
				return nullptr;
			}
			if (e.get_array().get(a) != simdjson::SUCCESS || !(n = node(T_ARR)))
				return nullptr;
			tail = &n->child;
			for (auto v : a) {
				srw_sj_node *c = build(v, depth + 1);

				if (!c)
					return nullptr;
				*tail = c;
				tail = &c->next;
			}
			return n;
		}
		case element_type::STRING: {
			std::string_view s;

			if (e.get_string().get(s) != simdjson::SUCCESS)
				return nullptr;

			if (!(n = node(T_STR)) || !(n->str = copy(s)))
				return nullptr;
			n->len = s.size();
			return n;
		}
		case element_type::INT64:
			if ((n = node(T_NUM)))
				n->num = static_cast<double>(e.get_int64().value_unsafe());
			return n;
		case element_type::UINT64:
			if ((n = node(T_NUM)))
				n->num = static_cast<double>(e.get_uint64().value_unsafe());
			return n;
		case element_type::DOUBLE:
			if ((n = node(T_NUM)))
				n->num = e.get_double().value_unsafe();
			return n;
		case element_type::BOOL:
			if ((n = node(T_BOOL)))
				n->num = e.get_bool().value_unsafe() ? 1 : 0;
			return n;
		case element_type::NULL_VALUE:
			return node(T_NULL);
		}
		failed = true;
		return nullptr;
	}
};

// One padded copy of the input per thread, reused: simdjson reads up to
// SIMDJSON_PADDING bytes past the end of what it parses.  A parser per slot
// (records alive at once, see srw_sj_parse_record) and one for documents:
// a parser's string buffer holds the strings of its last parse.
struct padbuf {
	char *p;
	size_t cap;

	~padbuf() { std::free(p); }	// a worker thread's copy goes with it
};
thread_local padbuf pad;

struct slot {
	simdjson::dom::parser parser;
	srw_sj_node *nodes;
	size_t cap;

	~slot() { std::free(nodes); }
};
thread_local slot slots[SRW_SJ_SLOTS + 1];

bool
parse(simdjson::dom::parser &parser, const char *s, size_t len,
    simdjson::dom::element &root)
{
	if (len + simdjson::SIMDJSON_PADDING > pad.cap) {
		size_t cap = pad.cap ? pad.cap : 4096;

		while (cap < len + simdjson::SIMDJSON_PADDING)
			cap *= 2;
		char *p = static_cast<char *>(std::realloc(pad.p, cap));

		if (!p)
			return false;
		pad.p = p;
		pad.cap = cap;
	}
	std::memcpy(pad.p, s, len);
	std::memset(pad.p + len, 0, simdjson::SIMDJSON_PADDING);
	return parser.parse(pad.p, len, false).get(root) == simdjson::SUCCESS;
}

}	// namespace

extern "C" srw_sj_node *
srw_sj_parse(const char *s, size_t len, unsigned max_depth,
    void *(*alloc)(void *ctx, size_t n), void *ctx)
{
	simdjson::dom::element root;
	builder b = { alloc, ctx, max_depth, false, nullptr, 0, 0 };
	srw_sj_node *n;

	if (!parse(slots[SRW_SJ_SLOTS].parser, s, len, root))
		return nullptr;
	n = b.build(root, 0);
	return b.failed ? nullptr : n;
}

extern "C" srw_sj_node *
srw_sj_parse_record(const char *s, size_t len, unsigned slot, unsigned max_depth)
{
	simdjson::dom::element root;
	struct slot *sl;
	srw_sj_node *n;
	/* every value but the root takes a separator and a byte at least */
	size_t need = len / 2 + 2;

	if (slot >= SRW_SJ_SLOTS || len > SRW_SJ_RECORD_MAX)
		return nullptr;
	sl = &slots[slot];
	if (need > sl->cap) {
		size_t cap = sl->cap ? sl->cap : 256;

		while (cap < need)
			cap *= 2;
		void *p = std::realloc(sl->nodes, cap * sizeof *sl->nodes);

		if (!p)
			return nullptr;
		sl->nodes = static_cast<srw_sj_node *>(p);
		sl->cap = cap;
	}
	if (!parse(sl->parser, s, len, root))
		return nullptr;
	builder b = { nullptr, nullptr, max_depth, false, sl->nodes, 0, sl->cap };

	n = b.build(root, 0);
	return b.failed ? nullptr : n;
}
