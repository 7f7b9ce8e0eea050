/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	store_lmdb - the embedded state store (LMDB): one file, no server
 * DESCRIPTION
 *	The backend behind "lmdb:/path/state.lmdb" (see store.h). LMDB is
 *	the memory-mapped B-tree Postfix and OpenLDAP use: readers never
 *	block, one writer at a time (across processes too, so the daemon
 *	and relaywarden-query may share the file), and a committed write
 *	survives a kill -9 of the process: there is no recovery step.
 *
 *	Threads: one environment per process, opened MDB_NOTLS so that a
 *	transaction is not tied to a thread's slot; every call opens and
 *	ends its own transaction. Each decision is one write transaction:
 *	read the records, run the pure arithmetic (rw_gcra,
 *	rw_grey_decide), write back, commit. MDB_NOMETASYNC: data pages are
 *	flushed at commit, the meta page lazily, so a system crash may undo
 *	the last commit but never corrupts the file.
 *
 *	Records: the key is the configured prefix and the policy's key; the
 *	value a fixed struct (host byte order: the file is not meant to
 *	move between machines) with its expiry. An expired record reads as
 *	absent; sweep() deletes them: a slice every minute (by the callers'
 *	clock), and all of them when the cap is reached.
 *
 *	The cap: the map is sized for state_max_keys records (512 bytes
 *	each, sparse: the file grows only as used). A write that would add
 *	a record beyond state_max_keys, or that finds the map full, first
 *	sweeps every expired record; if there is still no room the call
 *	fails, and the caller applies state_failure (accept by default):
 *	a full store never refuses mail, it stops counting new keys.
 *
 *	A file that cannot be opened as an LMDB environment (not one,
 *	truncated, unreadable, corrupt pages) is renamed to
 *	PATH.broken-YYYYMMDDTHHMMSS with its lock file, logged, and a fresh
 *	one started: state is a cache of recent history, losing it costs a
 *	round of greylisting, refusing mail would cost more. A truncated
 *	file is caught before LMDB touches a page beyond its end (which
 *	would be SIGBUS): the last page LMDB knows of must lie in the file,
 *	and a full read of the tree must succeed.
 */
#include "config.h"

#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define REC_RATE	1
#define REC_CONC	2
#define REC_GREY	3
#define BYTES_PER_KEY	512ULL
#define MAP_MIN		(4ULL << 20)
#define SWEEP_EVERY_MS	60000ULL
#define SWEEP_SLICE	20000	/* records looked at per periodic sweep */
#define PATH_MAX_LEN	1024

struct rec {
	uint64_t	 expire_ms;
	uint64_t	 a;		/* RATE: tat; CONC: count; GREY: first */
	uint64_t	 b;		/* GREY: pass */
	uint32_t	 c;		/* GREY: passes */
	uint32_t	 kind;
};

struct lmdb {
	MDB_env		*env;
	MDB_dbi		 dbi;
	char		 path[PATH_MAX_LEN];
	char		 prefix[64];
	size_t		 prefixlen;
	unsigned long	 max_keys;
	pthread_mutex_t	 mu;		/* the fields below */
	uint64_t	 last_sweep_ms;
	char		 sweep_from[RW_STATE_KEY_MAX + 64];	/* resume here */
};

/* wall_ms - the clock, for calls whose contract passes no time */
static uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* full_key - prefix + key into buf; false if it does not fit */
static bool
full_key(const struct lmdb *l, const char *key, char *buf, size_t len,
    MDB_val *v)
{
	size_t	n = strlen(key);

	if (l->prefixlen + n + 1 > len || l->prefixlen + n > 511)
		return false;
	memcpy(buf, l->prefix, l->prefixlen);
	memcpy(buf + l->prefixlen, key, n + 1);
	v->mv_data = buf;
	v->mv_size = l->prefixlen + n;
	return true;
}

static int
fail(char *err, size_t errlen, const char *what, int rc)
{
	snprintf(err, errlen, "lmdb: %s: %s", what, mdb_strerror(rc));
	return RW_STORE_FAIL;
}

