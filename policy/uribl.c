/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	uribl - URI block lists: lookup subjects, answers, the verdict
 * SYNOPSIS
 *	#include "rw_policy.h"
 * DESCRIPTION
 *	A URI list (SURBL, Spamhaus DBL, URIBL) lists the domains and
 *	addresses that spam links to, not the hosts that send it. The lists
 *	are configured with the "uribl" key in the dnsbl syntax (kind
 *	RW_BL_URI in cfg->dnsbl[]); they take no part in the connection's
 *	score, only in the end of message one.
 *
 *	rw_uribl_subjects() turns the message's URLs into what is looked
 *	up: a host name's registered domain by the Public Suffix List
 *	(libpsl: "www.evil.example.co.uk" is "example.co.uk"; the lists
 *	hold registered domains, and asking each subdomain would cost a
 *	query per spammer's random label), an IP host as its address
 *	(queried reversed, RFC 5782 2.1 and 2.4). A host that is only a
 *	public suffix ("co.uk", "localhost") has no registered domain and
 *	is skipped. Subjects are distinct and in the order found, at most
 *	uribl_max_lookups of them; the URLs whose subject did not fit are
 *	counted for the log.
 *
 *	rw_uribl_record() merges the answers of one list's subjects into
 *	one fact. Answers are classified as rw_dnsbl_classify() does for
 *	the DNS lists: 127.0.0.1 and answers outside 127/8 are never a
 *	listing, 127.255.255.x is a list error (the glue logs it), a filter
 *	must match.
 *
 *	rw_check_uribl() runs at end of message. Insiders and client_access
 *	OK clients are not judged (as for the DNS lists), nor a message
 *	whose only recipient is exempt (exempt_recipients: abuse reports
 *	link to spam). Each URI list that lists any subject counts its
 *	weight once; the score is the connection's list score (its lists
 *	that counted, allow lists included) plus the URI lists'. When a URI
 *	list contributes and the score reaches dnsbl_threshold, dnsbl_action
 *	applies, the reply naming the linked subject and the list's display
 *	name. A URI list that did not answer (timeout, SERVFAIL) makes the
 *	answer uncertain only when its weight could carry the score to the
 *	threshold; then the message is tempfailed (451 4.4.3), or passes
 *	with dns_fail_open. DNS trouble never gives a 5xx. The connection's
 *	own unanswered lists were judged at their stage and are not counted
 *	again here.
 */
#include "config.h"

#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"

/* rw_uribl_lists - any URI list configured */
bool
rw_uribl_lists(const struct rw_config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->ndnsbl && i < RW_DNSBL_MAX; i++)
		if (cfg->dnsbl[i].kind == RW_BL_URI)
			return true;
	return false;
}

/* seen - the subject is already among the first n */
static bool
seen(const struct rw_uri_subject *v, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return true;
	return false;
}

/* ascii_name - letters, digits, '-', '.', '_' only: a name DNS can ask */
static bool
ascii_name(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '-' || *s == '.' || *s == '_'))
			return false;
	return true;
}

/* rw_uribl_subjects - the message's distinct lookup subjects, capped */
size_t
rw_uribl_subjects(const struct rw_message *m, const struct psl_ctx_st *psl,
    struct rw_uri_subject *out, size_t max, size_t *dropped)
{
	const psl_ctx_t *list = psl != NULL ? psl : psl_builtin();
	char	name[RW_HOSTNAME_MAX + 1];
	const char *reg;
	size_t	i, n = 0;

	*dropped = 0;
	if (m == NULL)
		return 0;
	for (i = 0; i < m->nurls; i++) {
		const struct rw_msg_url *u = &m->urls[i];
		struct rw_ip ip;
		bool	is_ip = true;

		if (u->host_ip) {
			ip = u->ip;
		} else if (u->host == NULL || u->host[0] == '\0') {
			continue;
		} else if (!rw_ip_parse(u->host, &ip)) {
			/* a name: A-labels only (the URL reader's IDN to punycode) */
			if (!ascii_name(u->host) || list == NULL)
				continue;
			reg = psl_registrable_domain(list, u->host);
			if (reg == NULL || !rw_strlcpy_ok(name, reg, sizeof(name)))
				continue;	/* a public suffix alone */
			is_ip = false;
		}
		if (is_ip)
			rw_ip_format(&ip, name, sizeof(name));
		if (name[0] == '\0' || seen(out, n, name))
			continue;
		if (n >= max) {		/* a URL not looked up: counted */
			(*dropped)++;
			continue;
		}
		memcpy(out[n].name, name, sizeof(name));
		out[n].ip = is_ip;
		if (is_ip)
			out[n].addr = ip;
		else
			memset(&out[n].addr, 0, sizeof(out[n].addr));
		n++;
	}
	return n;
}

