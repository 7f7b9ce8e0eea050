/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	probe.h - block list health: RFC 5782 test points, list errors
 */
#ifndef RW_PROBE_H
#define RW_PROBE_H

#include <stdbool.h>
#include <stdint.h>

/* rw_probe_start - the prober thread (uses the current snapshot each round) */
bool	rw_probe_start(void);
void	rw_probe_stop(void);
/* rw_probe_suspended - the zone failed its last probe */
bool	rw_probe_suspended(const char *zone);
/* rw_probe_list_error - a 127.255.255.x answer: log loudly, count */
void	rw_probe_list_error(const char *zone, uint32_t answer, const char *qid,
	    const char *client);
unsigned long rw_probe_list_errors(void);

#endif /* RW_PROBE_H */
