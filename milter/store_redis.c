/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	store_redis - the state store on a Redis server, shared by a fleet
 * SYNOPSIS
 *	#include "store.h"
 *
 *	state_store = redis://[USER@]HOST[:PORT][/DB]
 *	state_store = redis+unix:/PATH[?db=DB]
 * DESCRIPTION
 *	The Redis backend of milter/store.h, through hiredis. Several
 *	relaywarden daemons pointed at one Redis hold one set of limits and
 *	one greylist together, because every decision is ONE Lua script run
 *	by the server (EVALSHA, EVAL when the server answers NOSCRIPT):
 *	Redis runs a script alone, so two daemons can never both see the
 *	last free slot of a limit.
 *
 *	The scripts are rw_gcra() and rw_grey_decide() of the policy core
 *	(policy/ratelimit.c, policy/greylist.c), line for line, on the
 *	caller's now_ms: the same inputs give the same answers as the
 *	embedded store (tests/integration/redis.sh holds both to one table
 *	of cases). Because the time comes from the caller, the daemons of a
 *	fleet need synchronised clocks (NTP), as they do for their logs.
 *	Every key written gets the configured prefix and a PEXPIRE TTL, the
 *	moment the core says its state is worth nothing any more, so Redis
 *	memory stays bounded by the traffic of the TTL periods.
 *
 *	Connections. A small pool (RW_REDIS_POOL) is shared by the session
 *	threads: a thread takes a free connection, uses it alone and gives
 *	it back. Connections are opened on first use (AUTH with the
 *	password read from state_password_file at load time, SELECT, SCRIPT
 *	LOAD), never at load time, so a Redis that is down does not stop
 *	the daemon from starting. Each operation has one deadline,
 *	state_timeout from its start: waiting for a free connection,
 *	connecting and every command share it, so a dead, slow or stopped
 *	server costs a decision at most that long.
 *
 *	Failure. A failure of the connection (refused, reset, no answer in
 *	time, a read-only replica, authentication refused, the server still
 *	loading) closes every connection of the pool (they are opened again
 *	on next use) and starts a backoff: for RW_REDIS_BACKOFF_MIN ms,
 *	doubling up to RW_REDIS_BACKOFF_MAX, operations fail at once without
 *	touching the network; then one operation tries again. So a dead
 *	server is asked once per backoff period, not once per recipient,
 *	and the daemon is back by itself within RW_REDIS_BACKOFF_MAX of the
 *	server's return. A refusal of one command (OOM at maxmemory, a
 *	script error) fails that operation only. Every failure returns
 *	RW_STORE_FAIL with the reason in err; the caller applies
 *	state_failure. The change to "down" and back is logged once each.
 *
 *	A host name is resolved once, when the configuration is loaded, so
 *	that a session thread never waits on the system resolver; a reload
 *	resolves it again.
 *
 *	Values. A rate key holds its TAT ("1733061234567"); a concurrency
 *	key its count; a triplet or network record "FIRST_MS PASS_MS
 *	PASSES". All are plain strings, readable with redis-cli.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "deadline.h"
#include "log.h"

#define RW_REDIS_POOL		8	/* connections shared by the sessions */
#define RW_REDIS_BACKOFF_MIN	100	/* ms after the first failure */
#define RW_REDIS_BACKOFF_MAX	2000	/* ms, the most between attempts */
#define RW_REDIS_ADMIN_MS	5000	/* least deadline of a query-tool call */
#define RW_REDIS_PORT		6379
#define RW_REDIS_TIMEOUT	200	/* ms, when opts say 0 (store.h) */
#define RW_REDIS_DB_MAX		100000
#define RW_REDIS_SECRET_MAX	512
#define RW_REDIS_USER_MAX	128
#define RW_REDIS_PREFIX_MAX	64
#define RW_REDIS_FULLKEY_MAX	(RW_REDIS_PREFIX_MAX + RW_STATE_KEY_MAX + 1)
#define RW_REDIS_SCAN_COUNT	"500"

/* ------------------------------------------------------------ scripts */

/*
 * Integer division for the scripts: Lua 5.1 numbers are doubles, so
 * math.floor(a / b) is corrected by one step where rounding put it off.
 * Every value the scripts handle is an integer below 2^53 (milliseconds
 * since the epoch plus at most a few years), so products stay exact.
 */
#define LUA_IDIV \
"local function idiv(a, b)\n" \
"  local q = math.floor(a / b)\n" \
"  if q * b > a then q = q - 1 elseif (q + 1) * b <= a then q = q + 1 end\n" \
"  return q\n" \
"end\n" \
"local function num(x) return string.format('%.0f', x) end\n"

