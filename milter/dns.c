/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	dns - the resolver thread, the shared cache, waiting with deadlines
 * DESCRIPTION
 *	Design (see also dns.h and doc/DESIGN.md "DNS layer"): c-ares 1.18
 *	may not be used from several threads on one channel at once and has
 *	no event thread, so the channel is used only under the resolver's
 *	lock, and one resolver thread waits on its sockets. Session threads
 *	never block on the network: a session that needs a new lookup sends
 *	its query itself (a datagram written without waiting) and later
 *	waits on a condition variable (CLOCK_MONOTONIC) until its lookups
 *	are done or its deadline passes. One slow lookup therefore delays
 *	only the sessions that need that very answer, and only up to their
 *	own deadline.
 *
 *	Answers are read by whoever needs them first: a session about to
 *	wait, or asking whether an answer is in, reads the answers already
 *	queued on the sockets (collect()); the resolver thread polls the
 *	sockets only while a session waits, and otherwise wakes only for
 *	c-ares's timeouts and retries (at least once a second, when it also
 *	reads what arrived). With a local cache an answer is usually in
 *	before the session needs it: the lookup then costs the session two
 *	system calls (the send, the read) and the resolver thread nothing.
 *	Before, every lookup woke the resolver thread twice, to send and to
 *	read: on the 2-CPU benchmark machine a new client's one list query
 *	cost the milter about 0.1 ms of CPU per message, most of it in those
 *	wake-ups (issue 11). The thread is poked through a pipe only when
 *	its sleep must end early: a session starts waiting while the thread
 *	is not watching the sockets, a query's first timeout falls before
 *	the thread's own wake-up, or a query opened a socket while a session
 *	waits.
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

#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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
#include "deadline.h"
#include "dnscache.h"
#include "log.h"
#include "metrics.h"

/* reloads that moved dns_servers while queries were in flight, at most */
#define RW_DNS_DRAINING_MAX	4

struct rw_resolver {
	pthread_mutex_t		 lock;		/* guards everything below, the
						   channels and the cache */
	pthread_cond_t		 done_cv;
	pthread_t		 tid;
	ares_channel		 ch;
	ares_channel		 draining[RW_DNS_DRAINING_MAX];	/* channels
				   replaced by a reload, until their last
				   query is answered */
	unsigned int		 ndraining;
	int			 wake[2];
	bool			 stop;
	struct rw_dns_cache	*cache;
	bool			 completed;	/* answered, not yet broadcast */
	unsigned int		 waiters;	/* sessions in rw_dns_wait() */
	/* the resolver thread's sleep, while it is in poll(): */
	bool			 asleep;
	bool			 watching;	/* it polls the query sockets */
	bool			 poked;		/* its pipe has been written */
	struct timespec		 wake_by;	/* its poll() ends by then */
	char			*new_servers;	/* reload: applied by the thread */
	bool			 servers_changed;
	struct rw_dns_stats	 stats;
	/* the datagram read last, when the kernel received it (realtime) */
	struct timespec		 arrived;
	bool			 arrived_known;
	char			*servers;	/* ch's dns_servers; NULL: resolv.conf */
	bool			 stayopen;	/* ch keeps its sockets open */
	int			 timeout_ms;	/* start-up settings, for a rebuild */
	int			 tries;
};

static const struct rw_dns_rrset timeout_answer = { .status = RW_DNS_TIMEOUT };

/* SO_RCVBUF of the c-ares sockets (see sock_open()) */
#define RW_DNS_RCVBUF	(1024 * 1024)

/* the resolver thread's longest sleep: it reads late answers this often */
#define RW_DNS_TICK_MS	1000

static void	send_query(struct rw_resolver *, struct rw_dns_lookup *,
		    const struct timespec *now);
static void	collect(struct rw_resolver *);
static void	poke(struct rw_resolver *, char why);

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
	bool	created;

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
		send_query(r, e, &now);
	}
	pthread_mutex_unlock(&r->lock);
	return e;
}

/* any_pending - some lookup of v is not done (r->lock held) */
static bool
any_pending(struct rw_dns_lookup *const *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (v[i] != NULL && !v[i]->done)
			return true;
	return false;
}

