/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	probe.h - block list health: RFC 5782 test points, list errors
 */
#ifndef RW_PROBE_H
#define RW_PROBE_H

#include <stdbool.h>
#include <stdint.h>

struct rw_probes;
struct rw_resolver;

/* rw_probe_start - the prober and its thread, asking through the resolver
 * (it reads the current snapshot each round); NULL: cannot */
struct rw_probes *rw_probe_start(struct rw_resolver *);
/* rw_probe_stop - end the thread and free the prober; NULL: nothing */
void	rw_probe_stop(struct rw_probes *);
/* rw_probe_suspended - the zone failed its last probe; NULL prober: no */
bool	rw_probe_suspended(struct rw_probes *, const char *zone);
/* rw_probe_list_error - a 127.255.255.x answer: log loudly, count (unless
 * the prober is NULL) */
void	rw_probe_list_error(struct rw_probes *, const char *zone,
	    uint32_t answer, const char *qid, const char *client);
unsigned long rw_probe_list_errors(struct rw_probes *);

#endif /* RW_PROBE_H */
