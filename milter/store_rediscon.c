/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	store_rediscon - the Redis backend's connections: URL, password,
 *	pool, deadlines, backoff
 * SYNOPSIS
 *	#include "store.h"
 *	#include "store_redis.h"
 * DESCRIPTION
 *	The transport under store_redis.c (which holds the scripts and the
 *	operations): rw_store_redis_conn_open() takes the URL apart
 *	(redisurl.c, the grammar the configuration check uses too),
 *	resolves its host name if it has one, and reads the password file; rw_store_redis_call() runs one command
 *	or script on a connection of the pool.
 *
 *	Connections. A small pool (RW_REDIS_POOL) is shared by the session
 *	threads: a thread takes a free connection, uses it alone and gives
 *	it back. Connections are opened on first use (AUTH with the
 *	password read from state_password_file at load time, SELECT, SCRIPT
 *	LOAD of every script), never at load time, so a Redis that is down
 *	does not stop the daemon from starting. Each operation has one
 *	deadline, state_timeout from its start: waiting for a free
 *	connection, connecting and every command share it (the socket
 *	timeouts are set to what is left before each command), so a dead,
 *	slow or stopped server costs a decision at most that long.
 *
 *	Scripts run as EVALSHA; a NOSCRIPT answer (SCRIPT FLUSH, a failover
 *	to a server that never saw them) sends the script itself with EVAL,
 *	which also loads it there.
 *
 *	Failure. A failure of the connection (refused, reset, no answer in
 *	time, a read-only replica, authentication refused, the server still
 *	loading) closes every connection of the pool (each is opened again
 *	on its next use: a restarted server or a proxy's new master is met
 *	by fresh connections) and starts a backoff: for
 *	RW_REDIS_BACKOFF_MIN ms, doubling up to RW_REDIS_BACKOFF_MAX,
 *	operations fail at once without touching the network; then one
 *	operation tries again. So a dead server is asked once per backoff
 *	period, not once per recipient, and the daemon is back by itself
 *	within RW_REDIS_BACKOFF_MAX of the server's return. A refusal of one
 *	command (OOM at maxmemory, a script error) fails that operation
 *	only. The change to "down" and back is logged once each; each
 *	failed operation's reason goes back to the caller in err.
 *
 *	A host name is resolved once, when the configuration is loaded, so
 *	that a session thread never waits on the system resolver; a reload
 *	resolves it again. The password is kept in memory (to reconnect
 *	after privileges are dropped) and wiped when the store is closed.
 */
#include "config.h"

#include "store.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "store_redis.h"
#include "redisurl.h"
#include "deadline.h"
#include "log.h"

#define RW_REDIS_POOL		8	/* connections shared by the sessions */
#define RW_REDIS_BACKOFF_MIN	100	/* ms after the first failure */
#define RW_REDIS_BACKOFF_MAX	2000	/* ms, the most between attempts */
#define RW_REDIS_TIMEOUT	200	/* ms, when opts say 0 (store.h) */
#define RW_REDIS_SECRET_MAX	512

/* ------------------------------------------------------------ the store */

struct redis_conn {
	redisContext	*ctx;		/* NULL: to be opened */
	unsigned int	 gen;		/* pool generation it was opened in */
	bool		 busy;		/* a thread is using it */
	char		 sha[RW_REDIS_SCRIPTS_MAX][41];	/* SCRIPT LOAD's answers */
};

struct rw_store_redis {
	/* where; fixed at open */
	struct rw_redis_url url;	/* as configured */
	char		 host[INET6_ADDRSTRLEN];	/* url.host, numeric */
	char		*password;	/* NULL: no AUTH */
	char		 prefix[RW_REDIS_PREFIX_MAX + 1];
	char		 where[300];	/* for messages: "127.0.0.1:6379/0" */
	unsigned int	 timeout_ms;
	const char *const *scripts;	/* the caller's, static */
	const char *const *script_names;
	int		 nscripts;
	bool		 guard_sigpipe;	/* SIGPIPE not ignored: pipe_guard() */

	/* the pool, under lock */
	pthread_mutex_t	 lock;
	pthread_cond_t	 freed;		/* a connection was given back */
	struct redis_conn conn[RW_REDIS_POOL];
	unsigned int	 gen;		/* bumped when the server failed */
	bool		 down;		/* failing; backoff in force */
	uint64_t	 retry_at;	/* monotonic ms of the next attempt */
	unsigned int	 backoff_ms;
	unsigned long	 failures;	/* since the server was last up */
	uint64_t	 down_since;	/* monotonic ms */
	char		 last_err[256];
};

