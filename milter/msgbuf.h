/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	msgbuf.h - the message's bytes kept for the content stage, bounded
 * DESCRIPTION
 *	While a session's policy has content checks (rw_content_needs), the
 *	milter keeps what the MTA sends of the message: each header as
 *	"Name: value\r\n", the empty line that ends the header, then the
 *	body chunks, so that the MIME reader (mime.h) gets the message as
 *	the MTA has it. Two bounds:
 *
 *	  per message	at most `limit' bytes (content_scan_max); the rest is
 *			not kept and the buffer is marked truncated: the
 *			checks judge the prefix
 *	  per process	all the sessions' buffers together hold at most the
 *			budget (content_memory_max, rw_msgbuf_set_budget());
 *			a buffer that cannot get more room is judged on
 *			what it holds (truncated, budget_short), so a burst
 *			of large messages never stalls and never refuses
 *
 *	Room grows on demand (doubling from RW_MSGBUF_FIRST, never the
 *	limit up front) and is counted against the budget as allocated.
 *	A buffer is not locked: one session's callbacks run one at a time.
 *	The budget is a process-wide atomic, taken and given back without
 *	a lock.
 */
#ifndef RW_MSGBUF_H
#define RW_MSGBUF_H

#include <stdbool.h>
#include <stddef.h>

#define RW_MSGBUF_FIRST	16384	/* the first allocation, bytes */

struct rw_msgbuf {
	char	*buf;
	size_t	 len, cap;	/* bytes kept, bytes allocated (budgeted) */
	size_t	 limit;		/* bytes kept at most (content_scan_max) */
	size_t	 offered;	/* bytes the MTA sent, kept or not */
	bool	 active;	/* collecting for a message */
	bool	 in_body;	/* the header's empty line is written */
	bool	 truncated;	/* bytes were left out: the checks see a prefix */
	bool	 budget_short;	/* ... because the process budget was spent */
	bool	 nomem;		/* an allocation failed */
};

/* What one rw_msgbuf_add() did, for the caller's log line and metrics. */
enum rw_msgbuf_status {
	RW_MSGBUF_OK = 0,	/* kept (or already truncated: dropped quietly) */
	RW_MSGBUF_CAPPED,	/* the limit was reached now (once per message) */
	RW_MSGBUF_BUDGET,	/* the budget ran out now (once per message) */
	RW_MSGBUF_NOMEM		/* allocation failed now (once per message) */
};

/*
 * rw_msgbuf_set_budget - the process-wide bound of all buffers, bytes
 * (0: none). Set at start-up and at each reload; buffers already over a
 * lowered budget keep what they hold, they only cannot grow.
 */
void	rw_msgbuf_set_budget(size_t max);
/* rw_msgbuf_budget_used - bytes allocated now by all buffers */
size_t	rw_msgbuf_budget_used(void);

/* rw_msgbuf_init - an inactive, empty buffer (no allocation) */
void	rw_msgbuf_init(struct rw_msgbuf *);
/*
 * rw_msgbuf_begin - start collecting a message of at most limit bytes
 * (what a previous message held is released first)
 */
void	rw_msgbuf_begin(struct rw_msgbuf *, size_t limit);
/* rw_msgbuf_header - one header line, as "Name: value\r\n" */
enum rw_msgbuf_status rw_msgbuf_header(struct rw_msgbuf *, const char *name,
	    const char *value);
/* rw_msgbuf_end_header - the empty line after the header (once; implied
 * by the first body chunk and by rw_msgbuf_finish()) */
enum rw_msgbuf_status rw_msgbuf_end_header(struct rw_msgbuf *);
/* rw_msgbuf_body - a body chunk as the MTA sent it */
enum rw_msgbuf_status rw_msgbuf_body(struct rw_msgbuf *, const void *chunk,
	    size_t len);
/* rw_msgbuf_finish - end of message: the header is closed if it was not */
enum rw_msgbuf_status rw_msgbuf_finish(struct rw_msgbuf *);
/* rw_msgbuf_release - give the room back (budget too); inactive again */
void	rw_msgbuf_release(struct rw_msgbuf *);

#endif /* RW_MSGBUF_H */
