/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	urifacts - a message's URI list lookups, in parallel, to a deadline
 * DESCRIPTION
 *	At the end of the message the policy core has the message as read
 *	(f->msg, its URLs normalised). rw_urifacts_gather() takes its lookup
 *	subjects (rw_uribl_subjects: registered domains by the Public Suffix
 *	List, IP hosts; at most uribl_max_lookups), starts every (subject,
 *	list) A query at once through the resolver of milter/dns.c (the
 *	cache and the in-flight sharing every session uses), and waits for
 *	all of them together, never past dns_deadline: a message with many
 *	links costs one deadline, not one per link. An answer missing then
 *	is a timeout for this message (a temporary error: the policy
 *	tempfails only when it could change the outcome, never a 5xx).
 *
 *	Each answer is merged into its list's fact (rw_uribl_record). A
 *	list's TXT is asked only for a listing that counts (it is read only
 *	for the refusal text), within the same deadline, as dnsfacts.c does.
 *	Answers in 127.255.255.0/24 are logged loudly (probe.c) and ignored.
 *	A list suspended by its RFC 5782 probe is not asked. Every lookup
 *	and answer is counted in the list's metrics under its display name.
 *
 *	Only what a configured check reads is asked: nothing without URI
 *	lists, for a message without URLs, or for insiders and client_access
 *	OK clients (they are not judged).
 *
 *	The Public Suffix List (the newer of libpsl's built-in copy and the
 *	system's file) is made the first time a message's URLs are looked
 *	up, under its own lock, and then shared read-only by all sessions:
 *	loading it touches about 60 KB, which a daemon without URI
 *	lists never pays.
 */
#include "config.h"

#include "urifacts.h"

#include <libpsl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "log.h"
#include "metrics.h"
#include "probe.h"

struct rw_psl_lazy {
	pthread_mutex_t		 lock;
	bool			 tried;		/* psl_latest() was called */
	struct psl_ctx_st	*psl;		/* NULL: the built-in copy */
};

struct rw_psl_lazy *
rw_urifacts_psl_new(void)
{
	struct rw_psl_lazy *z = calloc(1, sizeof(*z));

	if (z != NULL)
		pthread_mutex_init(&z->lock, NULL);
	return z;
}

void
rw_urifacts_psl_free(struct rw_psl_lazy *z)
{
	if (z == NULL)
		return;
	if (z->psl != NULL)
		psl_free(z->psl);
	pthread_mutex_destroy(&z->lock);	/* tsan.supp: no thread left */
	free(z);
}

/* psl_get - the list, made on the first call; NULL: the built-in one */
static const struct psl_ctx_st *
psl_get(struct rw_psl_lazy *z)
{
	const struct psl_ctx_st *psl;

	if (z == NULL)
		return NULL;
	pthread_mutex_lock(&z->lock);
	if (!z->tried) {
		z->tried = true;
		/* NULL: the distribution's file, if newer than the built-in */
		z->psl = psl_latest(NULL);
		rw_log_info("uribl: Public Suffix List made for the URI lists%s",
		    z->psl != NULL ? "" : " (libpsl's built-in copy)");
	}
	psl = z->psl;
	pthread_mutex_unlock(&z->lock);
	return psl;
}

/* a_answers - the A records of an answer, host order */
static size_t
a_answers(const struct rw_dns_rrset *a, uint32_t *out, size_t max)
{
	size_t	i, n = 0;

	if (a->status != RW_DNS_OK)
		return 0;
	for (i = 0; i < a->n && n < max; i++)
		if (a->rr[i].type == RW_T_A)
			out[n++] = ((uint32_t)a->rr[i].addr[0] << 24) |
			    ((uint32_t)a->rr[i].addr[1] << 16) |
			    ((uint32_t)a->rr[i].addr[2] << 8) | a->rr[i].addr[3];
	return n;
}

/* count_answer - one (subject, list) answer into the list's metrics */
static void
count_answer(struct rw_probes *probes, const struct rw_dnsbl_zone *z,
    enum rw_dns_status st, const uint32_t *a, size_t na, const char *qid,
    const char *client)
{
	bool	hit = false, list_error = false;
	size_t	i;

	for (i = 0; i < na; i++) {
		enum rw_bl_answer cls = rw_dnsbl_classify(z, a[i]);

		if (cls == RW_BLA_LIST_ERROR) {
			list_error = true;
			rw_probe_list_error(probes, z->zone, a[i], qid, client);
		}
		hit |= cls == RW_BLA_LISTED;
	}
	rw_metrics_list_answer(z->name, st, hit, list_error);
}

/* fetch_txt - the TXT of each counting listing, to the same deadline */
static void
fetch_txt(struct rw_resolver *r, const struct rw_config *cfg,
    struct rw_facts *f, const struct rw_uri_subject *subj, size_t nsubj,
    const struct timespec *deadline)
{
	struct rw_dns_lookup *txt[RW_DNSBL_MAX];
	size_t	 list[RW_DNSBL_MAX];
	char	 q[RW_HOSTNAME_MAX + 2];
	const struct rw_dns_rrset *t;
	size_t	 i, j, n = 0;

	for (i = 0; i < cfg->ndnsbl && i < RW_DNSBL_MAX; i++) {
		struct rw_uribl_fact *uf = &f->uri[i];

		if (!rw_uribl_counts(&cfg->dnsbl[i], uf))
			continue;
		for (j = 0; j < nsubj; j++)	/* the listed subject's name */
			if (strcmp(subj[j].name, uf->subject) == 0)
				break;
		if (j == nsubj || !rw_uribl_query(&subj[j], cfg->dnsbl[i].zone,
		    q, sizeof(q)))
			continue;
		if ((txt[n] = rw_dns_lookup(r, q, RW_T_TXT)) != NULL)
			list[n++] = i;
	}
	if (n == 0)
		return;
	rw_dns_wait(r, txt, n, deadline);
	for (j = 0; j < n; j++) {
		t = rw_dns_answer(r, txt[j]);
		/* out of memory: the reply goes without the list's reason
		 * (it is left ""); the verdict stands */
		if (t->status == RW_DNS_OK && t->n > 0 && t->rr[0].text != NULL)
			(void)rw_dnsbl_fact_txt(&f->uri[list[j]].bl,
			    t->rr[0].text, t->rr[0].textlen);
		rw_dns_release(r, txt[j]);
	}
}

/* rw_urifacts_gather - every subject in every URI list, at once */
bool
rw_urifacts_gather(struct rw_resolver *r, struct rw_probes *probes,
    struct rw_psl_lazy *psl, const struct rw_config *cfg,
    unsigned int deadline_ms, struct rw_facts *f, const char *qid)
{
	struct rw_uri_subject *subj = NULL;
	struct rw_dns_lookup **l = NULL;
	struct timespec deadline;
	char	 q[RW_HOSTNAME_MAX + 2];
	uint32_t a[RW_DNSBL_A_MAX];
	size_t	 nsubj = 0, dropped, nl, i, j, na, asked = 0, listed = 0;
	size_t	 nlists = cfg->ndnsbl < RW_DNSBL_MAX ? cfg->ndnsbl : RW_DNSBL_MAX;
	bool	 ok = false, cached;

	if (f->msg == NULL || f->insider || f->client_ok ||
	    !rw_uribl_lists(cfg))
		return true;
	nl = cfg->uribl_max_lookups;
	if (nl == 0 || nl > RW_URIBL_LOOKUPS_MAX)
		nl = RW_URIBL_LOOKUPS_MAX;
	if ((subj = calloc(nl, sizeof(*subj))) == NULL)
		goto done;
	nsubj = rw_uribl_subjects(f->msg, psl_get(psl), subj, nl, &dropped);
	if (dropped > 0)
		rw_log_info("%s: uribl: %zu URL%s past uribl_max_lookups = %u "
		    "not looked up", qid, dropped, dropped == 1 ? "" : "s",
		    cfg->uribl_max_lookups);
	if (nsubj == 0) {	/* no links: no queries */
		ok = true;
		goto done;
	}
	if (!rw_uribl_facts(f, nlists) ||
	    (l = calloc(nsubj * nlists, sizeof(*l))) == NULL)
		goto done;
	/* all at once: one deadline for the whole message */
	for (i = 0; i < nlists; i++) {
		const struct rw_dnsbl_zone *z = &cfg->dnsbl[i];

		if (z->kind != RW_BL_URI)
			continue;
		if ((f->uri[i].bl.suspended = rw_probe_suspended(probes,
		    z->zone)))
			continue;	/* its answers would count for nothing */
		for (j = 0; j < nsubj; j++) {
			if (!rw_uribl_query(&subj[j], z->zone, q, sizeof(q)))
				continue;	/* too long a name: not askable */
			cached = false;
			l[i * nsubj + j] = rw_dns_lookup_cached(r, q, RW_T_A,
			    &cached);
			if (l[i * nsubj + j] == NULL)
				goto done;
			rw_metrics_list_lookup(z->name, cached);
			asked++;
		}
	}
	rw_deadline_set(&deadline, deadline_ms);
	{
		struct rw_dns_lookup **all = calloc(asked > 0 ? asked : 1,
		    sizeof(*all));
		size_t	k = 0;

		if (all == NULL)
			goto done;
		for (i = 0; i < nsubj * nlists; i++)
			if (l[i] != NULL)
				all[k++] = l[i];
		rw_dns_wait(r, all, k, &deadline);
		free(all);
	}
	for (i = 0; i < nlists; i++) {
		const struct rw_dnsbl_zone *z = &cfg->dnsbl[i];

		for (j = 0; j < nsubj; j++) {
			const struct rw_dns_rrset *ans;

			if (z->kind != RW_BL_URI || l[i * nsubj + j] == NULL)
				continue;
			ans = rw_dns_answer(r, l[i * nsubj + j]);
			na = a_answers(ans, a, RW_DNSBL_A_MAX);
			count_answer(probes, z, ans->status, a, na, qid,
			    f->client_addr);
			rw_uribl_record(z, &f->uri[i], &subj[j], ans->status, a,
			    na);
		}
		if (z->kind == RW_BL_URI && rw_uribl_counts(z, &f->uri[i]))
			listed++;
	}
	fetch_txt(r, cfg, f, subj, nsubj, &deadline);
	if (rw_log_debug_on())
		rw_log_debug("%s: uribl subjects=%zu lookups=%zu lists_listing=%zu",
		    qid, nsubj, asked, listed);
	ok = true;
done:
	if (!ok)
		rw_log_err("%s: out of memory for the URI list facts", qid);
	if (l != NULL)
		for (i = 0; i < nsubj * nlists; i++)
			rw_dns_release(r, l[i]);
	free(l);
	free(subj);
	return ok;
}
