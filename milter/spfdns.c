/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	spfdns - libspf2's DNS layer, answered by relaywarden's DNS
 * DESCRIPTION
 *	libspf2 calls lookup() for every query an SPF evaluation makes. We
 *	answer from an rw_spf_source (the c-ares resolver, or a test suite's
 *	zone data) and convert to libspf2's SPF_dns_rr_t. Because every
 *	lookup passes here, this is where libspf2 1.2.10's defects are
 *	corrected, without changing libspf2:
 *
 *	- Every SPF record is checked and rewritten by spfrecord.c before
 *	  libspf2 sees it; a record we refuse never reaches libspf2's
 *	  compiler (the evaluation becomes a permerror). More than one SPF
 *	  record for a name is a permerror (RFC 7208 4.5).
 *	- Limits of RFC 7208 4.6.4, counted per evaluation rather than per
 *	  libspf2 response (libspf2 restarts its count in every include):
 *	  more than 10 DNS-querying terms, or more than 2 of them answered
 *	  NXDOMAIN/NODATA ("void"), is a permerror. A term is counted by
 *	  its first query; the address lookups for the names of an MX or
 *	  PTR answer belong to that term. The first record lookup of the
 *	  checked domain, and exp= lookups, are not terms.
 *	- Only the first 10 PTR names are considered (RFC 7208 4.6.4), and
 *	  a DNS error while validating one skips that name (RFC 7208 5.5)
 *	  instead of libspf2's temperror.
 *	- Names are made fit for a query (RFC 7208 7.3: a trailing dot
 *	  dropped, left labels cut past 253 characters); a name with an
 *	  empty or overlong label is answered NXDOMAIN without a query.
 *	- A name ending in RW_SPFREC_ANY_MARK, made by the rewriting of a
 *	  "/0" CIDR length, is looked up without the mark and answered with
 *	  the client's own address when it has any address of the family.
 *	- get_exp: libspf2 hands us the exp= target it chose (it gets the
 *	  include/redirect rules right) and we remember it, returning a
 *	  token as the "explanation"; spf.c builds the text itself. So
 *	  libspf2 never compiles TXT text from an explanation.
 *	Temporary failures are noted (libspf2 may leave the result unset).
 *
 *	libspf2 passes no per-request pointer to lookup(), so the evaluation
 *	being watched is found through a thread-local pointer, set by
 *	rw_spfdns_begin() around one evaluation on the calling thread and
 *	pointing at the evaluation rw_spf_check() owns. Type SPF (99) is never queried:
 *	RFC 7208 3.1 removed it, and a query for it would be one more
 *	lookup to wait for.
 */
#include "config.h"

#include <sys/socket.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spfdns.h"
#include "deadline.h"
#include "spfrecord.h"

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

