/* spool.c - webhookd's spool directory: rows acknowledged while the
 * database was away or slow, one fsync'd file per batch (whole or absent),
 * counted for the gauges, and the rows a replay could not store set aside in
 * DIR/rejected.ndjson.  Replaying is the writer's (writer.c). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "webhookd.h"

static FILE *rejects;		/* DIR/rejected.ndjson, opened on first use */

int
spool_fsync_dir(void)
{
	int fd = open(cf.spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One file per round: written under a temporary name, fsync'd, renamed,
 * and the directory fsync'd, so a spool file is either whole or absent.
 * Called by the writer and the watchdog; path (PATH_MAX) gets the name. */
int
spool_write(const char *data, size_t len, long rows, char *path, char *err, size_t errsz)
{
	static atomic_uint seq;
	char tmp[PATH_MAX];
	unsigned n = seq++;
	int fd;

	snprintf(tmp, sizeof tmp, "%s/.tmp-%ld-%u", cf.spool, (long)getpid(), n);
	snprintf(path, PATH_MAX, "%s/spool-%013lld-%ld-%u.ndjson", cf.spool,
	    (long long)srw_now_ms(), (long)getpid(), n);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		goto fail;
	if (write_all(fd, data, len) != 0)
		goto fail;
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0 || spool_fsync_dir() != 0)
		goto fail;
	M.spool_rows += rows;
	M.spool_files++;
	return 0;
fail:
	snprintf(err, errsz, "spool %s: %s", cf.spool, strerror(errno));
	srw_warn("%s", err);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

/* A round the watchdog spooled was stored after all: its file goes. */
void
spool_forget(const char *path, long rows)
{
	if (unlink(path) != 0) {
		srw_warn("unlink %s:", path);
		return;
	}
	spool_fsync_dir();
	M.spool_rows -= rows;
	M.spool_files--;
}

static int
is_spool(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return strncmp(d->d_name, "spool-", 6) == 0 && n > 13 &&
	    strcmp(d->d_name + n - 7, ".ndjson") == 0;
}

int
spool_scan(struct dirent ***names)
{
	return scandir(cf.spool, names, is_spool, alphasort);
}

/* Counts the spool's files and rows (for the gauges). */
void
spool_count(void)
{
	struct dirent **names;
	long files = 0, rows = 0;
	int i, n;

	if (!cf.spool || (n = spool_scan(&names)) < 0)
		return;
	for (i = 0; i < n; i++) {
		char path[PATH_MAX], buf[65536];
		int fd;
		ssize_t r;

		snprintf(path, sizeof path, "%s/%s", cf.spool, names[i]->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
			files++;
			while ((r = read(fd, buf, sizeof buf)) > 0)
				for (ssize_t k = 0; k < r; k++)
					rows += buf[k] == '\n';
			close(fd);
		}
		free(names[i]);
	}
	free(names);
	M.spool_files = files;
	M.spool_rows = rows;
}

void
spool_reject(const char *line, size_t len, const char *reason)
{
	char path[PATH_MAX];

	srw_warn("spool: row refused, kept in %s/rejected.ndjson: %s", cf.spool, reason);
	if (!rejects) {
		snprintf(path, sizeof path, "%s/rejected.ndjson", cf.spool);
		if (!(rejects = fopen(path, "a"))) {
			srw_warn("open %s:", path);
			return;
		}
	}
	fwrite(line, 1, len, rejects);
	fputc('\n', rejects);
	if (fflush(rejects) != 0 || fsync(fileno(rejects)) != 0)
		srw_warn("write %s/rejected.ndjson:", cf.spool);
}

void
spool_rejects_close(void)
{
	if (rejects) {
		fclose(rejects);
		rejects = NULL;
	}
}
