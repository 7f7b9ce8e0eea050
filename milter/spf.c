/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	spf - evaluate SPF with libspf2 on our DNS layer
 * DESCRIPTION
 *	One SPF_server_t is made at start-up and shared (STYLE: never one
 *	per message); each check makes an SPF_request_t. The result libspf2
 *	gives is then corrected with what the DNS layer saw (spfdns.c):
 *	an unset result (SPF_RESULT_INVALID) becomes temperror when a lookup
 *	failed temporarily, permerror otherwise; a void-lookup overflow or a
 *	refused record is permerror; a temporary failure outranks a result
 *	computed from partial data only where libspf2 had no result.
 *	IPv4-mapped IPv6 clients are checked as IPv4 (RFC 7208 5.6 ip4
 *	matching, and what the MTA meant).
 *
 *	The server is an object (struct rw_spf): main.c makes one on the
 *	resolver's answer source and hands it to the session stages; the
 *	tests make one per zone table.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "spf.h"
#include "deadline.h"
#include "log.h"
#include "spfdns.h"
#include "spfrecord.h"

struct rw_spf {
	SPF_server_t		*server;
	SPF_dns_server_t	*dns;
};

/* rw_spf_new - the shared server on our DNS layer, made once at start-up */
struct rw_spf *
rw_spf_new(const struct rw_spf_source *src, char *err, size_t errlen)
{
	struct rw_spf *st = calloc(1, sizeof(*st));
	SPF_response_t *resp;

	if (st == NULL || (st->dns = rw_spfdns_new(src)) == NULL) {
		free(st);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((st->server = SPF_server_new_dns(st->dns, 0)) == NULL) {
		snprintf(err, errlen, "libspf2: cannot create a server");
		rw_spfdns_free(st->dns);
		free(st);
		return NULL;
	}
	/* No default explanation: a reply carries the domain's own exp= text
	 * or our standard text, never libspf2's obsolete openspf.org link. */
	resp = NULL;
	if (SPF_server_set_explanation(st->server, "", &resp) != SPF_E_SUCCESS)
		rw_log_warn("libspf2: could not clear the default explanation");
	if (resp != NULL)
		SPF_response_free(resp);
	return st;
}

/* rw_spf_free - the server and its DNS layer */
void
rw_spf_free(struct rw_spf *st)
{
	if (st == NULL)
		return;
	SPF_server_free(st->server);
	rw_spfdns_free(st->dns);
	free(st);
}

static enum rw_spf_result
map_result(SPF_result_t r)
{
	switch (r) {
	case SPF_RESULT_PASS:
		return RW_SPF_PASS;
	case SPF_RESULT_FAIL:
		return RW_SPF_FAIL;
	case SPF_RESULT_SOFTFAIL:
		return RW_SPF_SOFTFAIL;
	case SPF_RESULT_NEUTRAL:
		return RW_SPF_NEUTRAL;
	case SPF_RESULT_NONE:
		return RW_SPF_NONE;
	case SPF_RESULT_TEMPERROR:
		return RW_SPF_TEMPERROR;
	case SPF_RESULT_PERMERROR:
		return RW_SPF_PERMERROR;
	case SPF_RESULT_INVALID:
		break;
	}
	return RW_SPF_NOT_CHECKED;
}

/* set_client - the client address; IPv4-mapped IPv6 as IPv4 (RFC 7208 5) */
static bool
set_client(SPF_request_t *req, const char *ip, struct rw_ip *out)
{
	struct rw_ip a;
	struct in_addr v4;
	struct in6_addr v6;
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };

	if (!rw_ip_parse(ip, &a))
		return false;
	if (a.family == AF_INET6 && memcmp(a.b, mapped, 12) == 0) {
		a.family = AF_INET;
		memmove(a.b, a.b + 12, 4);
		memset(a.b + 4, 0, 12);
	}
	*out = a;
	if (a.family == AF_INET) {
		memcpy(&v4, a.b, 4);
		return SPF_request_set_ipv4(req, v4) == SPF_E_SUCCESS;
	}
	memcpy(&v6, a.b, 16);
	return SPF_request_set_ipv6(req, v6) == SPF_E_SUCCESS;
}

