/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	deadline - "now + ms" on the monotonic clock
 * DESCRIPTION
 *	Every wait in relaywarden (DNS lookups, SPF evaluations, probes) is
 *	bounded by an absolute CLOCK_MONOTONIC deadline, so that a change of
 *	the wall clock can neither shorten nor stretch it. Kept apart so the
 *	SPF layer links without the resolver, and so the lowest modules can
 *	use it without including the resolver's header.
 */
#include "config.h"

#include "deadline.h"

/* rw_deadline_set - now + ms, monotonic */
void
rw_deadline_set(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}
