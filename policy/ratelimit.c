/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	ratelimit - the rate-limit arithmetic (GCRA), shared by all stores
 * SYNOPSIS
 *	#include "rw_policy.h"
 * DESCRIPTION
 *	rw_gcra() is the generic cell rate algorithm (ITU-T I.371; the form
 *	of a token bucket that keeps one number per key): the state is the
 *	"theoretical arrival time" (TAT), the time the key would be idle
 *	again. An event of cost n moves it on by n * T, T being the emission
 *	interval window/limit, rounded up so that the limit is never
 *	exceeded. The event passes when the new TAT is at most the
 *	tolerance, (limit + burst) * T, ahead of now. So an idle key takes
 *	limit + burst events at once, then one every T: "30/60s burst 10"
 *	takes 40 at once, then one every 2 s, and 30 a minute for ever after.
 *	A refused event leaves the state alone, so a client hammering a
 *	limit does not push its own retry further away. A cost of 0 is a
 *	peek: would one event pass now? Nothing is spent (the refused-
 *	recipients limit asks before a recipient and counts after a refusal).
 *
 *	Memory stays bounded because a key's state is worth keeping only
 *	until its TAT: after that it is the same as no state. *expire_ms
 *	says so, and the stores drop the key then (a TTL).
 *
 *	The Redis backend's Lua script is this function, line for line;
 *	tests/check_state.c holds the cases both are held to.
 */
#include "config.h"

#include "rw_policy.h"

/* rw_gcra - one event of cost n; true when allowed */
bool
rw_gcra(uint64_t *tat_ms, uint64_t now_ms, const struct rw_rate_spec *r,
    unsigned int n, uint64_t *retry_ms, uint64_t *expire_ms)
{
	uint64_t t, tol, tat, new_tat;

	*retry_ms = 0;
	tat = *tat_ms > now_ms ? *tat_ms : now_ms;
	*expire_ms = tat;
	if (r->limit == 0)
		return true;
	t = ((uint64_t)r->window_s * 1000 + r->limit - 1) / r->limit;
	if (t == 0)
		t = 1;
	tol = ((uint64_t)r->limit + r->burst) * t;
	new_tat = tat + (uint64_t)(n == 0 ? 1 : n) * t;
	if (new_tat - now_ms > tol) {
		*retry_ms = new_tat - now_ms - tol;
		return false;
	}
	if (n == 0)
		return true;	/* a peek: it would pass; nothing spent */
	*tat_ms = new_tat;
	*expire_ms = new_tat;
	return true;
}
