/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	dnsbl - block and allow lists: zone syntax, answer filtering, scoring
 * DESCRIPTION
 *	rw_dnsbl_parse() reads "[name@]zone[=filter][*weight]", the syntax
 *	of Postfix postscreen_dnsbl_sites with a display name in front: a
 *	filter is four dot-separated octets, each a number or a bracketed
 *	list of numbers and ranges ("127.0.0.[2..11]", "127.0.[0..255].[2;4]");
 *	the weight defaults to 1 and may be negative, which makes the list an
 *	allow list (DNSWL). The display name (letters, digits, '.', '-',
 *	'_'; at most 63) is what clients see in replies and headers; it
 *	defaults to the zone. A zone may carry an access key (Spamhaus DQS:
 *	"KEY.zen.dq.spamhaus.net"), which must then reach only the logs:
 *	"zen@KEY.zen.dq.spamhaus.net". '@' is in no zone, filter or weight.
 *
 *	rw_dnsbl_classify() decides what one A answer means. Only answers in
 *	127.0.0.0/8 are listings (RFC 5782 2.3); 127.0.0.1 never is (it is
 *	the "not listed" test point and a common misconfiguration);
 *	127.255.255.0/24 is the lists' way of saying "you may not query
 *	via this resolver" or "rate limited": a list error, never a listing,
 *	which the glue logs loudly. A filter, when given, must then match.
 *
 *	rw_dnsbl_score() adds the weights of the lists with a counting
 *	answer, each list once, and names the listing ones by their display
 *	names (the reply and the tag header use these; the log reason names
 *	the zones). rw_check_dnsbl() turns the score into a
 *	verdict at dns_verdict_stage. A list that failed temporarily makes
 *	the result uncertain only if its weight could change the outcome;
 *	then the answer is a tempfail (451 4.4.3) or, with dns_fail_open,
 *	nothing. Listed clients get dnsbl_action: 554-class 550 5.7.1 naming
 *	the lists with the first list's TXT reason, a 450 4.7.1, or a tag.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks.h"

static void
bit_set(uint8_t *bm, unsigned int v)
{
	bm[v >> 3] |= (uint8_t)(1u << (v & 7));
}

static bool
bit_get(const uint8_t *bm, unsigned int v)
{
	return (bm[v >> 3] >> (v & 7)) & 1;
}

/* parse_number - 0..255 */
static bool
parse_number(const char **pp, unsigned int *out)
{
	const char *p = *pp;
	unsigned int v = 0;
	int	digits = 0;

	while (*p >= '0' && *p <= '9' && digits < 4) {
		v = v * 10 + (unsigned int)(*p++ - '0');
		digits++;
	}
	if (digits == 0 || digits > 3 || v > 255)
		return false;
	*out = v;
	*pp = p;
	return true;
}

/* parse_octet - "N" or "[N;N..M;...]" into a 256-bit set */
static bool
parse_octet(const char **pp, uint8_t *bm)
{
	const char *p = *pp;
	unsigned int lo, hi, v;

	if (*p != '[') {
		if (!parse_number(&p, &lo))
			return false;
		bit_set(bm, lo);
		*pp = p;
		return true;
	}
	p++;
	for (;;) {
		if (!parse_number(&p, &lo))
			return false;
		hi = lo;
		if (p[0] == '.' && p[1] == '.') {
			p += 2;
			if (!parse_number(&p, &hi) || hi < lo)
				return false;
		}
		for (v = lo; v <= hi; v++)
			bit_set(bm, v);
		if (*p == ';') {
			p++;
			continue;
		}
		if (*p != ']')
			return false;
		*pp = p + 1;
		return true;
	}
}

