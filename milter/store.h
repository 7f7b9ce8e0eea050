/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	store.h - the state store: rate counters, concurrency, greylisting
 * DESCRIPTION
 *	State that outlives a session, behind one interface with two
 *	backends: the embedded one (store_lmdb.c, LMDB, one file, the
 *	default) and Redis (store_redis.c, hiredis, for a fleet of MTAs
 *	sharing one limit). store.c picks the backend by the URL's scheme
 *	and dispatches through its ops table (struct rw_store_backend).
 *
 *	Every decision is ONE atomic operation on the backend (one LMDB
 *	write transaction; one Redis Lua script), running the pure
 *	arithmetic of policy/ratelimit.c and policy/greylist.c, so two
 *	daemons sharing a store hold one limit together.
 *
 *	Keys come from the policy core (rw_state_key_*(), printable ASCII,
 *	no spaces, at most RW_STATE_KEY_MAX); the backend adds the
 *	configured prefix. Every key carries an expiry, so memory stays
 *	bounded; expired entries read as absent.
 *
 *	A store handle is thread-safe and shared by all sessions. Every
 *	call returns RW_STORE_OK or RW_STORE_FAIL with the reason in err;
 *	a failure never decides mail by itself: the caller applies
 *	state_failure (accept or tempfail). Times are passed in (now_ms),
 *	so both backends are deterministic in tests.
 *
 *	URLs:
 *	    lmdb:/var/lib/relaywarden/state.lmdb
 *	    redis://[:password@]host[:port][/db]
 *	    redis+unix:/path/to/redis.sock[?db=N]
 */
#ifndef RW_STORE_H
#define RW_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rw_policy.h"

enum rw_store_rc { RW_STORE_OK = 0, RW_STORE_FAIL = -1 };

struct rw_store_opts {
	const char	*prefix;	/* prepended to every key; NULL: "rw:" */
	unsigned int	 timeout_ms;	/* per operation (Redis); 0: 200 */
	const char	*password_file;	/* Redis AUTH; NULL: none (or URL's) */
	unsigned long	 max_keys;	/* LMDB: the map is sized for this many */
};

struct rw_store;

/* each list entry of rw_store_grey_list_allowed */
typedef void rw_store_net_fn(const char *net, const struct rw_grey_entry *,
    void *arg);

/*
 * One backend: store.c's dispatch table. open() parses its own URL;
 * the others are the rw_store_* calls below without the dispatch.
 */
struct rw_store_backend {
	const char	*name;		/* "lmdb", "redis" */
	void	*(*open)(const char *url, const struct rw_store_opts *,
		    char *err, size_t errlen);
	int	 (*rate)(void *, const char *key, const struct rw_rate_spec *,
		    unsigned int n, uint64_t now_ms, bool *allowed,
		    uint64_t *retry_ms, char *err, size_t errlen);
	int	 (*concurrency)(void *, const char *key, int delta,
		    unsigned int ttl_s, long *count, char *err, size_t errlen);
	int	 (*grey)(void *, const char *triplet_key, const char *net_key,
		    const struct rw_grey_spec *, uint64_t now_ms,
		    enum rw_grey_state *, unsigned int *wait_s,
		    bool *net_allowlisted, char *err, size_t errlen);
	int	 (*grey_show)(void *, const char *triplet_key,
		    struct rw_grey_entry *, bool *found, char *err,
		    size_t errlen);
	int	 (*grey_clear)(void *, const char *triplet_key, char *err,
		    size_t errlen);
	int	 (*grey_list_allowed)(void *, const struct rw_grey_spec *,
		    uint64_t now_ms, rw_store_net_fn *, void *arg, char *err,
		    size_t errlen);
	void	 (*close)(void *);
};

/*
 * The backends. store_redis.c adds its rw_store_redis here, declared
 * under #ifdef RW_HAVE_REDIS (configure defines it when hiredis is found);
 * store.c already dispatches "redis://" and "redis+unix:" to it then.
 */
extern const struct rw_store_backend rw_store_lmdb;

/*
 * rw_store_open - open the store a URL names.
 * @return	a handle, or NULL with the reason in err (unknown scheme,
 *		bad URL, backend not built in, cannot open)
 */
struct rw_store *rw_store_open(const char *url, const struct rw_store_opts *,
	    char *err, size_t errlen);
/* rw_store_backend_name - "lmdb" or "redis" */
const char *rw_store_backend_name(const struct rw_store *);
/* rw_store_failures - calls that failed since open (for the log) */
unsigned long rw_store_failures(const struct rw_store *);

/*
 * rw_store_rate - one event of cost n against a rate key (rw_gcra).
 * *allowed false: over the limit, *retry_ms until it would pass.
 */
int	rw_store_rate(struct rw_store *, const char *key,
	    const struct rw_rate_spec *, unsigned int n, uint64_t now_ms,
	    bool *allowed, uint64_t *retry_ms, char *err, size_t errlen);
/*
 * rw_store_concurrency - add delta (+1 at connect, -1 at close) to a
 * counter, never below 0; *count is the new value. The key lives ttl_s
 * after its last change, so the counts of a daemon that crashed fade.
 */
int	rw_store_concurrency(struct rw_store *, const char *key, int delta,
	    unsigned int ttl_s, long *count, char *err, size_t errlen);
/* rw_store_grey - one recipient's greylist decision (rw_grey_decide) */
int	rw_store_grey(struct rw_store *, const char *triplet_key,
	    const char *net_key, const struct rw_grey_spec *, uint64_t now_ms,
	    enum rw_grey_state *, unsigned int *wait_s, bool *net_allowlisted,
	    char *err, size_t errlen);
/* for relaywarden-query: show and clear a triplet */
int	rw_store_grey_show(struct rw_store *, const char *triplet_key,
	    struct rw_grey_entry *, bool *found, char *err, size_t errlen);
int	rw_store_grey_clear(struct rw_store *, const char *triplet_key,
	    char *err, size_t errlen);
/*
 * rw_store_grey_list_allowed - call each() for every auto-allowlisted
 * network (rw_grey_net_allowed() now); net is the key without the
 * store's prefix and without "greynet:".
 */
int	rw_store_grey_list_allowed(struct rw_store *,
	    const struct rw_grey_spec *, uint64_t now_ms, rw_store_net_fn *each,
	    void *arg, char *err, size_t errlen);
void	rw_store_close(struct rw_store *);

#endif /* RW_STORE_H */
