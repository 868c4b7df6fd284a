/* srw/listen.h: the declarations of lib/listen.c (see srw.h) */
#ifndef SRW_LISTEN_H
#define SRW_LISTEN_H

#include "srw/base.h"

/* ---- lib/listen.c: the listening socket of a daemon --------------------- */
/*
 * srw_listen opens "[ADDR:]PORT" or "[V6]:PORT" (a bare PORT is loopback,
 * ":PORT" every address), backlog 511, close-on-exec; the address bound
 * (the port chosen for PORT 0) goes to shown ("127.0.0.1:5050").  Dies 64
 * on a bad spec, 69 when it cannot bind.  srw_listen_activated returns the
 * socket systemd passed (LISTEN_PID/LISTEN_FDS, descriptor 3) and clears
 * those variables, or -1; *listening tells a listening socket from one
 * connection (Accept=yes).
 */
int srw_listen(const char *spec, char *shown, size_t n);
int srw_listen_activated(bool *listening);
/* A bearer token file (first line) kept as its SHA-256 hex; dies 64 on an
 * unreadable or empty file.  srw_token_same compares a presented token to
 * it in time that tells neither the token nor its length. */
char *srw_token_digest(const char *path);
bool srw_token_same(const char *got, const char *digest_hex);

#endif
