/* srw/listen.h: the declarations of lib/listen.c (see srw.h) */
#ifndef SRW_LISTEN_H
#define SRW_LISTEN_H

#include "srw/base.h"

/* ---- lib/listen.c: systemd's socket, a bearer token ------------------- */
/*
 * srw_listen_activated returns the socket systemd passed (LISTEN_PID and
 * LISTEN_FDS naming us, descriptor 3) and clears those variables, or -1;
 * *listening tells a listening socket from one connection (Accept=yes).
 * A daemon's own socket: srw_httpd_listen.
 */
int srw_listen_activated(bool *listening);
/* A bearer token file (first line, read by srw_httpd_secret_file: warned
 * when weak or readable by others) kept as its SHA-256 hex; dies 64 on an
 * unreadable or empty file.  srw_token_same compares a presented token to
 * it in time that tells neither the token nor its length. */
char *srw_token_digest(const char *path);
bool srw_token_same(const char *got, const char *digest_hex);

#endif
