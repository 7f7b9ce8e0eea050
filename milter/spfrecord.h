/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	spfrecord.h - SPF record syntax, rewriting and macro expansion
 *	(spf.c and spfdns.c internal; no libspf2, no DNS)
 */
#ifndef RW_SPFRECORD_H
#define RW_SPFRECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/*
 * The suffix of a name our DNS layer answers itself: "name.<mark>"
 * is looked up as "name", and when that has any record of the asked
 * address type the answer is the client's own address. It expresses
 * a "/0" CIDR length, which libspf2 1.2.10 refuses, as a lookup.
 */
#define RW_SPFREC_ANY_MARK	"_rw-cidr0.invalid"

/* libspf2 1.2.10 compiles each term into a 511-byte area (CVE-2023-42118) */
#define RW_SPFREC_LIBSPF2_TERM_MAX	507

/*
 * rw_spfrec_rewrite - check one SPF record (RFC 7208 4.6.1, 12) and
 * rewrite it into an equivalent one libspf2 evaluates correctly for a
 * client of the given family (AF_INET or AF_INET6): unknown modifiers
 * dropped, redirect= and exp= moved to the end, "/0" CIDR lengths
 * expressed without "/0". False with a reason when the record is not
 * valid or could endanger libspf2; *out is then NULL. Otherwise *out
 * is a malloc'd NUL-terminated record.
 */
bool	rw_spfrec_rewrite(const char *rec, size_t len, int family, char **out,
	    char *why, size_t whylen);

/* rw_spfrec_explain_valid - an explain-string (RFC 7208 6.2, 7.1), ASCII */
bool	rw_spfrec_explain_valid(const char *s, size_t len);

/* The values macros expand to (RFC 7208 7.3); p is asked for lazily. */
struct rw_spfrec_macros {
	const char	*sender;	/* s: local@domain */
	const char	*local;		/* l */
	const char	*sender_domain;	/* o */
	const char	*domain;	/* d */
	const char	*ip_dotted;	/* i: dotted v4 or nibbles v6 */
	const char	*ip_text;	/* c */
	const char	*ip_version;	/* v: "in-addr" or "ip6" */
	const char	*helo;		/* h */
	const char	*receiver;	/* r */
	time_t		 now;		/* t */
	const char	*(*validated)(void *ctx);	/* p */
	void		*ctx;
};

/*
 * rw_spfrec_expand - expand an explain-string checked with
 * rw_spfrec_explain_valid(); false if it does not fit in out.
 */
bool	rw_spfrec_expand(const char *s, size_t len,
	    const struct rw_spfrec_macros *, char *out, size_t outlen);

/* rw_spfrec_query_name - RFC 7208 7.3 name for a query: no trailing
 * dot, left labels dropped past 253 characters; false when no valid
 * DNS name (empty or long label) results */
bool	rw_spfrec_query_name(const char *in, char *out, size_t outlen);

#endif /* RW_SPFRECORD_H */
