/* promql-int.h - what the files of the PromQL engine share (lib/promql.c:
 * the program and its canonical text; lib/pqstore.c: label sets and the
 * series store; lib/pqparse.c: lexer and parser; lib/pqeval.c: evaluation).
 * Private to them: tools see include/srw/promql.h only. */
#ifndef SRW_PROMQL_INT_H
#define SRW_PROMQL_INT_H

#include "srw.h"

#define LOOKBACK_MS (5 * 60 * 1000)
#define MAXL 128	/* labels per series */

/* ---- the series store (pqstore.c) ---- */

typedef struct series {
	srw_lset *ls;		/* owned, strings in the same block */
	srw_lset *noname;	/* ls without __name__ (functions' results), lazily */
	const char *name;
	int64_t *ts;
	double *v;
	int64_t *ttl;		/* NULL unless a sample carried a ttl */
	size_t off, n, cap;	/* live samples are [off, n) */
	struct series *hnext;
	struct series *after;	/* the series that followed this one last time */
	bool dead;
} series;

typedef struct namelist {
	char *name;
	series **v;
	size_t n, cap;
	struct namelist *hnext;
} namelist;

struct srw_store {
	series **tab;
	size_t tabsz, nseries;
	namelist **ntab;
	size_t ntabsz;
	series **all;
	size_t nall, capall;
	uint64_t gen;		/* bumps when series come or go */
	series *last;		/* the series of the previous sample */
};


/* ---- the program (promql.c) ---- */

enum nkind { N_NUM, N_SEL, N_FUNC, N_AGG, N_BIN, N_NEG };
enum vtype { VT_SCALAR, VT_VECTOR, VT_MATRIX };
enum mop { M_EQ, M_NE, M_RE, M_NRE };
enum bop { B_ADD, B_SUB, B_MUL, B_DIV, B_MOD, B_POW, B_EQL, B_NEQ, B_GT, B_LT,
	B_GTE, B_LTE, B_AND, B_OR, B_UNLESS };
enum card { C_ONE, C_MANY_ONE, C_ONE_MANY };
enum agg { A_SUM, A_AVG, A_MIN, A_MAX, A_COUNT, A_STDDEV, A_STDVAR, A_TOPK,
	A_BOTTOMK, A_QUANTILE };
enum fn { F_RATE, F_IRATE, F_INCREASE, F_DELTA, F_IDELTA, F_AVG_OT, F_MIN_OT,
	F_MAX_OT, F_SUM_OT, F_COUNT_OT, F_STDDEV_OT, F_QUANTILE_OT, F_LAST_OT, F_MAD_OT,
	F_ABSENT, F_ABSENT_OT, F_ABS, F_CLAMP_MIN, F_CLAMP_MAX, F_CLAMP, F_ROUND,
	F_HQUANTILE, F_TIME, F_SCALAR, F_VECTOR };

struct fndef {
	const char *name;
	const char *args;	/* v instant vector, m range vector, s scalar; ? optional */
	enum vtype ret;
};
extern const struct fndef fns[F_VECTOR + 1];
#define NFNS ((size_t)F_VECTOR + 1)

extern const char *const aggnames[A_QUANTILE + 1];
extern const char *const bopnames[B_UNLESS + 1];

typedef struct matcher {
	char *name, *val;
	enum mop op;
	srw_re *re;	/* =~ and !~: RE2, linear time (lib/re.cpp) */
} matcher;

typedef struct node {
	enum nkind kind;
	enum vtype vt;
	char *canon;
	uint64_t chash;
	/* N_NUM */
	double num;
	char *numtext;
	/* N_SEL */
	char *metric;
	matcher *m;
	size_t nm;
	int64_t range, offset;
	series **ms;	/* matching series, refreshed when the store changes */
	size_t nms, capms;
	uint64_t ms_gen;
	const srw_store *ms_store;
	/* N_FUNC, N_AGG, N_BIN, N_NEG: child node ids */
	int fn, aop, bop;
	int args[3];
	int nargs;
	bool without, retbool, on;
	char **grp;	/* by/without or on/ignoring labels, sorted */
	size_t ngrp;
	char **incl;	/* group_left/right labels */
	size_t nincl;
	enum card card;
	/* evaluation */
	uint64_t memo;
	srw_sample *val;
	size_t nval;
	bool failed;	/* this instant's evaluation failed (here or below) */
	/* explain */
	int temp;
	int refs;
} node;

typedef struct ablock {
	struct ablock *next;
	size_t used, cap;
	char data[];
} ablock;

struct srw_pq {
	node *nodes;
	size_t n, cap;
	int *htab;	/* canon hash -> node id + 1 */
	size_t hsz;
	int *roots;
	size_t nroots, caproots;
	int64_t horizon;
	/* evaluation */
	srw_store *st;
	int64_t ts;
	uint64_t epoch;
	ablock *arena;
	bool local_err;	/* set by the node being computed */
	char errmsg[256];
	unsigned long computed;
	int ntemp;
};


/* ---- shared functions ---- */
/* promql.c */
void *pq_aalloc(srw_pq *pq, size_t sz);
void pq_arena_reset(srw_pq *pq);
void pq_strv_free_n(char **v, size_t n);
void pq_node_free(node *nd);
int pq_intern(srw_pq *pq, node *nd);
/* pqstore.c */
#define FNV0 14695981039346656037ULL
uint64_t pq_fnv_add(uint64_t h, const char *s);
void pq_kv_sort(const char **kv, size_t n);
uint64_t pq_kv_hash(const char *const *kv, size_t n);
namelist *pq_name_list(srw_store *st, const char *name, bool create);
void pq_ptr_push(series ***v, size_t *n, size_t *cap, series *s);
/* pqparse.c */
bool pq_is_cmp(int op);
bool pq_is_set(int op);
#endif
