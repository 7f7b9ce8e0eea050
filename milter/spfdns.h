/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	spfdns.h - libspf2 DNS layer over an rw_spf_source (spf.c internal)
 */
#ifndef RW_SPFDNS_H
#define RW_SPFDNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <spf2/spf.h>
#include <spf2/spf_dns.h>

#include "rw_policy.h"
#include "spfsource.h"

#define RW_SPF_TERM_LIMIT	10	/* DNS-querying terms, RFC 7208 4.6.4 */
#define RW_SPF_VOID_LIMIT	2	/* void lookups, RFC 7208 4.6.4 */
#define RW_SPF_PTR_LIMIT	10	/* PTR names considered, RFC 7208 4.6.4 */
#define RW_SPF_EXP_MAX		4	/* exp= targets remembered */

/* An exp= target libspf2 chose, with the domain current at the time. */
struct rw_spf_exp {
	char	 name[1024];	/* as expanded: may need RFC 7208 7.3 cutting */
	char	 domain[RW_HOSTNAME_MAX + 1];
};

/* What one evaluation's lookups saw; owned by rw_spf_check() for its duration. */
struct rw_spf_eval {
	struct timespec	 deadline;
	struct rw_ip	 client;	/* as checked: IPv4-mapped is IPv4 */
	SPF_request_t	*req;		/* for the current domain at exp time */
	unsigned int	 lookups;	/* DNS queries made */
	unsigned int	 terms;		/* DNS-querying terms, RFC 7208 4.6.4 */
	unsigned int	 void_lookups;	/* of those, NXDOMAIN/NODATA */
	bool		 temperror;	/* a lookup failed temporarily */
	bool		 permerror;	/* a record or limit we refuse */
	bool		 top_fetched;	/* the first record lookup happened */
	char		 why[RW_REASON_MAX];
	char		 top_domain[RW_HOSTNAME_MAX + 1];
	bool		 top_has_record;	/* an SPF record was found for it */
	/* names from the last MX or PTR answer: their address lookups
	 * belong to that term, not to a new one */
	char		 sub[RW_DNS_RR_MAX][RW_HOSTNAME_MAX + 1];
	size_t		 nsub;
	bool		 sub_ptr;	/* they came from a PTR answer */
	struct rw_spf_exp exp[RW_SPF_EXP_MAX];
	size_t		 nexp;
};

SPF_dns_server_t *rw_spfdns_new(const struct rw_spf_source *);
void	rw_spfdns_free(SPF_dns_server_t *);
/* rw_spfdns_begin/end - bind an evaluation to the calling thread */
void	rw_spfdns_begin(struct rw_spf_eval *);
void	rw_spfdns_end(void);
/* rw_spfdns_exp - the exp= target named by libspf2's explanation token */
const struct rw_spf_exp *rw_spfdns_exp(const struct rw_spf_eval *,
	    const char *token);
/* rw_spfdns_ask - one lookup through the layer's source, uncounted */
void	rw_spfdns_ask(SPF_dns_server_t *, const char *name, uint16_t type,
	    const struct timespec *deadline, struct rw_dns_answer *out);

#endif /* RW_SPFDNS_H */