/* rw_uribl_query - reversed address or domain, under the zone */
bool
rw_uribl_query(const struct rw_uri_subject *s, const char *zone, char *out,
    size_t len)
{
	if (s->ip)
		return rw_dns_reverse_name(&s->addr, zone, out, len);
	return rw_dns_domain_query(s->name, zone, out, len);
}

/* listed - any of the answers is a listing of this list */
static bool
listed(const struct rw_dnsbl_zone *z, const uint32_t *a, size_t na)
{
	size_t	i;

	for (i = 0; i < na; i++)
		if (rw_dnsbl_classify(z, a[i]) == RW_BLA_LISTED)
			return true;
	return false;
}

/* take - the fact holds this subject's answer */
static void
take(struct rw_uribl_fact *uf, const struct rw_uri_subject *s,
    enum rw_dns_status st, const uint32_t *a, size_t na, bool is_listing)
{
	bool	suspended = uf->bl.suspended;	/* the list's, kept */
	size_t	i;

	rw_dnsbl_fact_reset(&uf->bl);	/* the answer's: replaced */
	uf->bl.suspended = suspended;
	uf->bl.status = st;
	for (i = 0; i < na && i < RW_DNSBL_A_MAX; i++)
		uf->bl.a[uf->bl.na++] = a[i];
	if (is_listing)
		(void)rw_strlcpy_ok(uf->subject, s->name, sizeof(uf->subject));
}

/* rank - how much a fact's state says: listing > unanswered > answer > none */
static int
rank(const struct rw_uribl_fact *uf)
{
	if (uf->subject[0] != '\0')
		return 4;
	if (rw_dns_temporary(uf->bl.status))
		return 3;
	if (uf->bl.status == RW_DNS_OK)
		return 2;
	return uf->bl.status == RW_DNS_NOT_ASKED ? 0 : 1;
}

/* rw_uribl_record - merge one subject's answer into the list's fact */
void
rw_uribl_record(const struct rw_dnsbl_zone *z, struct rw_uribl_fact *uf,
    const struct rw_uri_subject *s, enum rw_dns_status st, const uint32_t *a,
    size_t na)
{
	int	have = rank(uf), got;
	bool	is_listing = st == RW_DNS_OK && listed(z, a, na);

	uf->asked++;
	if (is_listing)
		got = 4;
	else if (rw_dns_temporary(st))
		got = 3;
	else if (st == RW_DNS_OK)
		got = 2;
	else if (st == RW_DNS_NOT_ASKED)
		got = 0;
	else
		got = 1;
	if (got > have)
		take(uf, s, st, a, na, is_listing);
}

/* rw_uribl_counts - a listing, of a list not suspended */
bool
rw_uribl_counts(const struct rw_dnsbl_zone *z, const struct rw_uribl_fact *uf)
{
	return z->kind == RW_BL_URI && !uf->bl.suspended &&
	    uf->bl.status == RW_DNS_OK && uf->subject[0] != '\0' &&
	    listed(z, uf->bl.a, uf->bl.na);
}

/* rw_uribl_facts - room for n URI facts */
bool
rw_uribl_facts(struct rw_facts *f, size_t n)
{
	size_t	i;

	if (f->uri != NULL || n == 0)
		return true;
	if ((f->uri = calloc(n, sizeof(*f->uri))) == NULL)
		return false;
	f->nuri = n;
	for (i = 0; i < n; i++)
		rw_dnsbl_fact_reset(&f->uri[i].bl);
	return true;
}

/* rw_uribl_facts_release - free the transaction's URI facts */
void
rw_uribl_facts_release(struct rw_facts *f)
{
	size_t	i;

	for (i = 0; f->uri != NULL && i < f->nuri; i++)
		rw_fact_clear(&f->uri[i].bl.txt);
	free(f->uri);
	f->uri = NULL;
	f->nuri = 0;
}

/* append - ", x" to a bounded list; cut silently at the end (display) */
static void
append(char *buf, size_t len, size_t *o, const char *sep, const char *what)
{
	int	n;

	if (*o >= len)
		return;
	n = snprintf(buf + *o, len - *o, "%s%s", *o > 0 ? sep : "", what);
	if (n > 0)
		*o += (size_t)n < len - *o ? (size_t)n : len - *o - 1;
}

