/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	spf - SPF results to verdicts and headers (no libspf2 here)
 * DESCRIPTION
 *	rw_check_spf() runs at MAIL: the MAIL FROM identity's result (the
 *	null sender is checked as postmaster@HELO, RFC 7208 2.4) and then,
 *	unless MAIL FROM passed, the HELO identity's (RFC 7208 2.3) are
 *	mapped through spf_fail,
 *	spf_softfail, spf_neutral, spf_none, spf_temperror, spf_permerror.
 *	Replies use RFC 7372 codes: 550 5.7.23 for a refused result, with
 *	the domain's explanation when it has one (sanitised DNS text);
 *	451 4.7.24 for temperror; 550 5.7.24 for a refused permerror.
 *	Insiders and client_access OK clients are not checked.
 *	rw_spf_received() formats Received-SPF (RFC 7208 9.1).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "checks.h"

/* rw_spf_result_name - RFC 7208 result word */
const char *
rw_spf_result_name(enum rw_spf_result r)
{
	switch (r) {
	case RW_SPF_NOT_CHECKED:
		return "not-checked";
	case RW_SPF_NONE:
		return "none";
	case RW_SPF_NEUTRAL:
		return "neutral";
	case RW_SPF_PASS:
		return "pass";
	case RW_SPF_FAIL:
		return "fail";
	case RW_SPF_SOFTFAIL:
		return "softfail";
	case RW_SPF_TEMPERROR:
		return "temperror";
	case RW_SPF_PERMERROR:
		return "permerror";
	}
	return "unknown";
}

/* spf_verdict - one identity's result under the configured action */
static enum rw_action
spf_verdict(const struct rw_config *cfg, const struct rw_facts *f,
    const struct rw_spf_note *sf, const char *identity, struct rw_verdict *v)
{
	enum rw_spf_action act;
	char	text[RW_REPLY_MAX], reason[RW_REASON_MAX];

	if (sf->result == RW_SPF_NOT_CHECKED)
		return RW_ACT_CONTINUE;
	act = cfg->spf_action[sf->result];
	if (act == RW_SPFACT_ACCEPT)
		return RW_ACT_CONTINUE;
	if (act == RW_SPFACT_TAG)
		return RW_ACT_TAG;	/* the caller words the tag */
	snprintf(reason, sizeof(reason), "spf %s=%s domain=%.100s%s%.100s",
	    identity, rw_spf_result_name(sf->result), sf->domain,
	    sf->reason[0] ? ": " : "", sf->reason);
	if (sf->result == RW_SPF_TEMPERROR) {
		snprintf(text, sizeof(text), "SPF check of %.100s failed temporarily, "
		    "try again later", sf->domain);
		/* a DNS failure is never a 5xx, whatever was configured */
		return rw_verdict_set(v, RW_ACT_TEMPFAIL, "spf", "451", "4.7.24",
		    text, reason);
	}
	if (sf->result == RW_SPF_PERMERROR) {
		snprintf(text, sizeof(text), "SPF record of %.100s is invalid%s%.150s",
		    sf->domain, sf->reason[0] ? ": " : "", sf->reason);
		if (act == RW_SPFACT_TEMPFAIL)
			return rw_verdict_set(v, RW_ACT_TEMPFAIL, "spf", "450", "4.7.24",
			    text, reason);
		return rw_verdict_set(v, RW_ACT_REJECT, "spf", "550", "5.7.24", text,
		    reason);
	}
	if (sf->explanation[0] != '\0')
		snprintf(text, sizeof(text), "%.300s", sf->explanation);
	else if (sf->result == RW_SPF_NONE)
		snprintf(text, sizeof(text), "SPF none: %.100s publishes no SPF "
		    "record", sf->domain);
	else if (sf->result == RW_SPF_NEUTRAL)
		snprintf(text, sizeof(text), "SPF neutral: %.100s does not say "
		    "whether %s may send its mail", sf->domain, f->client_addr);
	else
		snprintf(text, sizeof(text), "SPF %s: %.100s does not designate %s "
		    "as permitted sender", rw_spf_result_name(sf->result), sf->domain,
		    f->client_addr);
	if (act == RW_SPFACT_TEMPFAIL)
		return rw_verdict_set(v, RW_ACT_TEMPFAIL, "spf", "450", "4.7.23", text,
		    reason);
	return rw_verdict_set(v, RW_ACT_REJECT, "spf", "550", "5.7.23", text, reason);
}

