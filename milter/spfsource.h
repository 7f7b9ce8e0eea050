/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	spfsource.h - where the SPF layer's DNS answers come from
 * DESCRIPTION
 *	struct rw_spf_source is the one interface between SPF (spf.c,
 *	spfdns.c) and DNS: a name and type in, an answer with records and
 *	an error class out, never later than the deadline. In the daemon
 *	and relaywarden-query -D it is rw_spfsource_resolver(), the c-ares
 *	resolver with its shared cache; the unit tests and the conformance
 *	runner plug in zone data instead, so spf.c and spfdns.c link
 *	without the resolver.
 */
#ifndef RW_SPFSOURCE_H
#define RW_SPFSOURCE_H

#include <stdint.h>
#include <time.h>

#include "dnsmsg.h"

/* Where DNS answers come from. lookup() fills out (status, records; the
 * caller frees them with rw_dnsmsg_clear()) and must be safe to call
 * from several threads at once. */
struct rw_spf_source {
	void	(*lookup)(void *ctx, const char *name, uint16_t type,
		    const struct timespec *deadline, struct rw_dns_answer *out);
	void	*ctx;
};

struct rw_resolver;

/* rw_spfsource_resolver - a source answering through this resolver:
 * rw_dns_lookup() and a wait bounded by the evaluation's deadline */
struct rw_spf_source rw_spfsource_resolver(struct rw_resolver *);

#endif /* RW_SPFSOURCE_H */
