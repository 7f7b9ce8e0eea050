/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	store_redis.h - the Redis backend's connection layer, as its
 *	operations see it
 * DESCRIPTION
 *	store_rediscon.c keeps the connections (URL, password, pool,
 *	deadlines, backoff); store_redis.c the scripts and the operations
 *	of rw_store_redis. Only those two include this header.
 *
 *	rw_store_redis_conn_open() parses a redis:// or redis+unix: URL and
 *	reads opts->password_file; it connects to nothing yet. scripts[] (with
 *	their names, for messages) are loaded on every new connection and
 *	must outlive the handle.
 *
 *	rw_store_redis_call() runs one command, or with script >= 0 that
 *	script: argv[0] and argv[1] are then filled in (EVALSHA and the SHA,
 *	or EVAL and the text after NOSCRIPT), the caller gives the rest from
 *	argv[2] (numkeys, keys, arguments). Within budget_ms. RW_STORE_OK
 *	with the reply in *out (the caller frees it; never an error reply),
 *	or RW_STORE_FAIL with the reason in err.
 */
#ifndef RW_STORE_REDIS_H
#define RW_STORE_REDIS_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "store.h"

#define RW_REDIS_PREFIX_MAX	64	/* state_prefix */
#define RW_REDIS_SCRIPTS_MAX	4

struct rw_store_redis;

struct rw_store_redis *rw_store_redis_conn_open(const char *url,
	    const struct rw_store_opts *, const char *const *scripts,
	    const char *const *names, int nscripts, char *err, size_t errlen);
void	rw_store_redis_conn_close(struct rw_store_redis *);
int	rw_store_redis_call(struct rw_store_redis *, int script,
	    unsigned int budget_ms, int argc, const char **argv, size_t *lens,
	    redisReply **out, char *err, size_t errlen);
/* rw_store_redis_where - "127.0.0.1:6379/0", "unix:/path/0", for messages */
const char *rw_store_redis_where(const struct rw_store_redis *);
const char *rw_store_redis_prefix(const struct rw_store_redis *);
/* rw_store_redis_timeout - state_timeout in ms */
unsigned int rw_store_redis_timeout(const struct rw_store_redis *);

#endif /* RW_STORE_REDIS_H */
