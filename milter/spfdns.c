/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	spfdns - libspf2's DNS layer, answered by relaywarden's DNS
 * DESCRIPTION
 *	libspf2 calls lookup() for every query an SPF evaluation makes. We
 *	answer from an rw_spf_source (the c-ares resolver, or a test suite's
 *	zone data) and convert to libspf2's SPF_dns_rr_t. Because every
 *	lookup passes here, this is where the evaluation is watched: DNS
 *	queries and void lookups counted (RFC 7208 4.6.4: more than two
 *	NXDOMAIN/NODATA answers is a permerror), temporary failures noted
 *	(libspf2 1.2.10 leaves the result unset instead of temperror), SPF
 *	records inspected before libspf2 compiles them.
 *
 *	libspf2 passes no per-request pointer to lookup(), so the evaluation
 *	being watched is found through a thread-local pointer, set by
 *	rw_spfdns_begin() around one evaluation on the calling thread and
 *	pointing at that thread's stack. Type SPF (99) is never queried:
 *	RFC 7208 3.1 removed it, and a query for it would be one more
 *	lookup to wait for.
 */
#include "config.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spfdns.h"

/* The evaluation running on this thread (see DESCRIPTION). */
static __thread struct rw_spf_eval *rw_spf_current_eval;

struct spfdns_hook {
	struct rw_spf_source src;
};

void
rw_spfdns_begin(struct rw_spf_eval *e)
{
	rw_spf_current_eval = e;
}

void
rw_spfdns_end(void)
{
	rw_spf_current_eval = NULL;
}

static void
eval_permerror(struct rw_spf_eval *e, const char *why)
{
	if (e == NULL || e->permerror)
		return;
	e->permerror = true;
	snprintf(e->why, sizeof(e->why), "%s", why);
}

/* spf_record - does this TXT string start an SPF record (RFC 7208 4.5) */
static bool
spf_record(const char *t, size_t len)
{
	return len >= 6 && strncasecmp(t, "v=spf1", 6) == 0 &&
	    (len == 6 || t[6] == ' ');
}

/* new_rr - an empty answer of libspf2's kind */
static SPF_dns_rr_t *
new_rr(SPF_dns_server_t *s, const char *domain, ns_type type, int ttl, int herrno)
{
	return SPF_dns_rr_new_init(s, domain, type, ttl, herrno);
}

/* add_record - append one record's data */
static bool
add_record(SPF_dns_rr_t *rr, ns_type type, const struct rw_dns_rr *src)
{
	int	i = rr->num_rr;
	size_t	len;

	switch (type) {
	case ns_t_a:
		len = sizeof(struct in_addr);
		break;
	case ns_t_aaaa:
		len = sizeof(struct in6_addr);
		break;
	default:
		if (src->text == NULL)
			return true;
		len = src->textlen + 1;
		break;
	}
	if (SPF_dns_rr_buf_realloc(rr, i, len) != SPF_E_SUCCESS)
		return false;
	switch (type) {
	case ns_t_a:
		memcpy(&rr->rr[i]->a, src->addr, 4);
		break;
	case ns_t_aaaa:
		memcpy(&rr->rr[i]->aaaa, src->addr, 16);
		break;
	default:
		memcpy(rr->rr[i]->txt, src->text, src->textlen);
		rr->rr[i]->txt[src->textlen] = '\0';
		break;
	}
	rr->num_rr++;
	return true;
}

/* lookup - libspf2's entry point */
static SPF_dns_rr_t *
lookup(SPF_dns_server_t *s, const char *domain, ns_type type, int should_cache)
{
	struct spfdns_hook *h = s->hook;
	struct rw_spf_eval *e = rw_spf_current_eval;
	struct rw_dns_answer ans;
	struct timespec deadline;
	SPF_dns_rr_t *rr;
	size_t	 i;
	int	 herrno;

	(void)should_cache;
	if (type == ns_t_spf)
		return new_rr(s, domain, type, 0, NO_DATA);
	if (e != NULL && e->permerror)	/* already decided: stop asking */
		return new_rr(s, domain, type, 0, HOST_NOT_FOUND);
	if (e != NULL)
		deadline = e->deadline;
	else
		rw_dns_deadline(&deadline, 10000);
	memset(&ans, 0, sizeof(ans));
	h->src.lookup(h->src.ctx, domain, (uint16_t)type, &deadline, &ans);
	if (e != NULL) {
		e->lookups++;
		if ((ans.status == RW_DNS_NXDOMAIN || ans.status == RW_DNS_NODATA) &&
		    !(type == ns_t_txt && strcasecmp(domain, e->top_domain) == 0) &&
		    ++e->void_lookups > 2)
			eval_permerror(e, "more than 2 void lookups (RFC 7208 4.6.4)");
		if (rw_dns_temporary(ans.status))
			e->temperror = true;
	}
	switch (ans.status) {
	case RW_DNS_OK:
		herrno = NETDB_SUCCESS;
		break;
	case RW_DNS_NXDOMAIN:
		herrno = HOST_NOT_FOUND;
		break;
	case RW_DNS_NODATA:
		herrno = NO_DATA;
		break;
	default:
		herrno = TRY_AGAIN;
		break;
	}
	rr = new_rr(s, domain, type, (int)ans.ttl, herrno);
	if (rr == NULL) {
		rw_dns_answer_clear(&ans);
		return NULL;
	}
	for (i = 0; i < ans.n; i++) {
		if (type == ns_t_txt && e != NULL &&
		    strcasecmp(domain, e->top_domain) == 0 &&
		    ans.rr[i].text != NULL && spf_record(ans.rr[i].text, ans.rr[i].textlen))
			e->top_has_record = true;
		if (!add_record(rr, type, &ans.rr[i]))
			break;
	}
	rw_dns_answer_clear(&ans);
	return rr;
}

/* rw_spfdns_new - a DNS layer for SPF_server_new_dns() */
SPF_dns_server_t *
rw_spfdns_new(const struct rw_spf_source *src)
{
	SPF_dns_server_t *s = calloc(1, sizeof(*s));
	struct spfdns_hook *h = calloc(1, sizeof(*h));

	if (s == NULL || h == NULL) {
		free(s);
		free(h);
		return NULL;
	}
	h->src = *src;
	s->destroy = NULL;	/* ours: freed by rw_spfdns_free() */
	s->lookup = lookup;
	s->get_spf = NULL;
	s->get_exp = NULL;
	s->add_cache = NULL;
	s->layer_below = NULL;
	s->name = "relaywarden";
	s->hook = h;
	return s;
}

void
rw_spfdns_free(SPF_dns_server_t *s)
{
	if (s == NULL)
		return;
	free(s->hook);
	free(s);
}
