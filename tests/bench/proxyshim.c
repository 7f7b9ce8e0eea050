/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	proxyshim - give smtp-source's sessions non-loopback client addresses
 * SYNOPSIS
 *	cc -shared -fPIC -o proxyshim.so proxyshim.c -ldl
 *	RW_PROXY_PORTS=25400,25401 RW_PROXY_BASE=198.18.0.1 \
 *	RW_PROXY_COUNT=2000 RW_PROXY_SKIP=0 \
 *	LD_PRELOAD=./proxyshim.so smtp-source ... 127.0.0.1:25400
 * DESCRIPTION
 *	The benchmark drives a private Postfix with smtp-source, which
 *	connects from 127.0.0.1, an insider for relaywarden, and cannot send
 *	XCLIENT. Its smtpd services run with smtpd_upstream_proxy_protocol =
 *	haproxy instead, and this shim, preloaded into smtp-source, writes a
 *	PROXY protocol v1 line ("PROXY TCP4 CLIENT 127.0.0.1 SPORT DPORT")
 *	as soon as a connection to 127.0.0.1 on one of RW_PROXY_PORTS is
 *	made, before smtp-source reads the greeting. Postfix, and so the
 *	milter, then sees CLIENT as the client address; nothing connects to
 *	that address, no packet leaves loopback.
 *
 *	Connection i (counted from 0 in this process) gets the address
 *	RW_PROXY_BASE + (RW_PROXY_SKIP + i) mod RW_PROXY_COUNT, so a run
 *	can give every message a new client (COUNT at least the number of
 *	messages) or cycle through a few, and a second run can start where
 *	the first stopped (SKIP).
 *
 *	A non-blocking connect is waited for (10 s at most) so that the line
 *	can be written; then connect() reports success, or the connection's
 *	error. Other connections pass through untouched.
 * ENVIRONMENT
 *	RW_PROXY_PORTS	comma-separated destination ports (required; unset:
 *			the shim does nothing)
 *	RW_PROXY_BASE	first client address, IPv4 (default 198.18.0.1)
 *	RW_PROXY_COUNT	how many addresses to cycle through (default 1)
 *	RW_PROXY_SKIP	index of the first one used (default 0)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef int	connect_fn(int, const struct sockaddr *, socklen_t);

static unsigned long proxy_seq;

/* proxy_env_ulong - a numeric environment variable, or the default */
static unsigned long
proxy_env_ulong(const char *name, unsigned long dflt)
{
	const char *v = getenv(name);
	char	*end;
	unsigned long n;

	if (v == NULL || *v == '\0')
		return dflt;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0')
		return dflt;
	return n;
}

/* proxy_port_wanted - is PORT in RW_PROXY_PORTS */
static int
proxy_port_wanted(unsigned int port)
{
	const char *p = getenv("RW_PROXY_PORTS");
	char	*end;
	unsigned long n;

	if (p == NULL)
		return 0;
	while (*p != '\0') {
		n = strtoul(p, &end, 10);
		if (end == p)
			return 0;
		if (n == port)
			return 1;
		p = end;
		while (*p == ',' || *p == ' ')
			p++;
	}
	return 0;
}

/* proxy_wait - wait for a non-blocking connect; 0 or the error */
static int
proxy_wait(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int	err = 0;
	socklen_t len = sizeof(err);

	if (poll(&pfd, 1, 10000) != 1)
		return ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		return errno;
	return err;
}

/* proxy_header - write the PROXY v1 line for this connection */
static int
proxy_header(int fd, unsigned int dport)
{
	struct in_addr base, client;
	const char *b = getenv("RW_PROXY_BASE");
	unsigned long count = proxy_env_ulong("RW_PROXY_COUNT", 1);
	unsigned long skip = proxy_env_ulong("RW_PROXY_SKIP", 0);
	unsigned long i;
	char	addr[INET_ADDRSTRLEN], line[128];
	int	n;
	ssize_t	w;

	if (inet_pton(AF_INET, b != NULL ? b : "198.18.0.1", &base) != 1)
		return EINVAL;
	if (count == 0)
		count = 1;
	i = __atomic_fetch_add(&proxy_seq, 1, __ATOMIC_RELAXED);
	client.s_addr = htonl(ntohl(base.s_addr) +
	    (uint32_t)((skip + i) % count));
	if (inet_ntop(AF_INET, &client, addr, sizeof(addr)) == NULL)
		return EINVAL;
	n = snprintf(line, sizeof(line), "PROXY TCP4 %s 127.0.0.1 %lu %u\r\n",
	    addr, 10000 + (skip + i) % 50000, dport);
	if (n < 0 || (size_t)n >= sizeof(line))
		return EINVAL;
	w = write(fd, line, (size_t)n);
	if (w != n)
		return w < 0 ? errno : EIO;
	return 0;
}

/* connect - the real connect, then the PROXY line where wanted */
int
connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	static connect_fn *real;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	int	rc, err;

	if (real == NULL)
		real = (connect_fn *)dlsym(RTLD_NEXT, "connect");
	if (real == NULL) {
		errno = ENOSYS;
		return -1;
	}
	rc = real(fd, sa, len);
	if (sa == NULL || sa->sa_family != AF_INET ||
	    len < (socklen_t)sizeof(*sin) ||
	    ntohl(sin->sin_addr.s_addr) != INADDR_LOOPBACK ||
	    !proxy_port_wanted(ntohs(sin->sin_port)))
		return rc;
	if (rc != 0) {
		if (errno != EINPROGRESS)
			return rc;
		if ((err = proxy_wait(fd)) != 0) {
			errno = err;
			return -1;
		}
	}
	if ((err = proxy_header(fd, ntohs(sin->sin_port))) != 0) {
		errno = err;
		return -1;
	}
	return 0;
}
