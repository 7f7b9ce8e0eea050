/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	store - the state store's front: pick a backend, dispatch to it
 * DESCRIPTION
 *	See store.h. rw_store_open() chooses the backend by the URL's
 *	scheme ("lmdb:", "redis://", "redis+unix:"), lets it parse the rest,
 *	and wraps its handle. The other calls only dispatch, after clearing
 *	err and the outputs, so that a backend that fails without saying
 *	why still gives a usable message.
 */
#include "config.h"

#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rw_store {
	const struct rw_store_backend *be;
	void	*h;
	unsigned long failures;		/* atomic */
};

/* backend_for - the backend of a URL's scheme, or NULL */
static const struct rw_store_backend *
backend_for(const char *url, char *err, size_t errlen)
{
	if (strncmp(url, "lmdb:", 5) == 0)
		return &rw_store_lmdb;
	if (strncmp(url, "redis://", 8) == 0 ||
	    strncmp(url, "redis+unix:", 11) == 0) {
#ifdef RW_HAVE_REDIS
		return &rw_store_redis;
#else
		snprintf(err, errlen, "%.100s: built without Redis support "
		    "(hiredis)", url);
		return NULL;
#endif
	}
	snprintf(err, errlen, "%.100s: unknown store (lmdb:/path, "
	    "redis://host:port/db, redis+unix:/path)", url);
	return NULL;
}

/* rw_store_open - open the store a URL names */
struct rw_store *
rw_store_open(const char *url, const struct rw_store_opts *opts, char *err,
    size_t errlen)
{
	const struct rw_store_backend *be;
	struct rw_store *st;

	if (errlen > 0)
		err[0] = '\0';
	if ((be = backend_for(url, err, errlen)) == NULL)
		return NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	st->be = be;
	if ((st->h = be->open(url, opts, err, errlen)) == NULL) {
		if (errlen > 0 && err[0] == '\0')
			snprintf(err, errlen, "%s: cannot open", be->name);
		free(st);
		return NULL;
	}
	return st;
}

const char *
rw_store_backend_name(const struct rw_store *st)
{
	return st->be->name;
}

/* failed - a backend's failure, counted, with a reason even if it gave none */
static int
failed(struct rw_store *st, int rc, char *err, size_t errlen)
{
	if (rc == RW_STORE_OK)
		return RW_STORE_OK;
	__atomic_add_fetch(&st->failures, 1, __ATOMIC_RELAXED);
	if (errlen > 0 && err[0] == '\0')
		snprintf(err, errlen, "%s: failed", st->be->name);
	return RW_STORE_FAIL;
}

/* rw_store_failures - failed calls since open */
unsigned long
rw_store_failures(const struct rw_store *st)
{
	return __atomic_load_n(&st->failures, __ATOMIC_RELAXED);
}

int
rw_store_rate(struct rw_store *st, const char *key,
    const struct rw_rate_spec *spec, unsigned int n, uint64_t now_ms,
    bool *allowed, uint64_t *retry_ms, char *err, size_t errlen)
{
	if (errlen > 0)
		err[0] = '\0';
	*allowed = true;
	*retry_ms = 0;
	return failed(st, st->be->rate(st->h, key, spec, n, now_ms, allowed,
	    retry_ms, err, errlen), err, errlen);
}

int
rw_store_concurrency(struct rw_store *st, const char *key, int delta,
    unsigned int ttl_s, long *count, char *err, size_t errlen)
{
	if (errlen > 0)
		err[0] = '\0';
	*count = 0;
	return failed(st, st->be->concurrency(st->h, key, delta, ttl_s, count,
	    err, errlen), err, errlen);
}

int
rw_store_grey(struct rw_store *st, const char *triplet_key,
    const char *net_key, const struct rw_grey_spec *spec, uint64_t now_ms,
    enum rw_grey_state *state, unsigned int *wait_s, bool *net_allowlisted,
    char *err, size_t errlen)
{
	if (errlen > 0)
		err[0] = '\0';
	*state = RW_GREY_KNOWN;
	*wait_s = 0;
	*net_allowlisted = false;
	return failed(st, st->be->grey(st->h, triplet_key, net_key, spec,
	    now_ms, state, wait_s, net_allowlisted, err, errlen), err, errlen);
}

int
rw_store_grey_show(struct rw_store *st, const char *triplet_key,
    struct rw_grey_entry *e, bool *found, char *err, size_t errlen)
{
	if (errlen > 0)
		err[0] = '\0';
	memset(e, 0, sizeof(*e));
	*found = false;
	return failed(st, st->be->grey_show(st->h, triplet_key, e, found, err,
	    errlen), err, errlen);
}

int
rw_store_grey_clear(struct rw_store *st, const char *triplet_key, char *err,
    size_t errlen)
{
	if (errlen > 0)
		err[0] = '\0';
	return failed(st, st->be->grey_clear(st->h, triplet_key, err, errlen),
	    err, errlen);
}

int
rw_store_grey_list_allowed(struct rw_store *st, const struct rw_grey_spec *g,
    uint64_t now_ms, rw_store_net_fn *each, void *arg, char *err,
    size_t errlen)
{
	if (errlen > 0)
		err[0] = '\0';
	return failed(st, st->be->grey_list_allowed(st->h, g, now_ms, each, arg,
	    err, errlen), err, errlen);
}

void
rw_store_close(struct rw_store *st)
{
	if (st == NULL)
		return;
	st->be->close(st->h);
	free(st);
}
