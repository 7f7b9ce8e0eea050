/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	stages.h - one SMTP session driven through facts, gatherers and checks
 * DESCRIPTION
 *	The sequence both the milter and relaywarden-query follow at every
 *	stage, end of header, end of message and abort included:
 *
 *	    record what the MTA gave (the policy session's facts)
 *	    -> start the gatherers the new facts make possible
 *	    -> await the gatherers whose facts this stage's verdict needs
 *	    -> decide once (rw_session_decide: the checks of the stage)
 *
 *	Gatherers collect facts from outside the policy core: DNS lookups
 *	(dnsfacts.c, started at connect, HELO and MAIL, awaited at
 *	dns_verdict_stage) and SPF (spf.c, evaluated when its identity is
 *	known), and the state store (store.h: rate limits and greylisting,
 *	asked just before the verdicts of CONNECT, MAIL and RCPT, after the
 *	DNS facts it may need). The content stage is a gatherer too: while
 *	the session's policy has content checks (rw_content_needs), the
 *	header lines and body chunks are kept (msgbuf.h, bounded by
 *	content_scan_max and the process's content_memory_max); at end of
 *	message the "content" gatherer reads them as MIME (mime.h) into
 *	the session's struct rw_message and records it, and the "uri"
 *	gatherer (URI block list lookups) starts and awaits its lookups
 *	before the end of message verdict. mlfi.c only adds libmilter
 *	around these calls, so the query tool answers with the very
 *	sequence that decides real mail.
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
#include "msgbuf.h"
#include "rw_policy.h"

struct rw_resolver;
struct rw_probes;
struct rw_poolkick;
struct rw_psl_lazy;
struct rw_spf;
struct rw_store;

struct rw_services {
	struct rw_resolver	*resolver;	/* dns.c */
	struct rw_probes	*probes;	/* probe.c; NULL: none */
	struct rw_spf		*spf;		/* spf.c */
	struct rw_store		*store;		/* store.c; NULL: none opened */
	struct rw_psl_lazy	*psl;		/* urifacts.c, made on first use;
						   NULL: the built-in list */
	struct rw_poolkick	*kick;		/* poolkick.c; NULL: none */
};

#define RW_STAGES_CONC_MAX	4	/* concurrency keys held per session */

struct rw_stages_content;	/* stages.c's */

struct rw_stages {
	const struct rw_config	*cfg;
	const struct rw_daemon_conf *daemon;	/* resolver settings */
	const struct rw_services *svc;		/* NULL: no network */
	struct rw_session	 s;
	struct rw_dns_session	 ds;
	bool			 network;	/* svc != NULL: DNS, SPF */
	bool			 helo_decided;	/* the HELO stage was decided */
	bool			 nomem;		/* a gatherer ran out of memory */
	bool			 collect;	/* the policy has content checks */
	bool			 msg_nomem;	/* this message lost bytes or facts
						   to a failed allocation */
	char			 qid[32];	/* for log lines (Postfix's long
						   ids are 15-17 characters) */
	/* {client_resolve}, only while rw_stages_connect() runs */
	const char		*mta_resolve;
	/* concurrency counters this session raised, lowered at release
	 * (RW_STAGES_CONC_MAX keys, allocated on first use) */
	char			(*conc)[RW_STATE_KEY_MAX + 1];
	size_t			 nconc;
	/*
	 * content: kept from MAIL to the end of the message, allocated at
	 * MAIL only when the policy has content checks (176 bytes that a
	 * held session of any other policy does without)
	 */
	struct rw_stages_content *content;	/* NULL: no message kept */
};

void	rw_stages_init(struct rw_stages *, const struct rw_config *,
	    const struct rw_daemon_conf *, const struct rw_services *);
/* mta_host: macro j; mta_resolve: {client_resolve}; server_addr:
 * {daemon_addr} or {if_addr}; any may be NULL */
enum rw_action rw_stages_connect(struct rw_stages *, const char *addr,
	    const char *name, const char *mta_host, const char *mta_resolve,
	    const char *server_addr, struct rw_verdict *);
/*
 * rw_stages_helo_record - HELO that the MTA was told needs no reply
 * (SMFIP_NR_HELO: no check of the policy runs at HELO): the name is
 * recorded and its lookups start; the HELO stage is decided at the next
 * MAIL, as for a client that gave no HELO, should a reload have put a
 * check there in between
 */
void	rw_stages_helo_record(struct rw_stages *, const char *helo);
enum rw_action rw_stages_helo(struct rw_stages *, const char *helo,
	    struct rw_verdict *);
enum rw_action rw_stages_mail(struct rw_stages *, const char *sender,
	    const char *auth_user, struct rw_verdict *);
enum rw_action rw_stages_rcpt(struct rw_stages *, const char *rcpt,
	    struct rw_verdict *);
/*
 * rw_stages_rcpt_refused - the MTA refused a recipient itself and told us
 * (SMFIP_RCPT_REJ, {rcpt_mailer} = error): it counts for the refused
 * limits; no verdict.
 */
void	rw_stages_rcpt_refused(struct rw_stages *, const char *rcpt);
/*
 * rw_stages_header - one header of the message (recorded, no verdict;
 * kept for the content checks when the policy has any)
 */
void	rw_stages_header(struct rw_stages *, const char *name, const char *value);
/*
 * rw_stages_body - a chunk of the body, kept for the content checks (up
 * to content_scan_max; the cap is logged once per message); nothing
 * when the session's policy has no content checks
 */
void	rw_stages_body(struct rw_stages *, const void *chunk, size_t len);
/* rw_stages_collecting - this session keeps the message's bytes */
bool	rw_stages_collecting(const struct rw_stages *);
enum rw_action rw_stages_eoh(struct rw_stages *, struct rw_verdict *);
/*
 * rw_stages_eom - the end-of-message verdict. The message kept (if any)
 * is read as MIME and recorded first. Unless it refuses, the caller
 * then applies rw_stages_header_next()'s edits and the quarantine
 * (rw_stages_quarantine). Either way it ends with rw_stages_end().
 */
enum rw_action rw_stages_eom(struct rw_stages *, struct rw_verdict *);
/* rw_stages_rule_hits - the content rules that matched at end of message */
const struct rw_rule_hit *rw_stages_rule_hits(const struct rw_stages *,
	    size_t *n);
/*
 * rw_stages_hitline - the log line of one rule hit (qid not included):
 * rule=NAME line=N where=... action=... dryrun=yes|no matched="..."
 */
void	rw_stages_hitline(const struct rw_stages *, const struct rw_rule_hit *,
	    char *buf, size_t len);
/* rw_stages_quarantine - a quarantine was decided: its reason in buf */
bool	rw_stages_quarantine(const struct rw_stages *, char *buf, size_t len);
/* rw_stages_message - the message as read at end of message; NULL: none */
const struct rw_message *rw_stages_message(const struct rw_stages *);
bool	rw_stages_header_next(const struct rw_stages *, size_t *cursor,
	    struct rw_header_edit *);
/* rw_stages_end - the transaction is over (end of message, RSET, abort) */
void	rw_stages_end(struct rw_stages *);

/* rw_stages_set_qid - the MTA's queue id, for log lines */
void	rw_stages_set_qid(struct rw_stages *, const char *qid);
const char *rw_stages_qid(const struct rw_stages *);
/* rw_stages_facts - what was recorded and gathered so far (read only) */
const struct rw_facts *rw_stages_facts(const struct rw_stages *);
/* rw_stages_logline - the one log line for a verdict (qid not included) */
void	rw_stages_logline(const struct rw_stages *, enum rw_stage,
	    const struct rw_verdict *, char *buf, size_t len);
/* rw_stages_release - the session is over: lower its concurrency counts */
void	rw_stages_release(struct rw_stages *);
/*
 * rw_stages_nomem - an allocation failed in this session: its stages
 * answer TEMPFAIL (check "internal"); the milter gives on_internal_error
 */
bool	rw_stages_nomem(const struct rw_stages *);

#endif /* RW_STAGES_H */
