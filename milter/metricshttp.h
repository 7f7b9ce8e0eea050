/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	metricshttp.h - the Prometheus endpoint (GET /metrics) over libmicrohttpd
 * DESCRIPTION
 *	One listening socket on metrics_listen, served by libmicrohttpd's
 *	own thread: the HTTP parsing is the library's, never ours. Each
 *	scrape renders metrics.c's counters, which takes no lock a session
 *	takes, so scrapes never slow the mail path.
 */
#ifndef RW_METRICSHTTP_H
#define RW_METRICSHTTP_H

#include <stddef.h>

struct rw_metrics_http;

/*
 * rw_metrics_http_start - listen on LISTEN ("127.0.0.1:9367",
 * "[::1]:9367") and serve in a thread of libmicrohttpd's. The calling
 * thread's signal mask is kept for that thread with SIGHUP, SIGTERM,
 * SIGINT, SIGUSR1 and SIGPIPE blocked (they belong to main.c).
 * The first call loads libmicrohttpd (dlopen): a daemon without
 * metrics_listen never maps it.
 * @return	NULL with a reason in err when the address is bad, the
 *		library cannot be loaded, or the socket cannot be opened
 *		(port in use)
 */
struct rw_metrics_http *rw_metrics_http_start(const char *listen, char *err,
	    size_t errlen);
/* rw_metrics_http_stop - close the socket, end the thread; NULL: nothing */
void	rw_metrics_http_stop(struct rw_metrics_http *);

#endif /* RW_METRICSHTTP_H */