/* rw_dns_wait - until every lookup is done or the deadline passes */
void
rw_dns_wait(struct rw_resolver *r, struct rw_dns_lookup *const *v, size_t n,
    const struct timespec *deadline)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	/* answers in (a cached SPF record, say): no socket read at all */
	if (any_pending(v, n)) {
		collect(r);	/* the answers already on the sockets */
		r->waiters++;
		while (any_pending(v, n)) {
			/* the thread must watch the sockets while anyone waits */
			if (r->asleep && !r->watching)
				poke(r, 'w');
			if (pthread_cond_timedwait(&r->done_cv, &r->lock,
			    deadline) == ETIMEDOUT)
				break;
		}
		r->waiters--;
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
	if (!e->done)
		collect(r);	/* its answer may be on a socket, unread */
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

/*
 * answer_seconds - from sending e's query to its answer. An answer may
 * wait on its socket until a session needs it (see DESCRIPTION): the
 * time is to when the kernel received it (sock_recvfrom()), not to when
 * it was read. Timeouts, failures and TCP answers count to now.
 */
static double
answer_seconds(struct rw_resolver *r, const struct rw_dns_lookup *e,
    bool answered)
{
	struct timespec real;
	double	waited = rw_metrics_seconds_since(&e->sent), unread;

	if (!answered || !r->arrived_known ||
	    clock_gettime(CLOCK_REALTIME, &real) != 0)
		return waited;
	r->arrived_known = false;
	unread = (double)(real.tv_sec - r->arrived.tv_sec) +
	    (double)(real.tv_nsec - r->arrived.tv_nsec) / 1e9;
	if (unread <= 0 || unread > waited)	/* a clock step: keep the bound */
		return waited;
	return waited - unread;
}

/* on_answer - c-ares callback, in whichever thread holds r->lock and
 * called ares_*(): the answer read, a timeout, a failure at sending */
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
	/* sent is set before ares_query() */
	rw_metrics_dns_answer(a.status, answer_seconds(r, e, abuf != NULL));
	rw_dns_cache_complete(r->cache, e, &a, ttl, &now);
	r->completed = true;	/* waiters are woken once per batch */
}

/*
 * wake_waiters - after a batch of answers: one broadcast for all of them
 * (r->lock held). Every waiting session wakes on a broadcast and rechecks
 * its handles under the lock; a broadcast per answer made a burst of N
 * answers with M sessions waiting cost N x M wake-ups, during which the
 * resolver thread, competing for the lock, read no further answers and
 * its socket buffer overflowed (a dropped answer costs dns_timeout).
 */
static void
wake_waiters(struct rw_resolver *r)
{
	if (r->completed) {
		r->completed = false;
		if (r->waiters > 0)
			pthread_cond_broadcast(&r->done_cv);
	}
}

/* poke - end the resolver thread's sleep (r->lock held); once per sleep */
static void
poke(struct rw_resolver *r, char why)
{
	if (r->poked)
		return;
	r->poked = true;
	(void)!write(r->wake[1], &why, 1);
}

