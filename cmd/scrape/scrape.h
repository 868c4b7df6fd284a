/* scrape.h - what the files of scrape share: a target and the target set. */
#include <sys/types.h>

#include "srw.h"

/*
 * A target: a URL, a file, or "-".  Its labels are those of its file_sd
 * group over the --label ones, plus instance (host:port) for a URL unless a
 * label already names it; sorted, strings owned.  The key (url or path, and
 * the labels) is its identity across target-file reloads, so an unchanged
 * target keeps its schedule and state.
 */
struct target {
	char *key;
	char *url;		/* NULL for a file or "-" */
	char *arg;		/* as named: the URL, HOST:PORT, or the path */
	srw_point_label *lab;
	size_t nlab;
	uint64_t hash;		/* of the URL (or path): schedule offset, shard */
	int64_t next_due;	/* epoch ms of its next scrape */
	bool inflight, dead, was_down;
	int last;		/* -1 not yet scraped, 0 failed, 1 up */
};

/* targets.c */
void targets_init(const srw_point_label *extra, size_t nextra, unsigned shard_i,
    unsigned shard_n);
void targets_add_arg(const char *arg);	/* a command-line TARGET */
void targets_add_file(const char *path);	/* --targets FILE */
/* Re-reads the --targets files that changed (a bad one keeps its previous
 * targets and says why); rebuilds the set.  true when the set changed.
 * The first call dies (64) on a file that cannot be used at all. */
bool targets_refresh(bool first);
struct target **targets_all(size_t *n);	/* the current set, by key */
/* After a scrape of a target that may have left the set meanwhile. */
void target_done(struct target *t);
void targets_free(void);
