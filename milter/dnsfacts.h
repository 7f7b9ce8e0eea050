/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	dnsfacts.h - a session's DNS lookups, turned into policy facts
 */
#ifndef RW_DNSFACTS_H
#define RW_DNSFACTS_H

#include "daemonconf.h"
#include "dns.h"

struct rw_probes;

struct rw_dns_session {
	struct rw_resolver	*resolver;	/* NULL: lookups time out */
	struct rw_probes	*probes;	/* NULL: no list is suspended */
	struct rw_dns_lookup	*ptr;
	struct rw_dns_lookup	*fwd[RW_PTR_MAX];
	size_t			 nfwd;
	/* per configured list (nbl of them), allocated at connect when the
	 * session asks lists: most sessions hold a few, not RW_DNSBL_MAX */
	struct rw_dns_lookup	**bl_a;		/* A: the listing */
	struct rw_dns_lookup	**bl_txt;	/* TXT: only for a listing */
	size_t			 nbl;
	uint64_t		 bl_counted;	/* bit i: list i's answer is in
						   the metrics (metrics.c) */
	bool			 nomem;		/* the arrays could not be made */
	bool			 mta_rdns;	/* the MTA's verdict was used */
	enum rw_rdns_result	 mta_result;
	bool			 mta_pass;	/* the MTA verified f->client_name */
	bool			 gathered;	/* facts filled for this transaction */
	bool			 active;	/* any lookups for this session */
	bool			 fwd_started;	/* the PTR names' A lookups began */
};

/* rw_dnsfacts_connect - start PTR and client list lookups; the session
 * keeps the resolver and prober for its later stages. mta_name is the
 * facts' client_name: with use_mta_ptr, the gathering reads it there */
void	rw_dnsfacts_connect(struct rw_dns_session *, struct rw_resolver *,
	    struct rw_probes *, const struct rw_config *,
	    const struct rw_daemon_conf *, const struct rw_facts *,
	    const char *mta_resolve, const char *mta_name);
/* rw_dnsfacts_helo - start rhsbl_helo lookups */
void	rw_dnsfacts_helo(struct rw_dns_session *, const struct rw_config *,
	    const struct rw_facts *);
/* rw_dnsfacts_mail - start rhsbl_sender lookups for this transaction */
void	rw_dnsfacts_mail(struct rw_dns_session *, const struct rw_config *,
	    const struct rw_facts *);
/* rw_dnsfacts_gather - wait (up to dns_deadline) and fill the facts;
 * false when out of memory (the stage must tempfail) */
bool	rw_dnsfacts_gather(struct rw_dns_session *, const struct rw_config *,
	    const struct rw_daemon_conf *, struct rw_facts *, const char *qid);
/* rw_dnsfacts_would_wait - rw_dnsfacts_gather() would wait now: a
 * lookup it awaits first (PTR, the client and sender lists) is still
 * unanswered */
bool	rw_dnsfacts_would_wait(const struct rw_dns_session *,
	    const struct rw_config *, const struct rw_facts *);
void	rw_dnsfacts_release(struct rw_dns_session *);
/* rw_dnsfacts_needed - does this configuration do any DNS check */
bool	rw_dnsfacts_needed(const struct rw_config *);

#endif /* RW_DNSFACTS_H */
