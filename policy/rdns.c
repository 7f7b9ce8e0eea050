/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	rdns - reverse-DNS presence and forward confirmation
 * DESCRIPTION
 *	rw_rdns_evaluate() turns the lookups into one outcome: pass (a PTR
 *	name resolves back to the client), none (no PTR record), mismatch
 *	(names, none resolving back), temperror (a lookup failed for now).
 *	The glue does the lookups and fills in what it saw.
 *
 *	rw_check_rdns() applies rdns_check at dns_verdict_stage: off and
 *	tag never refuse a client for its reverse DNS (tag records
 *	"rdns=none" or "rdns=mismatch"); tempfail gives 450
 *	4.7.25 and reject 550 5.7.25 (RFC 7372 "Reverse DNS validation
 *	failed"), naming the client address. A mismatch counts as missing
 *	only with rdns_require_forward. A temperror is a 450 4.7.25 in every
 *	mode but off (or nothing with dns_fail_open): a site's own DNS
 *	trouble must never reject mail, nor pass it unchecked - except when
 *	the PTR was found and only the forward lookup failed while the
 *	forward match is not required, which cannot change the outcome.
 */
#include "config.h"

#include <stdio.h>

#include "checks.h"

/* rw_rdns_evaluate - combine PTR and forward lookups */
enum rw_rdns_result
rw_rdns_evaluate(enum rw_dns_status ptr, size_t nnames, bool forward_match,
    bool forward_temporary)
{
	if (rw_dns_temporary(ptr))
		return RW_RDNS_TEMPERROR;
	if (ptr != RW_DNS_OK || nnames == 0)
		return RW_RDNS_NONE;
	if (forward_match)
		return RW_RDNS_PASS;
	return forward_temporary ? RW_RDNS_TEMPERROR : RW_RDNS_MISMATCH;
}

/* rw_check_rdns - rdns_check at dns_verdict_stage */
enum rw_action
rw_check_rdns(const struct rw_config *cfg, const struct rw_facts *f,
    struct rw_verdict *v)
{
	char	text[RW_REPLY_MAX], reason[RW_REASON_MAX];
	bool	missing;

	if (cfg->rdns_check == RW_RDNS_OFF || !f->client_known ||
	    !rw_dns_stage_applies(cfg, f))
		return RW_ACT_CONTINUE;
	if (f->rdns == RW_RDNS_TEMPERROR) {
		if (cfg->dns_fail_open || (f->ptr_status == RW_DNS_OK &&
		    !cfg->rdns_require_forward))
			return RW_ACT_CONTINUE;
		snprintf(text, sizeof(text), "Reverse DNS validation failed "
		    "temporarily for %s, try again later", f->client_addr);
		snprintf(reason, sizeof(reason), "rdns temperror (PTR %s)",
		    rw_dns_status_name(f->ptr_status));
		return rw_verdict_set(v, RW_ACT_TEMPFAIL, "rdns", "450", "4.7.25",
		    text, reason);
	}
	missing = f->rdns == RW_RDNS_NONE ||
	    (f->rdns == RW_RDNS_MISMATCH && cfg->rdns_require_forward);
	if (!missing)
		return RW_ACT_CONTINUE;
	if (cfg->rdns_check == RW_RDNS_TAG) {
		snprintf(text, sizeof(text), "rdns=%s", rw_rdns_result_name(f->rdns));
		snprintf(reason, sizeof(reason), "rdns %s (PTR %s, tag)",
		    rw_rdns_result_name(f->rdns), rw_dns_status_name(f->ptr_status));
		return rw_verdict_tag(v, "rdns", text, reason);
	}
	if (f->rdns == RW_RDNS_NONE) {
		snprintf(text, sizeof(text), "Reverse DNS validation failed: "
		    "%s has no PTR record", f->client_addr);
		snprintf(reason, sizeof(reason), "rdns none (PTR %s)",
		    rw_dns_status_name(f->ptr_status));
	} else {
		snprintf(text, sizeof(text), "Reverse DNS validation failed: "
		    "%.100s does not resolve back to %s", f->ptr_name, f->client_addr);
		snprintf(reason, sizeof(reason), "rdns mismatch (%.100s)", f->ptr_name);
	}
	if (cfg->rdns_check == RW_RDNS_TEMPFAIL)
		return rw_verdict_set(v, RW_ACT_TEMPFAIL, "rdns", "450", "4.7.25",
		    text, reason);
	return rw_verdict_set(v, RW_ACT_REJECT, "rdns", "550", "5.7.25", text,
	    reason);
}
