/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	dnsfacts - start a session's DNS lookups early, read them late
 * DESCRIPTION
 *	Lookups start as soon as their input is known: the client's PTR and
 *	its DNSBL/DNSWL A queries at connect, RHSBL on the HELO name at
 *	HELO, on the sender's domain at MAIL. Nothing
 *	waits until dns_verdict_stage, when rw_dnsfacts_gather() waits for
 *	all of them at once, up to dns_deadline. Then the forward lookups
 *	of the PTR names (forward confirmation) and RHSBL on the verified
 *	name necessarily follow the PTR answer; they too are bounded by the
 *	same deadline. An answer that has not arrived by then counts as a
 *	timeout for this session (a temporary error, never a 5xx).
 *
 *	Lookups cost the list operators (who limit free use by query
 *	volume) and the client its wait, so only what a configured check
 *	reads is asked: the PTR only when rdns_check is on, an
 *	rhsbl_client list or a client_access host-name entry needs the
 *	verified name; a list's TXT only after
 *	its A answer counts as a listing (it is only read for the refusal
 *	text), asked then and awaited within the same deadline. An unlisted
 *	client costs one A query per list.
 *
 *	Insiders and client_access OK clients cause no lookups at all.
 *	Answers in 127.255.255.0/24 (a list refusing our resolver) are
 *	logged loudly and ignored; the policy core ignores them too.
 */
#include "config.h"

#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsfacts.h"
#include "deadline.h"
#include "log.h"
#include "metrics.h"
#include "probe.h"

/* rw_dnsfacts_needed - any DNS check configured */
bool
rw_dnsfacts_needed(const struct rw_config *cfg)
{
	return cfg->rdns_check != RW_RDNS_OFF || cfg->ndnsbl > 0 ||
	    rw_state_wants_rdns(cfg) || cfg->nclient_names > 0;
}

static bool
wanted(const struct rw_config *cfg, const struct rw_facts *f)
{
	return rw_dnsfacts_needed(cfg) && f->client_known && !f->trusted_network &&
	    !f->client_ok;
}

/* ptr_needed - a configured check reads the client's name */
static bool
ptr_needed(const struct rw_config *cfg)
{
	size_t	i;

	if (cfg->rdns_check != RW_RDNS_OFF || rw_state_wants_rdns(cfg))
		return true;	/* greylisting: the verified PTR name */
	if (cfg->nclient_names > 0)
		return true;	/* client_access by name reads the verified name */
	for (i = 0; i < cfg->ndnsbl && i < RW_DNSBL_MAX; i++)
		if (cfg->dnsbl[i].kind == RW_BL_PTR)
			return true;
	return false;
}

/* start_list - a list's A query; the TXT comes only for a listing */
static void
start_list(struct rw_dns_session *ds, const struct rw_config *cfg, size_t i,
    const char *qname)
{
	bool	cached = false;

	rw_dns_release(ds->resolver, ds->bl_a[i]);
	rw_dns_release(ds->resolver, ds->bl_txt[i]);
	ds->bl_txt[i] = NULL;
	ds->bl_a[i] = rw_dns_lookup_cached(ds->resolver, qname, RW_T_A,
	    &cached);
	ds->bl_counted &= ~((uint64_t)1 << i);	/* a new answer to count */
	if (ds->bl_a[i] != NULL)
		rw_metrics_list_lookup(cfg->dnsbl[i].name, cached);
}

/* start_domain_lists - RHSBL lookups of one kind for a domain */
static void
start_domain_lists(struct rw_dns_session *ds, const struct rw_config *cfg,
    enum rw_dnsbl_kind kind, const char *domain)
{
	char	q[RW_HOSTNAME_MAX + 2], norm[RW_HOSTNAME_MAX + 1], err[64];
	size_t	i;

	if (domain == NULL || !rw_domain_normalize(domain, norm, sizeof(norm),
	    err, sizeof(err)) || norm[0] == '[')
		return;
	for (i = 0; i < ds->nbl; i++)
		if (cfg->dnsbl[i].kind == kind &&
		    rw_dns_domain_query(norm, cfg->dnsbl[i].zone, q, sizeof(q)))
			start_list(ds, cfg, i, q);
}