/*
 * rw_gcra(). KEYS[1] the rate key; ARGV now_ms, limit, window_s, burst,
 * n. Returns {allowed, retry_ms, tat}. The TAT is written only when the
 * event passes and moved it, with a TTL until it (then the key is idle,
 * which is the same as no key).
 */
static const char lua_rate[] = LUA_IDIV
"local now = tonumber(ARGV[1])\n"
"local limit, window_s = tonumber(ARGV[2]), tonumber(ARGV[3])\n"
"local burst, n = tonumber(ARGV[4]), tonumber(ARGV[5])\n"
"local v = redis.call('GET', KEYS[1])\n"
"local tat = v and tonumber(v) or 0\n"
"if tat < now then tat = now end\n"
"if limit == 0 or n == 0 then return {1, 0, tat} end\n"
"local t = idiv(window_s * 1000 + limit - 1, limit)\n"
"if t == 0 then t = 1 end\n"
"local tol = (limit + burst) * t\n"
"local new_tat = tat + n * t\n"
"if new_tat - now > tol then return {0, new_tat - now - tol, tat} end\n"
"redis.call('SET', KEYS[1], num(new_tat), 'PX', num(new_tat - now))\n"
"return {1, 0, new_tat}\n";

/*
 * Concurrency. KEYS[1] the key; ARGV delta, ttl_ms. A count that would
 * go below zero (a close after the key expired) is zero, and a zero
 * count is no key. Returns the count.
 */
static const char lua_conc[] =
"local c = redis.call('INCRBY', KEYS[1], ARGV[1])\n"
"if c <= 0 then redis.call('DEL', KEYS[1]) return 0 end\n"
"redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
"return c\n";

/*
 * rw_grey_decide() with rw_grey_step() and rw_grey_net_allowed().
 * KEYS[1] the triplet, KEYS[2] the network (may be absent); ARGV now_ms,
 * delay_s, retry_window_s, pass_ttl_s, autoallow_passes,
 * autoallow_ttl_s. Returns {state, wait_s, net_allowlisted}, state as
 * enum rw_grey_state (0 NEW, 1 EARLY, 2 PASS, 3 KNOWN). A record whose
 * TTL deadline is not after now is deleted: the core would read it as
 * expired, which is the same as absent.
 */
static const char lua_grey[] = LUA_IDIV
"local now = tonumber(ARGV[1])\n"
"local delay_s = tonumber(ARGV[2])\n"
"local delay, window = delay_s * 1000, tonumber(ARGV[3]) * 1000\n"
"local pass_ttl = tonumber(ARGV[4]) * 1000\n"
"local aa_passes, aa_ttl = tonumber(ARGV[5]), tonumber(ARGV[6]) * 1000\n"
"local U32 = 4294967295\n"
"local function load(k)\n"
"  if not k then return nil end\n"
"  local v = redis.call('GET', k)\n"
"  if not v then return nil end\n"
"  local f, p, c = string.match(v, '^(%d+) (%d+) (%d+)$')\n"
"  if not f then return nil end\n"
"  return {first = tonumber(f), pass = tonumber(p), passes = tonumber(c)}\n"
"end\n"
"local function save(k, e, expire)\n"
"  if expire > now then\n"
"    redis.call('SET', k, num(e.first) .. ' ' .. num(e.pass) .. ' ' ..\n"
"      num(e.passes), 'PX', num(expire - now))\n"
"  else\n"
"    redis.call('DEL', k)\n"
"  end\n"
"end\n"
"local net = load(KEYS[2])\n"
"local function net_live()\n"
"  return net ~= nil and net.pass ~= 0 and now < net.pass + aa_ttl\n"
"end\n"
"if aa_passes > 0 and net_live() and net.passes >= aa_passes then\n"
"  net.pass = now\n"
"  save(KEYS[2], net, now + aa_ttl)\n"
"  return {3, 0, 1}\n"
"end\n"
"local e = load(KEYS[1])\n"
"local state, wait, expire\n"
"if e == nil or (e.pass == 0 and now >= e.first + window) or\n"
"    (e.pass ~= 0 and now >= e.pass + pass_ttl) then\n"
"  e = {first = now, pass = 0, passes = 0}\n"
"  state, wait, expire = 0, delay_s, now + window\n"
"elseif e.pass == 0 and now < e.first + delay then\n"
"  return {1, idiv(e.first + delay - now + 999, 1000), 0}\n"
"else\n"
"  e.pass = now\n"
"  expire = now + pass_ttl\n"
"  if e.passes < U32 then e.passes = e.passes + 1 end\n"
"  if e.passes == 1 then state = 2 else state = 3 end\n"
"  wait = 0\n"
"end\n"
"save(KEYS[1], e, expire)\n"
"if state ~= 2 or aa_passes == 0 or not KEYS[2] then\n"
"  return {state, wait, 0}\n"
"end\n"
"if not net_live() then net = {first = now, pass = 0, passes = 0} end\n"
"if net.passes < U32 then net.passes = net.passes + 1 end\n"
"net.pass = now\n"
"save(KEYS[2], net, now + aa_ttl)\n"
"return {state, wait, 0}\n";

