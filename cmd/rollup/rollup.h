/* rollup.h - rollup's private interface between main.c and snapshot.c. */
struct rollup_snap;

struct rollup_snap *rollup_snap_new(void);
/* Takes one raw point (not older than the last limit given to advance). */
void rollup_snap_point(struct rollup_snap *s, const srw_point *p);
/* Every scrape moment older than limit is final: compute its dimension
 * values, and write the hours that ended by limit as snapshot rows to out
 * (flushed to stdout).  INT64_MAX at EOF. */
void rollup_snap_advance(struct rollup_snap *s, int64_t limit, srw_buf *out);
void rollup_snap_free(struct rollup_snap *s);