/* what became of an operation, for the pool's bookkeeping */
enum redis_outcome {
	OUT_OK,			/* the server answered */
	OUT_REFUSED,		/* the command was refused; connection fine */
	OUT_CONN_FAILED		/* the connection or the server failed */
};

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct timeval
ms_tv(uint64_t ms)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	return tv;
}

/* ------------------------------------------------------------ the URL */

/*
 * resolve_host - the numeric form of the URL's host into s->host, and
 * s->where; a name is looked up now (the store's opening), never from a
 * session thread
 */
static bool
resolve_host(struct rw_store_redis *s, const struct rw_redis_url *u,
    char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	unsigned char buf[sizeof(struct in6_addr)];
	const void *addr;
	int rc;

	if (u->bracketed || inet_pton(AF_INET, u->host, buf) == 1) {
		if (!rw_strlcpy_ok(s->host, u->host, sizeof(s->host))) {
			snprintf(err, errlen, "redis URL: host too long");
			return false;
		}
	} else {
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		rc = getaddrinfo(u->host, NULL, &hints, &res);
		if (rc != 0 || res == NULL) {
			snprintf(err, errlen, "redis URL: cannot resolve host "
			    "%s: %s (use an address, or a name in /etc/hosts)",
			    u->host, rc != 0 ? gai_strerror(rc) : "no address");
			if (res != NULL)
				freeaddrinfo(res);
			return false;
		}
		if (res->ai_family == AF_INET6)
			addr = &((struct sockaddr_in6 *)(void *)res->ai_addr)->
			    sin6_addr;
		else
			addr = &((struct sockaddr_in *)(void *)res->ai_addr)->
			    sin_addr;
		rc = inet_ntop(res->ai_family, addr, s->host,
		    sizeof(s->host)) != NULL;
		freeaddrinfo(res);
		if (!rc) {
			snprintf(err, errlen, "redis URL: host %s: %s",
			    u->host, strerror(errno));
			return false;
		}
	}
	snprintf(s->where, sizeof(s->where), "%s%s%s:%d/%u",
	    strchr(s->host, ':') != NULL ? "[" : "", s->host,
	    strchr(s->host, ':') != NULL ? "]" : "", u->port, u->db);
	return true;
}



/* read_password - the first line of the file, without its newline */
static bool
read_password(struct rw_store_redis *s, const char *file, char *err,
    size_t errlen)
{
	char buf[RW_REDIS_SECRET_MAX + 2];
	struct stat st;
	size_t n;
	FILE *fp;

	fp = fopen(file, "re");
	if (fp == NULL) {
		snprintf(err, errlen, "state_password_file %s: %s", file,
		    strerror(errno));
		return false;
	}
	if (fstat(fileno(fp), &st) == 0 && (st.st_mode & 0044) != 0)
		rw_log_warn("state_password_file %s is readable by others "
		    "(mode %03o); chmod 0600 or 0640", file,
		    (unsigned int)(st.st_mode & 0777));
	n = fgets(buf, sizeof(buf), fp) != NULL ? strlen(buf) : 0;
	fclose(fp);
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (n > RW_REDIS_SECRET_MAX) {
		explicit_bzero(buf, sizeof(buf));
		snprintf(err, errlen, "state_password_file %s: first line "
		    "longer than %d bytes", file, RW_REDIS_SECRET_MAX);
		return false;
	}
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (n == 0) {
		snprintf(err, errlen, "state_password_file %s: no password on "
		    "its first line", file);
		return false;
	}
	s->password = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	if (s->password == NULL) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	return true;
}

/* ------------------------------------------------------------ the pool */

/* redis_store_free - close every connection and forget the password */
static void
redis_store_free(struct rw_store_redis *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < RW_REDIS_POOL; i++)
		if (s->conn[i].ctx != NULL)
			redisFree(s->conn[i].ctx);
	if (s->password != NULL) {
		explicit_bzero(s->password, strlen(s->password));
		free(s->password);
	}
	/* freed when the open failed, or after every callback returned
	 * (main.c's wait_idle) */
	pthread_cond_destroy(&s->freed);	/* tsan.supp: no thread left */
	pthread_mutex_destroy(&s->lock);	/* tsan.supp: no thread left */
	free(s);
}

/*
 * pool_take - a connection for this thread alone, or NULL (err says why)
 * when the backoff is in force or none came free before the deadline.
 */
