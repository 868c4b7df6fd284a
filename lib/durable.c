/* durable.c - the few file operations that make state survive kill -9:
 * replace-by-rename and fsync'd appends.  Every tool keeping state
 * (evaluate --state, notify's outbox and log) goes through these, so the
 * ordering (data, fsync, rename, directory fsync) is written once. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "srw.h"
#include "srw/durable.h"

int
srw_fsync_dir(const char *path)
{
	struct stat sb;
	char dir[4096];
	const char *slash;
	int fd, rc, e;

	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		snprintf(dir, sizeof dir, "%s", path);
	} else if ((slash = strrchr(path, '/'))) {
		snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
	} else {
		snprintf(dir, sizeof dir, ".");
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	rc = fsync(fd);
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

static int
write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int
srw_file_replace(const char *path, const void *data, size_t len, char *err, size_t errsz)
{
	char tmp[4200];
	int fd;

	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		snprintf(err, errsz, "create %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		snprintf(err, errsz, "write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) != 0) {
		snprintf(err, errsz, "write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, errsz, "rename %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	/* the rename itself is durable only once the directory is */
	if (srw_fsync_dir(path) != 0) {
		snprintf(err, errsz, "fsync directory of %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
srw_file_append_sync(const char *path, const void *data, size_t len, char *err, size_t errsz)
{
	bool isnew = access(path, F_OK) != 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (fd < 0) {
		snprintf(err, errsz, "open %s: %s", path, strerror(errno));
		return -1;
	}
	if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		snprintf(err, errsz, "write %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (close(fd) != 0 || (isnew && srw_fsync_dir(path) != 0)) {
		snprintf(err, errsz, "write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
