/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	address - take an envelope address apart, routing forms included
 * DESCRIPTION
 *	rw_address_parse() reads an address as it arrives in MAIL FROM or
 *	RCPT TO and lists every host the address would be handed to by an
 *	MTA that honours the legacy routing forms, as an old sendmail may:
 *
 *	  source route	 <@a,@b:user@c>		hops a, b, c (RFC 5321 C)
 *	  percent hack	 <user%b%a@c>		hops c, a, b
 *	  bang path	 <a!b!user@c>, <a!user>	hops c, a, b
 *
 *	The relay check then requires every hop to be ours. Forms where the
 *	destination cannot be told are classed UNCLEAR, so that an outsider
 *	is refused rather than guessed about: a quoted local part that holds
 *	"@ % ! : ," or a backslash, a doubled "@", "!" and "%" together
 *	(MTAs disagree on their precedence), comments, whitespace, list or
 *	group syntax, and more than RW_HOPS_MAX hops.
 *	Domains are normalized by rw_domain_normalize(); a bare local part
 *	without routing characters (RFC 5321 "postmaster") has no hops.
 *	Control characters make an address INVALID. Bytes above 0x7f are
 *	allowed in the local part (SMTPUTF8) where they route nowhere.
 */
#include "config.h"

#include <string.h>

#include "rw_policy.h"

#define ADDR_BUF	(RW_ADDR_MAX + 3)

static void
set_class(struct rw_address *a, enum rw_addr_class cls, const char *why)
{
	/* a worse class wins: PLAIN < ROUTED < UNCLEAR < INVALID */
	if (cls > a->cls || a->cls == RW_ADDR_PLAIN) {
		a->cls = cls;
		a->why = why;
	}
}

/* add_hop - normalize a host name and append it to the hop list */
static bool
add_hop(struct rw_address *a, const char *start, size_t len)
{
	char	host[RW_HOSTNAME_MAX + 2];
	char	err[64];

	if (len == 0 || len >= sizeof(host)) {
		set_class(a, RW_ADDR_INVALID, "empty or overlong routing host");
		return false;
	}
	memcpy(host, start, len);
	host[len] = '\0';
	if (a->nhops >= RW_HOPS_MAX) {
		set_class(a, RW_ADDR_UNCLEAR, "too many routing hops");
		return false;
	}
	if (!rw_domain_normalize(host, a->hops[a->nhops],
	    sizeof(a->hops[a->nhops]), err, sizeof(err))) {
		set_class(a, RW_ADDR_INVALID, "bad host name in routing part");
		return false;
	}
	a->nhops++;
	return true;
}

/* strip_brackets - trim blanks and one pair of angle brackets in place */
static char *
strip_brackets(char *s, struct rw_address *a)
{
	size_t	len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		s[--len] = '\0';
	if (len > 0 && s[0] == '<') {
		if (s[len - 1] != '>') {
			set_class(a, RW_ADDR_INVALID, "unbalanced angle brackets");
			return NULL;
		}
		s[len - 1] = '\0';
		s++;
	} else if (len > 0 && s[len - 1] == '>') {
		set_class(a, RW_ADDR_INVALID, "unbalanced angle brackets");
		return NULL;
	}
	return s;
}

/* parse_route - "@a,@b:" prefix; returns the mailbox after the colon */
static char *
parse_route(char *s, struct rw_address *a)
{
	char	*colon = strchr(s, ':');
	char	*hop, *comma;

	if (colon == NULL) {
		set_class(a, RW_ADDR_INVALID, "source route without a colon");
		return NULL;
	}
	*colon = '\0';
	set_class(a, RW_ADDR_ROUTED, "source route");
	for (hop = s; hop != NULL; hop = comma) {
		comma = strchr(hop, ',');
		if (comma != NULL)
			*comma++ = '\0';
		if (hop[0] != '@') {
			set_class(a, RW_ADDR_INVALID, "bad source route");
			return NULL;
		}
		if (!add_hop(a, hop + 1, strlen(hop + 1)))
			return NULL;
	}
	return colon + 1;
}

/* parse_quoted - a quoted local part; returns the text after it */
static char *
parse_quoted(char *s, struct rw_address *a)
{
	char	*p;

	for (p = s + 1; *p != '"'; p++) {
		if (*p == '\0') {
			set_class(a, RW_ADDR_INVALID, "unterminated quoted local part");
			return NULL;
		}
		if (*p == '\\') {
			set_class(a, RW_ADDR_UNCLEAR, "escaped character in quoted local part");
			return NULL;
		}
		if (strchr("@%!:,<>[]", *p) != NULL) {
			set_class(a, RW_ADDR_UNCLEAR, "quoted local part hides an address");
			return NULL;
		}
	}
	return p + 1;
}

