/* targets.c - scrape's target set: command-line targets and Prometheus
 * file_sd files (JSON or YAML), re-read when they change, cut to one shard. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#include "scrape.h"

struct tfile {
	char *path;
	struct stat st;		/* of the version last read (good or bad) */
	bool seen;
	json_t *groups;		/* the last good content, as JSON */
};

static const srw_point_label *extra;
static size_t nextra;
static unsigned shard_i, shard_n;
static char **args;
static size_t nargs;
static struct tfile *files;
static size_t nfiles;
static struct target **set;	/* sorted by key */
static size_t nset;

void
targets_init(const srw_point_label *x, size_t nx, unsigned si, unsigned sn)
{
	extra = x;
	nextra = nx;
	shard_i = si;
	shard_n = sn;
}

void
targets_add_arg(const char *arg)
{
	args = srw_xrealloc(args, (nargs + 1) * sizeof *args);
	args[nargs++] = srw_xstrdup(arg);
}

void
targets_add_file(const char *path)
{
	files = srw_xrealloc(files, (nfiles + 1) * sizeof *files);
	memset(&files[nfiles], 0, sizeof *files);
	files[nfiles++].path = srw_xstrdup(path);
}

static void
target_free(struct target *t)
{
	size_t i;

	for (i = 0; i < t->nlab; i++) {
		free((char *)t->lab[i].k);
		free((char *)t->lab[i].v);
	}
	free(t->lab);
	free(t->key);
	free(t->url);
	free(t->arg);
	free(t);
}

static bool
label_name_ok(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static void
set_label(struct target *t, const char *k, const char *v)
{
	size_t i;

	for (i = 0; i < t->nlab; i++)
		if (strcmp(t->lab[i].k, k) == 0) {
			free((char *)t->lab[i].v);
			t->lab[i].v = srw_xstrdup(v);
			return;
		}
	t->lab = srw_xrealloc(t->lab, (t->nlab + 1) * sizeof *t->lab);
	t->lab[t->nlab].k = srw_xstrdup(k);
	t->lab[t->nlab++].v = srw_xstrdup(v);
}

/*
 * A target from its address and its group's labels (NULL for a command-line
 * target).  As in Prometheus, __scheme__, __metrics_path__ and __param_NAME
 * shape the URL, other labels starting with "__" are dropped, and instance
 * is the address unless a label sets it.  Returns NULL (err set) when the
 * address is unusable.
 */
static struct target *
target_new(const char *addr, json_t *labels, char *err, size_t errsz)
{
	struct target *t = srw_xcalloc(1, sizeof *t);
	const char *scheme = "http", *path = "/metrics", *k, *h, *he;
	struct stat sb;
	json_t *v;
	srw_buf u, key;
	size_t i;
	char sep = '?';

	t->arg = srw_xstrdup(addr);
	t->last = -1;
	for (i = 0; i < nextra; i++)
		set_label(t, extra[i].k, extra[i].v);
	srw_buf_init(&u);
	if (labels) {
		if ((v = json_object_get(labels, "__scheme__")) && json_is_string(v))
			scheme = json_string_value(v);
		if ((v = json_object_get(labels, "__metrics_path__")) && json_is_string(v))
			path = json_string_value(v);
		if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
			snprintf(err, errsz, "__scheme__ '%s': want http or https", scheme);
			goto bad;
		}
		if (*addr == '\0' || strchr(addr, '/') || strchr(addr, '@') ||
		    strchr(addr, '?') || strchr(addr, '#') || strchr(addr, ' ')) {
			snprintf(err, errsz, "target '%s': want HOST:PORT", addr);
			goto bad;
		}
		srw_buf_printf(&u, "%s://%s%s%s", scheme, addr, *path == '/' ? "" : "/", path);
		sep = strchr(path, '?') ? '&' : '?';
		json_object_foreach(labels, k, v) {
			if (strncmp(k, "__param_", 8) == 0 && json_is_string(v)) {
				srw_buf_addc(&u, sep);
				srw_url_escape(&u, k + 8);
				srw_buf_addc(&u, '=');
				srw_url_escape(&u, json_string_value(v));
				sep = '&';
			}
			if (strncmp(k, "__", 2) == 0)
				continue;
			set_label(t, k, json_string_value(v));
		}
		t->url = u.s;
	} else if (strcmp(addr, "-") == 0) {
		srw_buf_free(&u);
	} else if (strstr(addr, "://")) {
		t->url = srw_xstrdup(addr);
		srw_buf_free(&u);
	} else if (stat(addr, &sb) == 0 || !strchr(addr, ':')) {
		/* a file; a missing one is a usage error, as in every tool */
		if (stat(addr, &sb) != 0)
			srw_die(SRW_EX_USAGE, "%s:", addr);
		srw_buf_free(&u);
	} else {
		srw_buf_printf(&u, "http://%s%s", addr, strchr(addr, '/') ? "" : "/metrics");
		t->url = u.s;
	}
	if (t->url) {
		h = strstr(t->url, "://") + 3;
		for (he = h; *he && *he != '/' && *he != '?'; he++)
			;
		if (memchr(h, '@', (size_t)(he - h)))
			h = (const char *)memchr(h, '@', (size_t)(he - h)) + 1;	/* never credentials */
		char *inst = srw_xstrndup(h, (size_t)(he - h));
		for (i = 0; i < t->nlab && strcmp(t->lab[i].k, "instance") != 0; i++)
			;
		if (i == t->nlab)
			set_label(t, "instance", inst);
		free(inst);
	}
	srw_point_sort_labels(t->lab, t->nlab);
	srw_buf_init(&key);
	srw_buf_adds(&key, t->url ? t->url : t->arg);
	for (i = 0; i < t->nlab; i++)
		srw_buf_printf(&key, "\n%s=%s", t->lab[i].k, t->lab[i].v);
	t->key = key.s;
	t->hash = srw_hash_str(t->url ? t->url : t->arg);
	return t;
bad:
	srw_buf_free(&u);
	target_free(t);
	return NULL;
}