/* ts_before - a is earlier than b */
static bool
ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	    (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* a channel's sockets as ares_getsock() reports them */
struct sockets {
	ares_socket_t	fd[ARES_GETSOCK_MAXNUM];
	unsigned int	bits;
};

/* sockets_of - ch's sockets now */
static void
sockets_of(ares_channel ch, struct sockets *s)
{
	memset(s, 0, sizeof(*s));
	s->bits = (unsigned int)ares_getsock(ch, s->fd, ARES_GETSOCK_MAXNUM);
}

/* ares.h's ARES_GETSOCK_READABLE/WRITABLE shift a signed 1 into bit 31 */
static bool
readable(const struct sockets *s, int i)
{
	return (s->bits & (1u << i)) != 0;
}

static bool
writable(const struct sockets *s, int i)
{
	return (s->bits & (1u << (i + ARES_GETSOCK_MAXNUM))) != 0;
}

/* same_sockets - the same sockets, for the same directions */
static bool
same_sockets(const struct sockets *a, const struct sockets *b)
{
	return a->bits == b->bits && memcmp(a->fd, b->fd, sizeof(a->fd)) == 0;
}

/*
 * send_query - send e's query now, in the calling session's thread
 * (r->lock held). The resolver thread is poked only when its sleep must
 * end sooner: a session waits and the query opened a socket the thread
 * does not poll yet, or the query's first timeout comes before the
 * thread would wake. While stopping nothing is sent: the lookup stays
 * pending, and a session waiting for it waits until its deadline.
 */
static void
send_query(struct rw_resolver *r, struct rw_dns_lookup *e,
    const struct timespec *now)
{
	struct sockets before, after;
	struct timespec first_timeout;

	if (r->stop)
		return;
	e->qowner = r;
	e->sent = *now;
	r->stats.queries++;
	rw_metrics_dns_query();
	sockets_of(r->ch, &before);
	ares_query(r->ch, e->name, ns_c_in, e->type, on_answer, e);
	wake_waiters(r);	/* a query that failed at once */
	if (!r->asleep)
		return;		/* it looks at the channel before it sleeps */
	sockets_of(r->ch, &after);
	rw_deadline_set(&first_timeout, (unsigned int)r->timeout_ms);
	if ((r->watching && !same_sockets(&before, &after)) ||
	    ts_before(&first_timeout, &r->wake_by))
		poke(r, 'q');
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

/*
 * The channel's sockets are made and read by these functions (c-ares's
 * socket function hooks) so that each datagram's arrival time can be
 * read with it (SO_TIMESTAMPNS): answer_seconds() needs it. c-ares then
 * configures none of these sockets itself, so sock_open() does what it
 * would: non-blocking, close-on-exec, TCP_NODELAY, and the receive
 * buffer: room for a burst of answers (many new clients at once, each
 * asking several lists) while no one reads: an answer the kernel drops
 * costs its sessions dns_timeout. The kernel caps it at
 * net.core.rmem_max. All are called under r->lock.
 */
static ares_socket_t
sock_open(int family, int type, int protocol, void *arg)
{
	int	fd, on = 1, rcvbuf = RW_DNS_RCVBUF;
	int	kind = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);

	(void)arg;
	if ((fd = socket(family, kind | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    protocol)) < 0)
		return ARES_SOCKET_BAD;
	if (kind == SOCK_DGRAM) {
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		    sizeof(rcvbuf));
		(void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	} else if (kind == SOCK_STREAM)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	return fd;
}

static int
sock_close(ares_socket_t fd, void *arg)
{
	(void)arg;
	return close(fd);
}

static int
sock_connect(ares_socket_t fd, const struct sockaddr *sa, ares_socklen_t len,
    void *arg)
{
	(void)arg;
	return connect(fd, sa, len);
}

static ares_ssize_t
sock_sendv(ares_socket_t fd, const struct iovec *iov, int n, void *arg)
{
	(void)arg;
	return writev(fd, iov, n);
}

/* sock_recvfrom - recvfrom(), noting when the kernel got the datagram */
static ares_ssize_t
sock_recvfrom(ares_socket_t fd, void *buf, size_t len, int flags,
    struct sockaddr *from, ares_socklen_t *fromlen, void *arg)
{
	struct rw_resolver *r = arg;
	union {
		struct cmsghdr	h;
		char		b[CMSG_SPACE(sizeof(struct timespec))];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr m;
	struct cmsghdr *c;
	ssize_t	n;

	memset(&m, 0, sizeof(m));
	m.msg_name = from;
	m.msg_namelen = from != NULL && fromlen != NULL ? *fromlen : 0;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl.b;
	m.msg_controllen = sizeof(ctl.b);
	n = recvmsg(fd, &m, flags);
	r->arrived_known = false;
	if (n < 0)
		return n;
	if (from != NULL && fromlen != NULL)
		*fromlen = m.msg_namelen;
	for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
			memcpy(&r->arrived, CMSG_DATA(c), sizeof(r->arrived));
			r->arrived_known = true;
		}
	return n;
}

static const struct ares_socket_functions sock_functions = {
	.asocket = sock_open,
	.aclose = sock_close,
	.aconnect = sock_connect,
	.arecvfrom = sock_recvfrom,
	.asendv = sock_sendv,
};

/* open_channel - a channel on these servers (NULL: resolv.conf's) */
static bool
open_channel(struct rw_resolver *r, const char *servers, bool stayopen,
    ares_channel *ch, char *err, size_t errlen)
{
	struct ares_options o;
	int	rc, mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;

	memset(&o, 0, sizeof(o));
	o.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH |
	    (stayopen ? ARES_FLAG_STAYOPEN : 0);
	o.timeout = r->timeout_ms;
	o.tries = r->tries;
	if ((rc = ares_init_options(ch, &o, mask)) != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
		return false;
	}
	ares_set_socket_functions(*ch, &sock_functions, r);
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
 * resolver thread, r->lock held. Not ares_set_servers_ports_csv(): c-ares
 * 1.18 refuses it while a query is outstanding (ARES_ENOTIMP), which lost
 * a reload's new servers on any busy system; and keeping sockets open must
 * follow the new servers. New queries go to the new channel at once; the
 * old one is polled on (r->draining) until its last query is answered, so
 * no lookup in flight is cut short. On failure the old channel stays.
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

/*
 * poll_set - append ch's sockets to pfd (owner[] says whose); new count.
 * Sockets c-ares only reads from are watched only when readers is set
 * (a session waits); one it must write to (a TCP query not yet sent)
 * always is.
 */
static int
poll_set(ares_channel ch, struct pollfd *pfd, ares_channel *owner, int n,
    bool readers)
{
	struct sockets s;
	int	i;

	sockets_of(ch, &s);
	for (i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
		bool rd = readers && readable(&s, i), wr = writable(&s, i);

		if (!rd && !wr)
			continue;
		pfd[n].fd = s.fd[i];
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

/*
 * collect_channel - read what arrived on ch's sockets and run its timeouts
 * and retries (r->lock held). ares_process_fd() reads a socket until it
 * would block, and reads before it looks at timeouts: an answer that
 * arrived in time is never taken for a timeout because it was read late.
 */
static void
collect_channel(ares_channel ch)
{
	struct sockets s;
	int	i;

	sockets_of(ch, &s);
	for (i = 0; i < ARES_GETSOCK_MAXNUM; i++)
		if (readable(&s, i))
			ares_process_fd(ch, s.fd[i], ARES_SOCKET_BAD);
	ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

/* collect - collect_channel() for every channel, then wake the waiters */
static void
collect(struct rw_resolver *r)
{
	unsigned int d;

	if (r->stop)
		return;		/* the thread is ending: it destroys the channels */
	collect_channel(r->ch);
	for (d = 0; d < r->ndraining; d++)
		collect_channel(r->draining[d]);
	wake_waiters(r);
}

/*
 * resolver_loop - the thread that sleeps on the sockets: it applies
 * reloads, reads answers and runs c-ares's timeouts when no session
 * does, and retires the channels a reload replaced.
 */
static void *
resolver_loop(void *arg)
{
	struct rw_resolver *r = arg;
	struct pollfd pfd[(RW_DNS_DRAINING_MAX + 1) * ARES_GETSOCK_MAXNUM + 1];
	ares_channel owner[(RW_DNS_DRAINING_MAX + 1) * ARES_GETSOCK_MAXNUM];
	char	*servers;
	char	drain[64];
	unsigned int d;
	int	i, n, timeout_ms;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		/* a change waits only while RW_DNS_DRAINING_MAX channels drain */
		if (r->servers_changed && r->ndraining < RW_DNS_DRAINING_MAX) {
			r->servers_changed = false;
			servers = r->new_servers;	/* now this thread's */
			r->new_servers = NULL;
			rebuild_channel(r, servers);	/* takes servers */
		}
		if (r->stop)
			break;
		collect(r);
		for (d = 0; d < r->ndraining; d++)
			if (!channel_busy(r->draining[d])) {
				ares_destroy(r->draining[d]);	/* idle: no callback */
				r->draining[d--] = r->draining[--r->ndraining];
			}
		r->watching = r->waiters > 0;
		n = poll_set(r->ch, pfd, owner, 0, r->watching);
		timeout_ms = ms_until(r->ch, RW_DNS_TICK_MS);
		for (d = 0; d < r->ndraining; d++) {
			n = poll_set(r->draining[d], pfd, owner, n, r->watching);
			timeout_ms = ms_until(r->draining[d], timeout_ms);
		}
		pfd[n].fd = r->wake[0];
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		rw_deadline_set(&r->wake_by, (unsigned int)timeout_ms);
		r->asleep = true;
		r->poked = false;
		pthread_mutex_unlock(&r->lock);
		if (poll(pfd, (nfds_t)n + 1, timeout_ms) < 0 && errno != EINTR) {
			rw_log_err("dns: poll: %s", strerror(errno));
			sleep(1);
		}
		if (pfd[n].revents & POLLIN)
			while (read(r->wake[0], drain, sizeof(drain)) > 0)
				;
		pthread_mutex_lock(&r->lock);
		r->asleep = false;
		/* a TCP query's socket ready for writing (collect() reads) */
		for (i = 0; i < n; i++)
			if (pfd[i].revents & POLLOUT)
				ares_process_fd(owner[i], ARES_SOCKET_BAD,
				    pfd[i].fd);
	}
	for (d = 0; d < r->ndraining; d++)
		ares_destroy(r->draining[d]);
	ares_destroy(r->ch);	/* cancels what is in flight: callbacks run */
	wake_waiters(r);
	pthread_mutex_unlock(&r->lock);
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
	poke(r, 'c');
	pthread_mutex_unlock(&r->lock);
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
	poke(r, 's');
	pthread_mutex_unlock(&r->lock);
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
