/* replace.h - sr-insert's --replace-key (private to sr-insert). */
struct replace;

/* NULL and exit 64 if a column is not in the table. */
struct replace *replace_new(const srw_table *t, const char *cols);
/* Before a row goes in: the first time its key tuple is seen, store what is
 * queued, then delete the tuple's old rows.  0 go on; -1 the row is bad
 * (reason set); -2 the queued rows could not be stored; -3 the delete
 * failed. */
int replace_before(struct replace *r, srw_db *db, srw_ins *ins, const srw_val *row,
    bool dry_run, char *reason, size_t rsz);
void replace_free(struct replace *r);
