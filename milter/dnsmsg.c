/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	dnsmsg - read a DNS response into records with TTLs
 * DESCRIPTION
 *	rw_dnsmsg_parse() reads the answer section of a response (RFC 1035
 *	4.1) and keeps the records of the asked type, following no chain:
 *	resolvers put the CNAME targets' records in the same answer. The
 *	answer's TTL is the smallest record TTL. For NXDOMAIN and NODATA
 *	it is the negative TTL of RFC 2308 5: min(SOA TTL, SOA MINIMUM)
 *	from the authority section, or 0 (do not cache) without an SOA.
 *	Every length is checked against the message; names are expanded
 *	with ares_expand_name(), which guards against pointer loops.
 *	rw_dnsmsg_keep() moves a parsed answer into a set allocated at its
 *	record count, for callers that hold it for long (the cache).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <ares.h>

#include "dnsmsg.h"

#define HDR_LEN	12

static uint16_t
get16(const unsigned char *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t
get32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3];
}

/* skip_name - advance over a (possibly compressed) name */
static bool
skip_name(const unsigned char *msg, size_t len, size_t *off)
{
	char	*name;
	long	 enclen;

	if (ares_expand_name(msg + *off, msg, (int)len, &name, &enclen) !=
	    ARES_SUCCESS)
		return false;
	ares_free_string(name);
	*off += (size_t)enclen;
	return *off <= len;
}

static char *
dup_name(const unsigned char *p, const unsigned char *msg, size_t len,
    size_t *textlen)
{
	char	*name, *copy;
	long	 enclen;

	if (ares_expand_name(p, msg, (int)len, &name, &enclen) != ARES_SUCCESS)
		return NULL;
	copy = strdup(name);
	ares_free_string(name);
	if (copy != NULL)
		*textlen = strlen(copy);
	return copy;
}

