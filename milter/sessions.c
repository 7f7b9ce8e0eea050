/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	sessions - session accounting and the gates for new sessions
 * DESCRIPTION
 *	See sessions.h. Every counter is an atomic, so the callbacks of
 *	libmilter's worker threads and the main thread share them without a
 *	lock. The over-cap log line is claimed with a compare-and-swap on
 *	the time of the last line, so one thread logs per round and a burst
 *	gives one line with its count.
 */
#include "config.h"

#include <stdatomic.h>
#include <time.h>

#include "sessions.h"
#include "log.h"

static atomic_uint sessions_open;	/* counted, not yet uncounted */
static atomic_uint sessions_closed;	/* served and closed, ever */
static atomic_uint sessions_busy;	/* callbacks running now */
static atomic_bool sessions_stopping;	/* SIGTERM: refuse new work */
static atomic_uint sessions_cap;	/* from the descriptor limit; 0: none */
static atomic_uint sessions_refused;	/* over-cap refusals not yet logged */
static atomic_uint sessions_refused_stop;	/* refusals while stopping */
static atomic_llong sessions_logged;	/* monotonic seconds; 0: never */

void
rw_sessions_set_cap(unsigned int cap)
{
	atomic_store(&sessions_cap, cap);
}

void
rw_sessions_stop_accepting(void)
{
	atomic_store(&sessions_stopping, true);
}

bool
rw_sessions_stopping(void)
{
	return atomic_load(&sessions_stopping);
}

void
rw_sessions_count(void)
{
	atomic_fetch_add(&sessions_open, 1);
}

void
rw_sessions_uncount(bool closed)
{
	atomic_fetch_sub(&sessions_open, 1);
	if (closed)
		atomic_fetch_add(&sessions_closed, 1);
}

static long long
monotonic_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec;
}

/* note_over_cap - count an over-cap refusal; log at most once per
 * RW_SESSIONS_LOG_SECS, with the refusals since the last line */
static void
note_over_cap(unsigned int open, unsigned int limit, bool configured)
{
	long long now = monotonic_secs();
	long long last = atomic_load(&sessions_logged);
	unsigned int n;

	atomic_fetch_add(&sessions_refused, 1);
	if (last != 0 && now - last < RW_SESSIONS_LOG_SECS)
		return;			/* rw_sessions_log_refusals() reports it */
	if (!atomic_compare_exchange_strong(&sessions_logged, &last, now))
		return;			/* another thread logs this round */
	n = atomic_exchange(&sessions_refused, 0);
	rw_log_warn("too many sessions: %u open, limit %u (%s); %u new "
	    "session%s refused with 451 4.3.2 (at most one such line per %ds)",
	    open, limit, configured ? "max_sessions" :
	    "max_sessions = 0: from the descriptor limit", n, n == 1 ? "" : "s",
	    RW_SESSIONS_LOG_SECS);
}

/* rw_sessions_gate - serve a counted new session, or refuse it */
enum rw_gate
rw_sessions_gate(unsigned int max_sessions)
{
	unsigned int cap = atomic_load(&sessions_cap), limit, open;

	if (atomic_load(&sessions_stopping)) {
		atomic_fetch_add(&sessions_refused_stop, 1);
		return RW_GATE_STOPPING;
	}
	limit = max_sessions > 0 && (cap == 0 || max_sessions < cap) ?
	    max_sessions : cap;
	open = atomic_load(&sessions_open);
	if (limit == 0 || open <= limit)
		return RW_GATE_OPEN;
	note_over_cap(open - 1, limit, max_sessions > 0 && max_sessions == limit);
	return RW_GATE_FULL;
}

void
rw_sessions_refuse_message(void)
{
	atomic_fetch_add(&sessions_refused_stop, 1);
}

void
rw_sessions_enter(void)
{
	atomic_fetch_add(&sessions_busy, 1);
}

void
rw_sessions_leave(void)
{
	atomic_fetch_sub(&sessions_busy, 1);
}

/* rw_sessions_log_refusals - report over-cap refusals not logged yet, once
 * RW_SESSIONS_LOG_SECS have passed since the last line (or now, if final) */
void
rw_sessions_log_refusals(bool final)
{
	long long now = monotonic_secs();
	long long last = atomic_load(&sessions_logged);
	unsigned int n;

	if (atomic_load(&sessions_refused) == 0 ||
	    (!final && now - last < RW_SESSIONS_LOG_SECS))
		return;
	if (!atomic_compare_exchange_strong(&sessions_logged, &last, now))
		return;
	if ((n = atomic_exchange(&sessions_refused, 0)) > 0)
		rw_log_warn("too many sessions: %u more new session%s refused "
		    "with 451 4.3.2 in the last %llds; %u open now", n,
		    n == 1 ? "" : "s", now - last, atomic_load(&sessions_open));
}

unsigned int
rw_sessions_open(void)
{
	return atomic_load(&sessions_open);
}

unsigned int
rw_sessions_closed(void)
{
	return atomic_load(&sessions_closed);
}

unsigned int
rw_sessions_busy(void)
{
	return atomic_load(&sessions_busy);
}

unsigned int
rw_sessions_refused_at_stop(void)
{
	return atomic_load(&sessions_refused_stop);
}