/* display_name - "name@" in front of spec, if any; false if malformed */
static bool
display_name(const char *spec, const char **rest, char *name, size_t len,
    char *err, size_t errlen)
{
	const char *at = strchr(spec, '@'), *p;
	size_t	n;

	*rest = spec;
	if (at == NULL)
		return true;
	n = (size_t)(at - spec);
	for (p = spec; p < at; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
		    *p == '_'))
			break;
	if (n == 0 || n > RW_LABEL_MAX || p < at || n >= len) {
		snprintf(err, errlen, "bad list name in \"%s\" (want name@zone, "
		    "the name 1 to %d letters, digits, '.', '-' or '_')", spec,
		    RW_LABEL_MAX);
		return false;
	}
	memcpy(name, spec, n);
	name[n] = '\0';
	*rest = at + 1;
	return true;
}

/* rw_dnsbl_parse - "[name@]zone[=filter][*weight]" */
bool
rw_dnsbl_parse(const char *whole, enum rw_dnsbl_kind kind,
    struct rw_dnsbl_zone *z, char *err, size_t errlen)
{
	char	 zone[RW_HOSTNAME_MAX + 2], norm[RW_HOSTNAME_MAX + 1], why[128];
	const char *eq, *star, *p, *zend, *spec;
	char	*end;
	long	 w;
	int	 i;

	memset(z, 0, sizeof(*z));
	z->kind = kind;
	z->weight = 1;
	if (!display_name(whole, &spec, z->name, sizeof(z->name), err, errlen))
		return false;
	star = strrchr(spec, '*');
	eq = strchr(spec, '=');
	if (eq != NULL && star != NULL && star < eq)
		star = NULL;
	zend = eq != NULL ? eq : star != NULL ? star : spec + strlen(spec);
	if ((size_t)(zend - spec) >= sizeof(zone) || zend == spec) {
		snprintf(err, errlen, "bad list \"%s\": empty or overlong zone", spec);
		return false;
	}
	memcpy(zone, spec, (size_t)(zend - spec));
	zone[zend - spec] = '\0';
	if (!rw_domain_normalize(zone, norm, sizeof(norm), why, sizeof(why))) {
		snprintf(err, errlen, "bad list zone \"%s\": %s", zone, why);
		return false;
	}
	if (norm[0] == '[') {
		snprintf(err, errlen, "bad list zone \"%s\": an address literal",
		    zone);
		return false;
	}
	if (eq != NULL) {
		z->filtered = true;
		p = eq + 1;
		for (i = 0; i < 4; i++) {
			if (!parse_octet(&p, z->octets[i]) ||
			    (i < 3 && *p++ != '.')) {
				snprintf(err, errlen, "bad filter in \"%s\" (want e.g. "
				    "127.0.0.2, 127.0.0.[2..11] or 127.0.[0..255].[2;4])",
				    spec);
				return false;
			}
		}
		if (*p != '\0' && *p != '*') {
			snprintf(err, errlen, "bad filter in \"%s\"", spec);
			return false;
		}
		star = *p == '*' ? p : NULL;
	}
	if (star != NULL) {
		errno = 0;
		w = strtol(star + 1, &end, 10);
		if (star[1] == '\0' || *end != '\0' || errno != 0 || w < -1000 ||
		    w > 1000 || w == 0) {
			snprintf(err, errlen, "bad weight in \"%s\" (a non-zero "
			    "number from -1000 to 1000)", spec);
			return false;
		}
		z->weight = (int)w;
	}
	if (kind == RW_BL_URI && z->weight < 0) {
		/* a link to a listed domain is never vouched for by another */
		snprintf(err, errlen, "bad weight in \"%s\": a URI list "
		    "cannot be an allow list (the weight must be positive)", spec);
		return false;
	}
	if (z->name[0] == '\0')
		memcpy(z->name, norm, sizeof(z->name));
	if ((z->zone = strdup(norm)) == NULL || (z->spec = strdup(whole)) == NULL) {
		free(z->zone);
		z->zone = NULL;
		snprintf(err, errlen, "out of memory");
		return false;
	}
	return true;
}