static struct redis_conn *
pool_take(struct rw_store_redis *s, uint64_t deadline, char *err,
    size_t errlen)
{
	struct redis_conn *c = NULL;
	struct timespec ts;
	uint64_t now;
	size_t i;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		now = mono_ms();
		if (s->down) {
			if (now < s->retry_at) {
				snprintf(err, errlen, "redis %s unavailable "
				    "(%s); next attempt in %" PRIu64 " ms",
				    s->where, s->last_err, s->retry_at - now);
				break;
			}
			/* this operation is the attempt; the others wait */
			s->retry_at = now + s->backoff_ms;
		}
		for (i = 0; i < RW_REDIS_POOL; i++) {
			if (s->conn[i].busy)
				continue;
			/* an open one first: opening costs round trips */
			if (c == NULL || (c->ctx == NULL &&
			    s->conn[i].ctx != NULL))
				c = &s->conn[i];
		}
		if (c != NULL) {
			c->busy = true;
			if (c->ctx != NULL && c->gen != s->gen) {
				redisFree(c->ctx);	/* from before a failure */
				c->ctx = NULL;
			}
			if (c->ctx == NULL)
				c->gen = s->gen;	/* to be opened now */
			break;
		}
		if (now >= deadline) {
			snprintf(err, errlen, "redis %s: all %d connections "
			    "busy for %u ms", s->where, RW_REDIS_POOL,
			    s->timeout_ms);
			break;
		}
		rw_deadline_set(&ts, (unsigned int)(deadline - now));
		pthread_cond_timedwait(&s->freed, &s->lock, &ts);
	}
	pthread_mutex_unlock(&s->lock);
	return c;
}

/*
 * pool_give - back to the pool, with what became of the operation: a
 * failed connection is closed, and every other one with it (bumping the
 * generation), and the backoff starts or grows.
 */
static void
pool_give(struct rw_store_redis *s, struct redis_conn *c,
    enum redis_outcome how, const char *why)
{
	uint64_t now = mono_ms();
	redisContext *old = NULL;
	size_t n;

	if (how == OUT_CONN_FAILED) {
		old = c->ctx;
		c->ctx = NULL;
	}
	pthread_mutex_lock(&s->lock);
	c->busy = false;
	if (how == OUT_CONN_FAILED) {
		s->gen++;
		s->failures++;
		/* "redis WHERE: connect: refused" kept as "connect: refused" */
		n = strlen(s->where);
		if (strncmp(why, "redis ", 6) == 0 &&
		    strncmp(why + 6, s->where, n) == 0 &&
		    strncmp(why + 6 + n, ": ", 2) == 0)
			why += 6 + n + 2;
		snprintf(s->last_err, sizeof(s->last_err), "%s", why);
		if (!s->down) {
			s->down = true;
			s->down_since = now;
			s->backoff_ms = RW_REDIS_BACKOFF_MIN;
			rw_log_err("state store: redis %s: %s; state_failure "
			    "applies until it answers again (next attempt in "
			    "%u ms, then at most every %u ms)", s->where, why,
			    s->backoff_ms, RW_REDIS_BACKOFF_MAX);
		} else if (s->backoff_ms < RW_REDIS_BACKOFF_MAX) {
			s->backoff_ms *= 2;
			if (s->backoff_ms > RW_REDIS_BACKOFF_MAX)
				s->backoff_ms = RW_REDIS_BACKOFF_MAX;
		}
		s->retry_at = now + s->backoff_ms;
	} else if (s->down) {
		s->down = false;
		rw_log_info("state store: redis %s answers again after %"
		    PRIu64 " ms, %lu failed operations", s->where,
		    now - s->down_since, s->failures);
		s->failures = 0;
	}
	pthread_cond_signal(&s->freed);
	pthread_mutex_unlock(&s->lock);
	if (old != NULL)
		redisFree(old);
}

/* ------------------------------------------------------------ commands */

/* conn_error - the reason a context failed, in err */
static void
conn_error(const struct rw_store_redis *s, const redisContext *ctx,
    const char *what, char *err, size_t errlen)
{
	if (ctx == NULL)
		snprintf(err, errlen, "redis %s: %s: out of memory", s->where,
		    what);
	else if (ctx->err == REDIS_ERR_IO && (errno == EAGAIN ||
	    errno == EWOULDBLOCK || errno == EINPROGRESS ||
	    errno == ETIMEDOUT))
		snprintf(err, errlen, "redis %s: %s: no answer within "
		    "state_timeout (%u ms)", s->where, what, s->timeout_ms);
	else if (ctx->err == REDIS_ERR_EOF)
		snprintf(err, errlen, "redis %s: %s: the server closed the "
		    "connection", s->where, what);
	else
		snprintf(err, errlen, "redis %s: %s: %s", s->where, what,
		    ctx->errstr[0] != '\0' ? ctx->errstr : "I/O error");
}