/* ---- reading a file_sd file --------------------------------------------- */

/* YAML node to JSON, scalars as strings (labels and targets are strings). */
static json_t *
yaml_to_json(yaml_document_t *d, yaml_node_t *n, int depth)
{
	json_t *j;

	if (!n || depth > 16)
		return NULL;
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return json_stringn((const char *)n->data.scalar.value, n->data.scalar.length);
	case YAML_SEQUENCE_NODE:
		j = json_array();
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		    it < n->data.sequence.items.top; it++) {
			json_t *e = yaml_to_json(d, yaml_document_get_node(d, *it), depth + 1);

			if (!e) {
				json_decref(j);
				return NULL;
			}
			json_array_append_new(j, e);
		}
		return j;
	case YAML_MAPPING_NODE:
		j = json_object();
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		    p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *kn = yaml_document_get_node(d, p->key);
			json_t *e = yaml_to_json(d, yaml_document_get_node(d, p->value), depth + 1);

			if (!e || !kn || kn->type != YAML_SCALAR_NODE) {
				json_decref(e);
				json_decref(j);
				return NULL;
			}
			json_object_set_new(j, (const char *)kn->data.scalar.value, e);
		}
		return j;
	default:
		return NULL;
	}
}

static json_t *
parse_yaml(const char *text, size_t len, char *err, size_t errsz)
{
	yaml_parser_t yp;
	yaml_document_t doc;
	json_t *j;

	if (!yaml_parser_initialize(&yp))
		srw_die(SRW_EX_SOFTWARE, "libyaml: out of memory");
	yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
	if (!yaml_parser_load(&yp, &doc)) {
		snprintf(err, errsz, "line %lu: %s", (unsigned long)yp.problem_mark.line + 1,
		    yp.problem ? yp.problem : "YAML syntax error");
		yaml_parser_delete(&yp);
		return NULL;
	}
	if (!yaml_document_get_root_node(&doc))
		j = json_array();	/* an empty file: no targets */
	else if (!(j = yaml_to_json(&doc, yaml_document_get_root_node(&doc), 0)))
		snprintf(err, errsz, "not a list of target groups");
	yaml_document_delete(&doc);
	yaml_parser_delete(&yp);
	return j;
}

