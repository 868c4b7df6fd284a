/* pqparse.c - the PromQL lexer and parser (promql-int.h): text into the
 * program's shared steps, every error at compile time. */
#include <ctype.h>
#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srw.h"
#include "promql-int.h"

/* ---- lexer and parser --------------------------------------------------- */

enum tok { T_EOF, T_IDENT, T_NUM, T_DUR, T_STR, T_LP, T_RP, T_LB, T_RB, T_LBK,
	T_RBK, T_COMMA, T_ASSIGN, T_NE, T_RE, T_NRE, T_ADD, T_SUB, T_MUL, T_DIV,
	T_MOD, T_POW, T_EQL, T_GT, T_LT, T_GE, T_LE, T_AT, T_COLON, T_BAD };

typedef struct parser {
	srw_pq *pq;
	const char *src, *p;
	enum tok t;
	const char *tstart;
	size_t tlen;
	double num;
	int64_t dur;
	srw_buf str;
	char *err;
	size_t errsz;
	jmp_buf jb;
	node *pend[64];	/* nodes being built, freed on error */
	size_t npend;
} parser;

static void __attribute__((format(printf, 2, 3), noreturn))
perr(parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(ps->err, ps->errsz, "col %d: ", (int)(ps->tstart - ps->src) + 1);
	if (n < 0 || (size_t)n >= ps->errsz)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errsz - n, fmt, ap);
	va_end(ap);
	longjmp(ps->jb, 1);
}

static int64_t
dur_parse(const char *s, size_t len, bool *ok)
{
	int64_t total = 0;
	size_t i = 0;

	*ok = len > 0;
	while (i < len) {
		int64_t n = 0, mul;

		if (!isdigit((unsigned char)s[i])) {
			*ok = false;
			return 0;
		}
		while (i < len && isdigit((unsigned char)s[i])) {
			if (n > 1000000000000LL) {
				*ok = false;
				return 0;
			}
			n = n * 10 + (s[i++] - '0');
		}
		if (i + 1 < len && s[i] == 'm' && s[i + 1] == 's') {
			mul = 1;
			i += 2;
		} else if (i < len) {
			switch (s[i++]) {
			case 's': mul = 1000; break;
			case 'm': mul = 60000; break;
			case 'h': mul = 3600000; break;
			case 'd': mul = 86400000; break;
			case 'w': mul = 7LL * 86400000; break;
			case 'y': mul = 365LL * 86400000; break;
			default: *ok = false; return 0;
			}
		} else {
			*ok = false;
			return 0;
		}
		/* 1e15 ms (31,700 years) at most, so sums of ranges, offsets
		 * and the lookback stay far from overflow */
		if (n > 1000000000000000LL / mul || total > 1000000000000000LL) {
			*ok = false;
			return 0;
		}
		total += n * mul;
	}
	return total;
}