/*
 * pipe_guard - hiredis writes with write(2), so a server gone away would
 * raise SIGPIPE, which kills a process that does not ignore it (the
 * daemon does; a tool using the store need not). Around a command the
 * signal is blocked for this thread, and one it raised is taken back
 * before it is unblocked: the write then fails with EPIPE, an error
 * like any other.
 */
static void
pipe_guard(sigset_t *saved, bool on)
{
	static const struct timespec zero = { 0, 0 };
	sigset_t pipe, pending;
	int saved_errno = errno;

	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	if (on) {
		pthread_sigmask(SIG_BLOCK, &pipe, saved);
		return;
	}
	if (sigismember(saved, SIGPIPE) == 0 && sigpending(&pending) == 0 &&
	    sigismember(&pending, SIGPIPE) == 1)
		(void)sigtimedwait(&pipe, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, saved, NULL);
	errno = saved_errno;
}

/*
 * command - one command within the deadline. NULL on a connection
 * failure (err set; the connection is unusable); else the reply, which
 * may be an error reply.
 */
static redisReply *
command(struct rw_store_redis *s, redisContext *ctx, uint64_t deadline,
    int argc, const char **argv, const size_t *lens, char *err,
    size_t errlen)
{
	uint64_t now = mono_ms();
	sigset_t saved;
	redisReply *r;

	if (now >= deadline) {
		snprintf(err, errlen, "redis %s: %s: no answer within "
		    "state_timeout (%u ms)", s->where, argv[0], s->timeout_ms);
		return NULL;
	}
	if (redisSetTimeout(ctx, ms_tv(deadline - now)) != REDIS_OK) {
		conn_error(s, ctx, argv[0], err, errlen);
		return NULL;
	}
	if (s->guard_sigpipe)
		pipe_guard(&saved, true);
	errno = 0;
	r = redisCommandArgv(ctx, argc, argv, lens);
	if (r == NULL)
		conn_error(s, ctx, argv[0], err, errlen);
	if (s->guard_sigpipe)
		pipe_guard(&saved, false);
	return r;
}

/*
 * reply_error - an error reply's consequence: the message in err, and
 * whether the connection is to be given up (the server cannot serve us
 * there: a replica, a server loading its data, authentication).
 */
static enum redis_outcome
reply_error(const struct rw_store_redis *s, const redisReply *r,
    const char *what, char *err, size_t errlen)
{
	const char *m = r->str != NULL ? r->str : "";
	int len = r->len > 200 ? 200 : (int)r->len;

	if (strncmp(m, "OOM", 3) == 0) {
		snprintf(err, errlen, "redis %s: %s refused: out of memory "
		    "(maxmemory reached; see maxmemory-policy): %.*s",
		    s->where, what, len, m);
		return OUT_REFUSED;
	}
	if (strncmp(m, "READONLY", 8) == 0) {
		snprintf(err, errlen, "redis %s is a read-only replica: %s "
		    "refused (point state_store at the master, or a proxy "
		    "that follows it)", s->where, what);
		return OUT_CONN_FAILED;
	}
	if (strncmp(m, "NOPERM", 6) == 0) {
		snprintf(err, errlen, "redis %s: %s not permitted: %.*s (the "
		    "ACL of the user in the URL: its commands and key "
		    "pattern)", s->where, what, len, m);
		return OUT_REFUSED;
	}
	if (strncmp(m, "NOAUTH", 6) == 0 || strncmp(m, "WRONGPASS", 9) == 0 ||
	    strncmp(m, "ERR invalid password", 20) == 0 ||
	    strncmp(m, "ERR AUTH", 8) == 0) {
		snprintf(err, errlen, "redis %s: %s: authentication: %.*s "
		    "(state_password_file, and the user in the URL)",
		    s->where, what, len, m);
		return OUT_CONN_FAILED;
	}
	if (strncmp(m, "LOADING", 7) == 0 || strncmp(m, "MASTERDOWN", 10) == 0) {
		snprintf(err, errlen, "redis %s: %s: %.*s", s->where, what,
		    len, m);
		return OUT_CONN_FAILED;
	}
	snprintf(err, errlen, "redis %s: %s refused: %.*s", s->where, what,
	    len, m);
	return OUT_REFUSED;
}