enum redis_script { SCRIPT_RATE, SCRIPT_CONC, SCRIPT_GREY, NSCRIPTS };

static const char *const scripts[NSCRIPTS] = { lua_rate, lua_conc, lua_grey };
static const char *const script_names[NSCRIPTS] = { "rate", "concurrency",
	"greylist" };

/* ------------------------------------------------------------ the store */

struct redis_conn {
	redisContext	*ctx;		/* NULL: to be opened */
	unsigned int	 gen;		/* pool generation it was opened in */
	bool		 busy;		/* a thread is using it */
	char		 sha[NSCRIPTS][41];	/* SCRIPT LOAD's answers */
};

struct rw_store_redis {
	/* where; fixed at open */
	bool		 unix_socket;
	char		 host[INET6_ADDRSTRLEN];	/* numeric */
	int		 port;
	char		 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	unsigned int	 db;
	char		 user[RW_REDIS_USER_MAX + 1];
	char		*password;	/* NULL: no AUTH */
	char		 prefix[RW_REDIS_PREFIX_MAX + 1];
	char		 where[300];	/* for messages: "127.0.0.1:6379/0" */
	unsigned int	 timeout_ms;

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
	OUT_OK,		/* the server answered */
	OUT_REFUSED,		/* the command was refused; connection fine */
	OUT_CONN_FAILED	/* the connection or the server failed */
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

/* parse_uint - all of s is a decimal number in [0, max] */
static bool
parse_uint(const char *s, size_t len, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 10)
		return false;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

/*
 * resolve_host - the numeric form of host into s->host; a name is looked
 * up now (configuration load), never from a session thread
 */
static bool
resolve_host(struct rw_store_redis *s, const char *host, bool bracketed,
    char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	unsigned char buf[sizeof(struct in6_addr)];
	const void *addr;
	int rc;

	if (bracketed) {
		if (inet_pton(AF_INET6, host, buf) != 1) {
			snprintf(err, errlen, "redis URL: [%s] is not an IPv6 "
			    "address", host);
			return false;
		}
		return rw_strlcpy_ok(s->host, host, sizeof(s->host));
	}
	if (inet_pton(AF_INET, host, buf) == 1)
		return rw_strlcpy_ok(s->host, host, sizeof(s->host));
	if (strchr(host, ':') != NULL) {
		snprintf(err, errlen, "redis URL: an IPv6 address goes in "
		    "brackets: redis://[%s]:%d", host, RW_REDIS_PORT);
		return false;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0 || res == NULL) {
		snprintf(err, errlen, "redis URL: cannot resolve host %s: %s "
		    "(use an address, or a name in /etc/hosts)", host,
		    rc != 0 ? gai_strerror(rc) : "no address");
		if (res != NULL)
			freeaddrinfo(res);
		return false;
	}
	if (res->ai_family == AF_INET6)
		addr = &((struct sockaddr_in6 *)(void *)res->ai_addr)->sin6_addr;
	else
		addr = &((struct sockaddr_in *)(void *)res->ai_addr)->sin_addr;
	rc = inet_ntop(res->ai_family, addr, s->host, sizeof(s->host)) != NULL;
	freeaddrinfo(res);
	if (!rc)
		snprintf(err, errlen, "redis URL: host %s: %s", host,
		    strerror(errno));
	return rc;
}

/* parse_tcp - "[USER@]HOST[:PORT][/DB]" after "redis://" */
static bool
parse_tcp(struct rw_store_redis *s, const char *p, char *err, size_t errlen)
{
	const char *at, *slash, *hs, *he, *ps = NULL;
	size_t alen;
	char host[256];
	unsigned long v;
	bool bracketed = false;

	slash = strchr(p, '/');
	alen = slash != NULL ? (size_t)(slash - p) : strlen(p);
	at = memchr(p, '@', alen);
	if (at != NULL) {
		if (memchr(p, ':', (size_t)(at - p)) != NULL) {
			snprintf(err, errlen, "redis URL: a password does not "
			    "belong in the URL (the configuration is readable); "
			    "put it in the file named by state_password_file");
			return false;
		}
		if (at == p || (size_t)(at - p) > RW_REDIS_USER_MAX) {
			snprintf(err, errlen, "redis URL: bad user name "
			    "before '@'");
			return false;
		}
		memcpy(s->user, p, (size_t)(at - p));
		s->user[at - p] = '\0';
		alen -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	if (*p == '[') {
		hs = p + 1;
		he = memchr(hs, ']', alen - 1);
		if (he == NULL) {
			snprintf(err, errlen, "redis URL: '[' without ']'");
			return false;
		}
		bracketed = true;
		if (he + 1 < p + alen) {
			if (he[1] != ':') {
				snprintf(err, errlen, "redis URL: junk after "
				    "']'");
				return false;
			}
			ps = he + 2;
		}
	} else {
		hs = p;
		he = memchr(p, ':', alen);
		if (he != NULL && memchr(he + 1, ':', alen -
		    (size_t)(he + 1 - p)) != NULL) {
			snprintf(err, errlen, "redis URL: an IPv6 address goes "
			    "in brackets: redis://[ADDRESS]:PORT/DB");
			return false;
		}
		if (he != NULL)
			ps = he + 1;
		else
			he = p + alen;
	}
	if (he == hs || (size_t)(he - hs) >= sizeof(host)) {
		snprintf(err, errlen, "redis URL: %s host", he == hs ?
		    "no" : "overlong");
		return false;
	}
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	s->port = RW_REDIS_PORT;
	if (ps != NULL) {
		if (!parse_uint(ps, (size_t)(p + alen - ps), 65535, &v) ||
		    v == 0) {
			snprintf(err, errlen, "redis URL: bad port \"%.*s\"",
			    (int)(p + alen - ps) > 16 ? 16 :
			    (int)(p + alen - ps), ps);
			return false;
		}
		s->port = (int)v;
	}
	s->db = 0;
	if (slash != NULL && slash[1] != '\0') {
		if (!parse_uint(slash + 1, strlen(slash + 1), RW_REDIS_DB_MAX,
		    &v)) {
			snprintf(err, errlen, "redis URL: the database after "
			    "'/' must be a number from 0 to %d", RW_REDIS_DB_MAX);
			return false;
		}
		s->db = (unsigned int)v;
	}
	if (!resolve_host(s, host, bracketed, err, errlen))
		return false;
	snprintf(s->where, sizeof(s->where), "%s%s%s:%d/%u",
	    bracketed || strchr(s->host, ':') ? "[" : "", s->host,
	    bracketed || strchr(s->host, ':') ? "]" : "", s->port, s->db);
	return true;
}

/* parse_unix - "/PATH[?db=N]" after "redis+unix:" (or "///PATH") */
static bool
parse_unix(struct rw_store_redis *s, const char *p, char *err, size_t errlen)
{
	const char *q;
	size_t len;
	unsigned long v;

	if (strncmp(p, "//", 2) == 0)
		p += 2;
	if (*p != '/') {
		snprintf(err, errlen, "redis URL: redis+unix: needs an absolute "
		    "path (redis+unix:/run/redis/redis.sock)");
		return false;
	}
	q = strchr(p, '?');
	len = q != NULL ? (size_t)(q - p) : strlen(p);
	if (len >= sizeof(s->path)) {
		snprintf(err, errlen, "redis URL: socket path longer than %zu "
		    "bytes", sizeof(s->path) - 1);
		return false;
	}
	memcpy(s->path, p, len);
	s->path[len] = '\0';
	s->db = 0;
	if (q != NULL) {
		if (strncmp(q, "?db=", 4) != 0 || !parse_uint(q + 4,
		    strlen(q + 4), RW_REDIS_DB_MAX, &v)) {
			snprintf(err, errlen, "redis URL: after the path only "
			    "\"?db=N\" (N from 0 to %d)", RW_REDIS_DB_MAX);
			return false;
		}
		s->db = (unsigned int)v;
	}
	s->unix_socket = true;
	snprintf(s->where, sizeof(s->where), "unix:%s/%u", s->path, s->db);
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
	pthread_cond_destroy(&s->freed);
	pthread_mutex_destroy(&s->lock);
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

	if (how == OUT_CONN_FAILED) {
		old = c->ctx;
		c->ctx = NULL;
	}
	pthread_mutex_lock(&s->lock);
	c->busy = false;
	if (how == OUT_CONN_FAILED) {
		s->gen++;
		s->failures++;
		snprintf(s->last_err, sizeof(s->last_err), "%s", why);
		if (!s->down) {
			s->down = true;
			s->down_since = now;
			s->backoff_ms = RW_REDIS_BACKOFF_MIN;
			rw_log_err("state store: %s; state_failure applies "
			    "until redis %s answers again (next attempt in "
			    "%u ms, at most every %u ms)", why, s->where,
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
	errno = 0;
	r = redisCommandArgv(ctx, argc, argv, lens);
	if (r == NULL)
		conn_error(s, ctx, argv[0], err, errlen);
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
	if (strncmp(m, "NOAUTH", 6) == 0 || strncmp(m, "WRONGPASS", 9) == 0 ||
	    strncmp(m, "NOPERM", 6) == 0 || strncmp(m, "ERR invalid password",
	    20) == 0 || strncmp(m, "ERR AUTH", 8) == 0) {
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
	if (s->unix_socket)
		c->ctx = redisConnectUnixWithTimeout(s->path,
		    ms_tv(deadline - now));
	else
		c->ctx = redisConnectWithTimeout(s->host, s->port,
		    ms_tv(deadline - now));
	if (c->ctx == NULL || c->ctx->err != 0) {
		conn_error(s, c->ctx, "connect", err, errlen);
		return OUT_CONN_FAILED;
	}
	set_cloexec(c->ctx->fd);
	if (s->password != NULL) {
		argc = 0;
		argv[argc++] = "AUTH";
		if (s->user[0] != '\0')
			argv[argc++] = s->user;
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
	if (s->db != 0) {
		snprintf(dbtext, sizeof(dbtext), "%u", s->db);
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
	for (i = 0; i < NSCRIPTS; i++) {
		argv[0] = "SCRIPT";
		argv[1] = "LOAD";
		argv[2] = scripts[i];
		lens[0] = 6;
		lens[1] = 4;
		lens[2] = strlen(scripts[i]);
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
 * call - one operation: a connection from the pool (opened if need be),
 * the command (for a script: EVALSHA, then EVAL on NOSCRIPT), the reply
 * (*out, to be freed by the caller) checked for an error. argv[0] NULL
 * with script >= 0: the script's EVALSHA/EVAL prelude is filled in.
 */
static int
call(struct rw_store_redis *s, int script, unsigned int budget_ms, int argc,
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
		snprintf(what, sizeof(what), "%s script", script_names[script]);
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
		argv[1] = scripts[script];
		lens[0] = 4;
		lens[1] = strlen(scripts[script]);
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
static bool
full_key(const struct rw_store_redis *s, const char *key, char *buf,
    size_t size, char *err, size_t errlen)
{
	int n;

	if (key == NULL || key[0] == '\0' || strlen(key) > RW_STATE_KEY_MAX) {
		snprintf(err, errlen, "state key %s", key == NULL ||
		    key[0] == '\0' ? "empty" : "too long");
		return false;
	}
	n = snprintf(buf, size, "%s%s", s->prefix, key);
	if (n < 0 || (size_t)n >= size) {
		snprintf(err, errlen, "state key too long with its prefix");
		return false;
	}
	return true;
}

/* reply_ints - the reply is an array of n integers */
static bool
reply_ints(const struct rw_store_redis *s, const redisReply *r, size_t n,
    long long *v, const char *what, char *err, size_t errlen)
{
	size_t i;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != n)
		goto bad;
	for (i = 0; i < n; i++) {
		if (r->element[i]->type != REDIS_REPLY_INTEGER)
			goto bad;
		v[i] = r->element[i]->integer;
	}
	return true;
bad:
	snprintf(err, errlen, "redis %s: %s script: unexpected answer "
	    "(type %d)", s->where, what, r->type);
	return false;
}

static void
fmt_u64(char *buf, size_t size, uint64_t v)
{
	snprintf(buf, size, "%" PRIu64, v);
}

/* ------------------------------------------------------------ operations */

/* redis_rate - rw_gcra() on the server */
static int
redis_rate(void *h, const char *key,
    const struct rw_rate_spec *spec, unsigned int n, uint64_t now_ms,
    bool *allowed, uint64_t *retry_ms, char *err, size_t errlen)
{
	struct rw_store_redis *s = h;
	char k[RW_REDIS_FULLKEY_MAX], a[5][24];
	const char *argv[9];
	size_t lens[9];
	redisReply *r;
	long long v[3];
	int i, rc;

	*allowed = true;
	*retry_ms = 0;
	if (!full_key(s, key, k, sizeof(k), err, errlen))
		return RW_STORE_FAIL;
	fmt_u64(a[0], sizeof(a[0]), now_ms);
	fmt_u64(a[1], sizeof(a[1]), spec->limit);
	fmt_u64(a[2], sizeof(a[2]), spec->window_s);
	fmt_u64(a[3], sizeof(a[3]), spec->burst);
	fmt_u64(a[4], sizeof(a[4]), n);
	argv[2] = "1";
	argv[3] = k;
	for (i = 0; i < 5; i++)
		argv[4 + i] = a[i];
	for (i = 2; i < 9; i++)
		lens[i] = strlen(argv[i]);
	if (call(s, SCRIPT_RATE, s->timeout_ms, 9, argv, lens, &r, err,
	    errlen) != RW_STORE_OK)
		return RW_STORE_FAIL;
	rc = RW_STORE_FAIL;
	if (reply_ints(s, r, 3, v, "rate", err, errlen) && v[1] >= 0) {
		*allowed = v[0] != 0;
		*retry_ms = (uint64_t)v[1];
		rc = RW_STORE_OK;
	}
	freeReplyObject(r);
	return rc;
}

/* redis_concurrency - add delta, refresh the TTL, the count */
static int
redis_concurrency(void *h, const char *key,
    int delta, unsigned int ttl_s, long *count, char *err, size_t errlen)
{
	struct rw_store_redis *s = h;
	char k[RW_REDIS_FULLKEY_MAX], d[16], t[24];
	const char *argv[6];
	size_t lens[6];
	redisReply *r;
	int i, rc;

	*count = 0;
	if (!full_key(s, key, k, sizeof(k), err, errlen))
		return RW_STORE_FAIL;
	snprintf(d, sizeof(d), "%d", delta);
	/* PEXPIRE 0 would delete the key at once; a second at least */
	fmt_u64(t, sizeof(t), (uint64_t)(ttl_s > 0 ? ttl_s : 1) * 1000);
	argv[2] = "1";
	argv[3] = k;
	argv[4] = d;
	argv[5] = t;
	for (i = 2; i < 6; i++)
		lens[i] = strlen(argv[i]);
	if (call(s, SCRIPT_CONC, s->timeout_ms, 6, argv, lens, &r, err,
	    errlen) != RW_STORE_OK)
		return RW_STORE_FAIL;
	rc = RW_STORE_OK;
	if (r->type == REDIS_REPLY_INTEGER)
		*count = (long)r->integer;
	else {
		snprintf(err, errlen, "redis %s: concurrency script: "
		    "unexpected answer (type %d)", s->where, r->type);
		rc = RW_STORE_FAIL;
	}
	freeReplyObject(r);
	return rc;
}

/* redis_grey - rw_grey_decide() on the server */
static int
redis_grey(void *h, const char *triplet_key,
    const char *net_key, const struct rw_grey_spec *g, uint64_t now_ms,
    enum rw_grey_state *state, unsigned int *wait_s, bool *net_allowlisted,
    char *err, size_t errlen)
{
	struct rw_store_redis *s = h;
	char k1[RW_REDIS_FULLKEY_MAX], k2[RW_REDIS_FULLKEY_MAX], a[6][24];
	const char *argv[11];
	size_t lens[11];
	redisReply *r;
	long long v[3];
	int i, argc, rc;
	bool net = net_key != NULL && net_key[0] != '\0';

	*state = RW_GREY_NEW;
	*wait_s = 0;
	*net_allowlisted = false;
	if (!full_key(s, triplet_key, k1, sizeof(k1), err, errlen) ||
	    (net && !full_key(s, net_key, k2, sizeof(k2), err, errlen)))
		return RW_STORE_FAIL;
	fmt_u64(a[0], sizeof(a[0]), now_ms);
	fmt_u64(a[1], sizeof(a[1]), g->delay_s);
	fmt_u64(a[2], sizeof(a[2]), g->retry_window_s);
	fmt_u64(a[3], sizeof(a[3]), g->pass_ttl_s);
	fmt_u64(a[4], sizeof(a[4]), g->autoallow_passes);
	fmt_u64(a[5], sizeof(a[5]), g->autoallow_ttl_s);
	argc = 2;
	argv[argc++] = net ? "2" : "1";
	argv[argc++] = k1;
	if (net)
		argv[argc++] = k2;
	for (i = 0; i < 6; i++)
		argv[argc++] = a[i];
	for (i = 2; i < argc; i++)
		lens[i] = strlen(argv[i]);
	if (call(s, SCRIPT_GREY, s->timeout_ms, argc, argv, lens, &r, err,
	    errlen) != RW_STORE_OK)
		return RW_STORE_FAIL;
	rc = RW_STORE_FAIL;
	if (!reply_ints(s, r, 3, v, "greylist", err, errlen))
		;
	else if (v[0] < RW_GREY_NEW || v[0] > RW_GREY_KNOWN || v[1] < 0 ||
	    v[1] > UINT32_MAX)
		snprintf(err, errlen, "redis %s: greylist script: answer out "
		    "of range", s->where);
	else {
		*state = (enum rw_grey_state)v[0];
		*wait_s = (unsigned int)v[1];
		*net_allowlisted = v[2] != 0;
		rc = RW_STORE_OK;
	}
	freeReplyObject(r);
	return rc;
}

/* parse_entry - "FIRST PASS PASSES" */
static bool
parse_entry(const char *v, size_t len, struct rw_grey_entry *e)
{
	char buf[80];
	unsigned long long f, p, n;
	char extra;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, v, len);
	buf[len] = '\0';
	if (sscanf(buf, "%20llu %20llu %10llu%c", &f, &p, &n, &extra) != 3 ||
	    n > UINT32_MAX)
		return false;
	e->first_ms = f;
	e->pass_ms = p;
	e->passes = (uint32_t)n;
	return true;
}

/* admin_budget - the query tool may wait longer than a session */
static unsigned int
admin_budget(const struct rw_store_redis *s)
{
	return s->timeout_ms > RW_REDIS_ADMIN_MS ? s->timeout_ms :
	    RW_REDIS_ADMIN_MS;
}

/* redis_grey_show - one triplet's record */
static int
redis_grey_show(void *h, const char *key,
    struct rw_grey_entry *e, bool *found, char *err, size_t errlen)
{
	struct rw_store_redis *s = h;
	char k[RW_REDIS_FULLKEY_MAX];
	const char *argv[2] = { "GET", k };
	size_t lens[2];
	redisReply *r;
	int rc = RW_STORE_OK;

	*found = false;
	memset(e, 0, sizeof(*e));
	if (!full_key(s, key, k, sizeof(k), err, errlen))
		return RW_STORE_FAIL;
	lens[0] = 3;
	lens[1] = strlen(k);
	if (call(s, -1, admin_budget(s), 2, argv, lens, &r, err, errlen) !=
	    RW_STORE_OK)
		return RW_STORE_FAIL;
	if (r->type == REDIS_REPLY_STRING) {
		if (parse_entry(r->str, r->len, e))
			*found = true;
		else {
			snprintf(err, errlen, "redis %s: %s is not a greylist "
			    "record", s->where, k);
			rc = RW_STORE_FAIL;
		}
	} else if (r->type != REDIS_REPLY_NIL) {
		snprintf(err, errlen, "redis %s: GET %s: unexpected answer",
		    s->where, k);
		rc = RW_STORE_FAIL;
	}
	freeReplyObject(r);
	return rc;
}

/* redis_grey_clear - forget one triplet */
static int
redis_grey_clear(void *h, const char *key,
    char *err, size_t errlen)
{
	struct rw_store_redis *s = h;
	char k[RW_REDIS_FULLKEY_MAX];
	const char *argv[2] = { "DEL", k };
	size_t lens[2];
	redisReply *r;

	if (!full_key(s, key, k, sizeof(k), err, errlen))
		return RW_STORE_FAIL;
	lens[0] = 3;
	lens[1] = strlen(k);
	if (call(s, -1, admin_budget(s), 2, argv, lens, &r, err, errlen) !=
	    RW_STORE_OK)
		return RW_STORE_FAIL;
	freeReplyObject(r);
	return RW_STORE_OK;
}

/* glob_escape - s with the glob characters of SCAN MATCH escaped */
static bool
glob_escape(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		if (strchr("*?[]\\", *s) != NULL) {
			if (n + 1 >= size)
				return false;
			buf[n++] = '\\';
		}
		if (n + 1 >= size)
			return false;
		buf[n++] = *s;
	}
	buf[n] = '\0';
	return true;
}

/*
 * redis_grey_list_allowed - every auto-allowlisted network: SCAN
 * over prefix + "greynet:*", MGET of each batch. Not atomic, and need
 * not be: a list for an administrator.
 */
static int
redis_grey_list_allowed(void *h,
    const struct rw_grey_spec *g, uint64_t now_ms, rw_store_net_fn *each,
    void *arg, char *err, size_t errlen)
{
	struct rw_store_redis *s = h;
	char pattern[2 * RW_REDIS_PREFIX_MAX + 16], cursor[32];
	const char *argv[6];
	const char **margv = NULL;
	size_t lens[8], *mlens = NULL, skip, i;
	struct rw_grey_entry e;
	redisReply *r = NULL, *m = NULL, *keys;
	int rc = RW_STORE_FAIL;

	if (!glob_escape(s->prefix, pattern, sizeof(pattern) - 9)) {
		snprintf(err, errlen, "state_prefix too long");
		return RW_STORE_FAIL;
	}
	strcat(pattern, "greynet:*");
	skip = strlen(s->prefix) + strlen("greynet:");
	strcpy(cursor, "0");
	do {
		argv[0] = "SCAN";
		argv[1] = cursor;
		argv[2] = "MATCH";
		argv[3] = pattern;
		argv[4] = "COUNT";
		argv[5] = RW_REDIS_SCAN_COUNT;
		for (i = 0; i < 6; i++)
			lens[i] = strlen(argv[i]);
		if (call(s, -1, admin_budget(s), 6, argv, lens, &r, err,
		    errlen) != RW_STORE_OK)
			goto done;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[0]->len >= sizeof(cursor) ||
		    r->element[1]->type != REDIS_REPLY_ARRAY) {
			snprintf(err, errlen, "redis %s: SCAN: unexpected "
			    "answer", s->where);
			goto done;
		}
		memcpy(cursor, r->element[0]->str, r->element[0]->len);
		cursor[r->element[0]->len] = '\0';
		keys = r->element[1];
		if (keys->elements > 0) {
			margv = calloc(keys->elements + 1, sizeof(*margv));
			mlens = calloc(keys->elements + 1, sizeof(*mlens));
			if (margv == NULL || mlens == NULL) {
				snprintf(err, errlen, "out of memory");
				goto done;
			}
			margv[0] = "MGET";
			mlens[0] = 4;
			for (i = 0; i < keys->elements; i++) {
				margv[i + 1] = keys->element[i]->str;
				mlens[i + 1] = keys->element[i]->len;
			}
			if (call(s, -1, admin_budget(s),
			    (int)keys->elements + 1, margv, mlens, &m, err,
			    errlen) != RW_STORE_OK)
				goto done;
			for (i = 0; m->type == REDIS_REPLY_ARRAY &&
			    i < m->elements && i < keys->elements; i++) {
				if (m->element[i]->type != REDIS_REPLY_STRING ||
				    keys->element[i]->len <= skip ||
				    memchr(keys->element[i]->str, '\0',
				    keys->element[i]->len) != NULL ||
				    !parse_entry(m->element[i]->str,
				    m->element[i]->len, &e))
					continue;
				if (rw_grey_net_allowed(&e, true, now_ms, g))
					each(keys->element[i]->str + skip, &e,
					    arg);
			}
			freeReplyObject(m);
			m = NULL;
			free(margv);
			free(mlens);
			margv = NULL;
			mlens = NULL;
		}
		freeReplyObject(r);
		r = NULL;
	} while (strcmp(cursor, "0") != 0);
	rc = RW_STORE_OK;
done:
	if (m != NULL)
		freeReplyObject(m);
	if (r != NULL)
		freeReplyObject(r);
	free(margv);
	free(mlens);
	return rc;
}

/* ------------------------------------------------------------ open, close */

/*
 * redis_open - parse the URL, resolve the host, read the password; no
 * connection yet (see DESCRIPTION)
 */
static void *
redis_open(const char *url, const struct rw_store_opts *opts, char *err,
    size_t errlen)
{
	struct rw_store_redis *s;
	pthread_condattr_t ca;
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
	if (strncmp(url, "redis://", 8) == 0)
		ok = parse_tcp(s, url + 8, err, errlen);
	else if (strncmp(url, "redis+unix:", 11) == 0)
		ok = parse_unix(s, url + 11, err, errlen);
	else {
		snprintf(err, errlen, "redis URL must start with redis:// or "
		    "redis+unix:");
		ok = false;
	}
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

/* redis_close - the connections closed, the memory freed */
static void
redis_close(void *h)
{
	redis_store_free(h);
}

const struct rw_store_backend rw_store_redis = {
	.name = "redis",
	.open = redis_open,
	.rate = redis_rate,
	.concurrency = redis_concurrency,
	.grey = redis_grey,
	.grey_show = redis_grey_show,
	.grey_clear = redis_grey_clear,
	.grey_list_allowed = redis_grey_list_allowed,
	.close = redis_close,
};