/* Checks the groups as Prometheus does; 0 or -1 with err. */
static int
check_groups(json_t *g, char *err, size_t errsz)
{
	size_t i, j;
	json_t *grp, *tg, *v;
	const char *k;

	if (!json_is_array(g)) {
		snprintf(err, errsz, "want a list of target groups");
		return -1;
	}
	json_array_foreach(g, i, grp) {
		if (!json_is_object(grp) || !json_is_array(tg = json_object_get(grp, "targets"))) {
			snprintf(err, errsz, "group %zu: want {\"targets\": [...], \"labels\": {...}}", i + 1);
			return -1;
		}
		json_array_foreach(tg, j, v)
			if (!json_is_string(v) || !*json_string_value(v)) {
				snprintf(err, errsz, "group %zu: target %zu is not a string", i + 1, j + 1);
				return -1;
			}
		if ((v = json_object_get(grp, "labels")) && !json_is_null(v)) {
			json_t *lv;

			if (!json_is_object(v)) {
				snprintf(err, errsz, "group %zu: labels is not a map", i + 1);
				return -1;
			}
			json_object_foreach(v, k, lv) {
				if (!label_name_ok(k)) {
					snprintf(err, errsz, "group %zu: invalid label name '%.60s'", i + 1, k);
					return -1;
				}
				if (!json_is_string(lv)) {
					snprintf(err, errsz, "group %zu: label %s is not a string", i + 1, k);
					return -1;
				}
			}
		}
	}
	return 0;
}

