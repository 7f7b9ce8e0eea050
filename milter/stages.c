/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	stages - the per-stage sequence shared by the milter and the query tool
 * DESCRIPTION
 *	See stages.h. SPF is evaluated when its identity is known (HELO at
 *	HELO, MAIL FROM at MAIL) and only for clients it applies to: known
 *	address, not an insider, not client_access OK. Its verdict is given
 *	at MAIL by the policy (policy/spf.c). DNS facts are gathered once
 *	per transaction at dns_verdict_stage, bounded by dns_deadline.
 */
#include "config.h"

#include <string.h>

#include "stages.h"
#include "spf.h"

void
rw_stages_init(struct rw_stages *st, const struct rw_config *cfg,
    const struct rw_services *svc)
{
	memset(st, 0, sizeof(*st));
	st->cfg = cfg;
	st->svc = svc;
	st->network = svc != NULL;
	rw_session_init(&st->s, cfg);
}

static const char *
qid(const struct rw_stages *st)
{
	return st->qid[0] != '\0' ? st->qid : "NOQUEUE";
}

static bool
spf_applies(const struct rw_stages *st)
{
	return st->network && st->s.f.client_known && !st->s.f.insider &&
	    !st->s.f.client_ok;
}

/* gather - DNS facts are due at this stage: wait for them (bounded) */
static void
gather(struct rw_stages *st, enum rw_stage stage)
{
	if (st->network && st->cfg->dns_verdict_stage == stage)
		rw_dnsfacts_gather(&st->ds, st->cfg, &st->s.f, qid(st));
}

enum rw_action
rw_stages_connect(struct rw_stages *st, const char *addr, const char *name,
    const char *mta_resolve, struct rw_verdict *v)
{
	enum rw_action r = rw_session_connect(&st->s, addr, name, v);

	if (st->network)
		rw_dnsfacts_connect(&st->ds, st->svc->resolver, st->svc->probes,
		    st->cfg, &st->s.f, mta_resolve, name);
	if (r == RW_ACT_CONTINUE && st->cfg->dns_verdict_stage == RW_STAGE_CONNECT) {
		gather(st, RW_STAGE_CONNECT);
		r = rw_session_decide(&st->s, RW_STAGE_CONNECT, v);
	}
	return r;
}

enum rw_action
rw_stages_helo(struct rw_stages *st, const char *helo, struct rw_verdict *v)
{
	enum rw_action r = rw_session_helo(&st->s, helo, v);

	st->helo_seen = true;
	if (st->network)
		rw_dnsfacts_helo(&st->ds, st->cfg, &st->s.f);
	if (st->cfg->spf_check_helo && spf_applies(st) && st->s.f.helo[0] != '\0')
		rw_spf_check(st->svc->spf, RW_SPF_ID_HELO, st->s.f.client_addr,
		    st->s.f.helo, NULL, st->cfg->dns_deadline_ms,
		    &st->s.f.spf_helo);
	if (r == RW_ACT_CONTINUE && st->cfg->dns_verdict_stage == RW_STAGE_HELO) {
		gather(st, RW_STAGE_HELO);
		r = rw_session_decide(&st->s, RW_STAGE_HELO, v);
	}
	return r;
}

enum rw_action
rw_stages_mail(struct rw_stages *st, const char *sender, const char *auth_user,
    struct rw_verdict *v)
{
	enum rw_action r;

	/* a client that skips HELO must not skip a HELO-stage DNS verdict */
	if (st->cfg->dns_verdict_stage == RW_STAGE_HELO && !st->helo_seen) {
		st->helo_seen = true;
		gather(st, RW_STAGE_HELO);
		if ((r = rw_session_decide(&st->s, RW_STAGE_HELO, v)) != RW_ACT_CONTINUE)
			return r;
	}
	rw_session_begin_mail(&st->s, sender, auth_user);
	if (st->network)
		rw_dnsfacts_mail(&st->ds, st->cfg, &st->s.f);
	if (st->cfg->spf_check && spf_applies(st))
		rw_spf_check(st->svc->spf, RW_SPF_ID_MAILFROM,
		    st->s.f.client_addr, st->s.f.helo, st->s.f.sender,
		    st->cfg->dns_deadline_ms, &st->s.f.spf_mail);
	gather(st, RW_STAGE_MAIL);
	return rw_session_decide(&st->s, RW_STAGE_MAIL, v);
}

enum rw_action
rw_stages_rcpt(struct rw_stages *st, const char *rcpt, struct rw_verdict *v)
{
	gather(st, RW_STAGE_RCPT);
	return rw_session_rcpt(&st->s, rcpt, v);
}

void
rw_stages_release(struct rw_stages *st)
{
	rw_dnsfacts_release(&st->ds);
}
