/* httpd.c - what webhookd and board share as HTTP servers (both over
 * libmicrohttpd): the listening socket, secret files, and the guard that
 * bounds how long a slow client may hold a connection. */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "srw.h"

static bool
loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

int
srw_httpd_listen(const char *spec, bool have_token, char *shown, size_t n)
{
	char host[256] = "127.0.0.1", port[16], addr[INET6_ADDRSTRLEN + 8];
	const char *colon = strrchr(spec, ':'), *p;
	struct addrinfo hints = { 0 }, *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int fd, one = 1, e;

	if (colon) {
		size_t hl = (size_t)(colon - spec);

		if (hl >= 2 && spec[0] == '[' && spec[hl - 1] == ']')
			spec++, hl -= 2;
		if (hl >= sizeof host)
			srw_die(SRW_EX_USAGE, "--listen: address too long");
		memcpy(host, spec, hl);
		host[hl] = '\0';
		if (strcmp(host, "*") == 0)
			host[0] = '\0';
		spec = colon + 1;
	}
	/* getaddrinfo takes 70597 and binds 70597 mod 65536 */
	for (p = spec; *p >= '0' && *p <= '9'; p++)
		;
	if (!*spec || *p || p - spec > 5 || atol(spec) > 65535)
		srw_die(SRW_EX_USAGE, "--listen: bad port '%s' (want 0 to 65535)", spec);
	snprintf(port, sizeof port, "%s", spec);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((e = getaddrinfo(*host ? host : NULL, port, &hints, &ai)) != 0)
		srw_die(SRW_EX_USAGE, "--listen %s:%s: %s", host, port, gai_strerror(e));
	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0)) < 0)
		srw_die(SRW_EX_SOFTWARE, "socket:");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 511) != 0)
		srw_die(SRW_EX_UNAVAILABLE, "listen on %s:%s:", host, port);
	freeaddrinfo(ai);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	getnameinfo((struct sockaddr *)&ss, sl, addr, sizeof addr, port, sizeof port,
	    NI_NUMERICHOST | NI_NUMERICSERV);
	snprintf(shown, n, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", addr, port);
	if (!have_token && !loopback(&ss))
		srw_warn("listening on %s without a token: anyone who can reach this "
		    "host can use it (--token-file)", shown);
	return fd;
}

char *
srw_httpd_secret_file(const char *path, char *err, size_t errsz)
{
	struct stat st;
	char *s = srw_read_secret_file(path, err, errsz);
	const char *pw;

	if (!s)
		return NULL;
	if (stat(path, &st) == 0 && (st.st_mode & S_IROTH))
		srw_warn("%s is readable by every user (chmod o-r)", path);
	/* user:password files: the password is the secret */
	pw = strchr(s, ':') ? strchr(s, ':') + 1 : s;
	if (strlen(pw) < 16)
		srw_warn("%s: a secret of %zu characters is easy to guess (want 16 or more)",
		    path, strlen(pw));
	return s;
}

/* ---- the slow-client guard ---- */

struct gconn {
	struct gconn *prev, *next;
	int fd;
	_Atomic int64_t since;	/* µs: connected, or its last request done */
	atomic_bool busy;	/* headers in, response not yet done */
};

struct srw_httpd_guard {
	pthread_mutex_t mu;
	struct gconn *conns;
	int64_t limit_us;
	atomic_long open;
	atomic_ulong timeouts;
};

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

srw_httpd_guard *
srw_httpd_guard_new(unsigned header_timeout_s)
{
	srw_httpd_guard *g = srw_xcalloc(1, sizeof *g);

	pthread_mutex_init(&g->mu, NULL);
	g->limit_us = (int64_t)header_timeout_s * 1000000;
	return g;
}

void
srw_httpd_guard_free(srw_httpd_guard *g)
{
	struct gconn *k, *next;

	if (!g)
		return;
	for (k = g->conns; k; k = next) {
		next = k->next;
		free(k);
	}
	pthread_mutex_destroy(&g->mu);
	free(g);
}

/*
 * An entry leaves the list in the CLOSED notification, before MHD closes
 * the descriptor, under the lock the sweep holds: the sweep never shuts a
 * descriptor number that has been reused.
 */
void
srw_httpd_guard_notify(srw_httpd_guard *g, struct MHD_Connection *c,
    void **socket_context, int code)
{
	const union MHD_ConnectionInfo *ci;
	struct gconn *k;

	if (code == (int)MHD_CONNECTION_NOTIFY_STARTED) {
		k = srw_xcalloc(1, sizeof *k);
		ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		k->fd = ci ? ci->connect_fd : -1;
		k->since = mono_us();
		pthread_mutex_lock(&g->mu);
		if ((k->next = g->conns))
			g->conns->prev = k;
		g->conns = k;
		pthread_mutex_unlock(&g->mu);
		g->open++;
		*socket_context = k;
		return;
	}
	if (!(k = *socket_context))
		return;
	pthread_mutex_lock(&g->mu);
	if (k->prev)
		k->prev->next = k->next;
	else
		g->conns = k->next;
	if (k->next)
		k->next->prev = k->prev;
	pthread_mutex_unlock(&g->mu);
	g->open--;
	*socket_context = NULL;
	free(k);
}

void
srw_httpd_guard_busy(struct MHD_Connection *c, bool busy)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct gconn *k = ci ? ci->socket_context : NULL;

	if (!k)
		return;
	if (!busy)
		k->since = mono_us();
	k->busy = busy;
}

unsigned
srw_httpd_guard_sweep(srw_httpd_guard *g)
{
	int64_t now = mono_us();
	struct gconn *k;
	unsigned n = 0;

	if (g->limit_us <= 0)
		return 0;
	pthread_mutex_lock(&g->mu);
	for (k = g->conns; k; k = k->next) {
		if (!k->busy && k->fd >= 0 && now - k->since > g->limit_us) {
			/* never close: MHD owns the descriptor and closes it */
			shutdown(k->fd, SHUT_RDWR);
			k->since = INT64_MAX / 2;	/* once */
			n++;
		}
	}
	pthread_mutex_unlock(&g->mu);
	g->timeouts += n;
	return n;
}

long
srw_httpd_guard_open(const srw_httpd_guard *g)
{
	return g->open;
}

unsigned long
srw_httpd_guard_timeouts(const srw_httpd_guard *g)
{
	return g->timeouts;
}
