/* listen.c - a daemon's listening socket (its own, or systemd's) and its
 * bearer token, for remote-writed (webhookd and board have the same needs). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "srw.h"

int
srw_listen(const char *spec, char *shown, size_t n)
{
	char host[256] = "127.0.0.1", port[16], addr[INET6_ADDRSTRLEN + 8];
	const char *colon = strrchr(spec, ':');
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
		spec = colon + 1;
	}
	if (!*spec || strlen(spec) >= sizeof port || strspn(spec, "0123456789") != strlen(spec))
		srw_die(SRW_EX_USAGE, "--listen: want [ADDR:]PORT, got port '%s'", spec);
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
	return fd;
}

int
srw_listen_activated(bool *listening)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int v = 0;
	socklen_t l = sizeof v;

	if (!pid || !fds || atol(pid) != (long)getpid() || atoi(fds) < 1)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	fcntl(3, F_SETFD, FD_CLOEXEC);
	if (getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &v, &l) != 0)
		srw_die(SRW_EX_USAGE, "LISTEN_FDS: descriptor 3 is not a socket");
	*listening = v != 0;
	return 3;
}

char *
srw_token_digest(const char *path)
{
	char err[512], *s, *hex = srw_xmalloc(65);

	if (!(s = srw_read_secret_file(path, err, sizeof err)))
		srw_die(SRW_EX_USAGE, "%s", err);
	srw_sha256_hex(s, strlen(s), hex);
	memset(s, 0, strlen(s));
	free(s);
	return hex;
}

bool
srw_token_same(const char *got, const char *want_hex)
{
	char h[65];
	unsigned char d = 0;
	int i;

	while (*got == ' ')
		got++;
	srw_sha256_hex(got, strlen(got), h);
	for (i = 0; i < 64; i++)
		d |= (unsigned char)(h[i] ^ want_hex[i]);
	return d == 0;
}