/* set_cloexec - a helper process the daemon starts must not inherit it */
static void
set_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl != -1)
		(void)fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}

/*
 * conn_open - connect, AUTH, SELECT and SCRIPT LOAD, all within the
 * deadline; the outcome for pool_give()
 */
static enum redis_outcome
conn_open(struct rw_store_redis *s, struct redis_conn *c, uint64_t deadline,
    char *err, size_t errlen)
{
	const char *argv[4];
	size_t lens[4];
	char dbtext[16];
	redisReply *r;
	enum redis_outcome how;
	uint64_t now = mono_ms();
	int i, argc;

	if (now >= deadline) {
		snprintf(err, errlen, "redis %s: no time left to connect "
		    "within state_timeout (%u ms)", s->where, s->timeout_ms);
		return OUT_CONN_FAILED;
	}
	errno = 0;
	if (s->url.unix_socket)
		c->ctx = redisConnectUnixWithTimeout(s->url.path,
		    ms_tv(deadline - now));
	else
		c->ctx = redisConnectWithTimeout(s->host, s->url.port,
		    ms_tv(deadline - now));
	if (c->ctx == NULL || c->ctx->err != 0) {
		conn_error(s, c->ctx, "connect", err, errlen);
		return OUT_CONN_FAILED;
	}
	set_cloexec(c->ctx->fd);
	if (s->password != NULL) {
		argc = 0;
		argv[argc++] = "AUTH";
		if (s->url.user[0] != '\0')
			argv[argc++] = s->url.user;
		argv[argc++] = s->password;
		for (i = 0; i < argc; i++)
			lens[i] = strlen(argv[i]);
		r = command(s, c->ctx, deadline, argc, argv, lens, err, errlen);
		if (r == NULL)
			return OUT_CONN_FAILED;
		how = OUT_OK;
		if (r->type == REDIS_REPLY_ERROR) {
			reply_error(s, r, "AUTH", err, errlen);
			how = OUT_CONN_FAILED;
		}
		freeReplyObject(r);
		if (how != OUT_OK)
			return how;
	}
	if (s->url.db != 0) {
		snprintf(dbtext, sizeof(dbtext), "%u", s->url.db);
		argv[0] = "SELECT";
		argv[1] = dbtext;
		lens[0] = 6;
		lens[1] = strlen(dbtext);
		r = command(s, c->ctx, deadline, 2, argv, lens, err, errlen);
		if (r == NULL)
			return OUT_CONN_FAILED;
		how = OUT_OK;
		if (r->type == REDIS_REPLY_ERROR) {
			reply_error(s, r, "SELECT", err, errlen);
			how = OUT_CONN_FAILED;	/* no such database */
		}
		freeReplyObject(r);
		if (how != OUT_OK)
			return how;
	}
	for (i = 0; i < s->nscripts; i++) {
		argv[0] = "SCRIPT";
		argv[1] = "LOAD";
		argv[2] = s->scripts[i];
		lens[0] = 6;
		lens[1] = 4;
		lens[2] = strlen(s->scripts[i]);
		r = command(s, c->ctx, deadline, 3, argv, lens, err, errlen);
		if (r == NULL)
			return OUT_CONN_FAILED;
		how = OUT_OK;
		if (r->type == REDIS_REPLY_ERROR)
			how = reply_error(s, r, "SCRIPT LOAD", err, errlen);
		else if (r->type != REDIS_REPLY_STRING || r->len != 40) {
			snprintf(err, errlen, "redis %s: SCRIPT LOAD: "
			    "unexpected answer (type %d)", s->where, r->type);
			how = OUT_CONN_FAILED;
		} else
			memcpy(c->sha[i], r->str, 41);
		freeReplyObject(r);
		if (how != OUT_OK) {
			/* a connection without its scripts is no use */
			return OUT_CONN_FAILED;
		}
	}
	return OUT_OK;
}

/*
 * rw_store_redis_call - one operation: a connection from the pool (opened if need be),
 * the command (for a script: EVALSHA, then EVAL on NOSCRIPT), the reply
 * (*out, to be freed by the caller) checked for an error. argv[0] NULL
 * with script >= 0: the script's EVALSHA/EVAL prelude is filled in.
 */
