/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	domain - domain names, address literals and domain lists
 * DESCRIPTION
 *	rw_domain_normalize() turns a domain as written in an address or in
 *	the configuration into the one form every comparison uses: ASCII
 *	lowercase, one trailing dot removed (RFC 1034 absolute form), each
 *	label 1..63 characters of letters, digits and inner hyphens (RFC
 *	1123 2.1; underscores are accepted because real host names carry
 *	them). Address literals (RFC 5321 4.1.3) come back canonical:
 *	"[192.0.2.1]" or "[ipv6:2001:db8::1]", so that "[IPv6:2001:DB8::1]"
 *	and "[ipv6:2001:db8:0::1]" compare equal. On failure the output is
 *	the empty string (when it has room for one) and err says why.
 *	rw_domain_list_match() compares on label boundaries: an entry
 *	"example.com" matches only that name; ".example.com" matches it and
 *	every name below it. "evil-example.com" and "example.com.evil.net"
 *	never match "example.com".
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "checks.h"

static bool
normalize_literal(const char *in, size_t len, char *out, size_t outlen,
    char *err, size_t errlen)
{
	char		 inner[RW_IPTEXT_MAX];
	char		 text[RW_IPTEXT_MAX];
	unsigned char	 b[16];
	bool		 v6;

	/* in = "[...]", len includes both brackets */
	if (len < 3 || len - 2 >= sizeof(inner)) {
		snprintf(err, errlen, "bad address literal");
		return false;
	}
	memcpy(inner, in + 1, len - 2);
	inner[len - 2] = '\0';
	v6 = strncasecmp(inner, "IPv6:", 5) == 0;
	if (v6) {
		if (inet_pton(AF_INET6, inner + 5, b) != 1 ||
		    inet_ntop(AF_INET6, b, text, sizeof(text)) == NULL) {
			snprintf(err, errlen, "bad IPv6 address literal");
			return false;
		}
		if ((size_t)snprintf(out, outlen, "[ipv6:%s]", text) >= outlen)
			goto toolong;
	} else {
		if (inet_pton(AF_INET, inner, b) != 1 ||
		    inet_ntop(AF_INET, b, text, sizeof(text)) == NULL) {
			snprintf(err, errlen, "bad IPv4 address literal");
			return false;
		}
		if ((size_t)snprintf(out, outlen, "[%s]", text) >= outlen)
			goto toolong;
	}
	return true;
toolong:
	snprintf(err, errlen, "address literal too long");
	return false;
}

static bool
label_char(unsigned char c)
{
	return rw_isalnum(c) || c == '-' || c == '_';
}

/* normalize - rw_domain_normalize() without the failure guarantee */
static bool
normalize(const char *in, char *out, size_t outlen, char *err, size_t errlen)
{
	size_t	len = strlen(in);
	size_t	i, label = 0;

	if (len > 0 && in[len - 1] == '.' && in[0] != '[')
		len--;		/* one trailing dot: absolute form */
	if (len == 0) {
		snprintf(err, errlen, "empty domain");
		return false;
	}
	if (in[0] == '[') {
		if (in[len - 1] != ']') {
			snprintf(err, errlen, "unterminated address literal");
			return false;
		}
		return normalize_literal(in, len, out, outlen, err, errlen);
	}
	if (len > 253 || len >= outlen) {
		snprintf(err, errlen, "domain longer than 253 characters");
		return false;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '.') {
			if (label == 0) {
				snprintf(err, errlen, "empty label in domain");
				return false;
			}
			if (in[i - 1] == '-') {
				snprintf(err, errlen, "label ends with a hyphen");
				return false;
			}
			label = 0;
		} else if (label_char(c)) {
			if (label == 0 && c == '-') {
				snprintf(err, errlen, "label starts with a hyphen");
				return false;
			}
			if (++label > RW_LABEL_MAX) {
				snprintf(err, errlen, "label longer than 63 characters");
				return false;
			}
		} else {
			snprintf(err, errlen, "invalid character in domain");
			return false;
		}
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : (char)c;
	}
	if (label == 0) {
		snprintf(err, errlen, "empty label in domain");
		return false;
	}
	if (in[len - 1] == '-') {
		snprintf(err, errlen, "label ends with a hyphen");
		return false;
	}
	out[len] = '\0';
	return true;
}

/* rw_domain_normalize - canonical lowercase form, syntax checked */
bool
rw_domain_normalize(const char *in, char *out, size_t outlen, char *err,
    size_t errlen)
{
	/* a failure may come before anything was written, or halfway
	 * through: either way the caller gets an empty string, never
	 * uninitialised or unterminated bytes */
	if (normalize(in, out, outlen, err, errlen))
		return true;
	if (outlen > 0)
		out[0] = '\0';
	return false;
}

/* entry_matches - label-boundary comparison of one list entry */
static bool
entry_matches(const struct rw_domain *e, const char *domain)
{
	size_t	dl = strlen(domain), el = strlen(e->name);

	if (dl == el)
		return strcmp(domain, e->name) == 0;
	if (!e->subdomains || dl < el + 2 || e->name[0] == '[')
		return false;
	return domain[dl - el - 1] == '.' && strcmp(domain + dl - el, e->name) == 0;
}

/* rw_domain_list_match - domain (already normalized) in the list */
bool
rw_domain_list_match(const struct rw_domain_list *l, const char *domain)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (entry_matches(&l->v[i], domain))
			return true;
	return false;
}
