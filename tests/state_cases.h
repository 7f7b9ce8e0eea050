/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	state_cases.h - the rate-limit and greylist cases every store is held to
 * DESCRIPTION
 *	One table of sequences, each step an event at an injected time and
 *	the answer it must get. tests/check_state.c runs them against the
 *	pure functions (rw_gcra, rw_grey_decide); tests/store-cases.c runs
 *	the very same table through a store (rw_store_rate, rw_store_grey),
 *	the embedded one in make check and Redis in the Redis tests, so the
 *	Lua scripts are held to the C arithmetic.
 *
 *	Times are offsets in ms from T0; a step with repeat > 1 is that
 *	many identical events. A rate case uses one key; a grey case names
 *	its triplets and networks by letter ('a'.., and 'n', 'm' for nets).
 */
#ifndef RW_TEST_STATE_CASES_H
#define RW_TEST_STATE_CASES_H

#include <stdbool.h>
#include <stdint.h>

#include "rw_policy.h"

#define T0	((uint64_t)1700000000000ULL)	/* a fixed "now" */
#define SEC	1000ULL
#define DAY	(86400ULL * SEC)

struct rate_step {
	uint64_t	 at;		/* ms after T0; (uint64_t)-1 ends */
	unsigned int	 n;		/* cost; 0: a peek */
	unsigned int	 repeat;	/* 0 or 1: once */
	bool		 allowed;
	uint64_t	 retry_ms;	/* when refused */
};

struct rate_case {
	const char	*label;
	struct rw_rate_spec spec;
	struct rate_step steps[12];
};

#define END	{ (uint64_t)-1, 0, 0, false, 0 }

static const struct rate_case rate_cases[] = {
	{ "30/60s: 30 at once, the 31st waits 2s, then one every 2s",
	    { 30, 60, 0 }, {
		{ 0, 1, 30, true, 0 },
		{ 0, 1, 1, false, 2000 },
		{ 1999, 1, 1, false, 1 },		/* window edge - 1 ms */
		{ 2000, 1, 1, true, 0 },		/* the edge itself */
		{ 2000, 1, 1, false, 2000 },
		END } },
	{ "3/10s burst 2: five at once (T rounded up to 3334 ms)",
	    { 3, 10, 2 }, {
		{ 0, 1, 5, true, 0 },
		{ 0, 1, 1, false, 3334 },
		{ 3333, 1, 1, false, 1 },
		{ 3334, 1, 1, true, 0 },
		END } },
	{ "idle key: after the window it is as new (expiry)",
	    { 2, 10, 0 }, {
		{ 0, 1, 2, true, 0 },
		{ 0, 1, 1, false, 5000 },
		{ 10000, 1, 2, true, 0 },
		{ 10000, 1, 1, false, 5000 },
		{ 10 * DAY, 1, 2, true, 0 },
		END } },
	{ "cost 4 against 10/10s",
	    { 10, 10, 0 }, {
		{ 0, 4, 2, true, 0 },
		{ 0, 4, 1, false, 2000 },
		{ 0, 2, 1, true, 0 },
		{ 0, 1, 1, false, 1000 },
		END } },
	{ "refusals do not push the retry further",
	    { 1, 60, 0 }, {
		{ 0, 1, 1, true, 0 },
		{ 0, 1, 5, false, 60000 },
		{ 30000, 1, 3, false, 30000 },
		{ 60000, 1, 1, true, 0 },
		END } },
	{ "peek (cost 0) spends nothing",
	    { 2, 10, 0 }, {
		{ 0, 0, 3, true, 0 },
		{ 0, 1, 2, true, 0 },
		{ 0, 0, 2, false, 5000 },
		{ 5000, 0, 1, true, 0 },
		{ 5000, 1, 1, true, 0 },
		{ 5000, 0, 1, false, 5000 },
		END } },
	{ "1/1s window edges",
	    { 1, 1, 0 }, {
		{ 0, 1, 1, true, 0 },
		{ 999, 1, 1, false, 1 },
		{ 1000, 1, 1, true, 0 },
		{ 1500, 1, 1, false, 500 },
		END } },
	{ "a cost above limit + burst never passes",
	    { 2, 10, 0 }, {
		{ 0, 3, 1, false, 5000 },
		{ DAY, 3, 1, false, 5000 },
		{ DAY, 2, 1, true, 0 },
		END } },
};

struct grey_step {
	uint64_t	 at;		/* ms after T0; (uint64_t)-1 ends */
	char		 triplet;	/* 'a'.. */
	char		 net;		/* 'n', 'm' */
	enum rw_grey_state state;
	unsigned int	 wait_s;
	bool		 allowlisted;
};

struct grey_case {
	const char	*label;
	struct rw_grey_spec spec;
	struct grey_step steps[16];
};

