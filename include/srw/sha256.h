/* srw/sha256.h: the declarations of lib/sha256.c (see srw.h) */
#ifndef SRW_SHA256_H
#define SRW_SHA256_H

#include "srw/base.h"

/* ---- lib/sha256.c ------------------------------------------------------ */

/* Lowercase hex SHA-256; out at least 65 bytes. */
char *srw_sha256_hex(const void *data, size_t n, char *out);

#endif
