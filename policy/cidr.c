/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	cidr - IP addresses and CIDR networks, IPv4 and IPv6
 * DESCRIPTION
 *	rw_ip_parse() reads an address as an MTA hands it over: plain IPv4,
 *	plain IPv6, or IPv6 with the "IPv6:" tag that sendmail and Postfix
 *	put in {client_addr}. IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes
 *	IPv4, so that one IPv4 network entry covers a client arriving
 *	either way.
 *	rw_cidr_parse() reads "address[/prefix]" and refuses host bits set
 *	below the prefix: "192.0.2.1/24" is almost always a typo, and
 *	guessing which network was meant could open a relay.
 *	rw_cidr_match() and rw_cidr_list_match() compare prefixes bitwise.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rw_policy.h"

static const unsigned char v4mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* rw_ip_parse - text to rw_ip, "IPv6:" tag and v4-mapped accepted */
bool
rw_ip_parse(const char *text, struct rw_ip *out)
{
	char	buf[RW_IPTEXT_MAX];

	memset(out, 0, sizeof(*out));
	if (strncasecmp(text, "IPv6:", 5) == 0)
		text += 5;
	if (!rw_strlcpy_ok(buf, text, sizeof(buf)))
		return false;
	if (inet_pton(AF_INET, buf, out->b) == 1) {
		out->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, buf, out->b) == 1) {
		out->family = AF_INET6;
		if (memcmp(out->b, v4mapped_prefix, 12) == 0) {
			memmove(out->b, out->b + 12, 4);
			memset(out->b + 4, 0, 12);
			out->family = AF_INET;
		}
		return true;
	}
	return false;
}

/* rw_ip_format - rw_ip to text */
void
rw_ip_format(const struct rw_ip *ip, char *buf, size_t len)
{
	if (inet_ntop(ip->family, ip->b, buf, (socklen_t)len) == NULL)
		rw_strlcpy_ok(buf, "invalid", len);
}

static bool
host_bits_clear(const struct rw_ip *ip, unsigned int prefix)
{
	unsigned int bytes = ip->family == AF_INET ? 4 : 16;
	unsigned int i;

	for (i = 0; i < bytes; i++) {
		unsigned int bit0 = i * 8;
		unsigned char mask;

		if (bit0 + 8 <= prefix)
			continue;
		mask = bit0 >= prefix ? 0xff : (unsigned char)(0xff >> (prefix - bit0));
		if (ip->b[i] & mask)
			return false;
	}
	return true;
}

/* rw_cidr_parse - "addr[/len]" with host-bit and range checks */
bool
rw_cidr_parse(const char *text, struct rw_cidr *out, char *err, size_t errlen)
{
	char	 buf[RW_IPTEXT_MAX];
	char	*slash, *end;
	unsigned long prefix;
	unsigned int max;
	bool	 mapped;

	if (!rw_strlcpy_ok(buf, text, sizeof(buf))) {
		snprintf(err, errlen, "network \"%.60s...\" is too long", text);
		return false;
	}
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	if (buf[0] == '[') {	/* allow [2001:db8::]/32 */
		size_t l = strlen(buf);
		if (l < 3 || buf[l - 1] != ']') {
			snprintf(err, errlen, "bad network \"%s\"", text);
			return false;
		}
		buf[l - 1] = '\0';
		memmove(buf, buf + 1, l - 1);
	}
	mapped = strncasecmp(buf, "::ffff:", 7) == 0 && strchr(buf + 7, '.') != NULL;
	if (!rw_ip_parse(buf, &out->net)) {
		snprintf(err, errlen, "bad network address \"%s\"", text);
		return false;
	}
	max = out->net.family == AF_INET ? 32 : 128;
	if (slash == NULL) {
		out->prefix = max;
		return true;
	}
	if (*slash < '0' || *slash > '9') {
		snprintf(err, errlen, "bad prefix length in \"%s\"", text);
		return false;
	}
	prefix = strtoul(slash, &end, 10);
	if (*end != '\0' || end - slash > 3) {
		snprintf(err, errlen, "bad prefix length in \"%s\"", text);
		return false;
	}
	if (mapped) {	/* ::ffff:a.b.c.d/104 is a.b.c.d/8 */
		if (prefix < 96 || prefix > 128) {
			snprintf(err, errlen, "prefix length of IPv4-mapped \"%s\" must be 96..128", text);
			return false;
		}
		prefix -= 96;
	}
	if (prefix > max) {
		snprintf(err, errlen, "prefix length %lu in \"%s\" exceeds %u", prefix, text, max);
		return false;
	}
	out->prefix = (unsigned int)prefix;
	if (!host_bits_clear(&out->net, out->prefix)) {
		snprintf(err, errlen, "\"%s\" has host bits set below the /%lu prefix", text, prefix);
		return false;
	}
	return true;
}

/* rw_cidr_match - is ip inside the network */
bool
rw_cidr_match(const struct rw_cidr *c, const struct rw_ip *ip)
{
	unsigned int full, rest;

	if (c->net.family != ip->family)
		return false;
	full = c->prefix / 8;
	rest = c->prefix % 8;
	if (full > 0 && memcmp(c->net.b, ip->b, full) != 0)
		return false;
	if (rest != 0) {
		unsigned char mask = (unsigned char)(0xff << (8 - rest));
		if ((c->net.b[full] & mask) != (ip->b[full] & mask))
			return false;
	}
	return true;
}

/* rw_cidr_list_match - is ip inside any network of the list */
bool
rw_cidr_list_match(const struct rw_cidr_list *l, const struct rw_ip *ip)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (rw_cidr_match(&l->v[i], ip))
			return true;
	return false;
}
