/* srw/httpd.h: the declarations of lib/httpd.c (see srw.h) */
#ifndef SRW_HTTPD_H
#define SRW_HTTPD_H

#include "srw/base.h"

struct MHD_Connection;

/* ---- lib/httpd.c: what webhookd and board share as HTTP servers ------- */

/*
 * Opens a listening TCP socket for [ADDR:]PORT or [V6]:PORT ("*" or an
 * empty ADDR: every address; a bare PORT: loopback).  PORT must be a
 * number 0..65535 (0: any free port), else a usage error (exit 64); a bind
 * failure exits 69.  shown gets "ADDR:PORT" as bound.  Warns when the
 * address is not loopback and have_token is false (anyone who can reach
 * the host can use the server).
 */
int srw_httpd_listen(const char *spec, bool have_token, char *shown, size_t n);

/*
 * Reads a token (or user:password) file as srw_read_secret_file does, and
 * warns when others may read it (mode o+r) or when the secret is shorter
 * than 16 characters.  NULL with err set when it cannot be read.
 */
char *srw_httpd_secret_file(const char *path, char *err, size_t errsz);

/*
 * A guard against slow clients.  MHD's connection timeout is an idle
 * timeout: a client that sends a header byte now and then keeps its
 * connection forever.  The guard gives each connection a deadline for its
 * request's headers, counted from the connect (or from the end of the
 * previous request on a kept-alive connection), that no trickled byte
 * extends; a client that reconnects starts again within the per-client
 * connection limit (MHD_OPTION_PER_IP_CONNECTION_LIMIT), so one address
 * cannot hold more than that many connections however it behaves.
 *
 * Call srw_httpd_guard_notify from the server's MHD_OPTION_NOTIFY_CONNECTION
 * callback (code: MHD_CONNECTION_NOTIFY_STARTED or _CLOSED), mark a
 * request busy when its headers are in and idle when it is done, and call
 * srw_httpd_guard_sweep a few times a second from any thread.
 */
typedef struct srw_httpd_guard srw_httpd_guard;
srw_httpd_guard *srw_httpd_guard_new(unsigned header_timeout_s);
void srw_httpd_guard_free(srw_httpd_guard *g);	/* after MHD_stop_daemon */
void srw_httpd_guard_notify(srw_httpd_guard *g, struct MHD_Connection *c,
    void **socket_context, int code);
void srw_httpd_guard_busy(struct MHD_Connection *c, bool busy);
/* Shuts down (MHD then closes) connections past their header deadline;
 * returns how many. */
unsigned srw_httpd_guard_sweep(srw_httpd_guard *g);
/* Connections open now, and shut by the header deadline so far. */
long srw_httpd_guard_open(const srw_httpd_guard *g);
unsigned long srw_httpd_guard_timeouts(const srw_httpd_guard *g);

#endif