static void
lex(parser *ps)
{
	const char *p = ps->p;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '#') {	/* comment to end of line */
		while (*p && *p != '\n')
			p++;
		ps->p = p;
		lex(ps);
		return;
	}
	ps->tstart = p;
	if (!*p) {
		ps->t = T_EOF;
		ps->tlen = 0;
		return;
	}
	if (isalpha((unsigned char)*p) || *p == '_' || *p == ':') {
		while (isalnum((unsigned char)*p) || *p == '_' || *p == ':')
			p++;
		ps->t = T_IDENT;
	} else if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))) {
		const char *q = p;
		char *end;

		while (isdigit((unsigned char)*q))
			q++;
		if (q > p && strchr("smhdwy", *q) && *q && !(q[0] == 'm' && isalpha((unsigned char)q[1]) && q[1] != 's')) {
			bool ok;

			while (isalnum((unsigned char)*q))
				q++;
			ps->dur = dur_parse(p, q - p, &ok);
			if (!ok) {
				ps->p = q;
				ps->tlen = q - p;
				perr(ps, "bad duration \"%.*s\"", (int)(q - p), p);
			}
			p = q;
			ps->t = T_DUR;
		} else {
			ps->num = strtod(p, &end);
			p = end;
			ps->t = T_NUM;
		}
	} else if (*p == '"' || *p == '\'' || *p == '`') {
		char q = *p++;

		srw_buf_reset(&ps->str);
		while (*p && *p != q) {
			if (*p == '\\' && q != '`' && p[1]) {
				p++;
				switch (*p) {
				case 'n': srw_buf_addc(&ps->str, '\n'); break;
				case 't': srw_buf_addc(&ps->str, '\t'); break;
				case 'r': srw_buf_addc(&ps->str, '\r'); break;
				default: srw_buf_addc(&ps->str, *p); break;
				}
				p++;
			} else {
				srw_buf_addc(&ps->str, *p++);
			}
		}
		if (*p != q)
			perr(ps, "unterminated string");
		p++;
		srw_buf_addc(&ps->str, '\0');
		ps->str.len--;
		ps->t = T_STR;
	} else {
		static const struct { const char *s; enum tok t; } ops[] = {
			{ "==", T_EQL }, { "!=", T_NE }, { "=~", T_RE }, { "!~", T_NRE },
			{ ">=", T_GE }, { "<=", T_LE }, { "(", T_LP }, { ")", T_RP },
			{ "{", T_LB }, { "}", T_RB }, { "[", T_LBK }, { "]", T_RBK },
			{ ",", T_COMMA }, { "=", T_ASSIGN }, { "+", T_ADD }, { "-", T_SUB },
			{ "*", T_MUL }, { "/", T_DIV }, { "%", T_MOD }, { "^", T_POW },
			{ ">", T_GT }, { "<", T_LT }, { "@", T_AT }, { ":", T_COLON } };
		size_t i;

		ps->t = T_BAD;
		for (i = 0; i < sizeof ops / sizeof *ops; i++) {
			size_t l = strlen(ops[i].s);

			if (strncmp(p, ops[i].s, l) == 0) {
				ps->t = ops[i].t;
				p += l;
				break;
			}
		}
		if (ps->t == T_BAD) {
			ps->tlen = 1;
			perr(ps, "unexpected character '%c'", *p);
		}
	}
	ps->tlen = p - ps->tstart;
	ps->p = p;
}

static bool
is_kw(parser *ps, const char *kw)
{
	return ps->t == T_IDENT && ps->tlen == strlen(kw) &&
	    strncasecmp(ps->tstart, kw, ps->tlen) == 0;
}