/* rw_check_spf - MAIL FROM identity, then HELO identity */
enum rw_action
rw_check_spf(const struct rw_config *cfg, const struct rw_facts *f,
    struct rw_verdict *v)
{
	char	tag[RW_TAG_MAX], reason[RW_REASON_MAX];
	bool	mail_tag, helo_tag = false;
	enum rw_action r;

	if (f->insider || f->client_ok)
		return RW_ACT_CONTINUE;
	r = spf_verdict(cfg, f, &f->spf_mail, "mailfrom", v);
	if (rw_action_refuses(r))
		return r;
	mail_tag = r == RW_ACT_TAG;
	/* a MAIL FROM that passes is authorised, whatever its HELO says */
	if (f->spf_mail.result != RW_SPF_PASS) {
		r = spf_verdict(cfg, f, &f->spf_helo, "helo", v);
		if (rw_action_refuses(r))
			return r;
		helo_tag = r == RW_ACT_TAG;
	}
	if (!mail_tag && !helo_tag)
		return RW_ACT_CONTINUE;
	snprintf(tag, sizeof(tag), "%s%s%s%s%s",
	    mail_tag ? "spf=" : "",
	    mail_tag ? rw_spf_result_name(f->spf_mail.result) : "",
	    mail_tag && helo_tag ? "; " : "", helo_tag ? "spf-helo=" : "",
	    helo_tag ? rw_spf_result_name(f->spf_helo.result) : "");
	snprintf(reason, sizeof(reason), "spf %.200s (tag)", tag);
	return rw_verdict_tag(v, "spf", tag, reason);
}

/* quote_value - RFC 5322 quoted-string content: printable, no quote/backslash */
static void
quote_value(char *dst, size_t size, const char *src)
{
	size_t	o = 0;

	for (; *src != '\0' && o + 1 < size; src++)
		if (*src >= 0x20 && *src < 0x7f && *src != '"' && *src != '\\')
			dst[o++] = *src;
	dst[o] = '\0';
}

/* rw_spf_received - Received-SPF for the MAIL FROM identity */
bool
rw_spf_received(const struct rw_facts *f, const char *receiver, char *buf,
    size_t len)
{
	const struct rw_spf_note *sf = &f->spf_mail;
	char	from[RW_ADDR_MAX + 1], helo[RW_HOSTNAME_MAX + 1];
	char	recv[RW_HOSTNAME_MAX + 1], why[RW_REASON_MAX];
	int	n;

	if (sf->result == RW_SPF_NOT_CHECKED || len == 0)
		return false;
	quote_value(from, sizeof(from), f->sender);
	quote_value(helo, sizeof(helo), f->helo);
	quote_value(recv, sizeof(recv), receiver);
	if (recv[0] == '\0' || strchr(recv, ' ') != NULL || strchr(recv, ';') != NULL)
		rw_strlcpy_ok(recv, "localhost", sizeof(recv));
	rw_txt_sanitize(why, sizeof(why), sf->reason, strlen(sf->reason));
	for (n = 0; why[n] != '\0'; n++)	/* keep the comment balanced */
		if (why[n] == '(' || why[n] == ')')
			why[n] = ' ';
	n = snprintf(buf, len, "%s (%s: %s) client-ip=%s; envelope-from=\"%s\"; "
	    "helo=\"%s\"; receiver=%s; identity=mailfrom;",
	    rw_spf_result_name(sf->result), recv,
	    why[0] ? why : rw_spf_result_name(sf->result), f->client_addr, from,
	    helo, recv);
	return n > 0 && (size_t)n < len;
}
