/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	dns - the resolver thread, the shared cache, waiting with deadlines
 * DESCRIPTION
 *	Design (see also dns.h and doc/DESIGN.md "DNS layer"): c-ares 1.18
 *	may not be used from several threads on one channel and has no event
 *	thread, so one resolver thread owns the only channel and is the only
 *	caller of ares_*(). Session threads never block on the network: they
 *	put a cache entry on the submit queue, poke the thread through a
 *	pipe, and later wait on a condition variable (CLOCK_MONOTONIC) until
 *	their lookups are done or their deadline passes. One slow lookup
 *	therefore delays only the sessions that need that very answer, and
 *	only up to their own deadline.
 *
 *	Each cache entry (dnscache.c) is also the lookup handle, refcounted:
 *	the cache holds one reference while the entry is cached, the query
 *	one while it is in flight, each session one per handle. This file
 *	adds the lock, the clock and the thread around it.
 *
 *	A resolver is an object: main.c (or relaywarden-query -D) makes one
 *	with rw_dns_start_resolver() and hands it to whatever asks (the
 *	session stages, the prober, the SPF answer source). Nothing here is
 *	global, so the lookup functions take the resolver as their first
 *	argument; a NULL resolver answers every lookup as a timeout.
 *
 *	SERVFAIL and REFUSED are told apart from dead servers with
 *	ARES_FLAG_NOCHECKRESP (otherwise c-ares reports them as
 *	ARES_ECONNREFUSED and keeps trying other servers).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ares.h>
#include <arpa/nameser.h>

#include "dns.h"
#include "dnscache.h"
#include "log.h"
#include "metrics.h"

/* reloads that moved dns_servers while queries were in flight, at most */
#define RW_DNS_DRAINING_MAX	4

struct rw_resolver {
	pthread_mutex_t		 lock;		/* guards everything below and the cache */
	pthread_cond_t		 done_cv;
	pthread_t		 tid;
	ares_channel		 ch;		/* only the resolver thread touches it */
	int			 wake[2];
	bool			 stop;
	struct rw_dns_cache	*cache;
	bool			 completed;	/* answered, not yet broadcast */
	struct rw_dns_lookup	*q_head, *q_tail;
	char			*new_servers;	/* reload: applied by the thread */
	bool			 servers_changed;
	struct rw_dns_stats	 stats;
	/* the resolver thread's own, never read by another thread: */
	char			*servers;	/* ch's dns_servers; NULL: resolv.conf */
	ares_channel		 draining[RW_DNS_DRAINING_MAX];	/* channels
				   replaced by a reload, until their last
				   query is answered */
	unsigned int		 ndraining;
	bool			 stayopen;	/* ch keeps its sockets open */
	int			 timeout_ms;	/* start-up settings, for a rebuild */
	int			 tries;
};

static const struct rw_dns_rrset timeout_answer = { .status = RW_DNS_TIMEOUT };

/* SO_RCVBUF of the c-ares sockets (see init_channel()) */
#define RW_DNS_RCVBUF	(1024 * 1024)

/* rw_dns_lookup - a cached, joined or new lookup; NULL when impossible */
struct rw_dns_lookup *
rw_dns_lookup(struct rw_resolver *r, const char *name, uint16_t type)
{
	bool	cached;

	return rw_dns_lookup_cached(r, name, type, &cached);
}

/* rw_dns_lookup_cached - rw_dns_lookup(), telling whether it cost a query */
struct rw_dns_lookup *
rw_dns_lookup_cached(struct rw_resolver *r, const char *name, uint16_t type,
    bool *cached)
{
	struct rw_dns_lookup *e;
	struct timespec now;
	bool	created, wake = false;

	*cached = false;
	if (r == NULL)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&r->lock);
	e = rw_dns_cache_get(r->cache, name, type, &now, &created);
	if (e != NULL && !created) {
		*cached = true;
		if (e->done) {
			r->stats.cache_hits++;
			rw_metrics_dns_cache_hit();
		} else {
			r->stats.joined++;
			rw_metrics_dns_joined();
		}
	} else if (e != NULL) {
		/*
		 * Only a query put on an empty queue pokes the thread. It takes
		 * the whole queue at the top of its loop, always after it has
		 * drained the pipe, so a queue that is not empty is one it has
		 * been poked for and not yet taken: it will take this one too.
		 */
		e->qowner = r;
		if (r->q_tail != NULL) {
			r->q_tail->qnext = e;
		} else {
			r->q_head = e;
			wake = true;
		}
		r->q_tail = e;
	}
	pthread_mutex_unlock(&r->lock);
	if (wake)
		(void)!write(r->wake[1], "q", 1);
	return e;
}