/* identity_domain - the domain an identity checks */
static void
identity_domain(enum rw_spf_identity id, const char *helo, const char *sender,
    char *out, size_t len)
{
	const char *at;

	if (id == RW_SPF_ID_MAILFROM && sender != NULL && sender[0] != '\0' &&
	    (at = strrchr(sender, '@')) != NULL)
		snprintf(out, len, "%s", at + 1);
	else
		snprintf(out, len, "%s", helo != NULL ? helo : "");
	if (out[0] != '\0' && out[strlen(out) - 1] == '.')
		out[strlen(out) - 1] = '\0';
}

/* valid_identity - a domain SPF can be checked for (RFC 7208 4.3) */
static bool
valid_identity(const char *d)
{
	char	norm[RW_HOSTNAME_MAX + 1], err[64];
	const char *dot;

	if (!rw_domain_normalize(d, norm, sizeof(norm), err, sizeof(err)) ||
	    norm[0] == '[' || (dot = strrchr(norm, '.')) == NULL)
		return false;
	/* a numeric top-level label is an address, not a domain */
	return strspn(dot + 1, "0123456789") != strlen(dot + 1);
}

/* rw_spf_default_explanation - ours, when the domain gives none usable */
void
rw_spf_default_explanation(const char *domain, const char *ip, char *buf,
    size_t len)
{
	char	text[RW_TXT_MAX];

	snprintf(text, sizeof(text), "SPF fail: %.100s does not designate %s "
	    "as permitted sender", domain, ip);
	rw_txt_sanitize(buf, len, text, strlen(text));
}

/* What the explanation's macros need besides the request. */
struct exp_ctx {
	SPF_dns_server_t	*dns;
	const struct rw_spf_eval *e;
	const char		*domain;
	char			 p[RW_HOSTNAME_MAX + 1];
	bool			 p_done;
};

/* under - name is domain or below it */
static bool
under(const char *name, const char *domain)
{
	size_t	n = strlen(name), d = strlen(domain);

	if (d > 0 && domain[d - 1] == '.')
		d--;
	if (n < d || strncasecmp(name + n - d, domain, d) != 0)
		return false;
	return n == d || name[n - d - 1] == '.';
}

/* validated - the p macro: a PTR name that resolves back (RFC 7208 7.3) */
static const char *
validated(void *arg)
{
	struct exp_ctx *x = arg;
	struct rw_dns_answer ptr, addr;
	char	 name[RW_HOSTNAME_MAX + 1], first[RW_HOSTNAME_MAX + 1] = "";
	size_t	 i, j;
	bool	 match;

	if (x->p_done)
		return x->p;
	x->p_done = true;
	rw_strlcpy_ok(x->p, "unknown", sizeof(x->p));
	if (!rw_dns_ptr_name(&x->e->client, name, sizeof(name)))
		return x->p;
	rw_spfdns_ask(x->dns, name, RW_T_PTR, &x->e->deadline, &ptr);
	for (i = 0; i < ptr.n && i < RW_SPF_PTR_LIMIT; i++) {
		if (ptr.rr[i].text == NULL)
			continue;
		rw_spfdns_ask(x->dns, ptr.rr[i].text, x->e->client.family ==
		    AF_INET ? RW_T_A : RW_T_AAAA, &x->e->deadline, &addr);
		match = false;
		for (j = 0; j < addr.n; j++)
			if (memcmp(addr.rr[j].addr, x->e->client.b,
			    x->e->client.family == AF_INET ? 4 : 16) == 0)
				match = true;
		rw_dnsmsg_clear(&addr);
		if (!match)
			continue;
		if (under(ptr.rr[i].text, x->domain)) {
			rw_strlcpy_ok(x->p, ptr.rr[i].text, sizeof(x->p));
			first[0] = '\0';
			break;
		}
		if (first[0] == '\0')
			rw_strlcpy_ok(first, ptr.rr[i].text, sizeof(first));
	}
	if (first[0] != '\0')
		rw_strlcpy_ok(x->p, first, sizeof(x->p));
	i = strlen(x->p);
	if (i > 1 && x->p[i - 1] == '.')
		x->p[i - 1] = '\0';
	rw_dnsmsg_clear(&ptr);
	return x->p;
}

