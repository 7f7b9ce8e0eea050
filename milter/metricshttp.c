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
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
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

	r = MHD_create_response_from_buffer(strlen(text), (void *)text,
	    MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain; charset=utf-8");
	if (allow != NULL)
		(void)MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
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
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    CONTENT_TYPE);
	rc = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
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
	h->mhd = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL,
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
	MHD_stop_daemon(h->mhd);
	free(h);
}
