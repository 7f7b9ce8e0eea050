/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	greylist - the greylisting state machine, shared by all stores
 * SYNOPSIS
 *	#include "rw_policy.h"
 * DESCRIPTION
 *	A triplet (client network, envelope sender, recipient) is refused
 *	with a 4xx on its first attempt; a real MTA retries, a spam cannon
 *	mostly does not (Harris, "The Next Step in the Spam Control War:
 *	Greylisting", 2003; milter-greylist). rw_grey_step() is one
 *	attempt's transition:
 *
 *	    no entry, or expired  -> NEW    entry started, 451, wait = delay
 *	    before first + delay  -> EARLY  451, wait = what is left
 *	    within the window     -> PASS   accepted, kept pass_ttl_s
 *	    passed before         -> KNOWN  accepted, pass_ms refreshed
 *
 *	An entry that never passed expires at first + retry_window_s; one
 *	that passed at pass_ms + pass_ttl_s. Each boundary belongs to the
 *	later state: a retry exactly at first + delay passes, one exactly at
 *	first + retry_window starts over.
 *
 *	rw_grey_net_allowed() and rw_grey_decide() add the auto-allowlist: a
 *	network whose triplets passed autoallow_passes times is no longer
 *	greylisted, for autoallow_ttl_s after its last accepted mail.
 *	rw_grey_decide() is what a store runs atomically for one recipient.
 *
 *	The Redis backend's Lua script is this arithmetic, line for line;
 *	tests/check_state.c holds the cases both are held to.
 */
#include "config.h"

#include <string.h>

#include "rw_policy.h"

#define MS(s)	((uint64_t)(s) * 1000)

/* grey_expired - the entry is over: as if it did not exist */
static bool
grey_expired(const struct rw_grey_entry *e, uint64_t now_ms,
    const struct rw_grey_spec *g)
{
	if (e->pass_ms == 0)
		return now_ms >= e->first_ms + MS(g->retry_window_s);
	return now_ms >= e->pass_ms + MS(g->pass_ttl_s);
}

/* rw_grey_step - one attempt of a triplet */
enum rw_grey_state
rw_grey_step(struct rw_grey_entry *e, bool exists, uint64_t now_ms,
    const struct rw_grey_spec *g, unsigned int *wait_s, uint64_t *expire_ms)
{
	uint64_t left;

	*wait_s = 0;
	if (!exists || grey_expired(e, now_ms, g)) {
		e->first_ms = now_ms;
		e->pass_ms = 0;
		e->passes = 0;
		*wait_s = g->delay_s;
		*expire_ms = now_ms + MS(g->retry_window_s);
		return RW_GREY_NEW;
	}
	if (e->pass_ms == 0 && now_ms < e->first_ms + MS(g->delay_s)) {
		left = e->first_ms + MS(g->delay_s) - now_ms;
		*wait_s = (unsigned int)((left + 999) / 1000);
		*expire_ms = e->first_ms + MS(g->retry_window_s);
		return RW_GREY_EARLY;
	}
	e->pass_ms = now_ms;
	*expire_ms = now_ms + MS(g->pass_ttl_s);
	if (e->passes < UINT32_MAX)
		e->passes++;
	return e->passes == 1 ? RW_GREY_PASS : RW_GREY_KNOWN;
}

/* net_live - the network record is within autoallow_ttl_s of its last pass */
static bool
net_live(const struct rw_grey_entry *e, bool exists, uint64_t now_ms,
    const struct rw_grey_spec *g)
{
	return exists && e->pass_ms != 0 &&
	    now_ms < e->pass_ms + MS(g->autoallow_ttl_s);
}

/* rw_grey_net_allowed - the network is auto-allowlisted now */
bool
rw_grey_net_allowed(const struct rw_grey_entry *e, bool exists,
    uint64_t now_ms, const struct rw_grey_spec *g)
{
	return g->autoallow_passes > 0 && net_live(e, exists, now_ms, g) &&
	    e->passes >= g->autoallow_passes;
}

/* rw_grey_decide - one recipient: the network first, else the triplet */
void
rw_grey_decide(struct rw_grey_io *io, uint64_t now_ms,
    const struct rw_grey_spec *g)
{
	io->triplet_write = io->net_write = false;
	io->triplet_expire_ms = io->net_expire_ms = 0;
	io->net_allowlisted = false;
	io->wait_s = 0;
	if (rw_grey_net_allowed(&io->net, io->net_exists, now_ms, g)) {
		io->net_allowlisted = true;
		io->state = RW_GREY_KNOWN;
		io->net.pass_ms = now_ms;
		io->net_write = true;
		io->net_expire_ms = now_ms + MS(g->autoallow_ttl_s);
		return;
	}
	io->state = rw_grey_step(&io->triplet, io->triplet_exists, now_ms, g,
	    &io->wait_s, &io->triplet_expire_ms);
	io->triplet_write = io->state != RW_GREY_EARLY;
	if (io->state != RW_GREY_PASS || g->autoallow_passes == 0)
		return;
	if (!net_live(&io->net, io->net_exists, now_ms, g)) {
		memset(&io->net, 0, sizeof(io->net));
		io->net.first_ms = now_ms;
	}
	if (io->net.passes < UINT32_MAX)
		io->net.passes++;
	io->net.pass_ms = now_ms;
	io->net_write = true;
	io->net_expire_ms = now_ms + MS(g->autoallow_ttl_s);
}

const char *
rw_grey_state_name(enum rw_grey_state s)
{
	switch (s) {
	case RW_GREY_NEW:
		return "new";
	case RW_GREY_EARLY:
		return "early";
	case RW_GREY_PASS:
		return "pass";
	case RW_GREY_KNOWN:
		return "known";
	}
	return "?";
}