/* rw_dnsbl_classify - what one A answer (host order) means */
enum rw_bl_answer
rw_dnsbl_classify(const struct rw_dnsbl_zone *z, uint32_t a)
{
	int	i;

	if ((a >> 24) != 127 || a == 0x7f000001u || a == 0x7f000000u)
		return RW_BLA_INVALID;
	if ((a & 0xffffff00u) == 0x7fffff00u)
		return RW_BLA_LIST_ERROR;
	if (z->filtered)
		for (i = 0; i < 4; i++)
			if (!bit_get(z->octets[i], (a >> (24 - 8 * i)) & 0xff))
				return RW_BLA_FILTERED;
	return RW_BLA_LISTED;
}

static bool
zone_counts(const struct rw_dnsbl_zone *z, const struct rw_dnsbl_fact *f)
{
	size_t	i;

	if (f->suspended || f->status != RW_DNS_OK)
		return false;
	for (i = 0; i < f->na; i++)
		if (rw_dnsbl_classify(z, f->a[i]) == RW_BLA_LISTED)
			return true;
	return false;
}

/*
 * listing - the block lists (weight > 0) that count, comma-separated:
 * their display names for clients, or their zones for the log
 */
static void
listing(const struct rw_config *cfg, const struct rw_facts *f, bool zones,
    char *names, size_t len)
{
	size_t	i, o = 0;
	int	n;

	if (names == NULL || len == 0)
		return;
	names[0] = '\0';
	if (f->bl == NULL)	/* no list gathered */
		return;
	for (i = 0; i < cfg->ndnsbl && i < RW_DNSBL_MAX && o < len; i++) {
		if (cfg->dnsbl[i].weight <= 0 ||
		    !zone_counts(&cfg->dnsbl[i], &f->bl[i]))
			continue;
		n = snprintf(names + o, len - o, "%s%s", o ? ", " : "",
		    zones ? cfg->dnsbl[i].zone : cfg->dnsbl[i].name);
		if (n > 0)
			o += (size_t)n < len - o ? (size_t)n : len - o - 1;
	}
}

/* rw_dnsbl_score - sum of weights of counting lists; names of the listing ones */
int
rw_dnsbl_score(const struct rw_config *cfg, const struct rw_facts *f,
    char *names, size_t len)
{
	size_t	i;
	int	score = 0;

	for (i = 0; f->bl != NULL && i < cfg->ndnsbl && i < RW_DNSBL_MAX; i++)
		if (zone_counts(&cfg->dnsbl[i], &f->bl[i]))
			score += cfg->dnsbl[i].weight;
	listing(cfg, f, false, names, len);
	return score;
}

/* rw_dnsbl_allowed - an allow list (negative weight) lists the client */
bool
rw_dnsbl_allowed(const struct rw_config *cfg, const struct rw_facts *f)
{
	size_t	i;

	for (i = 0; i < cfg->ndnsbl && i < RW_DNSBL_MAX; i++)
		if (cfg->dnsbl[i].weight < 0 &&
		    zone_counts(&cfg->dnsbl[i], &f->bl[i]))
			return true;
	return false;
}

/* rw_dns_exempt - recipients that DNS verdicts never refuse */
bool
rw_dns_exempt(const struct rw_config *cfg, const char *rcpt)
{
	struct rw_address a;
	char	full[RW_ADDR_MAX + RW_HOSTNAME_MAX + 2];
	size_t	i, l;

	if (cfg->nexempt_recipients == 0)
		return false;
	rw_address_parse(rcpt, &a);
	if (a.cls != RW_ADDR_PLAIN)
		return false;
	snprintf(full, sizeof(full), "%s@%s", a.local, a.domain);
	rw_lowercase(full);
	for (i = 0; i < cfg->nexempt_recipients; i++) {
		const char *e = cfg->exempt_recipients[i];

		l = strlen(e);
		if (l > 0 && e[l - 1] == '@') {		/* "postmaster@" */
			if (strncmp(full, e, l) == 0 && strchr(full + l, '@') == NULL)
				return true;
			if (a.domain[0] == '\0' && strlen(a.local) == l - 1 &&
			    strncasecmp(a.local, e, l - 1) == 0)
				return true;
		} else if (strcmp(full, e) == 0) {
			return true;
		}
	}
	return false;
}

