/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	spf.h - SPF checks with libspf2 over relaywarden's own DNS
 * DESCRIPTION
 *	libspf2 evaluates the record; every DNS lookup it makes goes through
 *	our SPF_dns_server_t layer (spfdns.c), which asks an answer source:
 *	in the daemon the c-ares resolver with its cache and the session's
 *	deadline, in the conformance runner the test suite's zone data. The
 *	layer watches every record and lookup, and that is where libspf2
 *	1.2.10's defects are corrected: unset results mapped, DNS terms and
 *	void lookups counted per evaluation, records checked and rewritten
 *	(spfrecord.c) before libspf2 compiles them, hostile macros refused
 *	(CVE-2023-42118), explanations fetched and expanded by us.
 */
#ifndef RW_SPF_H
#define RW_SPF_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "rw_policy.h"
#include "spfsource.h"

enum rw_spf_identity { RW_SPF_ID_MAILFROM = 0, RW_SPF_ID_HELO };

struct rw_spf;

/* rw_spf_new - the one SPF_server_t to share, on this answer source
 * (copied); NULL with a reason */
struct rw_spf *rw_spf_new(const struct rw_spf_source *, char *err,
	    size_t errlen);
/* rw_spf_free - at exit, when no check runs any more; NULL: nothing */
void	rw_spf_free(struct rw_spf *);

/*
 * rw_spf_check - evaluate one identity for client ip (text, v4 or v6).
 * MAIL FROM identity: sender may be "" (then postmaster@helo is checked);
 * HELO identity: sender is ignored. The answer never takes longer than
 * deadline_ms in total. Safe from several threads on one struct rw_spf.
 * A NULL struct rw_spf gives temperror for a checkable domain.
 */
void	rw_spf_check(struct rw_spf *, enum rw_spf_identity, const char *ip,
	    const char *helo, const char *sender, unsigned int deadline_ms,
	    struct rw_spf_fact *out);

/*
 * rw_spf_default_explanation - the explanation a fail gets when the
 * domain has no usable exp= (RFC 7208 6.2: the receiver's own).
 * rw_spf_check() puts the domain's explanation, or this one, into
 * out->explanation for every fail.
 */
void	rw_spf_default_explanation(const char *domain, const char *ip,
	    char *buf, size_t len);

#endif /* RW_SPF_H */
