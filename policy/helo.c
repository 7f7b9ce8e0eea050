/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	helo - checks of the name a client gives in HELO/EHLO
 * DESCRIPTION
 *	rw_check_helo_foreign_literal() applies helo_foreign_literal: an
 *	outsider whose HELO is an address (an RFC 5321 4.1.3 literal such as
 *	"[192.0.2.1]" or "[IPv6:2001:db8::1]", or a bare address) other than
 *	the address it connects from claims to be another host. tag records
 *	"helo=foreign-literal"; tempfail gives 450 4.7.1 and reject 550
 *	5.7.1, naming both addresses. IPv4-mapped IPv6 compares as IPv4. A
 *	HELO that is not an address, or not a valid one, is not this
 *	check's business.
 *
 *	It runs at MAIL, not at HELO: authentication, which makes a client
 *	an insider, is known only at MAIL, and roaming users behind NAT
 *	commonly HELO with a private address literal.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "checks.h"

/* helo_address - the address a HELO names, if it is one */
static bool
helo_address(const char *helo, struct rw_ip *out)
{
	char	lit[RW_HOSTNAME_MAX + 1];
	size_t	len = strlen(helo);

	if (len >= 2 && helo[0] == '[' && helo[len - 1] == ']') {
		if (len - 2 >= sizeof(lit))
			return false;
		memcpy(lit, helo + 1, len - 2);
		lit[len - 2] = '\0';
		return rw_ip_parse(lit, out);	/* takes the "IPv6:" tag */
	}
	return rw_ip_parse(helo, out);
}

/* rw_check_helo_foreign_literal - helo_foreign_literal, outsiders only */
enum rw_action
rw_check_helo_foreign_literal(const struct rw_config *cfg,
    const struct rw_facts *f, struct rw_verdict *v)
{
	struct rw_ip helo;
	char	text[RW_REPLY_MAX], reason[RW_REASON_MAX];

	if (cfg->helo_foreign_literal == RW_CHK_OFF || f->insider ||
	    f->client_ok || !f->client_known || !helo_address(f->helo, &helo))
		return RW_ACT_CONTINUE;
	/* both parsed by rw_ip_parse: unused bytes are zero */
	if (helo.family == f->client_ip.family &&
	    memcmp(helo.b, f->client_ip.b, sizeof(helo.b)) == 0)
		return RW_ACT_CONTINUE;
	snprintf(reason, sizeof(reason), "helo %.100s is not the client's "
	    "address %s", f->helo, f->client_addr);
	if (cfg->helo_foreign_literal == RW_CHK_TAG)
		return rw_verdict_tag(v, "helo_foreign_literal",
		    "helo=foreign-literal", reason);
	snprintf(text, sizeof(text), "HELO %.100s is not your address %s",
	    f->helo, f->client_addr);
	if (cfg->helo_foreign_literal == RW_CHK_TEMPFAIL)
		return rw_verdict_set(v, RW_ACT_TEMPFAIL, "helo_foreign_literal",
		    "450", "4.7.1", text, reason);
	return rw_verdict_set(v, RW_ACT_REJECT, "helo_foreign_literal", "550",
	    "5.7.1", text, reason);
}