/* plain_name - lowercase, one trailing dot dropped, bounded */
static void
plain_name(const char *in, char *out, size_t len)
{
	size_t	i;

	snprintf(out, len, "%s", in);
	for (i = 0; out[i] != '\0'; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
	if (i > 0 && out[i - 1] == '.')
		out[i - 1] = '\0';
}

/* strip_mark - "name.<mark>" to "name"; true if it was marked */
static bool
strip_mark(char *name)
{
	size_t	n = strlen(name), m = strlen(RW_SPFREC_ANY_MARK);

	if (n <= m || name[n - m - 1] != '.' ||
	    strcasecmp(name + n - m, RW_SPFREC_ANY_MARK) != 0)
		return false;
	name[n - m - 1] = '\0';
	return true;
}

/* take_sub - is this an address lookup for a name of the last MX/PTR answer */
static bool
take_sub(struct rw_spf_eval *e, const char *domain)
{
	char	name[RW_HOSTNAME_MAX + 1];
	size_t	i;

	plain_name(domain, name, sizeof(name));
	for (i = 0; i < e->nsub; i++)
		if (e->sub[i][0] != '\001' && strcmp(e->sub[i], name) == 0) {
			e->sub[i][0] = '\001';	/* each answer name once */
			return true;
		}
	return false;
}

static void
add_sub(struct rw_spf_eval *e, const char *name)
{
	if (e != NULL && e->nsub < RW_DNS_RR_MAX)
		plain_name(name, e->sub[e->nsub++], sizeof(e->sub[0]));
}

/* new_rr - an empty answer of libspf2's kind */
static SPF_dns_rr_t *
new_rr(SPF_dns_server_t *s, const char *domain, ns_type type, int ttl, int herrno)
{
	return SPF_dns_rr_new_init(s, domain, type, ttl, herrno);
}

/* add_data - append one record's data: an address or a string */
static bool
add_data(SPF_dns_rr_t *rr, ns_type type, const void *data, size_t len)
{
	int	i = rr->num_rr;

	if (SPF_dns_rr_buf_realloc(rr, i, type == ns_t_a || type == ns_t_aaaa ?
	    len : len + 1) != SPF_E_SUCCESS)
		return false;
	switch (type) {
	case ns_t_a:
		memcpy(&rr->rr[i]->a, data, 4);
		break;
	case ns_t_aaaa:
		memcpy(&rr->rr[i]->aaaa, data, 16);
		break;
	default:
		memcpy(rr->rr[i]->txt, data, len);
		rr->rr[i]->txt[len] = '\0';
		break;
	}
	rr->num_rr++;
	return true;
}

static int
herrno_of(enum rw_dns_status st)
{
	switch (st) {
	case RW_DNS_OK:
		return NETDB_SUCCESS;
	case RW_DNS_NXDOMAIN:
		return HOST_NOT_FOUND;
	case RW_DNS_NODATA:
		return NO_DATA;
	default:
		return TRY_AGAIN;
	}
}

/* spf_answer - the one SPF record of a TXT answer, checked and rewritten */
static SPF_dns_rr_t *
spf_answer(SPF_dns_server_t *s, struct rw_spf_eval *e, const char *domain,
    const struct rw_dns_answer *ans, bool top)
{
	SPF_dns_rr_t *rr;
	const struct rw_dns_rr *rec = NULL;
	char	*text = NULL, why[RW_REASON_MAX], msg[RW_REASON_MAX];
	size_t	 i, n = 0;

	for (i = 0; i < ans->n; i++)
		if (ans->rr[i].text != NULL &&
		    spf_record(ans->rr[i].text, ans->rr[i].textlen)) {
			rec = &ans->rr[i];
			n++;
		}
	if (n > 1) {
		snprintf(msg, sizeof(msg), "%.100s: more than one SPF record "
		    "(RFC 7208 4.5)", domain);
		eval_permerror(e, msg);
		return new_rr(s, domain, ns_t_txt, 0, HOST_NOT_FOUND);
	}
	if (n == 0)
		return new_rr(s, domain, ns_t_txt, (int)ans->ttl,
		    ans->status == RW_DNS_OK ? NO_DATA : herrno_of(ans->status));
	if (top && e != NULL)
		e->top_has_record = true;
	if (!rw_spfrec_rewrite(rec->text, rec->textlen,
	    e != NULL ? e->client.family : AF_INET, &text, why, sizeof(why))) {
		snprintf(msg, sizeof(msg), "%.100s: %.150s", domain, why);
		if (e != NULL)
			eval_permerror(e, msg);
		return new_rr(s, domain, ns_t_txt, 0, HOST_NOT_FOUND);
	}
	rr = new_rr(s, domain, ns_t_txt, (int)ans->ttl, NETDB_SUCCESS);
	if (rr != NULL && !add_data(rr, ns_t_txt, text, strlen(text))) {
		SPF_dns_rr_free(rr);
		rr = NULL;
	}
	free(text);
	return rr;
}

/* lookup - libspf2's entry point */
static SPF_dns_rr_t *
lookup(SPF_dns_server_t *s, const char *domain, ns_type type, int should_cache)
{
	struct spfdns_hook *h = s->hook;
	struct rw_spf_eval *e = rw_spf_current_eval;
	struct rw_dns_answer ans;
	struct timespec deadline;
	SPF_dns_rr_t *rr = NULL;
	char	 qname[RW_HOSTNAME_MAX + 1], msg[RW_REASON_MAX];
	size_t	 i, max;
	bool	 any, top = false, sub = false, valid;

	(void)should_cache;
	if (type == ns_t_spf)
		return new_rr(s, domain, type, 0, NO_DATA);
	if (e != NULL && e->permerror)	/* already decided: stop asking */
		return new_rr(s, domain, type, 0, HOST_NOT_FOUND);
	if (e != NULL)
		deadline = e->deadline;
	else
		rw_deadline_set(&deadline, 10000);
	memset(&ans, 0, sizeof(ans));
	qname[0] = '\0';
	valid = rw_spfrec_query_name(domain, qname, sizeof(qname));
	any = valid && strip_mark(qname);
	if (e != NULL) {
		if (type == ns_t_txt && !e->top_fetched &&
		    strcasecmp(qname, e->top_domain) == 0)
			top = e->top_fetched = true;
		else if (type == ns_t_a || type == ns_t_aaaa)
			sub = take_sub(e, domain);
		if (type == ns_t_mx || type == ns_t_ptr) {
			e->nsub = 0;
			e->sub_ptr = type == ns_t_ptr;
		}
	}
	if (valid)
		h->src.lookup(h->src.ctx, qname, (uint16_t)type, &deadline, &ans);
	else
		ans.status = RW_DNS_NXDOMAIN;	/* no such name can exist */
	if (e != NULL) {
		e->lookups++;
		/* RFC 7208 5.5: a DNS error validating a PTR name skips it */
		if (sub && e->sub_ptr && rw_dns_temporary(ans.status)) {
			ans.status = RW_DNS_NXDOMAIN;
		} else if (rw_dns_temporary(ans.status)) {
			e->temperror = true;
		}
		if (!top && !sub) {
			if (++e->terms > RW_SPF_TERM_LIMIT)
				eval_permerror(e, "more than 10 DNS lookups "
				    "(RFC 7208 4.6.4)");
			else if ((ans.status == RW_DNS_NXDOMAIN ||
			    ans.status == RW_DNS_NODATA) &&
			    ++e->void_lookups > RW_SPF_VOID_LIMIT)
				eval_permerror(e, "more than 2 void lookups "
				    "(RFC 7208 4.6.4)");
		}
		if (e->permerror) {
			rw_dnsmsg_clear(&ans);
			return new_rr(s, domain, type, 0, HOST_NOT_FOUND);
		}
	}
	if (type == ns_t_txt) {
		rr = spf_answer(s, e, domain, &ans, top);
		rw_dnsmsg_clear(&ans);
		return rr;
	}
	if ((type == ns_t_a || type == ns_t_aaaa) && any && ans.n > 0 &&
	    e != NULL && e->client.family == (type == ns_t_a ? AF_INET : AF_INET6)) {
		/* "/0": the name has an address of the family, so it matches */
		rr = new_rr(s, domain, type, (int)ans.ttl, NETDB_SUCCESS);
		if (rr != NULL && !add_data(rr, type, e->client.b,
		    type == ns_t_a ? 4 : 16)) {
			SPF_dns_rr_free(rr);
			rr = NULL;
		}
		rw_dnsmsg_clear(&ans);
		return rr;
	}
	rr = new_rr(s, domain, type, (int)ans.ttl, herrno_of(ans.status));
	if (rr == NULL) {
		rw_dnsmsg_clear(&ans);
		return NULL;
	}
	max = ans.n;
	if (type == ns_t_ptr && max > RW_SPF_PTR_LIMIT)
		max = RW_SPF_PTR_LIMIT;	/* RFC 7208 4.6.4: the first 10 */
	for (i = 0; i < max; i++) {
		const struct rw_dns_rr *a = &ans.rr[i];
		char	 name[RW_HOSTNAME_MAX + 1];
		bool	 ok;

		if (type == ns_t_a || type == ns_t_aaaa) {
			ok = add_data(rr, type, a->addr, type == ns_t_a ? 4 : 16);
		} else if (a->text == NULL) {
			continue;
		} else if (type == ns_t_mx && any && a->text[0] != '\0') {
			snprintf(msg, sizeof(msg), "%s.%s", a->text,
			    RW_SPFREC_ANY_MARK);
			add_sub(e, msg);
			ok = add_data(rr, type, msg, strlen(msg));
		} else {
			plain_name(a->text, name, sizeof(name));
			if (type == ns_t_mx || type == ns_t_ptr)
				add_sub(e, name);
			ok = add_data(rr, type, a->text, a->textlen);
		}
		if (!ok)
			break;
	}
	rw_dnsmsg_clear(&ans);
	return rr;
}

/* get_exp - remember the exp= target libspf2 chose; a token for the text */
static SPF_errcode_t
get_exp(SPF_server_t *server, const char *domain, char **bufp, size_t *buflenp)
{
	struct rw_spf_eval *e = rw_spf_current_eval;
	struct rw_spf_exp *x;
	char	*p;
	size_t	 k;

	(void)server;
	if (e == NULL)
		return SPF_E_NOT_CONFIG;
	k = e->nexp < RW_SPF_EXP_MAX ? e->nexp++ : RW_SPF_EXP_MAX - 1;
	x = &e->exp[k];
	/* domain is *bufp: copy it before writing the token there */
	snprintf(x->name, sizeof(x->name), "%s", domain);
	snprintf(x->domain, sizeof(x->domain), "%s",
	    e->req != NULL && e->req->cur_dom != NULL ? e->req->cur_dom :
	    e->top_domain);
	if (*bufp == NULL || *buflenp < 32) {
		if ((p = realloc(*bufp, 32)) == NULL)
			return SPF_E_NO_MEMORY;
		*bufp = p;
		*buflenp = 32;
	}
	snprintf(*bufp, *buflenp, "rw-exp:%zu", k);
	return SPF_E_SUCCESS;
}

/* rw_spfdns_exp - the exp= target behind libspf2's explanation */
const struct rw_spf_exp *
rw_spfdns_exp(const struct rw_spf_eval *e, const char *token)
{
	unsigned int k;
	char	tail;

	if (token == NULL || sscanf(token, "rw-exp:%u%c", &k, &tail) != 1 ||
	    k >= e->nexp)
		return NULL;
	return &e->exp[k];
}

/* rw_spfdns_ask - a lookup outside libspf2 (explanations), not counted */
void
rw_spfdns_ask(SPF_dns_server_t *s, const char *name, uint16_t type,
    const struct timespec *deadline, struct rw_dns_answer *out)
{
	struct spfdns_hook *h = s->hook;
	char	qname[RW_HOSTNAME_MAX + 1];

	memset(out, 0, sizeof(*out));
	if (!rw_spfrec_query_name(name, qname, sizeof(qname))) {
		out->status = RW_DNS_NXDOMAIN;
		return;
	}
	h->src.lookup(h->src.ctx, qname, type, deadline, out);
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
	s->get_exp = get_exp;
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