/* rw_dnsfacts_connect - PTR and client lists */
void
rw_dnsfacts_connect(struct rw_dns_session *ds, struct rw_resolver *resolver,
    struct rw_probes *probes, const struct rw_config *cfg,
    const struct rw_daemon_conf *dc, const struct rw_facts *f,
    const char *mta_resolve, const char *mta_name)
{
	char	q[RW_HOSTNAME_MAX + 2];
	size_t	i;

	memset(ds, 0, sizeof(*ds));
	ds->resolver = resolver;
	ds->probes = probes;
	if (!wanted(cfg, f))
		return;
	ds->active = true;
	if (cfg->ndnsbl > 0) {	/* one A and one TXT handle per list */
		size_t nbl = cfg->ndnsbl < RW_DNSBL_MAX ? cfg->ndnsbl : RW_DNSBL_MAX;

		ds->bl_a = calloc(2 * nbl, sizeof(*ds->bl_a));
		if (ds->bl_a == NULL) {
			ds->nomem = true;	/* the verdict stage tempfails */
			return;
		}
		ds->bl_txt = ds->bl_a + nbl;
		ds->nbl = nbl;
	}
	if (dc->use_mta_ptr && mta_name != NULL && mta_name[0] != '\0' &&
	    mta_name[0] != '[' && strcmp(mta_name, "unknown") != 0) {
		/* sendmail says how its lookup went; Postfix's name is verified */
		if (mta_resolve == NULL || strcmp(mta_resolve, "OK") == 0) {
			ds->mta_rdns = true;
			ds->mta_result = RW_RDNS_PASS;
			ds->mta_pass = true;	/* mta_name is f->client_name */
		}
	}
	if (dc->use_mta_ptr && mta_resolve != NULL && !ds->mta_rdns) {
		if (strcmp(mta_resolve, "FAIL") == 0) {
			ds->mta_rdns = true;
			ds->mta_result = RW_RDNS_NONE;
		} else if (strcmp(mta_resolve, "FORGED") == 0) {
			ds->mta_rdns = true;
			ds->mta_result = RW_RDNS_MISMATCH;
		}
	}
	if (!ds->mta_rdns && ptr_needed(cfg) &&
	    rw_dns_ptr_name(&f->client_ip, q, sizeof(q)))
		ds->ptr = rw_dns_lookup(ds->resolver, q, RW_T_PTR);
	for (i = 0; i < ds->nbl; i++)
		if (cfg->dnsbl[i].kind == RW_BL_CLIENT &&
		    rw_dns_reverse_name(&f->client_ip, cfg->dnsbl[i].zone, q, sizeof(q)))
			start_list(ds, cfg, i, q);
}

/* rw_dnsfacts_helo - RHSBL on the HELO name */
void
rw_dnsfacts_helo(struct rw_dns_session *ds, const struct rw_config *cfg,
    const struct rw_facts *f)
{
	if (ds->active)
		start_domain_lists(ds, cfg, RW_BL_HELO, f->helo);
}

/* rw_dnsfacts_mail - RHSBL on the sender's domain; a new transaction */
void
rw_dnsfacts_mail(struct rw_dns_session *ds, const struct rw_config *cfg,
    const struct rw_facts *f)
{
	struct rw_address a;

	ds->gathered = false;
	if (!ds->active)
		return;
	rw_address_parse(f->sender, &a);
	if (a.cls == RW_ADDR_PLAIN && a.domain[0] != '\0')
		start_domain_lists(ds, cfg, RW_BL_SENDER, a.domain);
}

/* start_forward - A or AAAA of each PTR name, to confirm it */
static void
start_forward(struct rw_dns_session *ds, const struct rw_facts *f)
{
	const struct rw_dns_rrset *a = rw_dns_answer(ds->resolver, ds->ptr);
	size_t	i;

	ds->fwd_started = true;
	if (a->status != RW_DNS_OK)
		return;
	for (i = 0; i < a->n && ds->nfwd < RW_PTR_MAX; i++)
		if (a->rr[i].text != NULL)
			ds->fwd[ds->nfwd++] = rw_dns_lookup(ds->resolver,
			    a->rr[i].text,
			    f->client_ip.family == AF_INET ? RW_T_A : RW_T_AAAA);
}

/* forward_result - does a PTR name resolve back to the client */
static enum rw_rdns_result
forward_result(struct rw_dns_session *ds, struct rw_facts *f, bool *nomem)
{
	const struct rw_dns_rrset *ptr = rw_dns_answer(ds->resolver, ds->ptr);
	char	name[RW_HOSTNAME_MAX + 1];
	bool	match = false, temporary = false;
	size_t	i, j, alen = f->client_ip.family == AF_INET ? 4 : 16;

	f->ptr_status = ptr->status;
	name[0] = '\0';
	if (ptr->status == RW_DNS_OK && ptr->n > 0 && ptr->rr[0].text != NULL)
		rw_strlcpy_ok(name, ptr->rr[0].text, sizeof(name));
	for (i = 0; i < ds->nfwd && !match; i++) {
		const struct rw_dns_rrset *a = rw_dns_answer(ds->resolver,
		    ds->fwd[i]);

		if (rw_dns_temporary(a->status))
			temporary = true;
		for (j = 0; j < a->n; j++)
			if (memcmp(a->rr[j].addr, f->client_ip.b, alen) == 0) {
				match = true;
				if (i < ptr->n && ptr->rr[i].text != NULL)
					rw_strlcpy_ok(name, ptr->rr[i].text,
					    sizeof(name));
				break;
			}
	}
	if (!rw_fact_set(&f->ptr_name, name))
		*nomem = true;
	return rw_rdns_evaluate(ptr->status, ptr->status == RW_DNS_OK ? ptr->n : 0,
	    match, temporary);
}