/* rw_dns_stage_applies - DNS verdicts only at their stage, never for insiders */
bool
rw_dns_stage_applies(const struct rw_config *cfg, const struct rw_facts *f)
{
	if (f->insider || f->client_ok || !f->dns_ready)
		return false;
	if (f->stage != cfg->dns_verdict_stage)
		return false;
	return !(f->stage == RW_STAGE_RCPT && rw_dns_exempt(cfg, f->rcpt));
}

/* rw_check_dnsbl - score the lists at dns_verdict_stage */
enum rw_action
rw_check_dnsbl(const struct rw_config *cfg, const struct rw_facts *f,
    struct rw_verdict *v)
{
	char	names[256], zones[256], text[RW_REPLY_MAX], reason[RW_REASON_MAX];
	const char *txt = NULL;
	int	definite, lo, hi;
	size_t	i;

	if (cfg->ndnsbl == 0 || !rw_dns_stage_applies(cfg, f))
		return RW_ACT_CONTINUE;
	if (f->bl == NULL)	/* the glue gathers them before dns_ready */
		return RW_ACT_CONTINUE;
	definite = rw_dnsbl_score(cfg, f, names, sizeof(names));
	lo = hi = definite;
	for (i = 0; i < cfg->ndnsbl && i < RW_DNSBL_MAX; i++) {
		if (f->bl[i].suspended || !rw_dns_temporary(f->bl[i].status))
			continue;
		if (cfg->dnsbl[i].weight > 0)
			hi += cfg->dnsbl[i].weight;
		else
			lo += cfg->dnsbl[i].weight;
	}
	if (lo < cfg->dnsbl_threshold && hi >= cfg->dnsbl_threshold) {
		/* a list that did not answer could change the outcome */
		snprintf(reason, sizeof(reason), "block list lookup failed "
		    "(score %d, threshold %d, unanswered lists could reach it)",
		    definite, cfg->dnsbl_threshold);
		if (!cfg->dns_fail_open)
			return rw_verdict_set(v, RW_ACT_TEMPFAIL, "dnsbl", "451",
			    "4.4.3", "DNS block list lookup failed, try again later",
			    reason);
	}
	if (cfg->dnsbl_action == RW_DNSACT_TAG) {
		/* the lists that did answer are what the tag reports */
		if (definite < cfg->dnsbl_threshold)
			return RW_ACT_CONTINUE;
		snprintf(text, sizeof(text), "dnsbl=%d (%.250s)", definite, names);
		snprintf(reason, sizeof(reason), "listed in %.180s (score %d, "
		    "threshold %d, tag)", names, definite, cfg->dnsbl_threshold);
		return rw_verdict_tag(v, "dnsbl", text, reason);
	}
	if (lo < cfg->dnsbl_threshold)
		return RW_ACT_CONTINUE;
	for (i = 0; i < cfg->ndnsbl && i < RW_DNSBL_MAX; i++)
		if (cfg->dnsbl[i].weight > 0 && zone_counts(&cfg->dnsbl[i], &f->bl[i]) &&
		    f->bl[i].txt[0] != '\0') {
			txt = f->bl[i].txt;
			break;
		}
	/* the log names the zones; the reply only the display names */
	listing(cfg, f, true, zones, sizeof(zones));
	snprintf(reason, sizeof(reason), "listed in %.180s (score %d, threshold %d)",
	    zones, lo, cfg->dnsbl_threshold);
	snprintf(text, sizeof(text), "Client %s is listed in %.150s%s%.200s",
	    f->client_addr, names, txt != NULL ? ": " : "", txt != NULL ? txt : "");
	if (cfg->dnsbl_action == RW_DNSACT_TEMPFAIL)
		return rw_verdict_set(v, RW_ACT_TEMPFAIL, "dnsbl", "450", "4.7.1",
		    text, reason);
	return rw_verdict_set(v, RW_ACT_REJECT, "dnsbl", "550", "5.7.1", text,
	    reason);
}