static json_t *
read_file(const char *path, char *err, size_t errsz)
{
	FILE *fp = fopen(path, "r");
	char chunk[65536];
	const char *dot = strrchr(path, '.'), *p;
	srw_buf b;
	size_t n;
	json_t *j;
	json_error_t je;

	if (!fp) {
		snprintf(err, errsz, "%s", strerror(errno));
		return NULL;
	}
	srw_buf_init(&b);
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0 && b.len < (64u << 20))
		srw_buf_add(&b, chunk, n);
	fclose(fp);
	for (p = b.s ? b.s : ""; *p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'; p++)
		;
	/* .json is JSON; .yml, .yaml, and anything not starting like JSON, YAML */
	if ((dot && strcmp(dot, ".json") == 0) || ((!dot || (strcmp(dot, ".yml") != 0 &&
	    strcmp(dot, ".yaml") != 0)) && (*p == '[' || *p == '{'))) {
		if (!(j = json_loadb(b.s ? b.s : "", b.len, JSON_REJECT_DUPLICATES, &je)))
			snprintf(err, errsz, "line %d: %s", je.line, je.text);
	} else {
		j = parse_yaml(b.s ? b.s : "", b.len, err, errsz);
	}
	srw_buf_free(&b);
	if (j && check_groups(j, err, errsz) != 0) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

/* ---- the set -------------------------------------------------------------- */

static int
by_key(const void *a, const void *b)
{
	return strcmp((*(struct target *const *)a)->key, (*(struct target *const *)b)->key);
}

static bool
mine(const struct target *t)
{
	return shard_n <= 1 || srw_shard_of(t->hash, shard_n) == shard_i;
}

static void
push(struct target ***v, size_t *n, size_t *cap, struct target *t)
{
	if (!mine(t)) {
		target_free(t);
		return;
	}
	if (*n == *cap)
		*v = srw_xrealloc(*v, (*cap = *cap ? 2 * *cap : 64) * sizeof **v);
	(*v)[(*n)++] = t;
}

/* The new set from every source; unchanged targets keep their object. */
static bool
rebuild(void)
{
	struct target **nv = NULL, *t;
	size_t nn = 0, cap = 0, i, j, w;
	char err[300];
	bool changed = false;

	for (i = 0; i < nargs; i++)
		if ((t = target_new(args[i], NULL, err, sizeof err)))
			push(&nv, &nn, &cap, t);
	for (i = 0; i < nfiles; i++) {
		json_t *grp, *tg, *v, *lab;
		size_t gi, ti;

		json_array_foreach(files[i].groups, gi, grp) {
			tg = json_object_get(grp, "targets");
			lab = json_object_get(grp, "labels");
			if (!json_is_object(lab))
				lab = NULL;
			json_t *empty = lab ? NULL : json_object();
			json_array_foreach(tg, ti, v) {
				if ((t = target_new(json_string_value(v), lab ? lab : empty, err, sizeof err)))
					push(&nv, &nn, &cap, t);
				else
					srw_warn("%s: group %zu: %s", files[i].path, gi + 1, err);
			}
			json_decref(empty);
		}
	}
	qsort(nv, nn, sizeof *nv, by_key);
	for (i = w = 0; i < nn; i++) {	/* the same target twice: once */
		if (w && strcmp(nv[w - 1]->key, nv[i]->key) == 0)
			target_free(nv[i]);
		else
			nv[w++] = nv[i];
	}
	nn = w;
	for (i = j = 0; i < nn; i++) {	/* both sorted: a merge walk */
		int cmp = 1;

		while (j < nset && (cmp = strcmp(set[j]->key, nv[i]->key)) < 0)
			j++;
		if (j < nset && cmp == 0) {
			target_free(nv[i]);
			nv[i] = set[j];
			set[j++] = NULL;
		} else {
			changed = true;
		}
	}
	for (j = 0; j < nset; j++) {
		if (!set[j])
			continue;
		changed = true;
		if (set[j]->inflight)
			set[j]->dead = true;	/* freed by target_done */
		else
			target_free(set[j]);
	}
	free(set);
	set = nv;
	nset = nn;
	return changed;
}

bool
targets_refresh(bool first)
{
	bool any = first;
	size_t i;
	char err[400];

	for (i = 0; i < nfiles; i++) {
		struct tfile *f = &files[i];
		struct stat st;
		json_t *j;

		if (stat(f->path, &st) != 0) {
			if (first)
				srw_die(SRW_EX_USAGE, "--targets %s:", f->path);
			if (f->seen && f->st.st_ino != 0)
				srw_warn("--targets %s: %s; keeping its %zu groups", f->path,
				    strerror(errno), json_array_size(f->groups));
			f->st.st_ino = 0;	/* say it once */
			f->seen = true;
			continue;
		}
		if (f->seen && st.st_ino == f->st.st_ino && st.st_dev == f->st.st_dev &&
		    st.st_size == f->st.st_size && st.st_mtim.tv_sec == f->st.st_mtim.tv_sec &&
		    st.st_mtim.tv_nsec == f->st.st_mtim.tv_nsec)
			continue;
		f->st = st;
		f->seen = true;
		if (!(j = read_file(f->path, err, sizeof err))) {
			if (first)
				srw_die(SRW_EX_USAGE, "--targets %s: %s", f->path, err);
			srw_warn("--targets %s: %s; keeping the previous targets", f->path, err);
			continue;
		}
		json_decref(f->groups);
		f->groups = j;
		any = true;
		if (!first)
			srw_info("--targets %s: re-read, %zu groups", f->path, json_array_size(j));
	}
	return any && rebuild();
}

struct target **
targets_all(size_t *n)
{
	*n = nset;
	return set;
}

void
target_done(struct target *t)
{
	t->inflight = false;
	if (t->dead)
		target_free(t);
}

void
targets_free(void)
{
	size_t i;

	for (i = 0; i < nset; i++)
		target_free(set[i]);
	free(set);
	set = NULL;
	nset = 0;
	for (i = 0; i < nfiles; i++) {
		json_decref(files[i].groups);
		free(files[i].path);
	}
	free(files);
	for (i = 0; i < nargs; i++)
		free(args[i]);
	free(args);
}
