/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	dnsmsg.h - DNS answers: records with TTLs and an error class
 * DESCRIPTION
 *	struct rw_dns_answer is what every DNS consumer in relaywarden
 *	reads: the resolver (dns.c) fills it from a response with
 *	rw_dnsmsg_parse(), the cache (dnscache.c) keeps it, the SPF layer
 *	copies it from its answer source. rw_dnsmsg_clear() frees the
 *	records' texts of an answer the caller owns.
 *
 *	struct rw_dns_answer has room for RW_DNS_RR_MAX records, about
 *	1.5 KB: right for a parse on the stack, wrong for something kept.
 *	What is kept (a cache entry, for as long as its TTL) is a struct
 *	rw_dns_rrset, whose records are allocated at their count: an
 *	NXDOMAIN holds none. rw_dnsmsg_keep() moves an answer's records
 *	into one; rw_dnsmsg_drop() frees it.
 */
#ifndef RW_DNSMSG_H
#define RW_DNSMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rw_policy.h"

#define RW_T_A		1
#define RW_T_CNAME	5
#define RW_T_SOA	6
#define RW_T_PTR	12
#define RW_T_MX		15
#define RW_T_TXT	16
#define RW_T_AAAA	28

#define RW_DNS_RR_MAX	32	/* records kept per answer */

struct rw_dns_rr {
	uint16_t	 type;
	uint32_t	 ttl;
	uint16_t	 pref;		/* MX */
	unsigned char	 addr[16];	/* A: 4 bytes, AAAA: 16 */
	char		*text;		/* PTR/MX/CNAME name; TXT strings joined */
	size_t		 textlen;	/* TXT may hold NUL bytes */
};

struct rw_dns_answer {
	enum rw_dns_status status;
	uint32_t	 ttl;		/* min of the records, or the negative TTL */
	size_t		 n;
	struct rw_dns_rr rr[RW_DNS_RR_MAX];
};

/* The records of an answer as kept: rr holds n records (NULL when n is 0). */
struct rw_dns_rrset {
	enum rw_dns_status status;
	uint32_t	 ttl;
	size_t		 n;
	struct rw_dns_rr *rr;
};

/* rw_dnsmsg_parse - a response for (qtype) to an answer; false: malformed */
bool	rw_dnsmsg_parse(const unsigned char *msg, size_t len, uint16_t qtype,
	    struct rw_dns_answer *out);
/* rw_dnsmsg_clear - free the records' texts; the answer is empty after */
void	rw_dnsmsg_clear(struct rw_dns_answer *);
/*
 * rw_dnsmsg_keep - move an answer into a set sized by its record count.
 * The answer is empty after, either way. false: no memory; the set is then
 * a SERVFAIL with no records, a temporary error like any other.
 */
bool	rw_dnsmsg_keep(struct rw_dns_rrset *out, struct rw_dns_answer *in);
/* rw_dnsmsg_drop - free a kept set's records and texts; it is empty after */
void	rw_dnsmsg_drop(struct rw_dns_rrset *);

#endif /* RW_DNSMSG_H */
