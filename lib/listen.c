/* listen.c - the socket systemd passes a daemon, and its bearer token kept
 * as a digest (remote-writed; webhookd has copies of both to fold here).
 * Its own listening socket is srw_httpd_listen (lib/httpd.c). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "srw.h"

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

	if (!(s = srw_httpd_secret_file(path, err, sizeof err)))	/* warns if weak */
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