/* fill_list - one list's lookups into its fact */
static void
fill_list(struct rw_dns_session *ds, const struct rw_config *cfg, size_t i,
    struct rw_dnsbl_fact *bf, const char *qid, const char *client)
{
	const struct rw_dns_rrset *a = rw_dns_answer(ds->resolver,
	    ds->bl_a[i]);
	size_t	j;
	enum rw_bl_answer cls;
	bool	hit = false, list_error = false;

	rw_dnsbl_fact_reset(bf);	/* not asked; its TXT freed, "" */
	if (ds->bl_a[i] == NULL)
		return;
	bf->status = a->status;
	bf->suspended = rw_probe_suspended(ds->probes, cfg->dnsbl[i].zone);
	for (j = 0; j < a->n && bf->na < RW_DNSBL_A_MAX; j++) {
		uint32_t v = ((uint32_t)a->rr[j].addr[0] << 24) |
		    ((uint32_t)a->rr[j].addr[1] << 16) |
		    ((uint32_t)a->rr[j].addr[2] << 8) | a->rr[j].addr[3];

		bf->a[bf->na++] = v;
		cls = rw_dnsbl_classify(&cfg->dnsbl[i], v);
		if (cls == RW_BLA_LIST_ERROR)
			rw_probe_list_error(ds->probes, cfg->dnsbl[i].zone,
			    v, qid, client);
		hit |= cls == RW_BLA_LISTED;
		list_error |= cls == RW_BLA_LIST_ERROR;
	}
	/* each answer once, though later transactions read it again */
	if ((ds->bl_counted & ((uint64_t)1 << i)) == 0) {
		ds->bl_counted |= (uint64_t)1 << i;
		rw_metrics_list_answer(cfg->dnsbl[i].name, bf->status,
		    hit && !bf->suspended, list_error);
	}
}

/*
 * fetch_txt - the TXT reasons of the lists whose A answer counts (a
 * positive weight, a listing the filter accepts): only they can appear
 * in a refusal text. Asked now, awaited to the same deadline.
 */
static bool
fetch_txt(struct rw_dns_session *ds, const struct rw_config *cfg,
    struct rw_facts *f, const struct timespec *deadline)
{
	struct rw_dns_lookup *txt[RW_DNSBL_MAX];
	const struct rw_dns_rrset *t;
	size_t	i, j, n = 0;

	for (i = 0; i < ds->nbl; i++) {
		const struct rw_dnsbl_fact *bf = &f->bl[i];
		bool listed = false;

		if (ds->bl_a[i] == NULL || cfg->dnsbl[i].weight <= 0 ||
		    bf->suspended || bf->status != RW_DNS_OK)
			continue;
		for (j = 0; j < bf->na && !listed; j++)
			listed = rw_dnsbl_classify(&cfg->dnsbl[i], bf->a[j]) ==
			    RW_BLA_LISTED;
		if (!listed)
			continue;
		if (ds->bl_txt[i] == NULL)
			ds->bl_txt[i] = rw_dns_lookup(ds->resolver,
			    rw_dns_lookup_name(ds->bl_a[i]), RW_T_TXT);
		if (ds->bl_txt[i] != NULL)
			txt[n++] = ds->bl_txt[i];
	}
	if (n == 0)
		return true;
	rw_dns_wait(ds->resolver, txt, n, deadline);
	for (i = 0; i < ds->nbl; i++) {
		if (ds->bl_txt[i] == NULL)
			continue;
		t = rw_dns_answer(ds->resolver, ds->bl_txt[i]);
		if (t->status == RW_DNS_OK && t->n > 0 && t->rr[0].text != NULL &&
		    !rw_dnsbl_fact_txt(&f->bl[i], t->rr[0].text, t->rr[0].textlen))
			return false;
	}
	return true;
}

/* gathers - this session's DNS facts are still to be gathered (a trusted
 * or client_access OK client waits for nothing) */
static bool
gathers(const struct rw_dns_session *ds, const struct rw_facts *f)
{
	return ds->active && !ds->gathered && !f->insider && !f->client_ok;
}

/* first_wait - the lookups the gathering awaits first (the PTR, the A of
 * every list but those on the verified name) into v; their count */
