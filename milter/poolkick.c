/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	poolkick - have libmilter start a worker before a callback waits
 * DESCRIPTION
 *	Debian's libmilter runs sessions on a pool of worker threads
 *	(_FFR_WORKERS_POOL; sendmail's libmilter/worker.c, read for facts).
 *	It starts a worker only when a new connection is accepted, or a
 *	command arrives on a session that was waiting for one, while it
 *	counts no worker idle; and a worker it has signalled still counts
 *	as idle until that worker runs. When a burst of connections comes
 *	in faster than the signalled workers wake up, the sessions are
 *	queued for the workers there are (two after a quiet spell), and a
 *	worker whose callback waits for DNS serves nobody meanwhile: 100
 *	sessions opened at once against lists answering in 200 ms were
 *	served one wait at a time by two workers, up to 10 s for the last
 *	(20 s for listed clients, whose verdict takes two answers;
 *	doc/DESIGN.md, "Many sessions at once").
 *
 *	relaywarden cannot reach into the pool, but it can give the pool
 *	the event the pool starts workers on. Before a callback blocks in
 *	the DNS verdict wait, rw_poolkick() opens a connection to the
 *	daemon's own milter socket and closes it. libmilter's listener
 *	accepts it; with no worker idle (this one is about to wait) the pool
 *	starts one for it. That worker reads end of file at once, ends the
 *	connection (nothing was negotiated: only the close callback runs,
 *	with no session state, and nothing is counted or logged) and goes
 *	on to the sessions queued behind, whose lookups then start at once
 *	instead of after the wait. Each wait that blocks brings in one
 *	worker in its place, so the pool grows to the sessions waiting at
 *	once, as a libmilter without the pool would; the pool's own rule
 *	(a worker with more than one idle beside it exits) shrinks it after.
 *
 *	Cost: a connect and a close on the waiting thread, an accept, a
 *	thread and a read on libmilter's side, only for a wait that really
 *	blocks (answers already in: no kick). A TCP kick waits up to 10 ms
 *	for its handshake, which loopback completes at once; a unix socket
 *	whose backlog is full means the listener has work queued anyway.
 *	A kick that fails changes nothing but the pool's growth: the first
 *	failure is logged once, as a warning.
 */
#include "config.h"

#include "poolkick.h"

#include <sys/socket.h>
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* a loopback TCP handshake completes at once; past this, give up */
#define RW_POOLKICK_CONNECT_MS	10

struct rw_poolkick {
	struct sockaddr_storage	 addr;
	socklen_t		 len;
	atomic_bool		 warned;	/* a failure was logged */
};

struct rw_poolkick *
rw_poolkick_new(const struct sockaddr_storage *addr, socklen_t len)
{
	struct rw_poolkick *k;

	if (len > sizeof(k->addr) || (k = calloc(1, sizeof(*k))) == NULL)
		return NULL;
	memcpy(&k->addr, addr, len);
	k->len = len;
	atomic_init(&k->warned, false);
	return k;
}

void
rw_poolkick_free(struct rw_poolkick *k)
{
	free(k);
}

/* failed - log the first failure only: a kick is an optimisation */
static void
failed(struct rw_poolkick *k, const char *what, int err)
{
	if (!atomic_exchange(&k->warned, true))
		rw_log_warn("cannot connect to our own milter socket (%s: %s): "
		    "libmilter's worker pool may keep sessions queued behind "
		    "DNS waits; logged once", what, strerror(err));
}

void
rw_poolkick(struct rw_poolkick *k, const char *qid)
{
	struct pollfd pfd;
	int	fd, rc;

	if (k == NULL)
		return;
	fd = socket(k->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd < 0) {
		failed(k, "socket", errno);
		return;
	}
	rc = connect(fd, (const struct sockaddr *)&k->addr, k->len);
	if (rc != 0 && errno == EINPROGRESS) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		/* closed before the handshake, the listener would see nothing */
		if (poll(&pfd, 1, RW_POOLKICK_CONNECT_MS) == 1 &&
		    (pfd.revents & POLLOUT) != 0)
			rc = 0;
		else
			errno = ETIMEDOUT;
	}
	if (rc != 0 && errno != EAGAIN)
		failed(k, "connect", errno);
	else if (rc == 0)
		rw_log_debug("%s: DNS wait ahead: a connection to our own "
		    "socket, for libmilter to start a worker", qid);
	(void)close(fd);
}