/* parse_local_routing - percent hack and bang path hops in a local part */
static void
parse_local_routing(const char *local, struct rw_address *a)
{
	const char *bang = strchr(local, '!');
	const char *pct = strchr(local, '%');
	const char *p, *q;

	if (bang != NULL && pct != NULL) {
		set_class(a, RW_ADDR_UNCLEAR, "both bang path and percent hack");
		return;
	}
	if (bang != NULL) {
		set_class(a, RW_ADDR_ROUTED, "bang path");
		for (p = local; (q = strchr(p, '!')) != NULL; p = q + 1)
			if (!add_hop(a, p, (size_t)(q - p)))
				return;
		if (*p == '\0')
			set_class(a, RW_ADDR_INVALID, "bang path without a user");
		return;
	}
	if (pct != NULL) {
		set_class(a, RW_ADDR_ROUTED, "percent hack");
		if (pct == local) {
			set_class(a, RW_ADDR_INVALID, "percent hack without a user");
			return;
		}
		for (p = pct + 1; ; p = q + 1) {
			q = strchr(p, '%');
			if (!add_hop(a, p, q == NULL ? strlen(p) : (size_t)(q - p)))
				return;
			if (q == NULL)
				break;
		}
	}
}

/* rw_address_parse - classify an envelope address and list its hops */
void
rw_address_parse(const char *raw, struct rw_address *a)
{
	char	 buf[ADDR_BUF];
	char	*s, *p, *at, *domain;
	char	 err[64];
	const unsigned char *u;

	memset(a, 0, sizeof(*a));
	a->cls = RW_ADDR_PLAIN;
	if (raw == NULL || !rw_strlcpy_ok(buf, raw, sizeof(buf))) {
		set_class(a, RW_ADDR_INVALID, "address too long");
		return;
	}
	for (u = (const unsigned char *)buf; *u != '\0'; u++)
		if (*u < 0x20 || *u == 0x7f) {
			set_class(a, RW_ADDR_INVALID, "control character in address");
			return;
		}
	if ((s = strip_brackets(buf, a)) == NULL)
		return;
	if (*s == '\0') {
		a->cls = RW_ADDR_NULL;
		a->why = "null address";
		return;
	}
	if (*s == '@' && (s = parse_route(s, a)) == NULL)
		return;

	/* mailbox: local-part [ "@" domain ] */
	if (*s == '"') {
		if ((p = parse_quoted(s, a)) == NULL)
			return;
		if (*p != '@' && *p != '\0') {
			set_class(a, RW_ADDR_UNCLEAR, "text after a quoted local part");
			return;
		}
		at = *p == '@' ? p : NULL;
	} else {
		/* the local part; the domain is checked by rw_domain_normalize() */
		for (p = s; *p != '\0' && *p != '@'; p++) {
			if (*p == ' ' || *p == '\t') {
				set_class(a, RW_ADDR_UNCLEAR, "whitespace in address");
				return;
			}
			if (strchr("\"\\()<>;:,", *p) != NULL) {
				set_class(a, RW_ADDR_UNCLEAR,
				    "quote, escape, comment or list syntax in address");
				return;
			}
		}
		at = strchr(s, '@');
		if (at != NULL && strchr(at + 1, '@') != NULL) {
			set_class(a, RW_ADDR_UNCLEAR, "more than one @");
			return;
		}
	}
	if (at == s) {
		set_class(a, RW_ADDR_INVALID, "empty local part");
		return;
	}
	if (at != NULL) {
		*at = '\0';
		domain = at + 1;
		if (!rw_domain_normalize(domain, a->domain, sizeof(a->domain),
		    err, sizeof(err))) {
			set_class(a, RW_ADDR_INVALID, "bad domain");
			return;
		}
		if (a->nhops >= RW_HOPS_MAX) {
			set_class(a, RW_ADDR_UNCLEAR, "too many routing hops");
			return;
		}
		rw_strlcpy_ok(a->hops[a->nhops++], a->domain, sizeof(a->hops[0]));
	}
	if (!rw_strlcpy_ok(a->local, s, sizeof(a->local))) {
		set_class(a, RW_ADDR_INVALID, "local part too long");
		return;
	}
	if (s[0] != '"')
		parse_local_routing(a->local, a);
}