/* join_txt - the character-strings of one TXT record, concatenated (RFC 7208 3.3) */
static char *
join_txt(const unsigned char *rd, size_t rdlen, size_t *outlen)
{
	char	*out = malloc(rdlen + 1);
	size_t	 i = 0, o = 0, l;

	if (out == NULL)
		return NULL;
	while (i < rdlen) {
		l = rd[i++];
		if (l > rdlen - i) {
			free(out);
			return NULL;
		}
		memcpy(out + o, rd + i, l);
		o += l;
		i += l;
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

/* rw_dnsmsg_clear - free the records' texts */
void
rw_dnsmsg_clear(struct rw_dns_answer *a)
{
	size_t	i;

	for (i = 0; i < a->n; i++)
		free(a->rr[i].text);
	memset(a, 0, sizeof(*a));
}

/* rw_dnsmsg_keep - move the records into an array of their count */
bool
rw_dnsmsg_keep(struct rw_dns_rrset *out, struct rw_dns_answer *in)
{
	size_t	n = in->n < RW_DNS_RR_MAX ? in->n : RW_DNS_RR_MAX;

	memset(out, 0, sizeof(*out));
	if (n > 0 && (out->rr = calloc(n, sizeof(*out->rr))) == NULL) {
		rw_dnsmsg_clear(in);
		out->status = RW_DNS_SERVFAIL;	/* no memory: try again later */
		return false;
	}
	if (n > 0)
		memcpy(out->rr, in->rr, n * sizeof(*out->rr));
	out->status = in->status;
	out->ttl = in->ttl;
	out->n = n;
	memset(in, 0, sizeof(*in));	/* the texts now belong to the set */
	return true;
}

/* rw_dnsmsg_drop - free a kept set */
void
rw_dnsmsg_drop(struct rw_dns_rrset *s)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		free(s->rr[i].text);
	free(s->rr);
	memset(s, 0, sizeof(*s));
}

/* negative_ttl - RFC 2308: min(SOA TTL, MINIMUM) from the authority section */
static uint32_t
negative_ttl(const unsigned char *msg, size_t len, size_t off, unsigned int nauth)
{
	unsigned int i;
	uint16_t type, rdlen;
	uint32_t ttl, minimum;
	size_t	 rd;

	for (i = 0; i < nauth; i++) {
		if (!skip_name(msg, len, &off) || off + 10 > len)
			return 0;
		type = get16(msg + off);
		ttl = get32(msg + off + 4);
		rdlen = get16(msg + off + 8);
		off += 10;
		if (off + rdlen > len)
			return 0;
		if (type == RW_T_SOA) {
			rd = off;
			if (!skip_name(msg, len, &rd) || !skip_name(msg, len, &rd) ||
			    rd + 20 > off + rdlen)
				return 0;
			minimum = get32(msg + rd + 16);
			return ttl < minimum ? ttl : minimum;
		}
		off += rdlen;
	}
	return 0;
}

/* rw_dnsmsg_parse - response to answer; false on a malformed message */
bool
rw_dnsmsg_parse(const unsigned char *msg, size_t len, uint16_t qtype,
    struct rw_dns_answer *out)
{
	unsigned int qd, an, ns, i, rcode;
	size_t	 off = HDR_LEN;
	uint16_t type, rdlen;
	uint32_t ttl, minttl = UINT32_MAX;
	struct rw_dns_rr *rr;

	memset(out, 0, sizeof(*out));
	if (len < HDR_LEN)
		return false;
	rcode = msg[3] & 0x0f;
	qd = get16(msg + 4);
	an = get16(msg + 6);
	ns = get16(msg + 8);
	for (i = 0; i < qd; i++) {
		if (!skip_name(msg, len, &off) || off + 4 > len)
			return false;
		off += 4;
	}
	if (rcode == 3) {		/* NXDOMAIN */
		for (i = 0; i < an; i++) {	/* skip answers (CNAMEs) */
			if (!skip_name(msg, len, &off) || off + 10 > len ||
			    off + 10 + get16(msg + off + 8) > len)
				return false;	/* malformed: not a trustworthy "no" */
			off += 10 + get16(msg + off + 8);
		}
		out->status = RW_DNS_NXDOMAIN;
		out->ttl = negative_ttl(msg, len, off, ns);
		return true;
	}
	if (rcode != 0) {
		out->status = RW_DNS_SERVFAIL;
		return true;
	}
	for (i = 0; i < an; i++) {
		if (!skip_name(msg, len, &off) || off + 10 > len)
			goto malformed;
		type = get16(msg + off);
		ttl = get32(msg + off + 4);
		if (ttl & 0x80000000u)
			ttl = 0;	/* RFC 2181 8: treat as zero */
		rdlen = get16(msg + off + 8);
		off += 10;
		if (off + rdlen > len)
			goto malformed;
		if (type == qtype && out->n < RW_DNS_RR_MAX) {
			rr = &out->rr[out->n];
			rr->type = type;
			rr->ttl = ttl;
			switch (type) {
			case RW_T_A:
				if (rdlen != 4)
					goto malformed;
				memcpy(rr->addr, msg + off, 4);
				break;
			case RW_T_AAAA:
				if (rdlen != 16)
					goto malformed;
				memcpy(rr->addr, msg + off, 16);
				break;
			case RW_T_PTR:
			case RW_T_CNAME:
				if ((rr->text = dup_name(msg + off, msg, len,
				    &rr->textlen)) == NULL)
					goto malformed;
				break;
			case RW_T_MX:
				if (rdlen < 3)
					goto malformed;
				rr->pref = get16(msg + off);
				if ((rr->text = dup_name(msg + off + 2, msg, len,
				    &rr->textlen)) == NULL)
					goto malformed;
				break;
			case RW_T_TXT:
				if ((rr->text = join_txt(msg + off, rdlen,
				    &rr->textlen)) == NULL)
					goto malformed;
				break;
			default:
				break;
			}
			out->n++;
			if (ttl < minttl)
				minttl = ttl;
		}
		off += rdlen;
	}
	if (out->n > 0) {
		out->status = RW_DNS_OK;
		out->ttl = minttl;
	} else {
		out->status = RW_DNS_NODATA;
		out->ttl = negative_ttl(msg, len, off, ns);
	}
	return true;
malformed:
	rw_dnsmsg_clear(out);
	return false;
}
