/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	spfdns.h - libspf2 DNS layer over an rw_spf_source (spf.c internal)
 */
#ifndef RW_SPFDNS_H
#define RW_SPFDNS_H

#include <spf2/spf.h>
#include <spf2/spf_dns.h>

#include "spf.h"

/* What one evaluation's lookups saw; lives on the evaluating thread's stack. */
struct rw_spf_eval {
	struct timespec	 deadline;
	unsigned int	 lookups;	/* DNS queries made */
	unsigned int	 void_lookups;	/* NXDOMAIN/NODATA answers, RFC 7208 4.6.4 */
	bool		 temperror;	/* a lookup failed temporarily */
	bool		 permerror;	/* a record or name we refuse */
	char		 why[RW_REASON_MAX];
	char		 top_domain[RW_HOSTNAME_MAX + 1];
	bool		 top_has_record;	/* an SPF record was found for it */
};

SPF_dns_server_t *rw_spfdns_new(const struct rw_spf_source *);
void	rw_spfdns_free(SPF_dns_server_t *);
/* rw_spfdns_begin/end - bind an evaluation to the calling thread */
void	rw_spfdns_begin(struct rw_spf_eval *);
void	rw_spfdns_end(void);

#endif /* RW_SPFDNS_H */
