/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	stages.h - one SMTP session driven through facts, lookups and checks
 * DESCRIPTION
 *	The sequence both the milter and relaywarden-query follow at each
 *	stage: record the stage's facts in the policy session, start the DNS
 *	lookups that became possible, run SPF for the identity that became
 *	known, gather the DNS facts when dns_verdict_stage is reached, then
 *	let the policy decide. mlfi.c only adds libmilter around it, so the
 *	query tool answers with the very sequence that decides real mail.
 *
 *	struct rw_services is what a session may use besides its
 *	configuration: the resolver, the prober, the SPF server. main.c
 *	(and relaywarden-query -D) makes them at start-up and passes one
 *	set to rw_stages_init() for every session; they are shared by all
 *	sessions and outlive them. NULL services: no DNS, no SPF (the
 *	query tool without -D).
 */
#ifndef RW_STAGES_H
#define RW_STAGES_H

#include "dnsfacts.h"
#include "rw_policy.h"

struct rw_resolver;
struct rw_probes;
struct rw_spf;

struct rw_services {
	struct rw_resolver	*resolver;	/* dns.c */
	struct rw_probes	*probes;	/* probe.c; NULL: none */
	struct rw_spf		*spf;		/* spf.c */
};

struct rw_stages {
	const struct rw_config	*cfg;
	const struct rw_services *svc;		/* NULL: no network */
	struct rw_session	 s;
	struct rw_dns_session	 ds;
	bool			 network;	/* svc != NULL: DNS, SPF */
	bool			 helo_seen;	/* the client said HELO/EHLO */
	char			 qid[64];	/* for log lines */
};

void	rw_stages_init(struct rw_stages *, const struct rw_config *,
	    const struct rw_services *);
enum rw_action rw_stages_connect(struct rw_stages *, const char *addr,
	    const char *name, const char *mta_resolve, struct rw_verdict *);
enum rw_action rw_stages_helo(struct rw_stages *, const char *helo,
	    struct rw_verdict *);
enum rw_action rw_stages_mail(struct rw_stages *, const char *sender,
	    const char *auth_user, struct rw_verdict *);
enum rw_action rw_stages_rcpt(struct rw_stages *, const char *rcpt,
	    struct rw_verdict *);
void	rw_stages_release(struct rw_stages *);

#endif /* RW_STAGES_H */
