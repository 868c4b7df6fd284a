/* jobs.h - sr-insert's parallel loader (private to sr-insert). */
struct jobs;

/* lineno 0: the row was refused by the server after its batch was split. */
typedef void (*jobs_reject_fn)(const char *line, size_t len, long lineno,
    const char *reason, void *ctx);

struct jobs *jobs_start(const srw_table *t, const srw_ins_opts *io, int n,
    jobs_reject_fn fn, void *ctx, char *err, size_t errsz);
/* Queues a row; -1 once the database is unavailable (stop reading). */
int jobs_add(struct jobs *js, const srw_val *row, const srw_line *ln);
/* Hands every worker its rows so far and has it store them (the time
 * bound of --flush-interval); may wait while the workers are busy. */
void jobs_flush(struct jobs *js);
/* Waits for every queued row; -1 if the database became unavailable. */
int jobs_finish(struct jobs *js);
void jobs_stats(const struct jobs *js, unsigned long long *stored,
    unsigned long *batches, const char **why);
void jobs_free(struct jobs *js);