int
rw_store_redis_call(struct rw_store_redis *s, int script, unsigned int budget_ms, int argc,
    const char **argv, size_t *lens, redisReply **out, char *err,
    size_t errlen)
{
	uint64_t deadline = mono_ms() + budget_ms;
	struct redis_conn *c;
	enum redis_outcome how;
	redisReply *r = NULL;
	char what[32];

	*out = NULL;
	c = pool_take(s, deadline, err, errlen);
	if (c == NULL)
		return RW_STORE_FAIL;
	if (c->ctx == NULL) {
		how = conn_open(s, c, deadline, err, errlen);
		if (how != OUT_OK) {
			pool_give(s, c, how, err);
			return RW_STORE_FAIL;
		}
	}
	if (script >= 0) {
		snprintf(what, sizeof(what), "%s script",
		    s->script_names[script]);
		argv[0] = "EVALSHA";
		argv[1] = c->sha[script];
		lens[0] = 7;
		lens[1] = 40;
	} else
		snprintf(what, sizeof(what), "%s", argv[0]);
	r = command(s, c->ctx, deadline, argc, argv, lens, err, errlen);
	if (r != NULL && script >= 0 && r->type == REDIS_REPLY_ERROR &&
	    strncmp(r->str, "NOSCRIPT", 8) == 0) {
		/* flushed, or a failover to a server without it: send it */
		freeReplyObject(r);
		argv[0] = "EVAL";
		argv[1] = s->scripts[script];
		lens[0] = 4;
		lens[1] = strlen(s->scripts[script]);
		r = command(s, c->ctx, deadline, argc, argv, lens, err,
		    errlen);
	}
	if (r == NULL) {
		pool_give(s, c, OUT_CONN_FAILED, err);
		return RW_STORE_FAIL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		how = reply_error(s, r, what, err, errlen);
		freeReplyObject(r);
		pool_give(s, c, how, err);
		return RW_STORE_FAIL;
	}
	pool_give(s, c, OUT_OK, NULL);
	*out = r;
	return RW_STORE_OK;
}

/* full_key - prefix + key, checked */

/* ------------------------------------------------------------ open, close */

/*
 * rw_store_redis_conn_open - parse the URL, resolve the host, read the
 * password; no connection yet (see DESCRIPTION)
 */
struct rw_store_redis *
rw_store_redis_conn_open(const char *url, const struct rw_store_opts *opts,
    const char *const *scripts, const char *const *names, int nscripts,
    char *err, size_t errlen)
{
	struct rw_store_redis *s;
	pthread_condattr_t ca;
	struct sigaction sa;
	const char *prefix = opts != NULL && opts->prefix != NULL ?
	    opts->prefix : "rw:";
	bool ok;

	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->freed, &ca);
	pthread_condattr_destroy(&ca);
	s->timeout_ms = opts != NULL && opts->timeout_ms > 0 ?
	    opts->timeout_ms : RW_REDIS_TIMEOUT;
	s->guard_sigpipe = sigaction(SIGPIPE, NULL, &sa) != 0 ||
	    sa.sa_handler != SIG_IGN;
	s->scripts = scripts;
	s->script_names = names;
	s->nscripts = nscripts < RW_REDIS_SCRIPTS_MAX ? nscripts :
	    RW_REDIS_SCRIPTS_MAX;
	ok = rw_redisurl_parse(url, &s->url, err, errlen);
	if (ok && s->url.unix_socket)
		snprintf(s->where, sizeof(s->where), "unix:%s/%u", s->url.path,
		    s->url.db);
	else if (ok)
		ok = resolve_host(s, &s->url, err, errlen);
	if (ok && !rw_strlcpy_ok(s->prefix, prefix, sizeof(s->prefix))) {
		snprintf(err, errlen, "state_prefix longer than %d bytes",
		    RW_REDIS_PREFIX_MAX);
		ok = false;
	}
	if (ok && opts != NULL && opts->password_file != NULL &&
	    opts->password_file[0] != '\0')
		ok = read_password(s, opts->password_file, err, errlen);
	if (!ok) {
		redis_store_free(s);
		return NULL;
	}
	return s;
}

/* rw_store_redis_conn_close - the connections closed, the memory freed */
void
rw_store_redis_conn_close(struct rw_store_redis *s)
{
	redis_store_free(s);
}

const char *
rw_store_redis_where(const struct rw_store_redis *s)
{
	return s->where;
}

const char *
rw_store_redis_prefix(const struct rw_store_redis *s)
{
	return s->prefix;
}

unsigned int
rw_store_redis_timeout(const struct rw_store_redis *s)
{
	return s->timeout_ms;
}