/*
 * explain - the domain's explanation (RFC 7208 6.2): exactly one TXT
 * record at the exp= target libspf2 chose, an explain-string, ASCII;
 * expanded by us and sanitised. False: use the default explanation.
 */
static bool
explain(struct rw_spf *st, const struct rw_spf_eval *e,
    const struct rw_spf_exp *exp, SPF_request_t *req, enum rw_spf_identity id,
    const char *helo, const char *sender, struct rw_spf_fact *out)
{
	struct rw_dns_answer ans;
	struct rw_spfrec_macros m;
	struct exp_ctx x;
	char	 local[RW_ADDR_MAX + 1], sdomain[RW_HOSTNAME_MAX + 1];
	char	 from[RW_ADDR_MAX + RW_HOSTNAME_MAX + 16];
	char	 dotted[80], text[INET6_ADDRSTRLEN], buf[1024];
	const char *at, *rec;
	bool	 ok = false;
	int	 i;

	rw_spfdns_ask(st->dns, exp->name, RW_T_TXT, &e->deadline, &ans);
	if (ans.status != RW_DNS_OK || ans.n != 1 || ans.rr[0].text == NULL ||
	    !rw_spfrec_explain_valid(ans.rr[0].text, ans.rr[0].textlen))
		goto done;
	/* s, l, o: the null sender and HELO are postmaster@helo (RFC 7208 4.3) */
	if (id == RW_SPF_ID_MAILFROM && sender != NULL && sender[0] != '\0') {
		at = strrchr(sender, '@');
		snprintf(local, sizeof(local), "%.*s", at != NULL ?
		    (int)(at - sender) : (int)strlen(sender), sender);
		snprintf(sdomain, sizeof(sdomain), "%s", at != NULL ? at + 1 :
		    out->domain);
	} else {
		local[0] = '\0';
		snprintf(sdomain, sizeof(sdomain), "%s", helo != NULL ? helo : "");
	}
	if (local[0] == '\0')
		rw_strlcpy_ok(local, "postmaster", sizeof(local));
	snprintf(from, sizeof(from), "%s@%s", local, sdomain);
	rw_ip_format(&e->client, text, sizeof(text));
	if (e->client.family == AF_INET) {
		snprintf(dotted, sizeof(dotted), "%s", text);
	} else {
		for (i = 0; i < 16; i++)
			snprintf(dotted + i * 4, sizeof(dotted) - (size_t)i * 4,
			    "%x.%x%s", e->client.b[i] >> 4, e->client.b[i] & 15,
			    i < 15 ? "." : "");
	}
	memset(&x, 0, sizeof(x));
	x.dns = st->dns;
	x.e = e;
	x.domain = exp->domain;
	memset(&m, 0, sizeof(m));
	m.sender = from;
	m.local = local;
	m.sender_domain = sdomain;
	m.domain = exp->domain;
	m.ip_dotted = dotted;
	m.ip_text = text;
	m.ip_version = e->client.family == AF_INET ? "in-addr" : "ip6";
	m.helo = helo != NULL ? helo : "";
	rec = SPF_request_get_rec_dom(req);
	m.receiver = rec != NULL ? rec : "unknown";
	m.now = time(NULL);
	m.validated = validated;
	m.ctx = &x;
	if (!rw_spfrec_expand(ans.rr[0].text, ans.rr[0].textlen, &m, buf,
	    sizeof(buf)))
		goto done;
	rw_txt_sanitize(out->explanation, sizeof(out->explanation), buf,
	    strlen(buf));
	ok = out->explanation[0] != '\0';
done:
	rw_dnsmsg_clear(&ans);
	return ok;
}

