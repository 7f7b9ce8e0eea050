/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	dnsname - DNS query names and DNS text, pure helpers
 * DESCRIPTION
 *	rw_dns_reverse_name() builds the RFC 5782 2.1/2.4 query names: the
 *	four IPv4 octets reversed, or the 32 IPv6 nibbles reversed, then the
 *	zone. rw_dns_ptr_name() is the same under in-addr.arpa / ip6.arpa
 *	(RFC 1035 3.5, RFC 3596 2.5). rw_dns_domain_query() prefixes a
 *	domain to an RHSBL zone (RFC 5782 2.2).
 *	rw_txt_sanitize() makes text from DNS fit for an SMTP reply: only
 *	printable ASCII survives (anything else, CR and LF included, becomes
 *	a space), runs of spaces collapse, and the result is bounded. A TXT
 *	record is the list operator's text, which we must not trust.
 */
#include "config.h"

#include <sys/socket.h>
#include <stdio.h>
#include <string.h>

#include "rw_policy.h"

static const char hexdig[] = "0123456789abcdef";

/* rw_dns_reverse_name - reversed address, then zone */
bool
rw_dns_reverse_name(const struct rw_ip *ip, const char *zone, char *out,
    size_t len)
{
	char	buf[80];
	size_t	o = 0;
	int	i, n;

	if (ip->family == AF_INET) {
		n = snprintf(buf, sizeof(buf), "%u.%u.%u.%u", ip->b[3], ip->b[2],
		    ip->b[1], ip->b[0]);
		if (n < 0)
			return false;
		o = (size_t)n;
	} else {
		for (i = 15; i >= 0; i--) {
			buf[o++] = hexdig[ip->b[i] & 0xf];
			buf[o++] = '.';
			buf[o++] = hexdig[ip->b[i] >> 4];
			if (i > 0)
				buf[o++] = '.';
		}
		buf[o] = '\0';
	}
	if (zone == NULL || zone[0] == '\0')
		n = snprintf(out, len, "%s", buf);
	else
		n = snprintf(out, len, "%s.%s", buf, zone);
	return n > 0 && (size_t)n < len && (size_t)n <= 253;	/* RFC 1035 2.3.4 */
}

/* rw_dns_ptr_name - in-addr.arpa or ip6.arpa name */
bool
rw_dns_ptr_name(const struct rw_ip *ip, char *out, size_t len)
{
	return rw_dns_reverse_name(ip, ip->family == AF_INET ? "in-addr.arpa" :
	    "ip6.arpa", out, len);
}

/* rw_dns_domain_query - "domain.zone", bounded by the DNS name limit */
bool
rw_dns_domain_query(const char *domain, const char *zone, char *out, size_t len)
{
	int	n = snprintf(out, len, "%s.%s", domain, zone);

	return n > 0 && (size_t)n < len && (size_t)n <= 253;
}

/* rw_txt_sanitize - printable ASCII only, spaces collapsed, bounded */
void
rw_txt_sanitize(char *dst, size_t size, const char *src, size_t srclen)
{
	size_t	i, o = 0;
	bool	space = true;	/* drop leading spaces */

	if (size == 0)
		return;
	for (i = 0; i < srclen && o + 1 < size; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c < 0x21 || c > 0x7e) {
			if (!space)
				dst[o++] = ' ';
			space = true;
			continue;
		}
		dst[o++] = (char)c;
		space = false;
	}
	while (o > 0 && dst[o - 1] == ' ')
		o--;
	dst[o] = '\0';
}

/* rw_dns_status_name - the log word of a DNS status */
const char *
rw_dns_status_name(enum rw_dns_status s)
{
	switch (s) {
	case RW_DNS_NOT_ASKED:
		return "not-asked";
	case RW_DNS_OK:
		return "ok";
	case RW_DNS_NXDOMAIN:
		return "nxdomain";
	case RW_DNS_NODATA:
		return "nodata";
	case RW_DNS_SERVFAIL:
		return "servfail";
	case RW_DNS_TIMEOUT:
		return "timeout";
	}
	return "unknown";
}

/* rw_rdns_result_name - the log word of a reverse-DNS outcome */
const char *
rw_rdns_result_name(enum rw_rdns_result r)
{
	switch (r) {
	case RW_RDNS_NOT_CHECKED:
		return "not-checked";
	case RW_RDNS_PASS:
		return "pass";
	case RW_RDNS_NONE:
		return "none";
	case RW_RDNS_MISMATCH:
		return "mismatch";
	case RW_RDNS_TEMPERROR:
		return "temperror";
	}
	return "unknown";
}
