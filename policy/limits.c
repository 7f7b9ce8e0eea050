/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	limits - the rate_limit and greylist checks
 * SYNOPSIS
 *	#include "checks.h"
 * DESCRIPTION
 *	Both judge the state gatherer's answers (struct rw_state_fact),
 *	never the store itself.
 *
 *	rw_check_rate_limit() runs at CONNECT, MAIL and RCPT. A key over
 *	its limit gives 451 4.7.1 "rate limit exceeded for KEY, try again
 *	later" (rate_limit_action = tempfail) or the tag "rate=COUNTER"
 *	(tag); the reason for the log names the key, the counter, the
 *	limit, the window and the burst (or, for concurrency, the count).
 *	It also answers for a store failure, whichever check asked: with
 *	state_failure = accept the mail goes on (the glue has logged and
 *	counted the failure); with tempfail, 451 4.3.0. Never a 5xx: a
 *	limit says "not now", not "never" (RFC 5321 4.2.1).
 *
 *	rw_check_greylist() runs at RCPT, last: a recipient whose triplet
 *	is NEW or EARLY gets 451 4.7.1 "greylisted, try again in N
 *	seconds" (greylist = tempfail) or the tag "greylist=new" (tag).
 *	Each recipient is judged on its own triplet, as milter-greylist
 *	does: of a message to several recipients, those whose triplet has
 *	passed are accepted and the others deferred; the MTA delivers to
 *	the first and retries the rest.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "checks.h"

/* failure - state_failure for a store that did not answer */
static enum rw_action
failure(const struct rw_config *cfg, const struct rw_facts *f,
    struct rw_verdict *v)
{
	char	reason[RW_REASON_MAX];

	if (cfg->state_failure == RW_SFAIL_ACCEPT)
		return RW_ACT_CONTINUE;
	snprintf(reason, sizeof(reason), "state store failed: %.200s",
	    f->state->error);
	return rw_verdict_set(v, RW_ACT_TEMPFAIL, "state", "451", "4.3.0",
	    "temporary local problem, try again later", reason);
}

/* rw_check_rate_limit - a key over its limit, or a store failure */
enum rw_action
rw_check_rate_limit(const struct rw_config *cfg, const struct rw_facts *f,
    struct rw_verdict *v)
{
	const struct rw_state_fact *s = f->state;
	char	reason[RW_REASON_MAX], text[RW_REPLY_MAX], tag[64];

	if (s == NULL || !s->done)	/* the store was not asked */
		return RW_ACT_CONTINUE;
	if (s->failed)
		return failure(cfg, f, v);
	if (!s->over)
		return RW_ACT_CONTINUE;
	if (s->counter == RW_RC_CONCURRENCY)
		snprintf(reason, sizeof(reason), "counter=concurrency "
		    "count=%ld limit=%u line=%u key=%.180s", s->count,
		    s->spec.limit, s->line, s->key);
	else
		snprintf(reason, sizeof(reason), "counter=%s limit=%u "
		    "window=%us burst=%u retry=%" PRIu64 "s line=%u key=%.150s",
		    rw_rate_counter_name(s->counter), s->spec.limit,
		    s->spec.window_s, s->spec.burst,
		    (uint64_t)((s->retry_ms + 999) / 1000), s->line, s->key);
	if (cfg->rate_limit_action == RW_CHK_TAG) {
		snprintf(tag, sizeof(tag), "rate=%s",
		    rw_rate_counter_name(s->counter));
		return rw_verdict_tag(v, "rate_limit", tag, reason);
	}
	snprintf(text, sizeof(text), "rate limit exceeded for %.256s, try "
	    "again later", s->key);
	return rw_verdict_set(v, RW_ACT_TEMPFAIL, "rate_limit", "451", "4.7.1",
	    text, reason);
}

/* rw_check_greylist - a triplet not yet passed */
enum rw_action
rw_check_greylist(const struct rw_config *cfg, const struct rw_facts *f,
    struct rw_verdict *v)
{
	const struct rw_state_fact *s = f->state;
	char	reason[RW_REASON_MAX], text[RW_REPLY_MAX];

	if (s == NULL || !s->grey_done || s->failed ||
	    (s->grey != RW_GREY_NEW && s->grey != RW_GREY_EARLY))
		return RW_ACT_CONTINUE;
	snprintf(reason, sizeof(reason), "state=%s wait=%us delay=%us "
	    "key=%.200s", rw_grey_state_name(s->grey), s->grey_wait_s,
	    cfg->greylist_delay, s->grey_key);
	if (cfg->greylist == RW_CHK_TAG)
		return rw_verdict_tag(v, "greylist", "greylist=new", reason);
	snprintf(text, sizeof(text), "greylisted, try again in %u seconds",
	    s->grey_wait_s);
	return rw_verdict_set(v, RW_ACT_TEMPFAIL, "greylist", "451", "4.7.1",
	    text, reason);
}
