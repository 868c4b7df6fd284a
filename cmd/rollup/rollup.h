/* rollup.h - rollup's private interface between main.c and snapshot.c. */
struct rollup_snap;

struct rollup_snap *rollup_snap_new(int64_t lateness);
/* Takes one raw point.  Finality is per cluster: the moments and hours its
 * newest point has passed by the lateness are done and written to out.
 * Returns -1 (horizon: the time before which its cluster's points are late)
 * for a late point, which is not taken. */
int rollup_snap_point(struct rollup_snap *s, const srw_point *p, srw_buf *out,
    int64_t *horizon);
/* Pending observations plus open hours: what --max-open bounds. */
long rollup_snap_open(const struct rollup_snap *s);
/* Does the oldest moments and writes the oldest hours of every cluster until
 * at most target are open (later points before the cut are late); target 0
 * at EOF does everything. */
void rollup_snap_shrink(struct rollup_snap *s, long target, srw_buf *out);
void rollup_snap_free(struct rollup_snap *s);