#define GEND	{ (uint64_t)-1, 0, 0, RW_GREY_NEW, 0, false }
/* delay 300 s, retry window 4 h, pass TTL 36 d, auto-allow after 3, 36 d */
#define GSPEC	{ 300, 14400, 36 * 86400, 3, 36 * 86400 }

static const struct grey_case grey_cases[] = {
	{ "first attempt, early retries, pass, known", GSPEC, {
		{ 0, 'a', 'n', RW_GREY_NEW, 300, false },
		{ 1000, 'a', 'n', RW_GREY_EARLY, 299, false },
		{ 299500, 'a', 'n', RW_GREY_EARLY, 1, false },
		{ 300000, 'a', 'n', RW_GREY_PASS, 0, false },	/* the edge */
		{ 300001, 'a', 'n', RW_GREY_KNOWN, 0, false },
		{ 300001 + 36 * DAY - 1, 'a', 'n', RW_GREY_KNOWN, 0, false },
		/* 36 days after the last pass: gone */
		{ 300001 + 72 * DAY - 1, 'a', 'n', RW_GREY_NEW, 300, false },
		GEND } },
	{ "the retry window closes at 4 h exactly", GSPEC, {
		{ 0, 'a', 'n', RW_GREY_NEW, 300, false },
		{ 14400 * SEC, 'a', 'n', RW_GREY_NEW, 300, false },
		{ 14400 * SEC + 300 * SEC - 1, 'a', 'n', RW_GREY_EARLY, 1, false },
		{ 2 * 14400 * SEC - 1, 'a', 'n', RW_GREY_PASS, 0, false },
		GEND } },
	{ "triplets are apart; an early retry does not restart the delay", GSPEC, {
		{ 0, 'a', 'n', RW_GREY_NEW, 300, false },
		{ 100 * SEC, 'b', 'n', RW_GREY_NEW, 300, false },
		{ 200 * SEC, 'a', 'n', RW_GREY_EARLY, 100, false },
		{ 300 * SEC, 'a', 'n', RW_GREY_PASS, 0, false },
		{ 300 * SEC, 'b', 'n', RW_GREY_EARLY, 100, false },
		{ 400 * SEC, 'b', 'n', RW_GREY_PASS, 0, false },
		GEND } },
	{ "auto-allowlist after 3 passes, per network, fading after its TTL",
	    GSPEC, {
		{ 0, 'a', 'n', RW_GREY_NEW, 300, false },
		{ 0, 'b', 'n', RW_GREY_NEW, 300, false },
		{ 0, 'c', 'n', RW_GREY_NEW, 300, false },
		{ 0, 'd', 'm', RW_GREY_NEW, 300, false },
		{ 300 * SEC, 'a', 'n', RW_GREY_PASS, 0, false },
		{ 300 * SEC, 'b', 'n', RW_GREY_PASS, 0, false },
		{ 300 * SEC, 'd', 'm', RW_GREY_PASS, 0, false },
		{ 301 * SEC, 'e', 'n', RW_GREY_NEW, 300, false },	/* 2 passes */
		{ 302 * SEC, 'c', 'n', RW_GREY_PASS, 0, false },	/* the 3rd */
		{ 303 * SEC, 'f', 'n', RW_GREY_KNOWN, 0, true },
		{ 303 * SEC, 'g', 'm', RW_GREY_NEW, 300, false },	/* 1 pass */
		/* listed use keeps it listed: 30 days later, then 30 more */
		{ 30 * DAY, 'h', 'n', RW_GREY_KNOWN, 0, true },
		{ 60 * DAY, 'i', 'n', RW_GREY_KNOWN, 0, true },
		{ 97 * DAY, 'j', 'n', RW_GREY_NEW, 300, false },
		GEND } },
	{ "auto-allowlist off (0 passes)", { 300, 14400, 36 * 86400, 0, 36 * 86400 }, {
		{ 0, 'a', 'n', RW_GREY_NEW, 300, false },
		{ 300 * SEC, 'a', 'n', RW_GREY_PASS, 0, false },
		{ 301 * SEC, 'b', 'n', RW_GREY_NEW, 300, false },
		{ 601 * SEC, 'b', 'n', RW_GREY_PASS, 0, false },
		{ 602 * SEC, 'c', 'n', RW_GREY_NEW, 300, false },
		GEND } },
	{ "delay 0: the first retry passes at once", { 0, 14400, 36 * 86400, 0, 86400 }, {
		{ 0, 'a', 'n', RW_GREY_NEW, 0, false },
		{ 0, 'a', 'n', RW_GREY_PASS, 0, false },
		{ 1, 'a', 'n', RW_GREY_KNOWN, 0, false },
		GEND } },
};

#endif /* RW_TEST_STATE_CASES_H */
