/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	forgery - envelopes that claim what an outsider cannot be
 * DESCRIPTION
 *	rw_check_forged_local_sender() applies forged_local_sender at MAIL:
 *	an outsider (not a trusted network, not client_access OK) that did
 *	not authenticate gives an envelope sender in one of our
 *	local_domains (subdomains as local_domains says). Our own users
 *	send through a trusted network or after authenticating, so this is
 *	mail that "appears to originate from your local domain" from
 *	outside. tag records "sender=forged-local"; tempfail 450 4.7.1,
 *	reject 550 5.7.1. An authenticated client is not judged even when
 *	trust_authenticated is off. Forwarders that keep the envelope
 *	sender (no SRS) trip it: hence tag by default.
 *
 *	rw_check_bounce_multiple_rcpts() applies bounce_multiple_rcpts at
 *	RCPT: a null sender (a bounce, RFC 5321 4.5.5) goes back to the one
 *	address that sent the message, so from the second recipient on, an
 *	outsider's null-sender transaction is backscatter or spam. It is
 *	judged at the second RCPT TO, not at DATA: the first recipient (the
 *	genuine bounce, if there is one) is accepted and only the extra
 *	ones are refused, whereas a refusal at DATA or end of headers would
 *	lose the whole message. tag records "bounce=multiple-rcpts";
 *	tempfail 452 4.5.3, reject 550 5.5.3 ("too many recipients", RFC
 *	3463). Recipients refused by other checks do not count.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "checks.h"

/* rw_check_forged_local_sender - forged_local_sender at MAIL */
enum rw_action
rw_check_forged_local_sender(const struct rw_config *cfg,
    const struct rw_facts *f, struct rw_verdict *v)
{
	struct rw_address a;
	char	text[RW_REPLY_MAX], reason[RW_REASON_MAX];

	if (cfg->forged_local_sender == RW_CHK_OFF || f->insider ||
	    f->client_ok || f->authenticated || f->sender_overlong ||
	    f->sender[0] == '\0' || cfg->local_domains.n == 0)
		return RW_ACT_CONTINUE;
	rw_address_parse(f->sender, &a);
	if (a.cls != RW_ADDR_PLAIN || a.domain[0] == '\0' ||
	    !rw_domain_list_match(&cfg->local_domains, a.domain))
		return RW_ACT_CONTINUE;
	snprintf(reason, sizeof(reason), "sender domain %.100s is local, client "
	    "%s is an outsider and did not authenticate", a.domain,
	    f->client_addr);
	snprintf(text, sizeof(text), "Sender domain %.100s is ours: "
	    "authenticate to send as it", a.domain);
	return rw_verdict_action(cfg->forged_local_sender, v,
	    "forged_local_sender", "sender=forged-local", "450", "5.7.1", text,
	    reason);
}

/* rw_check_bounce_multiple_rcpts - bounce_multiple_rcpts at RCPT */
enum rw_action
rw_check_bounce_multiple_rcpts(const struct rw_config *cfg,
    const struct rw_facts *f, struct rw_verdict *v)
{
	char	text[RW_REPLY_MAX], reason[RW_REASON_MAX];

	if (cfg->bounce_multiple_rcpts == RW_CHK_OFF || f->insider ||
	    f->client_ok || f->authenticated || f->sender[0] != '\0' ||
	    f->sender_overlong || f->nrcpt_accepted < 1)
		return RW_ACT_CONTINUE;
	snprintf(reason, sizeof(reason), "null sender, recipient %u",
	    f->nrcpt_accepted + 1);
	snprintf(text, sizeof(text), "A bounce (null sender) goes to one "
	    "recipient only");
	return rw_verdict_action(cfg->bounce_multiple_rcpts, v,
	    "bounce_multiple_rcpts", "bounce=multiple-rcpts", "452", "5.5.3",
	    text, reason);
}
