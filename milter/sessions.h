/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	sessions.h - how many sessions run, and the gates that refuse new ones
 * DESCRIPTION
 *	The daemon's session accounting, shared by the libmilter callbacks
 *	(mlfi.c) and the main thread (main.c), lock-free (atomics):
 *
 *	  open	sessions being served: from the callback that creates a
 *		session's state to close (rw_sessions_count(), _uncount())
 *	  busy	callbacks running now (rw_sessions_enter(), _leave()), so
 *		that main.c frees the services only when none can use them
 *	  gates	rw_sessions_gate() at connect: while stopping (SIGTERM,
 *		rw_sessions_stop_accepting()) or over the cap (max_sessions,
 *		or when it is 0 the cap main.c derived from the descriptor
 *		limit) a new session is to be answered 451 4.3.2 at once
 *		and no longer counts. Over-cap refusals are logged at most
 *		once per RW_SESSIONS_LOG_SECS with a count; main.c reports
 *		the rest (rw_sessions_log_refusals()).
 */
#ifndef RW_SESSIONS_H
#define RW_SESSIONS_H

#include <stdbool.h>

#define RW_SESSIONS_LOG_SECS	10	/* at most one "refused" line per this */

enum rw_gate {
	RW_GATE_OPEN = 0,	/* serve it */
	RW_GATE_STOPPING,	/* the daemon is stopping: 451 4.3.2 */
	RW_GATE_FULL		/* over the session cap: 451 4.3.2 */
};

/* rw_sessions_set_cap - cap when max_sessions = 0; 0: none; before threads */
void	rw_sessions_set_cap(unsigned int cap);
/* rw_sessions_stop_accepting - from now on the gate says STOPPING */
void	rw_sessions_stop_accepting(void);
bool	rw_sessions_stopping(void);

/* rw_sessions_count - a session's state exists: it counts as open */
void	rw_sessions_count(void);
/* rw_sessions_uncount - it no longer counts; closed: it was served */
void	rw_sessions_uncount(bool closed);
/*
 * rw_sessions_gate - may a counted new session be served, given the
 * configured max_sessions (0: the derived cap)? When not, the caller
 * answers 451 4.3.2 and calls rw_sessions_uncount(false). Refusals are
 * counted (and over-cap ones logged, rate-limited) here.
 */
enum rw_gate rw_sessions_gate(unsigned int max_sessions);
/* rw_sessions_refuse_message - a new message while stopping: counted */
void	rw_sessions_refuse_message(void);

void	rw_sessions_enter(void);
void	rw_sessions_leave(void);

/* rw_sessions_log_refusals - over-cap refusals not logged yet (once per
 * RW_SESSIONS_LOG_SECS; final: now) */
void	rw_sessions_log_refusals(bool final);

unsigned int rw_sessions_open(void);	/* being served */
unsigned int rw_sessions_closed(void);	/* served and closed, since start */
unsigned int rw_sessions_busy(void);	/* callbacks running */
unsigned int rw_sessions_refused_at_stop(void);	/* sessions and messages */

#endif /* RW_SESSIONS_H */
