/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	msgbuf - the message's bytes kept for the content stage, bounded
 * DESCRIPTION
 *	See msgbuf.h. Growth asks the budget first (an atomic add, given
 *	back at once when it would pass the bound), then realloc(); a
 *	refused doubling is retried for exactly the room the bytes at hand
 *	need, so a nearly spent budget still takes small messages whole.
 *	Past the limit, the budget or a failed allocation, the buffer keeps
 *	what it has and drops the rest: the status is reported once, the
 *	first time, so the caller logs one line per message.
 */
#include "config.h"

#include "msgbuf.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_size_t msgbuf_budget;	/* bytes; 0: no bound */
static atomic_size_t msgbuf_used;	/* bytes allocated by all buffers */

/* rw_msgbuf_set_budget - the bound of all buffers together */
void
rw_msgbuf_set_budget(size_t max)
{
	atomic_store(&msgbuf_budget, max);
}

/* rw_msgbuf_budget_used - bytes held now */
size_t
rw_msgbuf_budget_used(void)
{
	return atomic_load(&msgbuf_used);
}

/* budget_take - count n more bytes; false when that passes the budget */
static bool
budget_take(size_t n)
{
	size_t	max = atomic_load(&msgbuf_budget);
	size_t	was = atomic_fetch_add(&msgbuf_used, n);

	if (max == 0 || (was <= max && n <= max - was))
		return true;
	atomic_fetch_sub(&msgbuf_used, n);
	return false;
}

/* budget_give - n bytes are free again */
static void
budget_give(size_t n)
{
	atomic_fetch_sub(&msgbuf_used, n);
}

/* rw_msgbuf_init - inactive and empty */
void
rw_msgbuf_init(struct rw_msgbuf *mb)
{
	memset(mb, 0, sizeof(*mb));
}

/* rw_msgbuf_begin - collect a new message */
void
rw_msgbuf_begin(struct rw_msgbuf *mb, size_t limit)
{
	rw_msgbuf_release(mb);
	mb->limit = limit;
	mb->active = true;
}

/* msgbuf_grow - room for need bytes in all (need <= limit); a status */
static enum rw_msgbuf_status
msgbuf_grow(struct rw_msgbuf *mb, size_t need)
{
	size_t	want, extra;
	char	*p;

	want = mb->cap > 0 ? mb->cap : RW_MSGBUF_FIRST;
	while (want < need && want <= mb->limit / 2)
		want *= 2;
	if (want < need || want > mb->limit)
		want = mb->limit;	/* need <= limit: the caller clips */
	extra = want - mb->cap;
	if (!budget_take(extra)) {	/* not the doubling: just the bytes? */
		want = need;
		extra = want - mb->cap;
		if (!budget_take(extra))
			return RW_MSGBUF_BUDGET;
	}
	if ((p = realloc(mb->buf, want)) == NULL) {
		budget_give(extra);
		return RW_MSGBUF_NOMEM;
	}
	mb->buf = p;
	mb->cap = want;
	return RW_MSGBUF_OK;
}

/* msgbuf_put - keep what fits of n bytes; a status the first time only */
static enum rw_msgbuf_status
msgbuf_put(struct rw_msgbuf *mb, const void *data, size_t n)
{
	enum rw_msgbuf_status st = RW_MSGBUF_OK;
	size_t	keep = n;

	if (!mb->active)
		return RW_MSGBUF_OK;
	mb->offered += n;
	if (mb->truncated || n == 0)
		return RW_MSGBUF_OK;	/* already reported */
	if (mb->len + keep > mb->limit) {
		keep = mb->limit - mb->len;
		st = RW_MSGBUF_CAPPED;
	}
	if (mb->len + keep > mb->cap) {
		enum rw_msgbuf_status g = msgbuf_grow(mb, mb->len + keep);

		if (g != RW_MSGBUF_OK) {
			keep = mb->cap - mb->len;	/* what still fits */
			st = g;
		}
	}
	if (keep > 0)
		memcpy(mb->buf + mb->len, data, keep);
	mb->len += keep;
	if (st != RW_MSGBUF_OK) {
		mb->truncated = true;
		mb->budget_short = st == RW_MSGBUF_BUDGET;
		mb->nomem = st == RW_MSGBUF_NOMEM;
	}
	return st;
}

/* worst - the status to report of two: the first that is not OK */
static enum rw_msgbuf_status
worst(enum rw_msgbuf_status a, enum rw_msgbuf_status b)
{
	return a != RW_MSGBUF_OK ? a : b;
}

/* rw_msgbuf_header - "Name: value\r\n" */
enum rw_msgbuf_status
rw_msgbuf_header(struct rw_msgbuf *mb, const char *name, const char *value)
{
	enum rw_msgbuf_status st;

	if (!mb->active || mb->in_body)
		return RW_MSGBUF_OK;	/* no header after the body */
	st = msgbuf_put(mb, name, strlen(name));
	st = worst(st, msgbuf_put(mb, ": ", 2));
	st = worst(st, msgbuf_put(mb, value, strlen(value)));
	return worst(st, msgbuf_put(mb, "\r\n", 2));
}

/* rw_msgbuf_end_header - the empty line, once */
enum rw_msgbuf_status
rw_msgbuf_end_header(struct rw_msgbuf *mb)
{
	if (!mb->active || mb->in_body)
		return RW_MSGBUF_OK;
	mb->in_body = true;
	return msgbuf_put(mb, "\r\n", 2);
}

/* rw_msgbuf_body - a chunk of the body */
enum rw_msgbuf_status
rw_msgbuf_body(struct rw_msgbuf *mb, const void *chunk, size_t len)
{
	enum rw_msgbuf_status st = rw_msgbuf_end_header(mb);

	return worst(st, msgbuf_put(mb, chunk, len));
}

/* rw_msgbuf_finish - the header closed, if the MTA sent no body */
enum rw_msgbuf_status
rw_msgbuf_finish(struct rw_msgbuf *mb)
{
	return rw_msgbuf_end_header(mb);
}

/* rw_msgbuf_release - the room and its budget back */
void
rw_msgbuf_release(struct rw_msgbuf *mb)
{
	if (mb->cap > 0)
		budget_give(mb->cap);
	free(mb->buf);
	memset(mb, 0, sizeof(*mb));
}