/* get_rec - the live record of a kind; false when absent or expired */
static bool
get_rec(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, uint32_t kind,
    uint64_t now_ms, struct rec *r, int *rc)
{
	MDB_val	v;

	*rc = mdb_get(txn, dbi, k, &v);
	if (*rc == MDB_NOTFOUND) {
		*rc = 0;
		return false;
	}
	if (*rc != 0)
		return false;
	if (v.mv_size != sizeof(*r))
		return false;	/* not ours: overwritten */
	memcpy(r, v.mv_data, sizeof(*r));
	return r->kind == kind && r->expire_ms > now_ms;
}

/* sweep - delete expired records; all of them, or a slice from sweep_from */
static int
sweep(struct lmdb *l, MDB_txn *txn, uint64_t now_ms, bool all,
    size_t *deleted)
{
	MDB_cursor *c;
	MDB_val	k, v;
	struct rec r;
	size_t	seen = 0;
	int	rc, op = MDB_FIRST;

	*deleted = 0;
	if ((rc = mdb_cursor_open(txn, l->dbi, &c)) != 0)
		return rc;
	if (!all && l->sweep_from[0] != '\0') {
		k.mv_data = l->sweep_from;
		k.mv_size = strlen(l->sweep_from);
		op = MDB_SET_RANGE;
	}
	for (rc = mdb_cursor_get(c, &k, &v, (MDB_cursor_op)op); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (!all && ++seen > SWEEP_SLICE) {
			size_t	n = k.mv_size < sizeof(l->sweep_from) - 1 ?
			    k.mv_size : sizeof(l->sweep_from) - 1;

			memcpy(l->sweep_from, k.mv_data, n);
			l->sweep_from[n] = '\0';
			mdb_cursor_close(c);
			return 0;
		}
		if (v.mv_size == sizeof(r)) {
			memcpy(&r, v.mv_data, sizeof(r));
			if (r.expire_ms > now_ms)
				continue;
		}
		if ((rc = mdb_cursor_del(c, 0)) != 0)
			break;
		(*deleted)++;
	}
	mdb_cursor_close(c);
	l->sweep_from[0] = '\0';
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* maybe_sweep - a slice of the expired records, once a minute */
static void
maybe_sweep(struct lmdb *l, MDB_txn *txn, uint64_t now_ms)
{
	size_t	n;

	if (now_ms < l->last_sweep_ms + SWEEP_EVERY_MS &&
	    now_ms >= l->last_sweep_ms)
		return;
	l->last_sweep_ms = now_ms;
	if (sweep(l, txn, now_ms, false, &n) == 0 && n > 0)
		rw_log_debug("lmdb: swept %zu expired records", n);
}

/* room - a new record may be added: under the cap, after a sweep if need be */
static int
room(struct lmdb *l, MDB_txn *txn, uint64_t now_ms, char *err, size_t errlen)
{
	MDB_stat st;
	size_t	n;
	int	rc;

	if ((rc = mdb_stat(txn, l->dbi, &st)) != 0)
		return fail(err, errlen, "stat", rc);
	if (st.ms_entries < l->max_keys)
		return RW_STORE_OK;
	if ((rc = sweep(l, txn, now_ms, true, &n)) != 0)
		return fail(err, errlen, "sweep", rc);
	if ((rc = mdb_stat(txn, l->dbi, &st)) != 0)
		return fail(err, errlen, "stat", rc);
	if (st.ms_entries < l->max_keys) {
		rw_log_info("lmdb: %s: at state_max_keys %lu, swept %zu expired "
		    "records", l->path, l->max_keys, n);
		return RW_STORE_OK;
	}
	snprintf(err, errlen, "lmdb: %s: full: %lu live records "
	    "(state_max_keys), none expired", l->path, l->max_keys);
	return RW_STORE_FAIL;
}

/* put_rec - write a record, adding it only if there is room */
static int
put_rec(struct lmdb *l, MDB_txn *txn, MDB_val *k, bool exists,
    const struct rec *r, uint64_t now_ms, char *err, size_t errlen)
{
	MDB_val	v;
	int	rc;

	if (!exists && room(l, txn, now_ms, err, errlen) != RW_STORE_OK)
		return RW_STORE_FAIL;
	v.mv_data = (void *)r;
	v.mv_size = sizeof(*r);
	if ((rc = mdb_put(txn, l->dbi, k, &v, 0)) != 0)
		return fail(err, errlen, rc == MDB_MAP_FULL ? "map full "
		    "(raise state_max_keys)" : "put", rc);
	return RW_STORE_OK;
}

/* begin - a write transaction, with the handle's lock held */
static int
begin(struct lmdb *l, MDB_txn **txn, char *err, size_t errlen)
{
	int	rc;

	if ((rc = mdb_txn_begin(l->env, NULL, 0, txn)) != 0)
		return fail(err, errlen, "begin", rc);
	pthread_mutex_lock(&l->mu);
	return RW_STORE_OK;
}

/* end - commit (ok) or abort; releases the handle's lock */
static int
end(struct lmdb *l, MDB_txn *txn, bool ok, char *err, size_t errlen)
{
	int	rc;

	pthread_mutex_unlock(&l->mu);
	if (!ok) {
		mdb_txn_abort(txn);
		return RW_STORE_FAIL;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return fail(err, errlen, rc == MDB_MAP_FULL ? "map full "
		    "(raise state_max_keys)" : "commit", rc);
	return RW_STORE_OK;
}

static int
lmdb_rate(void *h, const char *key, const struct rw_rate_spec *spec,
    unsigned int n, uint64_t now_ms, bool *allowed, uint64_t *retry_ms,
    char *err, size_t errlen)
{
	struct lmdb *l = h;
	char	kb[600];
	MDB_val	k;
	MDB_txn	*txn;
	struct rec r;
	bool	live, ok = true;
	uint64_t tat, old, expire;
	int	rc;

	if (!full_key(l, key, kb, sizeof(kb), &k)) {
		snprintf(err, errlen, "lmdb: key too long");
		return RW_STORE_FAIL;
	}
	if (begin(l, &txn, err, errlen) != RW_STORE_OK)
		return RW_STORE_FAIL;
	maybe_sweep(l, txn, now_ms);
	live = get_rec(txn, l->dbi, &k, REC_RATE, now_ms, &r, &rc);
	if (rc != 0) {
		fail(err, errlen, "get", rc);
		return end(l, txn, false, err, errlen);
	}
	tat = old = live ? r.a : 0;
	*allowed = rw_gcra(&tat, now_ms, spec, n, retry_ms, &expire);
	if (tat != old) {
		memset(&r, 0, sizeof(r));
		r.kind = REC_RATE;
		r.a = tat;
		r.expire_ms = expire;
		ok = put_rec(l, txn, &k, live, &r, now_ms, err, errlen) ==
		    RW_STORE_OK;
	}
	return end(l, txn, ok, err, errlen);
}

static int
lmdb_concurrency(void *h, const char *key, int delta, unsigned int ttl_s,
    long *count, char *err, size_t errlen)
{
	struct lmdb *l = h;
	char	kb[600];
	MDB_val	k;
	MDB_txn	*txn;
	struct rec r;
	uint64_t now = wall_ms();
	bool	live, ok = true;
	long	n;
	int	rc;

	if (!full_key(l, key, kb, sizeof(kb), &k)) {
		snprintf(err, errlen, "lmdb: key too long");
		return RW_STORE_FAIL;
	}
	if (begin(l, &txn, err, errlen) != RW_STORE_OK)
		return RW_STORE_FAIL;
	live = get_rec(txn, l->dbi, &k, REC_CONC, now, &r, &rc);
	if (rc != 0) {
		fail(err, errlen, "get", rc);
		return end(l, txn, false, err, errlen);
	}
	n = (live ? (long)r.a : 0) + delta;
	if (n < 0)
		n = 0;
	*count = n;
	if (n == 0) {
		rc = mdb_del(txn, l->dbi, &k, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND) {
			fail(err, errlen, "del", rc);
			ok = false;
		}
	} else {
		memset(&r, 0, sizeof(r));
		r.kind = REC_CONC;
		r.a = (uint64_t)n;
		r.expire_ms = now + (uint64_t)ttl_s * 1000;
		ok = put_rec(l, txn, &k, live, &r, now, err, errlen) ==
		    RW_STORE_OK;
	}
	return end(l, txn, ok, err, errlen);
}

static void
rec_to_entry(const struct rec *r, struct rw_grey_entry *e)
{
	e->first_ms = r->a;
	e->pass_ms = r->b;
	e->passes = r->c;
}

static void
entry_to_rec(const struct rw_grey_entry *e, uint64_t expire, struct rec *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = REC_GREY;
	r->a = e->first_ms;
	r->b = e->pass_ms;
	r->c = e->passes;
	r->expire_ms = expire;
}

static int
lmdb_grey(void *h, const char *triplet_key, const char *net_key,
    const struct rw_grey_spec *spec, uint64_t now_ms,
    enum rw_grey_state *state, unsigned int *wait_s, bool *net_allowlisted,
    char *err, size_t errlen)
{
	struct lmdb *l = h;
	char	tb[600], nb[600];
	MDB_val	tk, nk;
	MDB_txn	*txn;
	struct rec r;
	struct rw_grey_io io;
	bool	ok = true;
	int	rc;

	if (!full_key(l, triplet_key, tb, sizeof(tb), &tk) ||
	    !full_key(l, net_key, nb, sizeof(nb), &nk)) {
		snprintf(err, errlen, "lmdb: key too long");
		return RW_STORE_FAIL;
	}
	if (begin(l, &txn, err, errlen) != RW_STORE_OK)
		return RW_STORE_FAIL;
	maybe_sweep(l, txn, now_ms);
	memset(&io, 0, sizeof(io));
	if ((io.triplet_exists = get_rec(txn, l->dbi, &tk, REC_GREY, now_ms,
	    &r, &rc)))
		rec_to_entry(&r, &io.triplet);
	if (rc == 0 && (io.net_exists = get_rec(txn, l->dbi, &nk, REC_GREY,
	    now_ms, &r, &rc)))
		rec_to_entry(&r, &io.net);
	if (rc != 0) {
		fail(err, errlen, "get", rc);
		return end(l, txn, false, err, errlen);
	}
	rw_grey_decide(&io, now_ms, spec);
	*state = io.state;
	*wait_s = io.wait_s;
	*net_allowlisted = io.net_allowlisted;
	if (io.triplet_write) {
		entry_to_rec(&io.triplet, io.triplet_expire_ms, &r);
		ok = put_rec(l, txn, &tk, io.triplet_exists, &r, now_ms, err,
		    errlen) == RW_STORE_OK;
	}
	if (ok && io.net_write) {
		entry_to_rec(&io.net, io.net_expire_ms, &r);
		ok = put_rec(l, txn, &nk, io.net_exists, &r, now_ms, err,
		    errlen) == RW_STORE_OK;
	}
	return end(l, txn, ok, err, errlen);
}

static int
lmdb_grey_show(void *h, const char *triplet_key, struct rw_grey_entry *e,
    bool *found, char *err, size_t errlen)
{
	struct lmdb *l = h;
	char	kb[600];
	MDB_val	k;
	MDB_txn	*txn;
	struct rec r;
	int	rc;

	if (!full_key(l, triplet_key, kb, sizeof(kb), &k)) {
		snprintf(err, errlen, "lmdb: key too long");
		return RW_STORE_FAIL;
	}
	if ((rc = mdb_txn_begin(l->env, NULL, MDB_RDONLY, &txn)) != 0)
		return fail(err, errlen, "begin", rc);
	if ((*found = get_rec(txn, l->dbi, &k, REC_GREY, wall_ms(), &r, &rc)))
		rec_to_entry(&r, e);
	mdb_txn_abort(txn);
	return rc == 0 ? RW_STORE_OK : fail(err, errlen, "get", rc);
}

static int
lmdb_grey_clear(void *h, const char *triplet_key, char *err, size_t errlen)
{
	struct lmdb *l = h;
	char	kb[600];
	MDB_val	k;
	MDB_txn	*txn;
	int	rc;

	if (!full_key(l, triplet_key, kb, sizeof(kb), &k)) {
		snprintf(err, errlen, "lmdb: key too long");
		return RW_STORE_FAIL;
	}
	if (begin(l, &txn, err, errlen) != RW_STORE_OK)
		return RW_STORE_FAIL;
	rc = mdb_del(txn, l->dbi, &k, NULL);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		fail(err, errlen, "del", rc);
		return end(l, txn, false, err, errlen);
	}
	return end(l, txn, true, err, errlen);
}

static int
lmdb_grey_list_allowed(void *h, const struct rw_grey_spec *spec,
    uint64_t now_ms, rw_store_net_fn *each, void *arg, char *err,
    size_t errlen)
{
	struct lmdb *l = h;
	char	kb[600], net[RW_STATE_KEY_MAX + 1];
	MDB_val	k, v;
	MDB_txn	*txn;
	MDB_cursor *c;
	struct rec r;
	struct rw_grey_entry e;
	size_t	plen, n;
	int	rc;

	if (!full_key(l, "greynet:", kb, sizeof(kb), &k))
		return RW_STORE_FAIL;
	plen = k.mv_size;
	if ((rc = mdb_txn_begin(l->env, NULL, MDB_RDONLY, &txn)) != 0)
		return fail(err, errlen, "begin", rc);
	if ((rc = mdb_cursor_open(txn, l->dbi, &c)) != 0) {
		mdb_txn_abort(txn);
		return fail(err, errlen, "cursor", rc);
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size < plen || memcmp(k.mv_data, kb, plen) != 0)
			break;
		if (v.mv_size != sizeof(r))
			continue;
		memcpy(&r, v.mv_data, sizeof(r));
		if (r.kind != REC_GREY || r.expire_ms <= now_ms)
			continue;
		rec_to_entry(&r, &e);
		if (!rw_grey_net_allowed(&e, true, now_ms, spec))
			continue;
		n = k.mv_size - plen < sizeof(net) - 1 ? k.mv_size - plen :
		    sizeof(net) - 1;
		memcpy(net, (const char *)k.mv_data + plen, n);
		net[n] = '\0';
		each(net, &e, arg);
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return fail(err, errlen, "list", rc);
	return RW_STORE_OK;
}

/* verify - the file holds every page LMDB knows of, and the tree reads */
static int
verify(MDB_env *env, const char *path, char *why, size_t len)
{
	MDB_envinfo info;
	MDB_stat st;
	MDB_txn	*txn;
	MDB_dbi	dbi;
	MDB_cursor *c;
	MDB_val	k, v;
	struct stat sb;
	int	rc;

	if ((rc = mdb_env_info(env, &info)) != 0 ||
	    (rc = mdb_env_stat(env, &st)) != 0) {
		snprintf(why, len, "%s", mdb_strerror(rc));
		return rc;
	}
	if (stat(path, &sb) != 0) {
		snprintf(why, len, "%s", strerror(errno));
		return errno;
	}
	if ((uint64_t)(info.me_last_pgno + 1) * st.ms_psize >
	    (uint64_t)sb.st_size) {
		snprintf(why, len, "truncated: %lld bytes, pages up to %llu",
		    (long long)sb.st_size,
		    (unsigned long long)(info.me_last_pgno + 1) * st.ms_psize);
		return MDB_CORRUPTED;
	}
	if ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0)
		goto bad;
	if ((rc = mdb_dbi_open(txn, NULL, 0, &dbi)) != 0 ||
	    (rc = mdb_cursor_open(txn, dbi, &c)) != 0) {
		mdb_txn_abort(txn);
		goto bad;
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		;
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	if (rc == MDB_NOTFOUND)
		return 0;
bad:
	snprintf(why, len, "%s", mdb_strerror(rc));
	return rc;
}

/* env_open - open and check the environment; 0 or the reason */
static int
env_open(struct lmdb *l, uint64_t mapsize, char *why, size_t len)
{
	MDB_txn	*txn;
	int	rc;

	if ((rc = mdb_env_create(&l->env)) != 0)
		goto bad;
	if ((rc = mdb_env_set_mapsize(l->env, (size_t)mapsize)) != 0 ||
	    (rc = mdb_env_set_maxreaders(l->env, 1024)) != 0 ||
	    (rc = mdb_env_open(l->env, l->path, MDB_NOSUBDIR | MDB_NOTLS |
	    MDB_NOMETASYNC, 0600)) != 0)
		goto bad;
	if ((rc = verify(l->env, l->path, why, len)) != 0)
		goto out;
	if ((rc = mdb_txn_begin(l->env, NULL, 0, &txn)) != 0)
		goto bad;
	if ((rc = mdb_dbi_open(txn, NULL, 0, &l->dbi)) != 0) {
		mdb_txn_abort(txn);
		goto bad;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		goto bad;
	return 0;
bad:
	snprintf(why, len, "%s", mdb_strerror(rc));
out:
	if (l->env != NULL)
		mdb_env_close(l->env);
	l->env = NULL;
	return rc;
}

/* move_aside - rename a broken file (and its lock file) out of the way */
static bool
move_aside(const char *path, char *to, size_t len)
{
	char	lock[PATH_MAX_LEN + 8], stamp[32];
	time_t	now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	if ((size_t)snprintf(to, len, "%s.broken-%s", path, stamp) >= len)
		return false;
	if (rename(path, to) != 0)
		return false;
	snprintf(lock, sizeof(lock), "%s-lock", path);
	(void)unlink(lock);
	return true;
}

static void *
lmdb_open(const char *url, const struct rw_store_opts *o, char *err,
    size_t errlen)
{
	const char *path = url + 5;	/* "lmdb:" */
	struct lmdb *l;
	char	why[256], to[PATH_MAX_LEN + 32];
	uint64_t mapsize;
	unsigned long max_keys = o != NULL && o->max_keys ? o->max_keys : 1000000;
	const char *prefix = o != NULL && o->prefix != NULL ? o->prefix : "rw:";
	int	rc;

	if (path[0] != '/' || strlen(path) >= PATH_MAX_LEN) {
		snprintf(err, errlen, "lmdb: \"%.100s\": an absolute file path "
		    "expected (lmdb:/var/lib/relaywarden/state.lmdb)", path);
		return NULL;
	}
	if (strlen(prefix) >= sizeof(l->prefix)) {
		snprintf(err, errlen, "lmdb: prefix too long");
		return NULL;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(l->path, path, strlen(path) + 1);
	memcpy(l->prefix, prefix, strlen(prefix) + 1);
	l->prefixlen = strlen(prefix);
	l->max_keys = max_keys;
	mapsize = (uint64_t)max_keys * BYTES_PER_KEY;
	if (mapsize < MAP_MIN)
		mapsize = MAP_MIN;
	if (pthread_mutex_init(&l->mu, NULL) != 0) {
		free(l);
		snprintf(err, errlen, "lmdb: mutex");
		return NULL;
	}
	why[0] = '\0';
	rc = env_open(l, mapsize, why, sizeof(why));
	if (rc != 0 && rc != ENOENT && access(path, F_OK) == 0) {
		/* there is a file, and it is not a usable environment */
		if (!move_aside(path, to, sizeof(to))) {
			snprintf(err, errlen, "lmdb: %s: %s; cannot move it "
			    "aside: %s", path, why, strerror(errno));
			goto bad;
		}
		rw_log_err("lmdb: %s: %s: moved aside to %s, starting a fresh "
		    "store", path, why, to);
		rc = env_open(l, mapsize, why, sizeof(why));
	}
	if (rc != 0) {
		snprintf(err, errlen, "lmdb: %s: %s", path, why);
		goto bad;
	}
	return l;
bad:
	pthread_mutex_destroy(&l->mu);	/* tsan.supp: no thread left */
	free(l);
	return NULL;
}

static void
lmdb_close(void *h)
{
	struct lmdb *l = h;

	if (l == NULL)
		return;
	mdb_env_sync(l->env, 1);
	mdb_env_close(l->env);
	/* closed after every callback returned (main.c's wait_idle) */
	pthread_mutex_destroy(&l->mu);	/* tsan.supp: no thread left */
	free(l);
}

const struct rw_store_backend rw_store_lmdb = {
	.name = "lmdb",
	.open = lmdb_open,
	.rate = lmdb_rate,
	.concurrency = lmdb_concurrency,
	.grey = lmdb_grey,
	.grey_show = lmdb_grey_show,
	.grey_clear = lmdb_grey_clear,
	.grey_list_allowed = lmdb_grey_list_allowed,
	.close = lmdb_close,
};
