/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	deadline.h - absolute deadlines on the monotonic clock
 * DESCRIPTION
 *	rw_deadline_set() makes "now + ms" on CLOCK_MONOTONIC, the clock
 *	every bounded wait in relaywarden (DNS lookups, SPF evaluations,
 *	probes) uses: pthread condition variables are set to it, so a
 *	change of the wall clock neither shortens nor stretches a wait.
 */
#ifndef RW_DEADLINE_H
#define RW_DEADLINE_H

#include <time.h>

/* rw_deadline_set - *ts = now + ms, CLOCK_MONOTONIC */
void	rw_deadline_set(struct timespec *ts, unsigned int ms);

#endif /* RW_DEADLINE_H */