static size_t
first_wait(const struct rw_dns_session *ds, const struct rw_config *cfg,
    struct rw_dns_lookup **v)
{
	size_t	i, n = 0;

	if (ds->ptr != NULL)
		v[n++] = ds->ptr;
	for (i = 0; i < ds->nbl; i++)	/* nbl > 0: bl_a was made */
		if (cfg->dnsbl[i].kind != RW_BL_PTR && ds->bl_a[i] != NULL)
			v[n++] = ds->bl_a[i];
	return n;
}

/* rw_dnsfacts_would_wait - see dnsfacts.h */
bool
rw_dnsfacts_would_wait(const struct rw_dns_session *ds,
    const struct rw_config *cfg, const struct rw_facts *f)
{
	struct rw_dns_lookup *v[RW_DNSBL_MAX + 1];
	size_t	i, n;

	if (!gathers(ds, f))
		return false;
	n = first_wait(ds, cfg, v);
	for (i = 0; i < n; i++)
		if (!rw_dns_done(ds->resolver, v[i]))
			return true;
	return false;
}

/* rw_dnsfacts_gather - wait for what the verdict needs; fill the facts */
bool
rw_dnsfacts_gather(struct rw_dns_session *ds, const struct rw_config *cfg,
    const struct rw_daemon_conf *dc, struct rw_facts *f, const char *qid)
{
	struct rw_dns_lookup *all[RW_DNSBL_MAX + RW_PTR_MAX + 1];
	struct timespec deadline;
	size_t	i, n = 0;
	bool	nomem = false;

	if (!gathers(ds, f))
		return true;
	if (ds->nomem || !rw_facts_lists(f, ds->nbl)) {
		rw_log_err("%s: out of memory for the DNS facts", qid);
		return false;
	}
	rw_deadline_set(&deadline, dc->dns_deadline_ms);
	n = first_wait(ds, cfg, all);
	rw_dns_wait(ds->resolver, all, n, &deadline);
	if (ds->ptr != NULL && !ds->fwd_started &&
	    rw_dns_done(ds->resolver, ds->ptr)) {
		start_forward(ds, f);
		rw_dns_wait(ds->resolver, ds->fwd, ds->nfwd, &deadline);
	}
	if (ds->mta_rdns) {
		f->rdns = ds->mta_result;
		f->ptr_status = ds->mta_result == RW_RDNS_NONE ? RW_DNS_NXDOMAIN : RW_DNS_OK;
		/* the MTA's verified name, as recorded at connect */
		if (!rw_fact_set(&f->ptr_name, ds->mta_pass ? f->client_name : ""))
			nomem = true;
	} else if (ds->ptr != NULL) {
		f->rdns = forward_result(ds, f, &nomem);
	}
	if (nomem) {
		rw_log_err("%s: out of memory for the DNS facts", qid);
		return false;
	}
	/* RHSBL on the verified client name needs the forward confirmation */
	if (f->rdns == RW_RDNS_PASS && f->ptr_name[0] != '\0') {
		n = 0;
		start_domain_lists(ds, cfg, RW_BL_PTR, f->ptr_name);
		for (i = 0; i < ds->nbl; i++)
			if (cfg->dnsbl[i].kind == RW_BL_PTR && ds->bl_a[i] != NULL)
				all[n++] = ds->bl_a[i];
		rw_dns_wait(ds->resolver, all, n, &deadline);
	}
	for (i = 0; i < ds->nbl; i++)
		fill_list(ds, cfg, i, &f->bl[i], qid, f->client_addr);
	if (!fetch_txt(ds, cfg, f, &deadline)) {
		rw_log_err("%s: out of memory for the DNS facts", qid);
		return false;
	}
	f->dns_ready = true;
	ds->gathered = true;
	if (rw_log_debug_on()) {	/* a name from DNS: escaped */
		char	name[RW_HOSTNAME_MAX + 1];

		rw_sanitize(name, sizeof(name), f->ptr_name);
		rw_log_debug("%s: dns client=%s ptr=%s rdns=%s name=%s", qid,
		    f->client_addr, rw_dns_status_name(f->ptr_status),
		    rw_rdns_result_name(f->rdns), name);
	}
	return true;
}

/* rw_dnsfacts_release - the session ends */
void
rw_dnsfacts_release(struct rw_dns_session *ds)
{
	size_t	i;

	rw_dns_release(ds->resolver, ds->ptr);
	for (i = 0; i < ds->nfwd; i++)
		rw_dns_release(ds->resolver, ds->fwd[i]);
	for (i = 0; i < ds->nbl; i++) {
		rw_dns_release(ds->resolver, ds->bl_a[i]);
		rw_dns_release(ds->resolver, ds->bl_txt[i]);
	}
	free(ds->bl_a);
	memset(ds, 0, sizeof(*ds));
}
