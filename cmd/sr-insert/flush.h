/* flush.h - sr-insert's clock and signals (private to sr-insert). */

/* Called from the clock thread every quarter interval (stopping: a signal
 * has just arrived, store everything now). */
typedef void (*flush_fn)(void *ctx, bool stopping);

/* Blocks SIGTERM, SIGINT and SIGHUP: call before any thread starts. */
void flush_block_signals(void);
/* Starts the clock thread; call from the thread that reads the input. */
void flush_start(long interval_ms, flush_fn fn, void *ctx);
void flush_stop(void);
/* The signal that asked us to stop, or 0. */
int flush_signal(void);
/* Is some input a pipe, FIFO or terminal (not a regular file)? */
bool flush_input_is_pipe(int argc, char *argv[]);
