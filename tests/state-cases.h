/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	state-cases.h - one table of rate-limit and greylist cases for the
 *	pure core and every store backend
 * DESCRIPTION
 *	Each case is a sequence of events at times relative to
 *	STATE_CASE_T0 (a real epoch time in ms, so that the Redis scripts'
 *	doubles meet numbers of the size they meet in service) with the
 *	answer wanted after each. tests/store-test.c runs every case three
 *	ways and wants the same answers from each: the pure functions
 *	(rw_gcra(), rw_grey_decide()) over an in-memory model of a store,
 *	and the store named by a URL (lmdb: or redis://), which for Redis
 *	means the Lua scripts. A row can repeat an event (rep) so that
 *	"40 at once" is one row.
 *
 *	The figures: a rate spec "limit per window_s, burst" has the
 *	interval T = ceil(window_s * 1000 / limit) ms and the tolerance
 *	(limit + burst) * T; see policy/ratelimit.c. Greylisting: see
 *	policy/greylist.c.
 */
#ifndef RW_STATE_CASES_H
#define RW_STATE_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rw_policy.h"

#define STATE_CASE_T0		1733000000000ULL	/* 2024-11-30 */
#define STATE_CASE_STEPS	16
#define DAY_MS			86400000ULL
#define DAYS36_MS		(36 * DAY_MS)

struct rate_step {
	uint64_t	 at;		/* ms after T0 */
	unsigned int	 n;		/* cost */
	unsigned int	 rep;		/* times (0 counts as 1) */
	bool		 allowed;	/* every repetition */
	uint64_t	 retry_ms;	/* of the last one */
};

struct rate_case {
	const char		*label;
	struct rw_rate_spec	 spec;
	struct rate_step	 step[STATE_CASE_STEPS];
};

static const struct rate_case rate_cases[] = {
	{ "10/60s: 10 at once, the 11th waits one interval (6 s)",
	    { 10, 60, 0 }, {
		{ 0, 1, 10, true, 0 },
		{ 0, 1, 1, false, 6000 },
		{ 5999, 1, 1, false, 1 },		/* 1 ms early */
		{ 6000, 1, 1, true, 0 },		/* the edge passes */
		{ 6000, 1, 1, false, 6000 },
		{ 0, 0, 0, false, 0 } } },
	{ "30/60s burst 10: 40 at once, then one every 2 s; idle again after",
	    { 30, 60, 10 }, {
		{ 0, 1, 40, true, 0 },
		{ 0, 1, 1, false, 2000 },
		{ 1999, 1, 1, false, 1 },
		{ 2000, 1, 1, true, 0 },
		{ 2000, 1, 1, false, 2000 },
		{ 82000, 1, 40, true, 0 },		/* TAT reached: fresh */
		{ 82000, 1, 1, false, 2000 },
		{ 0, 0, 0, false, 0 } } },
	{ "3/10s: the interval rounds up to 3334 ms, never over the limit",
	    { 3, 10, 0 }, {
		{ 0, 1, 3, true, 0 },
		{ 0, 1, 1, false, 3334 },
		{ 3333, 1, 1, false, 1 },
		{ 3334, 1, 1, true, 0 },
		{ 3334, 1, 1, false, 3334 },
		{ 0, 0, 0, false, 0 } } },
	{ "cost n (recipients of one message) against 10/60s",
	    { 10, 60, 0 }, {
		{ 0, 5, 1, true, 0 },
		{ 0, 5, 1, true, 0 },
		{ 0, 1, 1, false, 6000 },
		{ 12000, 3, 1, false, 6000 },
		{ 12000, 2, 1, true, 0 },		/* exactly the tolerance */
		{ 12000, 1, 1, false, 6000 },
		{ 0, 0, 0, false, 0 } } },
	{ "a cost above limit + burst is refused; a refusal changes nothing",
	    { 2, 10, 1 }, {
		{ 0, 4, 1, false, 5000 },
		{ 0, 3, 1, true, 0 },
		{ 0, 1, 1, false, 5000 },
		{ 0, 0, 0, false, 0 } } },
	{ "limit 0: no limit",
	    { 0, 60, 0 }, {
		{ 0, 1, 50, true, 0 },
		{ 0, 1000, 1, true, 0 },
		{ 0, 0, 0, false, 0 } } },
	{ "cost 0 passes and changes nothing",
	    { 1, 60, 0 }, {
		{ 0, 1, 1, true, 0 },
		{ 0, 0, 3, true, 0 },
		{ 0, 1, 1, false, 60000 },
		{ 0, 0, 0, false, 0 } } },
	{ "1/86400s: a day to the millisecond",
	    { 1, 86400, 0 }, {
		{ 0, 1, 1, true, 0 },
		{ DAY_MS - 1, 1, 1, false, 1 },
		{ DAY_MS, 1, 1, true, 0 },
		{ 0, 0, 0, false, 0 } } },
	{ "5000/1s: the interval floors at 1 ms",
	    { 5000, 1, 0 }, {
		{ 0, 5000, 1, true, 0 },
		{ 0, 1, 1, false, 1 },
		{ 1, 1, 1, true, 0 },
		{ 0, 0, 0, false, 0 } } },
	{ "7/60s burst 3, a long gap: state older than its TAT is no state",
	    { 7, 60, 3 }, {
		{ 0, 1, 10, true, 0 },			/* T = 8572, tol 85720 */
		{ 0, 1, 1, false, 8572 },
		{ 10 * DAY_MS, 1, 10, true, 0 },
		{ 10 * DAY_MS, 1, 1, false, 8572 },
		{ 0, 0, 0, false, 0 } } },
};

/*
 * Greylist events: a triplet and its network, each a letter naming a key
 * of the case ('A'..; 0: no network key).
 */
struct grey_step {
	uint64_t		 at;
	char			 triplet;
	char			 net;
	enum rw_grey_state	 state;
	unsigned int		 wait_s;
	bool			 allowlisted;
};

struct grey_case {
	const char		*label;
	struct rw_grey_spec	 spec;
	struct grey_step	 step[STATE_CASE_STEPS];
};

#define GREY_STD	{ 300, 14400, 36 * 86400, 0, 0 }
#define GREY_AUTO2	{ 300, 14400, 36 * 86400, 2, 86400 }

static const struct grey_case grey_cases[] = {
	{ "new, early retries (rounded up), pass at the delay, then known",
	    GREY_STD, {
		{ 0, 'A', 'N', RW_GREY_NEW, 300, false },
		{ 100000, 'A', 'N', RW_GREY_EARLY, 200, false },
		{ 299001, 'A', 'N', RW_GREY_EARLY, 1, false },
		{ 299999, 'A', 'N', RW_GREY_EARLY, 1, false },
		{ 300000, 'A', 'N', RW_GREY_PASS, 0, false },
		{ 300001, 'A', 'N', RW_GREY_KNOWN, 0, false },
		{ DAY_MS, 'A', 'N', RW_GREY_KNOWN, 0, false },
		{ 0, 0, 0, 0, 0, false } } },
	{ "retry window edge: 1 ms before passes, at the edge starts over",
	    GREY_STD, {
		{ 0, 'A', 'N', RW_GREY_NEW, 300, false },
		{ 0, 'B', 'N', RW_GREY_NEW, 300, false },
		{ 14399999, 'A', 'N', RW_GREY_PASS, 0, false },
		{ 14400000, 'B', 'N', RW_GREY_NEW, 300, false },
		{ 14400000 + 299999, 'B', 'N', RW_GREY_EARLY, 1, false },
		{ 14400000 + 300000, 'B', 'N', RW_GREY_PASS, 0, false },
		{ 0, 0, 0, 0, 0, false } } },
	{ "a passed triplet lives pass_ttl_s after its last pass",
	    GREY_STD, {
		{ 0, 'A', 'N', RW_GREY_NEW, 300, false },
		{ 300000, 'A', 'N', RW_GREY_PASS, 0, false },
		{ 300000 + DAYS36_MS - 1, 'A', 'N', RW_GREY_KNOWN, 0, false },
		{ 300000 + 2 * DAYS36_MS - 2, 'A', 'N', RW_GREY_KNOWN, 0, false },
		{ 300000 + 3 * DAYS36_MS - 2, 'A', 'N', RW_GREY_NEW, 300, false },
		{ 0, 0, 0, 0, 0, false } } },
	{ "early retries do not move the first attempt",
	    GREY_STD, {
		{ 0, 'A', 'N', RW_GREY_NEW, 300, false },
		{ 200000, 'A', 'N', RW_GREY_EARLY, 100, false },
		{ 250000, 'A', 'N', RW_GREY_EARLY, 50, false },
		{ 300000, 'A', 'N', RW_GREY_PASS, 0, false },
		{ 0, 0, 0, 0, 0, false } } },
	{ "delay 0: the first retry passes at once",
	    { 0, 14400, 36 * 86400, 0, 0 }, {
		{ 0, 'A', 'N', RW_GREY_NEW, 0, false },
		{ 0, 'A', 'N', RW_GREY_PASS, 0, false },
		{ 1, 'A', 'N', RW_GREY_KNOWN, 0, false },
		{ 0, 0, 0, 0, 0, false } } },
	{ "auto-allowlist after 2 passes; known retries do not count; "
	    "listed for a day after the last mail",
	    GREY_AUTO2, {
		{ 0, 'A', 'N', RW_GREY_NEW, 300, false },
		{ 300000, 'A', 'N', RW_GREY_PASS, 0, false },	/* 1 pass */
		{ 300000, 'A', 'N', RW_GREY_KNOWN, 0, false },
		{ 301000, 'B', 'N', RW_GREY_NEW, 300, false },
		{ 601000, 'B', 'N', RW_GREY_PASS, 0, false },	/* 2 passes */
		{ 602000, 'C', 'N', RW_GREY_KNOWN, 0, true },
		{ 602000, 'D', 'M', RW_GREY_NEW, 300, false },	/* other net */
		{ 602000 + DAY_MS - 1, 'E', 'N', RW_GREY_KNOWN, 0, true },
		{ 602000 + 2 * DAY_MS - 1, 'F', 'N', RW_GREY_NEW, 300, false },
		{ 602000 + 2 * DAY_MS + 299999, 'F', 'N', RW_GREY_PASS, 0,
		    false },			/* the count starts again: 1 */
		{ 602000 + 2 * DAY_MS + 300000, 'G', 'N', RW_GREY_NEW, 300,
		    false },
		{ 0, 0, 0, 0, 0, false } } },
	{ "autoallow_passes 1: one pass lists the network",
	    { 300, 14400, 36 * 86400, 1, 3600 }, {
		{ 0, 'A', 'N', RW_GREY_NEW, 300, false },
		{ 300000, 'A', 'N', RW_GREY_PASS, 0, false },
		{ 300001, 'B', 'N', RW_GREY_KNOWN, 0, true },
		{ 300001 + 3600000, 'C', 'N', RW_GREY_NEW, 300, false },
		{ 0, 0, 0, 0, 0, false } } },
};

#endif /* RW_STATE_CASES_H */
