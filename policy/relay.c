/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	relay - relay control: insiders may send anywhere, outsiders only to us
 * DESCRIPTION
 *	rw_check_relay() judges one recipient at RCPT. Insiders (trusted
 *	network, or authenticated when trust_authenticated is set) pass.
 *	For an outsider the recipient passes only when every host it would
 *	be handed to (rw_address_parse() hops: domain, source-route hops,
 *	percent-hack and bang-path hosts) is a local or relay domain, or
 *	when it is a bare local part with no routing (RFC 5321 postmaster).
 *	Anything unclear or invalid is refused: an open relay is the worst
 *	failure this program can have, and a refused legitimate recipient
 *	can be fixed by the sender. Refusal: 550 5.7.1 (RFC 3463 "delivery
 *	not authorized").
 *	rw_check_max_recipients() bounds recipients per transaction for
 *	outsiders (452 4.5.3, RFC 5321 4.5.3.1.10), the amplification
 *	relay abusers want. client_access OK clients are exempt.
 */
#include "config.h"

#include <stdio.h>

#include "checks.h"

static bool
domain_is_ours(const struct rw_config *cfg, const char *d)
{
	return rw_domain_list_match(&cfg->local_domains, d) ||
	    rw_domain_list_match(&cfg->relay_domains, d);
}

static enum rw_action
deny(struct rw_verdict *v, const char *rcpt, const char *reason)
{
	char	text[RW_REPLY_MAX];

	/* bounded; rw_verdict_set() keeps only printable ASCII */
	snprintf(text, sizeof(text), "<%.200s>: Relaying denied", rcpt);
	return rw_verdict_set(v, RW_ACT_REJECT, "relay", "550", "5.7.1", text,
	    reason);
}

/* rw_check_relay - may this recipient be accepted from this client */
enum rw_action
rw_check_relay(const struct rw_config *cfg, const struct rw_facts *f,
    struct rw_verdict *v)
{
	struct rw_address a;
	char	reason[RW_REASON_MAX];
	size_t	i;

	if (f->insider)
		return RW_ACT_CONTINUE;
	if (f->rcpt_overlong)
		return deny(v, f->rcpt, "outsider, address longer than 512 octets");
	rw_address_parse(f->rcpt, &a);
	switch (a.cls) {
	case RW_ADDR_NULL:
		return deny(v, f->rcpt, "null recipient");
	case RW_ADDR_INVALID:
	case RW_ADDR_UNCLEAR:
		snprintf(reason, sizeof(reason), "outsider, %s", a.why);
		return deny(v, f->rcpt, reason);
	case RW_ADDR_PLAIN:
	case RW_ADDR_ROUTED:
		break;
	}
	for (i = 0; i < a.nhops; i++) {
		if (!domain_is_ours(cfg, a.hops[i])) {
			snprintf(reason, sizeof(reason),
			    "outsider, %s%s%s is not a local or relay domain",
			    a.cls == RW_ADDR_ROUTED ? a.why : "",
			    a.cls == RW_ADDR_ROUTED ? " via " : "domain ",
			    a.hops[i]);
			return deny(v, f->rcpt, reason);
		}
	}
	return RW_ACT_CONTINUE;
}

/* rw_check_max_recipients - bound recipients per message for outsiders */
enum rw_action
rw_check_max_recipients(const struct rw_config *cfg, const struct rw_facts *f,
    struct rw_verdict *v)
{
	char	reason[RW_REASON_MAX];

	if (f->insider || f->client_ok || cfg->max_recipients == 0 ||
	    f->nrcpt_accepted < cfg->max_recipients)
		return RW_ACT_CONTINUE;
	snprintf(reason, sizeof(reason), "outsider, more than %u recipients",
	    cfg->max_recipients);
	return rw_verdict_set(v, RW_ACT_TEMPFAIL, "max_recipients", "452",
	    "4.5.3", "Too many recipients", reason);
}