/* rw_spf_check - one identity, corrected result */
void
rw_spf_check(struct rw_spf *st, enum rw_spf_identity id, const char *ip,
    const char *helo, const char *sender, unsigned int deadline_ms,
    struct rw_spf_fact *out)
{
	struct rw_spf_eval *e;
	const struct rw_spf_exp *exp;
	SPF_request_t *req = NULL;
	SPF_response_t *resp = NULL;
	const char *s;
	enum rw_spf_result r;

	memset(out, 0, sizeof(*out));
	identity_domain(id, helo, sender, out->domain, sizeof(out->domain));
	if (!valid_identity(out->domain)) {
		/* RFC 7208 4.3: a malformed or single-label domain gives none,
		 * without a single lookup */
		out->result = RW_SPF_NONE;
		rw_strlcpy_ok(out->reason, "not a fully qualified domain name",
		    sizeof(out->reason));
		return;
	}
	if (st == NULL) {
		out->result = RW_SPF_TEMPERROR;
		rw_strlcpy_ok(out->reason, "SPF is not initialised", sizeof(out->reason));
		return;
	}
	/*
	 * The evaluation's record (14 KB) lives on the heap, not the thread's
	 * stack: on the stack (tried for issue 11, as a block that size comes
	 * from the arena, not the thread's malloc cache) it stayed resident
	 * in every thread that ever ran an SPF check: 0.15 MiB more with
	 * 2,000 sessions held.
	 */
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (req = SPF_request_new(st->server)) == NULL) {
		free(e);
		out->result = RW_SPF_TEMPERROR;
		rw_strlcpy_ok(out->reason, "out of memory", sizeof(out->reason));
		return;
	}
	rw_strlcpy_ok(e->top_domain, out->domain, sizeof(e->top_domain));
	if (!set_client(req, ip, &e->client)) {
		out->result = RW_SPF_PERMERROR;
		snprintf(out->reason, sizeof(out->reason), "bad client address");
		goto done;
	}
	if (helo != NULL && helo[0] != '\0')
		SPF_request_set_helo_dom(req, helo);
	if (id == RW_SPF_ID_MAILFROM && sender != NULL && sender[0] != '\0')
		SPF_request_set_env_from(req, sender);
	rw_deadline_set(&e->deadline, deadline_ms);
	e->req = req;
	rw_spfdns_begin(e);
	(void)SPF_request_query_mailfrom(req, &resp);
	rw_spfdns_end();
	r = resp != NULL ? map_result(SPF_response_result(resp)) : RW_SPF_NOT_CHECKED;
	if (e->permerror) {
		r = RW_SPF_PERMERROR;
		rw_strlcpy_ok(out->reason, e->why, sizeof(out->reason));
	} else if (r == RW_SPF_NOT_CHECKED) {
		/* libspf2 1.2.10 leaves the result unset on fetch/compile errors */
		r = e->temperror ? RW_SPF_TEMPERROR : RW_SPF_PERMERROR;
		snprintf(out->reason, sizeof(out->reason), "%s",
		    e->temperror ? "DNS lookup failed" : "record could not be used");
	}
	out->result = r;
	if (resp != NULL && out->reason[0] == '\0' &&
	    (s = SPF_response_get_header_comment(resp)) != NULL) {
		/* libspf2 starts its comment with our host name ("vm: domain
		 * of ..."): the headers name the receiver themselves */
		const char *colon = strstr(s, ": ");

		if (colon != NULL && (size_t)(colon - s) == strcspn(s, " :"))
			s = colon + 2;
		rw_txt_sanitize(out->reason, sizeof(out->reason), s, strlen(s));
	}
	if (r == RW_SPF_FAIL) {
		exp = rw_spfdns_exp(e, resp != NULL ?
		    SPF_response_get_explanation(resp) : NULL);
		if (exp == NULL || !explain(st, e, exp, req, id, helo, sender, out))
			rw_spf_default_explanation(out->domain, ip,
			    out->explanation, sizeof(out->explanation));
	}
done:
	if (resp != NULL)
		SPF_response_free(resp);
	SPF_request_free(req);
	free(e);
}
