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
 *	rw_check_helo_names_us() applies helo_names_us: an outsider that
 *	HELOs with our own name (macro j, our_hostnames), one of our
 *	addresses (our_addresses, the address it connected to), a local
 *	domain (exactly an entry of local_domains) or a localhost name
 *	claims to be us: "helo=names-us", 550 5.7.1. Its own address as a
 *	literal is never "us" (a client on the same host).
 *
 *	rw_check_helo_syntax() applies helo_syntax: a HELO that is neither a
 *	host name (RFC 1123 labels; underscores and one trailing dot
 *	tolerated, as rw_domain_normalize() does, since real hosts send
 *	them) nor an address literal nor a bare address: "helo=invalid",
 *	550 5.5.2. A bare address is helo_foreign_literal's business, and a
 *	missing HELO is not judged (an MTA may not pass it on).
 *
 *	rw_check_helo_fqdn() applies helo_fqdn: a valid host name of one
 *	label ("exchange", "WIN-3K1") is not fully qualified (RFC 5321
 *	4.1.1.1): "helo=not-fqdn", 550 5.5.2. Localhost names are
 *	helo_names_us's.
 *
 *	They all run at MAIL, not at HELO: authentication, which makes a
 *	client an insider, is known only at MAIL, and roaming users behind
 *	NAT commonly HELO with a private address literal or a bare machine
 *	name. Outsiders only: insiders and client_access OK clients are
 *	never judged.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "checks.h"

/* The names a host calls itself (Debian's /etc/hosts among them). */
static const char *const localhost_names[] = {
	"localhost", "localhost.localdomain", "localhost4",
	"localhost4.localdomain4", "localhost6", "localhost6.localdomain6",
	"ip6-localhost", "ip6-loopback", NULL
};

/* outsider - the HELO checks judge these clients only */
static bool
outsider(const struct rw_facts *f)
{
	return !f->insider && !f->client_ok && f->helo[0] != '\0';
}

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
	snprintf(text, sizeof(text), "HELO %.100s is not your address %s",
	    f->helo, f->client_addr);
	return rw_verdict_action(cfg->helo_foreign_literal, v,
	    "helo_foreign_literal", "helo=foreign-literal", "450", "5.7.1", text,
	    reason);
}

static bool
is_localhost(const char *name)
{
	size_t	i;

	for (i = 0; localhost_names[i] != NULL; i++)
		if (strcmp(name, localhost_names[i]) == 0)
			return true;
	return false;
}

/* our_name - the normalised HELO name is ours; what makes it so */
static const char *
our_name(const struct rw_config *cfg, const struct rw_facts *f,
    const char *name)
{
	char	j[RW_HOSTNAME_MAX + 1], why[64];
	size_t	i;

	if (is_localhost(name))
		return "a localhost name";
	if (f->mta_host[0] != '\0' && rw_domain_normalize(f->mta_host, j,
	    sizeof(j), why, sizeof(why)) && strcmp(j, name) == 0)
		return "our host name";
	for (i = 0; i < cfg->our_hostnames.n; i++)
		if (strcmp(cfg->our_hostnames.v[i].name, name) == 0)
			return "our host name";
	/* a local domain exactly: hosts below it may be outsiders' */
	for (i = 0; i < cfg->local_domains.n; i++)
		if (strcmp(cfg->local_domains.v[i].name, name) == 0)
			return "a local domain";
	return NULL;
}

/* rw_check_helo_names_us - helo_names_us, outsiders only */
enum rw_action
rw_check_helo_names_us(const struct rw_config *cfg, const struct rw_facts *f,
    struct rw_verdict *v)
{
	struct rw_ip ip;
	char	name[RW_HOSTNAME_MAX + 1], why[64];
	char	text[RW_REPLY_MAX], reason[RW_REASON_MAX];
	const char *what = NULL;

	if (cfg->helo_names_us == RW_CHK_OFF || !outsider(f))
		return RW_ACT_CONTINUE;
	if (helo_address(f->helo, &ip)) {
		if (f->client_known && ip.family == f->client_ip.family &&
		    memcmp(ip.b, f->client_ip.b, sizeof(ip.b)) == 0)
			return RW_ACT_CONTINUE;	/* its own address */
		if (f->server_known && ip.family == f->server_ip.family &&
		    memcmp(ip.b, f->server_ip.b, sizeof(ip.b)) == 0)
			what = "the address it connected to";
		else if (rw_cidr_list_match(&cfg->our_addresses, &ip))
			what = "one of our addresses";
	} else if (rw_domain_normalize(f->helo, name, sizeof(name), why,
	    sizeof(why)))
		what = our_name(cfg, f, name);
	if (what == NULL)
		return RW_ACT_CONTINUE;
	snprintf(reason, sizeof(reason), "helo %.100s names us (%s)", f->helo,
	    what);
	snprintf(text, sizeof(text), "HELO %.100s names this server, not "
	    "yours", f->helo);
	return rw_verdict_action(cfg->helo_names_us, v, "helo_names_us",
	    "helo=names-us", "450", "5.7.1", text, reason);
}

/* rw_check_helo_syntax - helo_syntax, outsiders only */
enum rw_action
rw_check_helo_syntax(const struct rw_config *cfg, const struct rw_facts *f,
    struct rw_verdict *v)
{
	struct rw_ip ip;
	char	name[RW_HOSTNAME_MAX + 1], why[64], safe[120];
	char	text[RW_REPLY_MAX], reason[RW_REASON_MAX];

	if (cfg->helo_syntax == RW_CHK_OFF || !outsider(f) ||
	    rw_ip_parse(f->helo, &ip) ||
	    rw_domain_normalize(f->helo, name, sizeof(name), why, sizeof(why)))
		return RW_ACT_CONTINUE;
	rw_sanitize(safe, sizeof(safe), f->helo);	/* for the reply */
	snprintf(reason, sizeof(reason), "helo %.100s is not a valid host name "
	    "or address literal: %s", f->helo, why);	/* the log escapes it */
	snprintf(text, sizeof(text), "HELO %s is not a valid host name or "
	    "address literal (%s)", safe, why);
	return rw_verdict_action(cfg->helo_syntax, v, "helo_syntax",
	    "helo=invalid", "450", "5.5.2", text, reason);
}

/* rw_check_helo_fqdn - helo_fqdn, outsiders only */
enum rw_action
rw_check_helo_fqdn(const struct rw_config *cfg, const struct rw_facts *f,
    struct rw_verdict *v)
{
	char	name[RW_HOSTNAME_MAX + 1], why[64];
	char	text[RW_REPLY_MAX], reason[RW_REASON_MAX];

	if (cfg->helo_fqdn == RW_CHK_OFF || !outsider(f) ||
	    !rw_domain_normalize(f->helo, name, sizeof(name), why, sizeof(why)) ||
	    name[0] == '[' || strchr(name, '.') != NULL || is_localhost(name))
		return RW_ACT_CONTINUE;
	snprintf(reason, sizeof(reason), "helo %.100s is not a fully qualified "
	    "domain name", f->helo);
	snprintf(text, sizeof(text), "HELO %.100s is not a fully qualified "
	    "domain name", f->helo);
	return rw_verdict_action(cfg->helo_fqdn, v, "helo_fqdn",
	    "helo=not-fqdn", "450", "5.5.2", text, reason);
}
