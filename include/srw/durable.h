/* srw/durable.h: the declarations of lib/durable.c (see srw.h) */
#ifndef SRW_DURABLE_H
#define SRW_DURABLE_H

#include "srw/base.h"

/* ---- lib/durable.c: files that survive kill -9 and power loss --------- */

/* Replaces path with data, atomically: written to a temporary file in the
 * same directory, fsync'd, renamed over path, the directory fsync'd.  A
 * reader sees the old file or the new one, never a part.  0, or -1 with
 * the reason in err (path is then unchanged). */
int srw_file_replace(const char *path, const void *data, size_t len, char *err, size_t errsz);
/* Appends data to path (created 0600 if absent) and fsyncs it; a new file
 * also fsyncs its directory.  0, or -1 with the reason in err. */
int srw_file_append_sync(const char *path, const void *data, size_t len, char *err,
    size_t errsz);
/* fsync of the directory holding path (or of path itself when it is a
 * directory).  0 or -1 (errno set). */
int srw_fsync_dir(const char *path);

#endif
