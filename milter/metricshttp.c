/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	metricshttp - serve GET /metrics with libmicrohttpd
 * SYNOPSIS
 *	#include "metricshttp.h"
 * DESCRIPTION
 *	See metricshttp.h. GET (and HEAD, which libmicrohttpd answers from
 *	the same response without a body) on /metrics gets the text format
 *	0.0.4 with its content type; any other path is 404, any other
 *	method on /metrics 405. A request body is never read. At most 16
 *	connections at a time, each closed after 10 s idle: a stuck
 *	scraper cannot pile up descriptors the milter needs.
 *
 *	libmicrohttpd is not linked: rw_metrics_http_start() dlopen()s it
 *	(RW_MHD_SONAME, from configure) and resolves the six functions used
 *	into one table, the only place this file reaches the library. Linked,
 *	it and the TLS libraries it needs (GnuTLS, nettle, p11-kit, ...)
 *	were mapped into every daemon, metrics on or off: 2.3 MiB of RSS of
 *	a daemon whose whole goal is a few MiB (issue 11). The header is
 *	still the -dev package's, so the types are checked at build time.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "metricshttp.h"
#include "daemonconf.h"
#include "metrics.h"

#define CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

#ifndef RW_MHD_SONAME
#define RW_MHD_SONAME	"libmicrohttpd.so.12"
#endif

/* The library's functions this file calls, resolved by mhd_load(). */
static struct mhd_api {
	__typeof__(MHD_start_daemon)	*start_daemon;
	__typeof__(MHD_stop_daemon)	*stop_daemon;
	__typeof__(MHD_create_response_from_buffer) *response_from_buffer;
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_queue_response)	*queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
} mhd;
static void *mhd_handle;	/* set once, by the main thread, at start */

/* mhd_sym - one symbol of the loaded library; NULL with a reason in err */
static void *
mhd_sym(const char *name, char *err, size_t errlen)
{
	void	*p;

	(void)dlerror();
	if ((p = dlsym(mhd_handle, name)) == NULL) {
		const char *why = dlerror();

		snprintf(err, errlen, "metrics_listen: %s has no %s (%s)",
		    RW_MHD_SONAME, name, why != NULL ? why : "null symbol");
	}
	return p;
}

/*
 * mhd_load - dlopen libmicrohttpd and fill mhd, once (main thread, at
 * start; later calls find it loaded). False with a reason in err: the
 * library is missing (Debian: libmicrohttpd12) or not the expected one.
 */
static bool
mhd_load(char *err, size_t errlen)
{
	void	*h;

	if (mhd_handle != NULL)
		return true;
	if ((h = dlopen(RW_MHD_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		const char *why = dlerror();

		snprintf(err, errlen, "metrics_listen is set but %s cannot be "
		    "loaded (Debian: install libmicrohttpd12): %s", RW_MHD_SONAME,
		    why != NULL ? why : "unknown error");
		return false;
	}
	mhd_handle = h;
	/* dlsym() returns a void *; POSIX guarantees a function's address
	 * survives it. memcpy into the typed member is the conversion ISO C
	 * has no warning-free cast for. */
#define MHD_RESOLVE(member, name) do {					\
		void *p_ = mhd_sym(name, err, errlen);			\
		if (p_ == NULL)						\
			goto fail;					\
		memcpy(&mhd.member, &p_, sizeof(p_));			\
	} while (0)
	MHD_RESOLVE(start_daemon, "MHD_start_daemon");
	MHD_RESOLVE(stop_daemon, "MHD_stop_daemon");
	MHD_RESOLVE(response_from_buffer, "MHD_create_response_from_buffer");
	MHD_RESOLVE(add_response_header, "MHD_add_response_header");
	MHD_RESOLVE(queue_response, "MHD_queue_response");
	MHD_RESOLVE(destroy_response, "MHD_destroy_response");
#undef MHD_RESOLVE
	return true;
fail:
	memset(&mhd, 0, sizeof(mhd));
	(void)dlclose(h);
	mhd_handle = NULL;
	return false;
}

struct rw_metrics_http {
	struct MHD_Daemon *mhd;
};

/* reply - a static text body with a status */
static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned int status, const char *text,
    const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	r = mhd.response_from_buffer(strlen(text), (void *)text,
	    MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	(void)mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain; charset=utf-8");
	if (allow != NULL)
		(void)mhd.add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	rc = mhd.queue_response(conn, status, r);
	mhd.destroy_response(r);
	return rc;
}

/* on_request - libmicrohttpd's access handler: one scrape */
static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **req_cls)
{
	struct MHD_Response *r;
	enum MHD_Result rc;
	char	*body;
	size_t	 len = 0;

	(void)cls;
	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	/* answered on the first call, with the headers: a body is never
	 * read (libmicrohttpd discards it, closing the connection if it must) */
	if (strcmp(url, "/metrics") != 0)
		return reply(conn, MHD_HTTP_NOT_FOUND, "not found\n", NULL);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "method not allowed\n", "GET, HEAD");
	if ((body = rw_metrics_render(&len)) == NULL)
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "out of memory\n", NULL);
	r = mhd.response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	(void)mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    CONTENT_TYPE);
	rc = mhd.queue_response(conn, MHD_HTTP_OK, r);
	mhd.destroy_response(r);
	return rc;
}

/* rw_metrics_http_start - bind and start serving */
struct rw_metrics_http *
rw_metrics_http_start(const char *listen, char *err, size_t errlen)
{
	struct rw_metrics_http *h;
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)&ss;
	sigset_t block, old;
	char	host[64];
	unsigned int port, flags = MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_POLL;

	if (!rw_daemon_conf_split_listen(listen, host, sizeof(host), &port,
	    err, errlen))
		return NULL;
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, errlen, "metrics_listen: bad address %s", host);
		return NULL;
	}
	if (!mhd_load(err, errlen))
		return NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* the thread libmicrohttpd starts inherits this mask */
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	h->mhd = mhd.start_daemon(flags, (uint16_t)port, NULL, NULL,
	    on_request, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)16,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
	    MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (h->mhd == NULL) {
		snprintf(err, errlen, "metrics_listen %s: cannot listen (is the "
		    "port free?)", listen);
		free(h);
		return NULL;
	}
	return h;
}

/* rw_metrics_http_stop - stop serving */
void
rw_metrics_http_stop(struct rw_metrics_http *h)
{
	if (h == NULL)
		return;
	mhd.stop_daemon(h->mhd);
	free(h);
}