static void
expect(parser *ps, enum tok t, const char *what)
{
	if (ps->t != t)
		perr(ps, "expected %s, found \"%.*s\"", what, (int)(ps->tlen ? ps->tlen : 3),
		    ps->tlen ? ps->tstart : "end");
	lex(ps);
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "(a, b, c)" -> sorted vector of names, stored into the node (*out, *n)
 * as they are read, so that a parse error (a longjmp from any depth) leaves
 * them where node_free finds them: never a count without its vector. */
static void
parse_names(parser *ps, char ***out, size_t *n)
{
	size_t cap = 0;

	pq_strv_free_n(*out, *n);
	*out = NULL;
	*n = 0;
	expect(ps, T_LP, "(");
	while (ps->t != T_RP) {
		if (ps->t != T_IDENT)
			perr(ps, "expected a label name");
		if (*n + 1 >= cap) {
			cap = cap ? cap * 2 : 4;
			*out = srw_xrealloc(*out, cap * sizeof **out);
		}
		(*out)[(*n)++] = srw_xstrndup(ps->tstart, ps->tlen);
		lex(ps);
		if (ps->t == T_COMMA)
			lex(ps);
		else if (ps->t != T_RP)
			perr(ps, "expected , or ) in a label list");
	}
	lex(ps);
	if (*n)
		qsort(*out, *n, sizeof **out, cmpstr);
}

static int parse_expr(parser *ps, int minprec);

/* Nodes under construction live on the heap, listed in the parser, so an
 * error (a longjmp out of any depth) can free them. */
static node *
pnew(parser *ps)
{
	node *nd;

	if (ps->npend == sizeof ps->pend / sizeof *ps->pend)
		perr(ps, "expression nested too deeply");
	nd = srw_xcalloc(1, sizeof *nd);
	ps->pend[ps->npend++] = nd;
	return nd;
}

static int
mk(parser *ps, node *nd)
{
	size_t i;
	int id;

	for (i = ps->npend; i > 0; i--)
		if (ps->pend[i - 1] == nd) {
			memmove(&ps->pend[i - 1], &ps->pend[i], (ps->npend - i) * sizeof *ps->pend);
			ps->npend--;
			break;
		}
	id = pq_intern(ps->pq, nd);
	free(nd);
	return id;
}

static enum vtype
vt(parser *ps, int id)
{
	return ps->pq->nodes[id].vt;
}

static int
matcher_cmp(const void *a, const void *b)
{
	const matcher *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (int)x->op - (int)y->op;
}

static int
parse_selector(parser *ps, const char *metric, size_t mlen)
{
	node *nd = pnew(ps);
	bool has_pos = false;

	nd->kind = N_SEL;
	nd->vt = VT_VECTOR;
	if (metric)
		nd->metric = srw_xstrndup(metric, mlen);
	if (ps->t == T_LB) {
		size_t cap = 0;

		lex(ps);
		while (ps->t != T_RB) {
			matcher m;

			if (ps->t != T_IDENT)
				perr(ps, "expected a label name in the selector");
			memset(&m, 0, sizeof m);
			if (nd->nm == cap) {
				cap = cap ? cap * 2 : 4;
				nd->m = srw_xrealloc(nd->m, cap * sizeof *nd->m);
			}
			m.name = srw_xstrndup(ps->tstart, ps->tlen);
			nd->m[nd->nm++] = m;
			lex(ps);
			switch (ps->t) {
			case T_ASSIGN: nd->m[nd->nm - 1].op = M_EQ; break;
			case T_NE: nd->m[nd->nm - 1].op = M_NE; break;
			case T_RE: nd->m[nd->nm - 1].op = M_RE; break;
			case T_NRE: nd->m[nd->nm - 1].op = M_NRE; break;
			default: perr(ps, "expected = != =~ or !~ after a label name");
			}
			lex(ps);
			if (ps->t != T_STR)
				perr(ps, "expected a quoted label value");
			nd->m[nd->nm - 1].val = srw_xstrdup(ps->str.s);
			lex(ps);
			if (ps->t == T_COMMA)
				lex(ps);
			else if (ps->t != T_RB)
				perr(ps, "expected , or } in the selector");
		}
		lex(ps);
	}
	/* __name__ matchers become the metric when they are equalities */
	for (size_t i = 0; i < nd->nm; i++) {
		matcher *m = &nd->m[i];

		if (strcmp(m->name, "__name__") == 0 && m->op == M_EQ && !nd->metric) {
			nd->metric = m->val;
			free(m->name);
			memmove(m, m + 1, (nd->nm - i - 1) * sizeof *m);
			nd->nm--;
			i--;
			continue;
		}
		if (m->op == M_RE || m->op == M_NRE) {
			char why[160];

			/* RE2: linear-time matching, a compile within a memory
			 * budget; what it refuses is a parse error, as in
			 * Prometheus (issue 20.5: glibc's regcomp took 725 MB
			 * for a++++++++++++++++++++) */
			if (!(m->re = srw_re_new(m->val, why, sizeof why))) {
				m->op = M_EQ;	/* nothing to free */
				perr(ps, "bad regular expression \"%.200s\": %s", m->val, why);
			}
		}
		if (m->op == M_EQ && *m->val)
			has_pos = true;
		if (m->op == M_NE && !*m->val)
			has_pos = true;
		if (m->op == M_RE && !srw_re_match(m->re, ""))
			has_pos = true;
	}
	if (!nd->metric && !has_pos)
		perr(ps, "vector selector must contain at least one non-empty matcher");
	if (nd->nm)
		qsort(nd->m, nd->nm, sizeof *nd->m, matcher_cmp);
	if (ps->t == T_LBK) {
		lex(ps);
		if (ps->t != T_DUR)
			perr(ps, "expected a duration in [ ]");
		nd->range = ps->dur;
		lex(ps);
		if (ps->t == T_COLON || (ps->t == T_IDENT && *ps->tstart == ':'))
			perr(ps, "subqueries are not supported");
		expect(ps, T_RBK, "]");
		nd->vt = VT_MATRIX;
		if (nd->range <= 0)
			perr(ps, "range must be positive");
	}
	if (is_kw(ps, "offset")) {
		bool neg = false;

		lex(ps);
		if (ps->t == T_SUB) {
			neg = true;
			lex(ps);
		}
		if (ps->t != T_DUR)
			perr(ps, "expected a duration after offset");
		nd->offset = neg ? -ps->dur : ps->dur;
		lex(ps);
	}
	if (ps->t == T_AT)
		perr(ps, "the @ modifier is not supported");
	if (ps->t == T_LBK)
		perr(ps, "subqueries are not supported");
	if (nd->range + nd->offset + LOOKBACK_MS > ps->pq->horizon)
		ps->pq->horizon = nd->range + nd->offset + LOOKBACK_MS;
	return mk(ps, nd);
}

static int
parse_call(parser *ps, size_t fi)
{
	const char *a = fns[fi].args;
	node *nd = pnew(ps);
	int nargs = 0, id;

	nd->kind = N_FUNC;
	nd->fn = fi;
	nd->vt = fns[fi].ret;
	expect(ps, T_LP, "(");
	while (ps->t != T_RP) {
		if (!a[0])
			perr(ps, "too many arguments to %s()", fns[fi].name);
		id = parse_expr(ps, 0);
		if ((a[0] == 'm' && vt(ps, id) != VT_MATRIX) ||
		    (a[0] == 'v' && vt(ps, id) != VT_VECTOR) ||
		    (a[0] == 's' && vt(ps, id) != VT_SCALAR))
			perr(ps, "argument %d of %s() must be %s", nargs + 1, fns[fi].name,
			    a[0] == 'm' ? "a range vector" : a[0] == 'v' ? "an instant vector" : "a scalar");
		nd->args[nargs++] = id;
		a++;
		if (*a == '?')
			a++;
		if (ps->t == T_COMMA)
			lex(ps);
		else if (ps->t != T_RP)
			perr(ps, "expected , or ) in %s()", fns[fi].name);
	}
	lex(ps);
	if (*a && a[1] != '?')
		perr(ps, "too few arguments to %s()", fns[fi].name);
	nd->nargs = nargs;
	return mk(ps, nd);
}

static int
parse_agg(parser *ps, int op)
{
	node *nd = pnew(ps);
	int id;

	nd->kind = N_AGG;
	nd->aop = op;
	nd->vt = VT_VECTOR;
	if (is_kw(ps, "by") || is_kw(ps, "without")) {
		nd->without = is_kw(ps, "without");
		lex(ps);
		parse_names(ps, &nd->grp, &nd->ngrp);
	}
	expect(ps, T_LP, "( after an aggregation");
	if (op == A_TOPK || op == A_BOTTOMK || op == A_QUANTILE) {
		id = parse_expr(ps, 0);
		if (vt(ps, id) != VT_SCALAR)
			perr(ps, "the first argument of %s must be a scalar", aggnames[op]);
		nd->args[nd->nargs++] = id;
		expect(ps, T_COMMA, ",");
	}
	id = parse_expr(ps, 0);
	if (vt(ps, id) != VT_VECTOR)
		perr(ps, "%s expects an instant vector", aggnames[op]);
	nd->args[nd->nargs++] = id;
	expect(ps, T_RP, ")");
	if (is_kw(ps, "by") || is_kw(ps, "without")) {
		if (nd->grp || nd->without)
			perr(ps, "by/without given twice");
		nd->without = is_kw(ps, "without");
		lex(ps);
		parse_names(ps, &nd->grp, &nd->ngrp);
	}
	return mk(ps, nd);
}

static int
parse_unary(parser *ps)
{
	int id;

	if (ps->t == T_SUB || ps->t == T_ADD) {
		bool neg = ps->t == T_SUB;
		node *nd;

		lex(ps);
		id = parse_expr(ps, 6);	/* binds looser than ^ only */
		if (!neg)
			return id;
		nd = pnew(ps);	/* after the operand: unary + leaked it */
		if (vt(ps, id) == VT_MATRIX)
			perr(ps, "unary minus on a range vector");
		if (ps->pq->nodes[id].kind == N_NUM) {
						nd->kind = N_NUM;
			nd->vt = VT_SCALAR;
			nd->num = -ps->pq->nodes[id].num;
			nd->numtext = srw_xmalloc(strlen(ps->pq->nodes[id].numtext) + 2);
			sprintf(nd->numtext, "-%s", ps->pq->nodes[id].numtext);
			return mk(ps, nd);
		}
				nd->kind = N_NEG;
		nd->vt = vt(ps, id);
		nd->args[0] = id;
		nd->nargs = 1;
	return mk(ps, nd);
	}
	if (ps->t == T_NUM) {
		node *nd = pnew(ps);

				nd->kind = N_NUM;
		nd->vt = VT_SCALAR;
		nd->num = ps->num;
		nd->numtext = srw_xstrndup(ps->tstart, ps->tlen);
		lex(ps);
	return mk(ps, nd);
	}
	if (ps->t == T_DUR)
		perr(ps, "a duration is not a value here");
	if (ps->t == T_STR)
		perr(ps, "string literals are not supported here");
	if (ps->t == T_LP) {
		lex(ps);
		id = parse_expr(ps, 0);
		expect(ps, T_RP, ")");
		if (ps->t == T_LBK)
			perr(ps, "subqueries are not supported");
		return id;
	}
	if (ps->t == T_LB)
		return parse_selector(ps, NULL, 0);
	if (ps->t == T_IDENT) {
		const char *name = ps->tstart;
		size_t len = ps->tlen, i;

		if ((len == 3 && strncasecmp(name, "Inf", 3) == 0) ||
		    (len == 3 && strncasecmp(name, "NaN", 3) == 0)) {
			node *nd = pnew(ps);

						nd->kind = N_NUM;
			nd->vt = VT_SCALAR;
			nd->num = tolower((unsigned char)name[0]) == 'i' ? INFINITY : NAN;
			nd->numtext = srw_xstrndup(name, len);
			lex(ps);
			return mk(ps, nd);
		}
		for (i = 0; i < sizeof aggnames / sizeof *aggnames; i++)
			if (strlen(aggnames[i]) == len && strncasecmp(name, aggnames[i], len) == 0) {
				lex(ps);
				return parse_agg(ps, i);
			}
		lex(ps);
		if (ps->t == T_LP) {
			for (i = 0; i < NFNS; i++)
				if (strlen(fns[i].name) == len && strncmp(name, fns[i].name, len) == 0)
					return parse_call(ps, i);
			ps->tstart = name;
			perr(ps, "function %.*s() is not supported", (int)len, name);
		}
		if ((len == 11 && strncasecmp(name, "count_value", 11) == 0))
			perr(ps, "count_values is not supported");
		return parse_selector(ps, name, len);
	}
	perr(ps, "unexpected \"%.*s\"", (int)(ps->tlen ? ps->tlen : 3), ps->tlen ? ps->tstart : "end");
}

/* binary operator at the current token, with its precedence; -1 if none */
static int
binop(parser *ps, int *prec)
{
	switch (ps->t) {
	case T_POW: *prec = 6; return B_POW;
	case T_MUL: *prec = 5; return B_MUL;
	case T_DIV: *prec = 5; return B_DIV;
	case T_MOD: *prec = 5; return B_MOD;
	case T_ADD: *prec = 4; return B_ADD;
	case T_SUB: *prec = 4; return B_SUB;
	case T_EQL: *prec = 3; return B_EQL;
	case T_NE: *prec = 3; return B_NEQ;
	case T_GT: *prec = 3; return B_GT;
	case T_LT: *prec = 3; return B_LT;
	case T_GE: *prec = 3; return B_GTE;
	case T_LE: *prec = 3; return B_LTE;
	case T_IDENT:
		if (is_kw(ps, "and")) { *prec = 2; return B_AND; }
		if (is_kw(ps, "unless")) { *prec = 2; return B_UNLESS; }
		if (is_kw(ps, "or")) { *prec = 1; return B_OR; }
		if (is_kw(ps, "atan2"))
			perr(ps, "atan2 is not supported");
		return -1;
	default:
		return -1;
	}
}

bool
pq_is_cmp(int op)
{
	return op >= B_EQL && op <= B_LTE;
}

bool
pq_is_set(int op)
{
	return op >= B_AND;
}

static int
parse_expr(parser *ps, int minprec)
{
	int lhs = parse_unary(ps), op, prec;

	while ((op = binop(ps, &prec)) >= 0 && prec >= minprec) {
		node *nd = pnew(ps);
		int rhs;

		nd->kind = N_BIN;
		nd->bop = op;
		lex(ps);
		if (is_kw(ps, "bool")) {
			if (!pq_is_cmp(op))
				perr(ps, "bool is only for comparison operators");
			nd->retbool = true;
			lex(ps);
		}
		if (is_kw(ps, "on") || is_kw(ps, "ignoring")) {
			nd->on = is_kw(ps, "on");
			lex(ps);
			parse_names(ps, &nd->grp, &nd->ngrp);
			if (is_kw(ps, "group_left") || is_kw(ps, "group_right")) {
				if (pq_is_set(op))
					perr(ps, "no grouping allowed for and, or, unless");
				nd->card = is_kw(ps, "group_left") ? C_MANY_ONE : C_ONE_MANY;
				lex(ps);
				if (ps->t == T_LP)
					parse_names(ps, &nd->incl, &nd->nincl);
			}
		}
		/* ^ is right-associative, the others left */
		rhs = parse_expr(ps, op == B_POW ? prec : prec + 1);
		if (vt(ps, lhs) == VT_MATRIX || vt(ps, rhs) == VT_MATRIX)
			perr(ps, "binary operators need instant vectors or scalars");
		if (pq_is_set(op) && (vt(ps, lhs) != VT_VECTOR || vt(ps, rhs) != VT_VECTOR))
			perr(ps, "%s needs vectors on both sides", bopnames[op]);
		if (pq_is_cmp(op) && !nd->retbool && vt(ps, lhs) == VT_SCALAR && vt(ps, rhs) == VT_SCALAR)
			perr(ps, "comparisons between scalars must use bool");
		if ((nd->on || nd->ngrp || nd->card != C_ONE) &&
		    (vt(ps, lhs) != VT_VECTOR || vt(ps, rhs) != VT_VECTOR))
			perr(ps, "vector matching only between two vectors");
		nd->args[0] = lhs;
		nd->args[1] = rhs;
		nd->nargs = 2;
		nd->vt = vt(ps, lhs) == VT_VECTOR || vt(ps, rhs) == VT_VECTOR ? VT_VECTOR : VT_SCALAR;
		lhs = mk(ps, nd);
	}
	return lhs;
}

int
srw_pq_compile(srw_pq *pq, const char *expr, char *err, size_t errsz)
{
	parser ps;
	int id;

	memset(&ps, 0, sizeof ps);
	ps.pq = pq;
	ps.src = ps.p = ps.tstart = expr;
	ps.err = err;
	ps.errsz = errsz;
	srw_buf_init(&ps.str);
	if (setjmp(ps.jb)) {
		while (ps.npend > 0) {
			pq_node_free(ps.pend[--ps.npend]);
			free(ps.pend[ps.npend]);
		}
		srw_buf_free(&ps.str);
		return -1;
	}
	lex(&ps);
	if (ps.t == T_EOF)
		perr(&ps, "empty expression");
	id = parse_expr(&ps, 0);
	if (ps.t != T_EOF)
		perr(&ps, "unexpected \"%.*s\" after the expression", (int)ps.tlen, ps.tstart);
	if (pq->nodes[id].vt == VT_MATRIX)
		perr(&ps, "a range vector cannot be the result of an expression");
	srw_buf_free(&ps.str);
	return id;
}