/* rw_check_uribl - the URI lists' part of the score, at end of message */
enum rw_action
rw_check_uribl(const struct rw_config *cfg, const struct rw_facts *f,
    struct rw_verdict *v)
{
	char	links[RW_REPLY_MAX], names[256], zones[256];
	char	text[RW_REPLY_MAX], reason[RW_REASON_MAX];
	char	one[2 * RW_HOSTNAME_MAX + 16];	/* subject and list: both fit */
	const char *txt = NULL;
	int	conn, uri = 0, unsure = 0, lo, hi;
	size_t	i, ol = 0, on = 0, oz = 0;

	if (f->msg == NULL || f->uri == NULL || !rw_uribl_lists(cfg))
		return RW_ACT_CONTINUE;
	if (f->insider || f->client_ok)
		return RW_ACT_CONTINUE;
	/* one exempt recipient (abuse@, postmaster@): reports link to spam */
	if (f->nrcpt_accepted <= 1 && f->rcpt[0] != '\0' &&
	    rw_dns_exempt(cfg, f->rcpt))
		return RW_ACT_CONTINUE;
	links[0] = names[0] = zones[0] = '\0';
	for (i = 0; i < cfg->ndnsbl && i < RW_DNSBL_MAX; i++) {
		const struct rw_dnsbl_zone *z = &cfg->dnsbl[i];
		const struct rw_uribl_fact *uf = &f->uri[i];

		if (z->kind != RW_BL_URI || uf->bl.suspended)
			continue;
		if (rw_uribl_counts(z, uf)) {
			uri += z->weight;
			snprintf(one, sizeof(one), "%.255s, listed by %.255s",
			    uf->subject, z->name);
			append(links, sizeof(links), &ol, "; ", one);
			append(names, sizeof(names), &on, ", ", z->name);
			snprintf(one, sizeof(one), "%.255s in %.255s", uf->subject,
			    z->zone);
			append(zones, sizeof(zones), &oz, ", ", one);
			if (txt == NULL && uf->bl.txt[0] != '\0')
				txt = uf->bl.txt;
		} else if (rw_dns_temporary(uf->bl.status) && z->weight > 0) {
			unsure += z->weight;
		}
	}
	if (uri == 0 && unsure == 0)
		return RW_ACT_CONTINUE;
	/* the connection's lists that counted (f->bl: its URI entries unasked) */
	conn = f->bl != NULL ? rw_dnsbl_score(cfg, f, NULL, 0) : 0;
	lo = conn + uri;
	hi = lo + unsure;
	if (lo < cfg->dnsbl_threshold && hi >= cfg->dnsbl_threshold) {
		/* a URI list that did not answer could change the outcome */
		snprintf(reason, sizeof(reason), "URI block list lookup failed "
		    "(score %d, threshold %d, unanswered lists could reach it)",
		    lo, cfg->dnsbl_threshold);
		if (!cfg->dns_fail_open)
			return rw_verdict_set(v, RW_ACT_TEMPFAIL, "uribl", "451",
			    "4.4.3", "URI block list lookup failed, try again later",
			    reason);
	}
	if (uri == 0 || lo < cfg->dnsbl_threshold)
		return RW_ACT_CONTINUE;
	if (cfg->dnsbl_action == RW_DNSACT_TAG) {
		snprintf(text, sizeof(text), "uribl=%d (%.250s)", lo, names);
		snprintf(reason, sizeof(reason), "links to %.160s (score %d, "
		    "threshold %d, tag)", zones, lo, cfg->dnsbl_threshold);
		return rw_verdict_tag(v, "uribl", text, reason);
	}
	/* the log names the zones; the reply only the display names */
	snprintf(reason, sizeof(reason), "links to %.180s (score %d, threshold %d)",
	    zones, lo, cfg->dnsbl_threshold);
	snprintf(text, sizeof(text), "Message refused: it links to %.300s%s%.150s",
	    links, txt != NULL ? ": " : "", txt != NULL ? txt : "");
	if (cfg->dnsbl_action == RW_DNSACT_TEMPFAIL)
		return rw_verdict_set(v, RW_ACT_TEMPFAIL, "uribl", "450", "4.7.1",
		    text, reason);
	return rw_verdict_set(v, RW_ACT_REJECT, "uribl", "550", "5.7.1", text,
	    reason);
}
