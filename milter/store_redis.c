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
 *	The Redis backend of milter/store.h (rw_store_redis), through
 *	hiredis; the connections are store_rediscon.c's. Several
 *	relaywarden daemons pointed at one Redis hold one set of limits and
 *	one greylist together, because every decision is ONE Lua script run
 *	by the server: Redis runs a script alone, so two daemons can never
 *	both take the last free slot of a limit.
 *
 *	The scripts are rw_gcra() and rw_grey_decide() of the policy core
 *	(policy/ratelimit.c, policy/greylist.c), line for line, on the
 *	caller's now_ms: the same inputs give the same answers as the
 *	embedded store (tests/store-test.c holds both to the cases of
 *	tests/state-cases.h and to random sequences). Because the time comes
 *	from the caller, the daemons of a fleet need synchronised clocks
 *	(NTP), as they do for their logs. Every key written gets the
 *	configured prefix and a PEXPIRE TTL, the moment the core says its
 *	state is worth nothing any more, so Redis memory stays bounded by
 *	the traffic of the TTL periods.
 *
 *	Values. A rate key holds its TAT ("1733061234567"); a concurrency
 *	key its count; a triplet or network record "FIRST_MS PASS_MS
 *	PASSES". All are plain strings, readable with redis-cli.
 *
 *	The query tool's calls (show, clear, list) are plain commands (GET,
 *	DEL, SCAN + MGET), with a longer deadline (RW_REDIS_ADMIN_MS).
 */
#include "config.h"

#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_redis.h"

#define RW_REDIS_ADMIN_MS	5000	/* least deadline of a query-tool call */
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
 * n (0: a peek, as if of cost 1, spending nothing). Returns {allowed,
 * retry_ms, tat}. The TAT is written only when the event passes and
 * moved it, with a TTL until it (then the key is idle, which is the same
 * as no key).
 */
static const char lua_rate[] = LUA_IDIV
"local now = tonumber(ARGV[1])\n"
"local limit, window_s = tonumber(ARGV[2]), tonumber(ARGV[3])\n"
"local burst, n = tonumber(ARGV[4]), tonumber(ARGV[5])\n"
"local v = redis.call('GET', KEYS[1])\n"
"local tat = v and tonumber(v) or 0\n"
"if tat < now then tat = now end\n"
"if limit == 0 then return {1, 0, tat} end\n"
"local t = idiv(window_s * 1000 + limit - 1, limit)\n"
"if t == 0 then t = 1 end\n"
"local tol = (limit + burst) * t\n"
"local cost = n\n"
"if n == 0 then cost = 1 end\n"
"local new_tat = tat + cost * t\n"
"if new_tat - now > tol then return {0, new_tat - now - tol, tat} end\n"
"if n == 0 then return {1, 0, tat} end\n"
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
	n = snprintf(buf, size, "%s%s", rw_store_redis_prefix(s), key);
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
	    "(type %d)", rw_store_redis_where(s), what, r->type);
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
	if (rw_store_redis_call(s, SCRIPT_RATE, rw_store_redis_timeout(s), 9, argv, lens, &r, err,
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
	if (rw_store_redis_call(s, SCRIPT_CONC, rw_store_redis_timeout(s), 6, argv, lens, &r, err,
	    errlen) != RW_STORE_OK)
		return RW_STORE_FAIL;
	rc = RW_STORE_OK;
	if (r->type == REDIS_REPLY_INTEGER)
		*count = (long)r->integer;
	else {
		snprintf(err, errlen, "redis %s: concurrency script: "
		    "unexpected answer (type %d)", rw_store_redis_where(s), r->type);
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
	if (rw_store_redis_call(s, SCRIPT_GREY, rw_store_redis_timeout(s), argc, argv, lens, &r, err,
	    errlen) != RW_STORE_OK)
		return RW_STORE_FAIL;
	rc = RW_STORE_FAIL;
	if (!reply_ints(s, r, 3, v, "greylist", err, errlen))
		;
	else if (v[0] < RW_GREY_NEW || v[0] > RW_GREY_KNOWN || v[1] < 0 ||
	    v[1] > UINT32_MAX)
		snprintf(err, errlen, "redis %s: greylist script: answer out "
		    "of range", rw_store_redis_where(s));
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
	return rw_store_redis_timeout(s) > RW_REDIS_ADMIN_MS ? rw_store_redis_timeout(s) :
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
	if (rw_store_redis_call(s, -1, admin_budget(s), 2, argv, lens, &r, err, errlen) !=
	    RW_STORE_OK)
		return RW_STORE_FAIL;
	if (r->type == REDIS_REPLY_STRING) {
		if (parse_entry(r->str, r->len, e))
			*found = true;
		else {
			snprintf(err, errlen, "redis %s: %s is not a greylist "
			    "record", rw_store_redis_where(s), k);
			rc = RW_STORE_FAIL;
		}
	} else if (r->type != REDIS_REPLY_NIL) {
		snprintf(err, errlen, "redis %s: GET %s: unexpected answer",
		    rw_store_redis_where(s), k);
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
	if (rw_store_redis_call(s, -1, admin_budget(s), 2, argv, lens, &r, err, errlen) !=
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

	if (!glob_escape(rw_store_redis_prefix(s), pattern, sizeof(pattern) - 9)) {
		snprintf(err, errlen, "state_prefix too long");
		return RW_STORE_FAIL;
	}
	strcat(pattern, "greynet:*");
	skip = strlen(rw_store_redis_prefix(s)) + strlen("greynet:");
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
		if (rw_store_redis_call(s, -1, admin_budget(s), 6, argv, lens, &r, err,
		    errlen) != RW_STORE_OK)
			goto done;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[0]->len >= sizeof(cursor) ||
		    r->element[1]->type != REDIS_REPLY_ARRAY) {
			snprintf(err, errlen, "redis %s: SCAN: unexpected "
			    "answer", rw_store_redis_where(s));
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
			if (rw_store_redis_call(s, -1, admin_budget(s),
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

static const char *const scripts[NSCRIPTS] = { lua_rate, lua_conc, lua_grey };
static const char *const script_names[NSCRIPTS] = { "rate", "concurrency",
	"greylist" };

/* redis_open - see store_rediscon.c: no connection yet */
static void *
redis_open(const char *url, const struct rw_store_opts *opts, char *err,
    size_t errlen)
{
	return rw_store_redis_conn_open(url, opts, scripts, script_names,
	    NSCRIPTS, err, errlen);
}

static void
redis_close(void *h)
{
	rw_store_redis_conn_close(h);
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