/* rw_dns_wait - until every lookup is done or the deadline passes */
void
rw_dns_wait(struct rw_resolver *r, struct rw_dns_lookup *const *v, size_t n,
    const struct timespec *deadline)
{
	size_t	i;
	bool	pending;

	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	for (;;) {
		pending = false;
		for (i = 0; i < n && !pending; i++)
			pending = v[i] != NULL && !v[i]->done;
		if (!pending)
			break;
		if (pthread_cond_timedwait(&r->done_cv, &r->lock, deadline) ==
		    ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&r->lock);
}

/* rw_dns_done - finished, without waiting */
bool
rw_dns_done(struct rw_resolver *r, const struct rw_dns_lookup *e)
{
	bool	done;

	if (e == NULL || r == NULL)
		return true;
	pthread_mutex_lock(&r->lock);
	done = e->done;
	pthread_mutex_unlock(&r->lock);
	return done;
}

/* rw_dns_answer - the answer; pending (or NULL) reads as a timeout */
const struct rw_dns_rrset *
rw_dns_answer(struct rw_resolver *r, const struct rw_dns_lookup *e)
{
	if (e == NULL || !rw_dns_done(r, e))
		return &timeout_answer;
	return &e->ans;		/* immutable once done */
}

/* rw_dns_lookup_name - the name asked for: set at creation, never changed */
const char *
rw_dns_lookup_name(const struct rw_dns_lookup *e)
{
	return e != NULL ? e->name : "";
}

/* rw_dns_release - a session is done with a handle */
void
rw_dns_release(struct rw_resolver *r, struct rw_dns_lookup *e)
{
	if (e == NULL || r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	rw_dns_cache_unref(e);
	pthread_mutex_unlock(&r->lock);
}

/* make_answer - c-ares status and message to an answer */
static void
make_answer(int status, const unsigned char *abuf, int alen, uint16_t type,
    struct rw_dns_answer *a)
{
	memset(a, 0, sizeof(*a));
	if (abuf != NULL && alen > 0 && status != ARES_ETIMEOUT) {
		if (!rw_dnsmsg_parse(abuf, (size_t)alen, type, a)) {
			a->status = RW_DNS_SERVFAIL;	/* malformed: a server fault */
			a->ttl = 0;
		}
		return;
	}
	switch (status) {
	case ARES_ENOTFOUND:
		a->status = RW_DNS_NXDOMAIN;
		break;
	case ARES_ENODATA:
		a->status = RW_DNS_NODATA;
		break;
	case ARES_ETIMEOUT:
	case ARES_EDESTRUCTION:
	case ARES_ECANCELLED:
		a->status = RW_DNS_TIMEOUT;
		break;
	default:
		a->status = RW_DNS_SERVFAIL;
		break;
	}
}

/* on_answer - c-ares callback, in the resolver thread */
static void
on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct rw_dns_lookup *e = arg;
	struct rw_resolver *r = e->qowner;
	struct rw_dns_answer a;
	struct timespec now;
	uint32_t ttl;

	(void)timeouts;
	make_answer(status, abuf, alen, e->type, &a);
	ttl = rw_dns_cache_ttl(&a);
	if (rw_log_debug_on()) {	/* names may come from DNS: escaped */
		char	name[RW_HOSTNAME_MAX + 1];

		rw_sanitize(name, sizeof(name), e->name);
		rw_log_debug("dns: %s type %u: %s (%zu records, ttl %u)", name,
		    e->type, rw_dns_status_name(a.status), a.n, ttl);
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* ares_query() runs only for a lookup still queued: sent is set */
	rw_metrics_dns_answer(a.status, rw_metrics_seconds_since(&e->sent));
	pthread_mutex_lock(&r->lock);
	rw_dns_cache_complete(r->cache, e, &a, ttl, &now);
	r->completed = true;	/* waiters are woken once per batch */
	pthread_mutex_unlock(&r->lock);
}

/*
 * wake_waiters - after a batch of answers: one broadcast for all of them.
 * Every waiting session wakes on a broadcast and rechecks its handles
 * under the lock; a broadcast per answer made a burst of N answers with
 * M sessions waiting cost N x M wake-ups, during which the resolver
 * thread, competing for the lock, read no further answers and its socket
 * buffer overflowed (a dropped answer costs dns_timeout).
 */
static void
wake_waiters(struct rw_resolver *r)
{
	pthread_mutex_lock(&r->lock);
	if (r->completed) {
		r->completed = false;
		pthread_cond_broadcast(&r->done_cv);
	}
	pthread_mutex_unlock(&r->lock);
}

/*
 * servers_on_loopback - every server of the channel is 127.0.0.0/8 or ::1.
 * Only then may the channel keep its sockets open between queries: a
 * kept socket keeps its source port, and RFC 5452 asks a resolver to
 * vary it so that a forged answer must guess it as well as the query id.
 * Nobody off the machine can forge a datagram from loopback, so there
 * the socket, its descriptor flags and its 1 MiB buffer are made once
 * instead of for every query after an idle moment (c-ares 1.18 closes
 * a socket as soon as no query is left on it): seven system calls a
 * query with a new client per message (issue 11).
 */
static bool
servers_on_loopback(ares_channel ch)
{
	struct ares_addr_port_node *list = NULL, *n;
	bool	all = true;
	const unsigned char *b;
	static const unsigned char v6_loopback[16] = { [15] = 1 };

	if (ares_get_servers_ports(ch, &list) != ARES_SUCCESS || list == NULL)
		return false;
	for (n = list; n != NULL && all; n = n->next) {
		if (n->family == AF_INET) {
			b = (const unsigned char *)&n->addr.addr4;
			all = b[0] == 127;
		} else if (n->family == AF_INET6)
			all = memcmp(&n->addr.addr6, v6_loopback, 16) == 0;
		else
			all = false;
	}
	ares_free_data(list);
	return all;
}

/* open_channel - a channel on these servers (NULL: resolv.conf's) */
static bool
open_channel(struct rw_resolver *r, const char *servers, bool stayopen,
    ares_channel *ch, char *err, size_t errlen)
{
	struct ares_options o;
	int	rc, mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	    ARES_OPT_SOCK_RCVBUF;

	memset(&o, 0, sizeof(o));
	o.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH |
	    (stayopen ? ARES_FLAG_STAYOPEN : 0);
	o.timeout = r->timeout_ms;
	o.tries = r->tries;
	/*
	 * Room for a burst of answers (many new clients at once, each asking
	 * several lists) while the thread is busy: an answer the kernel drops
	 * costs its sessions dns_timeout. The kernel caps this at
	 * net.core.rmem_max.
	 */
	o.socket_receive_buffer_size = RW_DNS_RCVBUF;
	if ((rc = ares_init_options(ch, &o, mask)) != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
		return false;
	}
	if (servers != NULL && servers[0] != '\0' &&
	    (rc = ares_set_servers_ports_csv(*ch, servers)) != ARES_SUCCESS) {
		snprintf(err, errlen, "dns_servers %s: %s", servers,
		    ares_strerror(rc));
		ares_destroy(*ch);
		return false;
	}
	return true;
}

/*
 * init_channel - r->ch on these servers, keeping its sockets open when
 * every server is on loopback (servers_on_loopback()). Whether they are
 * is known only once c-ares has the list (resolv.conf's, when servers is
 * NULL), and the flag only at ares_init_options(): so a second channel.
 * On failure r is left as it was.
 */
static bool
init_channel(struct rw_resolver *r, const char *servers, char *err,
    size_t errlen)
{
	ares_channel ch, kept;

	if (!open_channel(r, servers, false, &ch, err, errlen))
		return false;
	r->stayopen = false;
	if (servers_on_loopback(ch) &&
	    open_channel(r, servers, true, &kept, err, errlen)) {
		ares_destroy(ch);
		ch = kept;
		r->stayopen = true;
	}
	r->ch = ch;
	return true;
}

/* channel_busy - some query of ch is still waiting for its answer */
static bool
channel_busy(ares_channel ch)
{
	struct timeval tv;

	return ares_timeout(ch, NULL, &tv) != NULL;	/* NULL: none pending */
}

/*
 * rebuild_channel - reload: a new channel on the new servers, in the
 * resolver thread. Not ares_set_servers_ports_csv(): c-ares 1.18 refuses
 * it while a query is outstanding (ARES_ENOTIMP), which lost a reload's
 * new servers on any busy system; and keeping sockets open must follow
 * the new servers. New queries go to the new channel at once; the old one
 * is polled on (r->draining) until its last query is answered, so no
 * lookup in flight is cut short. On failure the old channel stays.
 */
static void
rebuild_channel(struct rw_resolver *r, char *servers)
{
	ares_channel old = r->ch;
	bool	was = r->stayopen;
	char	err[256];

	/* the same servers: nothing to do; none: resolv.conf only at start */
	if (servers[0] == '\0' ||
	    (r->servers != NULL && strcmp(r->servers, servers) == 0)) {
		free(servers);
		return;
	}
	if (!init_channel(r, servers, err, sizeof(err))) {	/* r untouched */
		rw_log_err("dns: cannot use dns_servers %s: %s; still asking the "
		    "previous servers", servers, err);
		free(servers);
		return;
	}
	if (channel_busy(old))
		r->draining[r->ndraining++] = old;
	else
		ares_destroy(old);	/* idle: no callback runs */
	if (r->stayopen != was)
		rw_log_info("dns: dns_servers %s: sockets %s between queries",
		    servers, r->stayopen ? "kept open (all on loopback)" :
		    "opened per query (not all on loopback)");
	free(r->servers);
	r->servers = servers;
}

/* poll_set - append ch's sockets to pfd (owner[] says whose); new count */
static int
poll_set(ares_channel ch, struct pollfd *pfd, ares_channel *owner, int n)
{
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	unsigned int bits;
	int	i;

	/* ares.h's ARES_GETSOCK_* shift a signed 1 into bit 31: use our own */
	bits = (unsigned int)ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
	for (i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
		bool rd = (bits & (1u << i)) != 0;
		bool wr = (bits & (1u << (i + ARES_GETSOCK_MAXNUM))) != 0;

		if (!rd && !wr)
			continue;
		pfd[n].fd = socks[i];
		pfd[n].events = (short)((rd ? POLLIN : 0) | (wr ? POLLOUT : 0));
		pfd[n].revents = 0;
		owner[n] = ch;
		n++;
	}
	return n;
}

/* ms_until - ares_timeout() of ch, at most limit_ms, in ms */
static int
ms_until(ares_channel ch, int limit_ms)
{
	struct timeval tv, maxtv = { 1, 0 }, *tvp;
	int	ms;

	tvp = ares_timeout(ch, &maxtv, &tv);
	ms = (int)(tvp->tv_sec * 1000 + tvp->tv_usec / 1000);
	return ms < limit_ms ? ms : limit_ms;
}

/* resolver_loop - the only thread that calls ares_*() after start-up */
static void *
resolver_loop(void *arg)
{
	struct rw_resolver *r = arg;
	struct pollfd pfd[(RW_DNS_DRAINING_MAX + 1) * ARES_GETSOCK_MAXNUM + 1];
	ares_channel owner[(RW_DNS_DRAINING_MAX + 1) * ARES_GETSOCK_MAXNUM];
	struct rw_dns_lookup *q, *next;
	char	*servers;
	char	drain[64];
	unsigned int d;
	int	i, n, timeout_ms;
	bool	stop;

	for (;;) {
		pthread_mutex_lock(&r->lock);
		q = r->q_head;
		r->q_head = r->q_tail = NULL;
		stop = r->stop;
		servers = NULL;
		/* a change waits only while RW_DNS_DRAINING_MAX channels drain */
		if (r->servers_changed && r->ndraining < RW_DNS_DRAINING_MAX) {
			r->servers_changed = false;
			servers = r->new_servers;	/* now this thread's */
			r->new_servers = NULL;
		}
		pthread_mutex_unlock(&r->lock);
		if (servers != NULL)
			rebuild_channel(r, servers);	/* takes servers */
		for (; q != NULL; q = next) {
			next = q->qnext;
			q->qnext = NULL;
			pthread_mutex_lock(&r->lock);
			r->stats.queries++;
			pthread_mutex_unlock(&r->lock);
			rw_metrics_dns_query();
			clock_gettime(CLOCK_MONOTONIC, &q->sent);
			ares_query(r->ch, q->name, ns_c_in, q->type, on_answer, q);
		}
		wake_waiters(r);	/* queries that failed at once */
		if (stop)
			break;
		n = poll_set(r->ch, pfd, owner, 0);
		timeout_ms = ms_until(r->ch, 1000);
		for (d = 0; d < r->ndraining; d++) {
			n = poll_set(r->draining[d], pfd, owner, n);
			timeout_ms = ms_until(r->draining[d], timeout_ms);
		}
		pfd[n].fd = r->wake[0];
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		if (poll(pfd, (nfds_t)n + 1, timeout_ms) < 0 && errno != EINTR) {
			rw_log_err("dns: poll: %s", strerror(errno));
			sleep(1);
		}
		if (pfd[n].revents & POLLIN)
			while (read(r->wake[0], drain, sizeof(drain)) > 0)
				;
		for (i = 0; i < n; i++)
			ares_process_fd(owner[i],
			    (pfd[i].revents & (POLLIN | POLLERR | POLLHUP)) ? pfd[i].fd :
			    ARES_SOCKET_BAD,
			    (pfd[i].revents & POLLOUT) ? pfd[i].fd : ARES_SOCKET_BAD);
		/* timeouts and retries */
		ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
		for (d = 0; d < r->ndraining; d++) {
			ares_process_fd(r->draining[d], ARES_SOCKET_BAD,
			    ARES_SOCKET_BAD);
			if (!channel_busy(r->draining[d])) {
				ares_destroy(r->draining[d]);
				r->draining[d--] = r->draining[--r->ndraining];
			}
		}
		wake_waiters(r);
	}
	for (d = 0; d < r->ndraining; d++)
		ares_destroy(r->draining[d]);
	ares_destroy(r->ch);	/* cancels what is in flight: callbacks run */
	wake_waiters(r);
	return NULL;
}

/* resolver_free - what start made; the thread is not running */
static void
resolver_free(struct rw_resolver *r)
{
	if (r->wake[0] >= 0)
		close(r->wake[0]);
	if (r->wake[1] >= 0)
		close(r->wake[1]);
	pthread_cond_destroy(&r->done_cv);	/* tsan.supp: no thread left */
	pthread_mutex_destroy(&r->lock);	/* tsan.supp: no thread left */
	rw_dns_cache_free(r->cache);
	free(r->new_servers);
	free(r->servers);
	free(r);
}

/* rw_dns_start_resolver - channel, cache and thread */
struct rw_resolver *
rw_dns_start_resolver(const struct rw_dns_settings *s, char *err, size_t errlen)
{
	struct rw_resolver *r;
	pthread_condattr_t ca;
	int	rc;

	if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->wake[0] = r->wake[1] = -1;
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->done_cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((r->cache = rw_dns_cache_new(s->cache_size)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (pipe(r->wake) != 0 || fcntl(r->wake[0], F_SETFL, O_NONBLOCK) != 0 ||
	    fcntl(r->wake[1], F_SETFL, O_NONBLOCK) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	r->timeout_ms = (int)s->timeout_ms;
	r->tries = (int)s->tries;
	if (s->servers != NULL && s->servers[0] != '\0' &&
	    (r->servers = strdup(s->servers)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (!init_channel(r, s->servers, err, errlen))
		goto fail;
	if (pthread_create(&r->tid, NULL, resolver_loop, r) != 0) {
		snprintf(err, errlen, "cannot start the resolver thread");
		ares_destroy(r->ch);
		goto fail;
	}
	return r;
fail:
	resolver_free(r);
	return NULL;
}

/* rw_dns_configure - reload: servers and cache size now, timeouts at restart */
bool
rw_dns_configure(struct rw_resolver *r, const struct rw_dns_settings *s,
    char *err, size_t errlen)
{
	char	*copy = NULL;

	if (r == NULL)
		return true;
	if (s->servers != NULL && (copy = strdup(s->servers)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	pthread_mutex_lock(&r->lock);
	free(r->new_servers);
	r->new_servers = copy;
	r->servers_changed = copy != NULL;
	rw_dns_cache_set_max(r->cache, s->cache_size);
	pthread_mutex_unlock(&r->lock);
	(void)!write(r->wake[1], "c", 1);
	return true;
}

/* rw_dns_stop_resolver - at exit: end the thread, free the resolver */
void
rw_dns_stop_resolver(struct rw_resolver *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_mutex_unlock(&r->lock);
	(void)!write(r->wake[1], "s", 1);
	pthread_join(r->tid, NULL);
	resolver_free(r);
}

/* rw_dns_get_stats - counters */
void
rw_dns_get_stats(struct rw_resolver *r, struct rw_dns_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	*st = r->stats;
	st->entries = rw_dns_cache_entries(r->cache);
	pthread_mutex_unlock(&r->lock);
}
