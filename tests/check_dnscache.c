/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	check_dnscache - unit tests for the DNS cache and the DNS message
 *	reader (milter/dnscache.c, milter/dnsmsg.c)
 * DESCRIPTION
 *	The cache reads no clock: every call gets a struct timespec the
 *	test sets, so expiry is exact to the nanosecond. Entries are
 *	reference counted; run under AddressSanitizer (LeakSanitizer) to
 *	show that an evicted entry a caller still holds stays readable and
 *	is freed after the last rw_dns_cache_unref(), with nothing leaked.
 *
 *	rw_dnsmsg_parse() is fed DNS responses built byte by byte with the
 *	small builder below (RFC 1035 4.1: header, question, resource
 *	records; 4.1.4 compression pointers). No network is used.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dnscache.h"

static struct timespec
at(time_t sec, long nsec)
{
	struct timespec t;

	t.tv_sec = sec;
	t.tv_nsec = nsec;
	return t;
}

#define T0	1000000

static const char *
st(enum rw_dns_status s)
{
	return rw_dns_status_name(s);
}

/* answer - an OK answer of one PTR record (its text on the heap) */
static void
answer_ptr(struct rw_dns_answer *a, const char *text, uint32_t ttl)
{
	memset(a, 0, sizeof(*a));
	a->status = RW_DNS_OK;
	a->ttl = ttl;
	a->n = 1;
	a->rr[0].type = RW_T_PTR;
	a->rr[0].ttl = ttl;
	a->rr[0].text = strdup(text);
	ck_assert_ptr_nonnull(a->rr[0].text);
	a->rr[0].textlen = strlen(text);
}

static void
answer_status(struct rw_dns_answer *a, enum rw_dns_status s, uint32_t ttl)
{
	memset(a, 0, sizeof(*a));
	a->status = s;
	a->ttl = ttl;
}

/* get - rw_dns_cache_get that must succeed, with the created flag checked */
static struct rw_dns_lookup *
get(const char *label, struct rw_dns_cache *c, const char *name,
    uint16_t type, struct timespec now, bool want_created)
{
	struct rw_dns_lookup *e;
	bool	created = !want_created;

	e = rw_dns_cache_get(c, name, type, &now, &created);
	ck_assert_msg(e != NULL, "%s: get %s: got NULL, want an entry", label,
	    name);
	ck_assert_msg(created == want_created, "%s: get %s at %lld.%09ld: "
	    "created got %s, want %s", label, name, (long long)now.tv_sec,
	    now.tv_nsec, created ? "true" : "false",
	    want_created ? "true" : "false");
	return e;
}

/* fill - get a new entry, complete it with a PTR answer, drop our ref */
static void
fill(const char *label, struct rw_dns_cache *c, const char *name,
    struct timespec now, uint32_t ttl)
{
	struct rw_dns_lookup *e = get(label, c, name, RW_T_PTR, now, true);
	struct rw_dns_answer a;

	answer_ptr(&a, name, ttl);
	rw_dns_cache_complete(c, e, &a, ttl, &now);
	rw_dns_cache_unref(e);
}

/*
 * is_cached - a lookup at now is a hit (true) or a miss (false). A miss
 * inserts an entry (which may evict another) and completes it with a
 * timeout, which takes it out again: check misses last.
 */
static bool
is_cached(struct rw_dns_cache *c, const char *name, struct timespec now)
{
	struct rw_dns_lookup *e;
	bool	created;

	e = rw_dns_cache_get(c, name, RW_T_PTR, &now, &created);
	ck_assert_ptr_nonnull(e);
	if (created) {
		struct rw_dns_answer a;

		/* complete the miss so nothing dangles */
		answer_status(&a, RW_DNS_TIMEOUT, 0);
		rw_dns_cache_complete(c, e, &a, 0, &now);
	}
	rw_dns_cache_unref(e);
	return !created;
}

/* -------------------------------------------------------- sharing and expiry */

START_TEST(test_pending_shared)
{
	struct rw_dns_cache *c = rw_dns_cache_new(10);
	struct rw_dns_lookup *e1, *e2, *e3;
	struct rw_dns_answer a;
	struct timespec t = at(T0 + 1, 0);

	e1 = get("pending", c, "2.0.0.127.zen.example", RW_T_A, at(T0, 0), true);
	ck_assert_msg(!e1->done, "pending: new entry done: got true, want false");
	ck_assert_msg(e1->refs == 3, "pending: refs: got %u, want 3 (caller, "
	    "query, table)", e1->refs);
	e2 = get("pending", c, "2.0.0.127.zen.example", RW_T_A, at(T0 + 5, 0),
	    false);
	ck_assert_msg(e2 == e1, "pending: second get: got another entry, want "
	    "the same");
	ck_assert_msg(!e2->done, "pending: shared entry done: got true, want "
	    "false");
	ck_assert_msg(rw_dns_cache_entries(c) == 1, "pending: entries: got %zu, "
	    "want 1", rw_dns_cache_entries(c));
	/* another type is another entry */
	e3 = get("pending", c, "2.0.0.127.zen.example", RW_T_TXT, at(T0, 0),
	    true);
	ck_assert_msg(e3 != e1, "pending: TXT shares the A entry, want its own");
	answer_status(&a, RW_DNS_TIMEOUT, 0);
	rw_dns_cache_complete(c, e3, &a, 0, &t);
	rw_dns_cache_unref(e3);

	answer_ptr(&a, "x", 60);
	a.rr[0].type = RW_T_A;
	rw_dns_cache_complete(c, e1, &a, 60, &t);
	ck_assert_msg(e2->done && e2->ans.status == RW_DNS_OK, "pending: after "
	    "complete: done %d status %s, want done ok", e2->done,
	    st(e2->ans.status));
	ck_assert_msg(a.n == 0 && a.rr[0].text == NULL, "pending: complete did "
	    "not take the records");
	rw_dns_cache_unref(e1);
	rw_dns_cache_unref(e2);
	rw_dns_cache_free(c);
}
END_TEST

/*
 * Entries are sized by what they hold (issue 11: a cache entry per client
 * was 1.9 KB whatever the answer): the records are moved into an array of
 * their count, none for a negative answer, and read back unchanged.
 */
struct sized_case {
	const char	*label;
	enum rw_dns_status status;
	size_t		 n;		/* A records in the answer */
};

static const struct sized_case sized_cases[] = {
	{ "NXDOMAIN holds no records", RW_DNS_NXDOMAIN, 0 },
	{ "NODATA holds no records", RW_DNS_NODATA, 0 },
	{ "SERVFAIL holds no records", RW_DNS_SERVFAIL, 0 },
	{ "OK, one record", RW_DNS_OK, 1 },
	{ "OK, three records", RW_DNS_OK, 3 },
	{ "OK, the most a parse keeps", RW_DNS_OK, RW_DNS_RR_MAX },
};

START_TEST(test_sized)
{
	const struct sized_case *tc = &sized_cases[_i];
	struct rw_dns_cache *c = rw_dns_cache_new(10);
	struct rw_dns_lookup *e, *e2;
	struct rw_dns_answer a;
	struct timespec t = at(T0, 0);
	size_t	i;

	e = get(tc->label, c, "2.0.0.127.Zen.Example.", RW_T_A, t, true);
	ck_assert_msg(strcmp(e->name, "2.0.0.127.zen.example") == 0, "%s: name "
	    "got \"%s\", want \"2.0.0.127.zen.example\"", tc->label, e->name);
	answer_status(&a, tc->status, 60);
	for (i = 0; i < tc->n; i++) {
		a.rr[i].type = RW_T_A;
		a.rr[i].ttl = 60 + (uint32_t)i;
		a.rr[i].addr[0] = 127;
		a.rr[i].addr[3] = (unsigned char)(i + 2);
	}
	a.n = tc->n;
	rw_dns_cache_complete(c, e, &a, 60, &t);
	ck_assert_msg(a.n == 0, "%s: the answer keeps %zu records, want 0",
	    tc->label, a.n);
	e2 = get(tc->label, c, "2.0.0.127.zen.example", RW_T_A, at(T0, 1), false);
	ck_assert_msg(e2 == e && e2->ans.status == tc->status && e2->ans.n ==
	    tc->n, "%s: got status %s n %zu, want %s n %zu", tc->label,
	    st(e2->ans.status), e2->ans.n, st(tc->status), tc->n);
	ck_assert_msg((tc->n == 0) == (e2->ans.rr == NULL), "%s: records %p "
	    "for %zu, want an array only when there are records", tc->label,
	    (void *)e2->ans.rr, tc->n);
	for (i = 0; i < tc->n; i++)
		ck_assert_msg(e2->ans.rr[i].type == RW_T_A &&
		    e2->ans.rr[i].ttl == 60 + i && e2->ans.rr[i].addr[0] == 127 &&
		    e2->ans.rr[i].addr[3] == i + 2, "%s: record %zu changed",
		    tc->label, i);
	rw_dns_cache_unref(e);
	rw_dns_cache_unref(e2);
	rw_dns_cache_free(c);
}
END_TEST

struct ttl_case {
	const char	*label;
	enum rw_dns_status status;
	uint32_t	 ttl;		/* the answer's */
	uint32_t	 kept;		/* seconds served: rw_dns_cache_ttl() */
};

static const struct ttl_case ttl_cases[] = {
	{ "OK ttl 60", RW_DNS_OK, 60, 60 },
	{ "OK ttl 1", RW_DNS_OK, 1, 1 },
	{ "NXDOMAIN ttl 300", RW_DNS_NXDOMAIN, 300, 300 },
	{ "NODATA ttl 30", RW_DNS_NODATA, 30, 30 },
	{ "SERVFAIL kept 5s", RW_DNS_SERVFAIL, 600, 5 },
};

START_TEST(test_expiry)
{
	const struct ttl_case *tc = &ttl_cases[_i];
	struct rw_dns_cache *c = rw_dns_cache_new(10);
	struct rw_dns_lookup *e, *e2;
	struct rw_dns_answer a;
	struct timespec t = at(T0, 0), later;
	uint32_t ttl;

	e = get(tc->label, c, "q.example", RW_T_A, t, true);
	answer_status(&a, tc->status, tc->ttl);
	ttl = rw_dns_cache_ttl(&a);
	ck_assert_msg(ttl == tc->kept, "%s: rw_dns_cache_ttl: got %u, want %u",
	    tc->label, ttl, tc->kept);
	rw_dns_cache_complete(c, e, &a, ttl, &t);
	rw_dns_cache_unref(e);

	/* served until the last nanosecond before t + ttl */
	e2 = get(tc->label, c, "Q.example.", RW_T_A, at(T0, 1), false);
	ck_assert_msg(e2 == e && e2->done && e2->ans.status == tc->status,
	    "%s: served entry: status got %s, want %s", tc->label,
	    st(e2->ans.status), st(tc->status));
	rw_dns_cache_unref(e2);
	e2 = get(tc->label, c, "q.example", RW_T_A,
	    at(T0 + (time_t)tc->kept - 1, 999999999), false);
	ck_assert_msg(e2 == e, "%s: at t+%u-1ns: got another entry, want the "
	    "cached one", tc->label, tc->kept);
	rw_dns_cache_unref(e2);
	/* and replaced from t + ttl on (the old entry is freed then) */
	later = at(T0 + (time_t)tc->kept, 0);
	e = get(tc->label, c, "q.example", RW_T_A, later, true);
	ck_assert_msg(!e->done, "%s: replacement: done got true, want pending",
	    tc->label);
	ck_assert_msg(rw_dns_cache_entries(c) == 1, "%s: entries: got %zu, "
	    "want 1", tc->label, rw_dns_cache_entries(c));
	answer_status(&a, RW_DNS_TIMEOUT, 0);
	rw_dns_cache_complete(c, e, &a, 0, &later);
	rw_dns_cache_unref(e);
	rw_dns_cache_free(c);
}
END_TEST

START_TEST(test_ttl0_not_served)
{
	struct rw_dns_cache *c = rw_dns_cache_new(10);
	struct rw_dns_lookup *e, *e2, *e3;
	struct rw_dns_answer a;
	struct timespec t = at(T0, 0);

	e = get("ttl 0", c, "slow.example", RW_T_A, t, true);
	e2 = get("ttl 0", c, "slow.example", RW_T_A, t, false);
	answer_status(&a, RW_DNS_TIMEOUT, 0);
	rw_dns_cache_complete(c, e, &a, rw_dns_cache_ttl(&a), &t);
	ck_assert_msg(rw_dns_cache_entries(c) == 0, "ttl 0: entries: got %zu, "
	    "want 0", rw_dns_cache_entries(c));
	/* both waiters still read the timeout */
	ck_assert_msg(e->done && e2->ans.status == RW_DNS_TIMEOUT, "ttl 0: "
	    "waiters read done %d status %s, want done timeout", e->done,
	    st(e2->ans.status));
	/* at the very same instant, a new lookup is a new query */
	e3 = get("ttl 0", c, "slow.example", RW_T_A, t, true);
	ck_assert_msg(e3 != e, "ttl 0: got the timed-out entry again, want a "
	    "new one");
	rw_dns_cache_complete(c, e3, &a, 0, &t);
	rw_dns_cache_unref(e3);
	rw_dns_cache_unref(e);
	rw_dns_cache_unref(e2);
	rw_dns_cache_free(c);
}
END_TEST

struct cap_case {
	const char	*label;
	enum rw_dns_status status;
	uint32_t	 ttl;
	uint32_t	 want;
};

static const struct cap_case cap_cases[] = {
	{ "OK 999999 capped at a day", RW_DNS_OK, 999999, 86400 },
	{ "OK 86400", RW_DNS_OK, 86400, 86400 },
	{ "OK 86401", RW_DNS_OK, 86401, 86400 },
	{ "OK 300", RW_DNS_OK, 300, 300 },
	{ "OK 0", RW_DNS_OK, 0, 0 },
	{ "OK max", RW_DNS_OK, UINT32_MAX, 86400 },
	{ "NXDOMAIN 99999 capped at an hour", RW_DNS_NXDOMAIN, 99999, 3600 },
	{ "NXDOMAIN 3600", RW_DNS_NXDOMAIN, 3600, 3600 },
	{ "NXDOMAIN 60", RW_DNS_NXDOMAIN, 60, 60 },
	{ "NXDOMAIN 0 (no SOA)", RW_DNS_NXDOMAIN, 0, 0 },
	{ "NODATA 99999", RW_DNS_NODATA, 99999, 3600 },
	{ "NODATA 120", RW_DNS_NODATA, 120, 120 },
	{ "SERVFAIL 5", RW_DNS_SERVFAIL, 0, 5 },
	{ "SERVFAIL ignores ttl", RW_DNS_SERVFAIL, 99999, 5 },
	{ "TIMEOUT 0", RW_DNS_TIMEOUT, 300, 0 },
	{ "NOT_ASKED 0", RW_DNS_NOT_ASKED, 300, 0 },
};

START_TEST(test_ttl_caps)
{
	const struct cap_case *c = &cap_cases[_i];
	struct rw_dns_answer a;
	uint32_t got;

	answer_status(&a, c->status, c->ttl);
	got = rw_dns_cache_ttl(&a);
	ck_assert_msg(got == c->want, "%s: got %u, want %u", c->label, got,
	    c->want);
}
END_TEST

struct name_case {
	const char	*label;
	const char	*first;
	const char	*second;
	bool		 same;
};

static const struct name_case name_cases[] = {
	{ "case-insensitive", "Mail.Example.COM", "mail.example.com", true },
	{ "trailing dot", "mail.example.com.", "mail.example.com", true },
	{ "both", "MAIL.EXAMPLE.COM.", "mail.example.com", true },
	{ "other name", "mail.example.com", "mx.example.com", false },
	{ "prefix is not the name", "example.com", "ail.example.com", false },
	{ "two trailing dots are not one", "mail.example.com..",
	    "mail.example.com", false },
};

START_TEST(test_names)
{
	const struct name_case *nc = &name_cases[_i];
	struct rw_dns_cache *c = rw_dns_cache_new(10);
	struct timespec t = at(T0, 0);
	struct rw_dns_lookup *e1, *e2;
	struct rw_dns_answer a;
	bool	created;

	e1 = get(nc->label, c, nc->first, RW_T_A, t, true);
	e2 = rw_dns_cache_get(c, nc->second, RW_T_A, &t, &created);
	ck_assert_ptr_nonnull(e2);
	ck_assert_msg((e1 == e2) == nc->same && created == !nc->same, "%s: \"%s\" "
	    "then \"%s\": got %s, want %s", nc->label, nc->first, nc->second,
	    e1 == e2 ? "the same entry" : "another entry",
	    nc->same ? "the same entry" : "another entry");
	answer_status(&a, RW_DNS_TIMEOUT, 0);
	rw_dns_cache_complete(c, e1, &a, 0, &t);
	if (e2 != e1)
		rw_dns_cache_complete(c, e2, &a, 0, &t);
	rw_dns_cache_unref(e1);
	rw_dns_cache_unref(e2);
	rw_dns_cache_free(c);
}
END_TEST

START_TEST(test_bad_names)
{
	static const char *const bad[] = { "", ".", NULL };
	struct rw_dns_cache *c = rw_dns_cache_new(10);
	struct timespec t = at(T0, 0);
	char	longname[300];
	bool	created;
	size_t	i;

	for (i = 0; bad[i] != NULL; i++) {
		created = true;
		ck_assert_msg(rw_dns_cache_get(c, bad[i], RW_T_A, &t, &created) ==
		    NULL && !created, "bad name \"%s\": got an entry, want NULL",
		    bad[i]);
	}
	memset(longname, 'a', 254);
	longname[254] = '\0';
	ck_assert_msg(rw_dns_cache_get(c, longname, RW_T_A, &t, &created) == NULL,
	    "254-character name: got an entry, want NULL");
	ck_assert_uint_eq(rw_dns_cache_entries(c), 0);
	rw_dns_cache_free(c);
}
END_TEST

/* -------------------------------------------------------- the bound */

START_TEST(test_lru_evicts_oldest)
{
	struct rw_dns_cache *c = rw_dns_cache_new(3);
	struct timespec t = at(T0, 0);

	fill("lru", c, "a.example", t, 600);
	fill("lru", c, "b.example", t, 600);
	fill("lru", c, "c.example", t, 600);
	fill("lru", c, "d.example", t, 600);
	ck_assert_msg(rw_dns_cache_entries(c) == 3, "lru: entries: got %zu, "
	    "want 3", rw_dns_cache_entries(c));
	/* hits do not evict: check the survivors first */
	ck_assert_msg(is_cached(c, "b.example", t), "lru: b evicted, want kept");
	ck_assert_msg(is_cached(c, "c.example", t), "lru: c evicted, want kept");
	ck_assert_msg(is_cached(c, "d.example", t), "lru: d evicted, want kept");
	ck_assert_msg(!is_cached(c, "a.example", t), "lru: a (least recently "
	    "used) kept, want evicted");
	rw_dns_cache_free(c);
}
END_TEST

START_TEST(test_lru_touch)
{
	struct rw_dns_cache *c = rw_dns_cache_new(3);
	struct timespec t = at(T0, 0);

	fill("touch", c, "a.example", t, 600);
	fill("touch", c, "b.example", t, 600);
	fill("touch", c, "c.example", t, 600);
	ck_assert_msg(is_cached(c, "a.example", t), "touch: a missing");
	fill("touch", c, "d.example", t, 600);	/* evicts b, not a */
	ck_assert_msg(rw_dns_cache_entries(c) == 3, "touch: entries: got %zu, "
	    "want 3", rw_dns_cache_entries(c));
	ck_assert_msg(is_cached(c, "a.example", t), "touch: touched a evicted, "
	    "want kept");
	ck_assert_msg(is_cached(c, "c.example", t), "touch: c evicted, want "
	    "kept");
	ck_assert_msg(is_cached(c, "d.example", t), "touch: d evicted, want "
	    "kept");
	ck_assert_msg(!is_cached(c, "b.example", t), "touch: b kept, want "
	    "evicted");
	rw_dns_cache_free(c);
}
END_TEST

START_TEST(test_evicted_still_readable)
{
	struct rw_dns_cache *c = rw_dns_cache_new(3);
	struct timespec t = at(T0, 0);
	struct rw_dns_lookup *held;
	struct rw_dns_answer a;

	held = get("held", c, "a.example", RW_T_PTR, t, true);
	answer_ptr(&a, "held.answer.example", 600);
	rw_dns_cache_complete(c, held, &a, 600, &t);
	fill("held", c, "b.example", t, 600);
	fill("held", c, "c.example", t, 600);
	fill("held", c, "d.example", t, 600);	/* evicts a */
	ck_assert_msg(!held->in_table, "held: a still in the table, want "
	    "evicted");
	ck_assert_msg(held->refs == 1, "held: refs: got %u, want 1 (ours)",
	    held->refs);
	/* our copy is intact (ASan: no use after free) */
	ck_assert_msg(held->done && held->ans.n == 1 &&
	    strcmp(held->ans.rr[0].text, "held.answer.example") == 0,
	    "held: got n %zu text \"%s\", want the answer", held->ans.n,
	    held->ans.n ? held->ans.rr[0].text : "");
	/* the cache no longer has it */
	ck_assert_msg(!is_cached(c, "a.example", t), "held: a served again, "
	    "want a new query");
	ck_assert_msg(strcmp(held->ans.rr[0].text, "held.answer.example") == 0,
	    "held: answer changed after a new query");
	rw_dns_cache_unref(held);	/* freed now (ASan: no leak) */
	rw_dns_cache_free(c);
}
END_TEST

START_TEST(test_pending_evicted)
{
	struct rw_dns_cache *c = rw_dns_cache_new(2);
	struct timespec t = at(T0, 0);
	struct rw_dns_lookup *p, *again;
	struct rw_dns_answer a;

	p = get("pending evicted", c, "a.example", RW_T_PTR, t, true);
	fill("pending evicted", c, "b.example", t, 600);
	fill("pending evicted", c, "c.example", t, 600);	/* evicts a */
	ck_assert_msg(!p->in_table, "pending evicted: still in the table");
	/* the query's answer arrives for an entry no longer cached */
	answer_ptr(&a, "late.example", 600);
	rw_dns_cache_complete(c, p, &a, 600, &t);
	ck_assert_msg(p->done && strcmp(p->ans.rr[0].text, "late.example") == 0,
	    "pending evicted: the waiter did not get the answer");
	ck_assert_msg(rw_dns_cache_entries(c) == 2, "pending evicted: entries: "
	    "got %zu, want 2", rw_dns_cache_entries(c));
	again = get("pending evicted", c, "a.example", RW_T_PTR, t, true);
	ck_assert_msg(again != p, "pending evicted: got the evicted entry back");
	answer_status(&a, RW_DNS_TIMEOUT, 0);
	rw_dns_cache_complete(c, again, &a, 0, &t);
	rw_dns_cache_unref(again);
	rw_dns_cache_unref(p);
	rw_dns_cache_free(c);
}
END_TEST

START_TEST(test_free_with_held_entry)
{
	struct rw_dns_cache *c = rw_dns_cache_new(3);
	struct timespec t = at(T0, 0);
	struct rw_dns_lookup *held;
	struct rw_dns_answer a;

	held = get("free", c, "a.example", RW_T_PTR, t, true);
	answer_ptr(&a, "still.here.example", 600);
	rw_dns_cache_complete(c, held, &a, 600, &t);
	fill("free", c, "b.example", t, 600);
	rw_dns_cache_free(c);
	ck_assert_msg(strcmp(held->ans.rr[0].text, "still.here.example") == 0,
	    "free: held entry lost its answer");
	rw_dns_cache_unref(held);
}
END_TEST

START_TEST(test_no_caching)
{
	struct rw_dns_cache *c = rw_dns_cache_new(0);
	struct timespec t = at(T0, 0);
	struct rw_dns_lookup *e1, *e2;
	struct rw_dns_answer a;

	e1 = get("max 0", c, "a.example", RW_T_A, t, true);
	ck_assert_msg(e1->refs == 2 && !e1->in_table, "max 0: refs %u in_table "
	    "%d, want 2 and not in the table", e1->refs, e1->in_table);
	e2 = get("max 0", c, "a.example", RW_T_A, t, true);
	ck_assert_msg(e2 != e1, "max 0: second get shared an entry, want none");
	answer_ptr(&a, "x", 600);
	rw_dns_cache_complete(c, e1, &a, 600, &t);
	answer_ptr(&a, "y", 600);
	rw_dns_cache_complete(c, e2, &a, 600, &t);
	ck_assert_msg(rw_dns_cache_entries(c) == 0, "max 0: entries: got %zu, "
	    "want 0", rw_dns_cache_entries(c));
	ck_assert_msg(!is_cached(c, "a.example", t), "max 0: got a hit, want "
	    "a miss");
	rw_dns_cache_unref(e1);
	rw_dns_cache_unref(e2);
	rw_dns_cache_free(c);
}
END_TEST

START_TEST(test_set_max_shrinks)
{
	struct rw_dns_cache *c = rw_dns_cache_new(5);
	struct timespec t = at(T0, 0);

	fill("shrink", c, "a.example", t, 600);
	fill("shrink", c, "b.example", t, 600);
	fill("shrink", c, "c.example", t, 600);
	fill("shrink", c, "d.example", t, 600);
	rw_dns_cache_set_max(c, 2);
	fill("shrink", c, "e.example", t, 600);
	ck_assert_msg(rw_dns_cache_entries(c) == 2, "shrink: entries: got %zu, "
	    "want 2", rw_dns_cache_entries(c));
	ck_assert_msg(is_cached(c, "d.example", t) && is_cached(c, "e.example", t),
	    "shrink: the two newest are not both kept");
	rw_dns_cache_free(c);
}
END_TEST

/* expired entries are replaced, and the bound still holds */
START_TEST(test_expired_counted_once)
{
	struct rw_dns_cache *c = rw_dns_cache_new(2);

	fill("expired", c, "a.example", at(T0, 0), 10);
	fill("expired", c, "b.example", at(T0, 0), 10);
	fill("expired", c, "a.example", at(T0 + 10, 0), 10);
	ck_assert_msg(rw_dns_cache_entries(c) == 2, "expired: entries: got %zu, "
	    "want 2", rw_dns_cache_entries(c));
	ck_assert_msg(is_cached(c, "b.example", at(T0 + 9, 0)), "expired: b "
	    "evicted by the refresh of a");
	rw_dns_cache_free(c);
}
END_TEST

/* -------------------------------------------------------- DNS messages */

struct msg {
	unsigned char	 b[1024];
	size_t		 n;
};

static size_t
put8(struct msg *m, unsigned int v)
{
	ck_assert(m->n < sizeof(m->b));
	m->b[m->n++] = (unsigned char)v;
	return m->n - 1;
}

static size_t
put16(struct msg *m, unsigned int v)
{
	size_t	o = m->n;

	put8(m, (v >> 8) & 0xff);
	put8(m, v & 0xff);
	return o;
}

static void
put32(struct msg *m, uint32_t v)
{
	put16(m, v >> 16);
	put16(m, v & 0xffff);
}

static void
put_bytes(struct msg *m, const void *p, size_t n)
{
	ck_assert(m->n + n <= sizeof(m->b));
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

/*
 * put_name - labels of "a.b.c"; "@N" at the end of the text means "then a
 * compression pointer to offset N" ("mx@40"), and "@N" alone is just the
 * pointer. Returns the offset where the name starts.
 */
static size_t
put_name(struct msg *m, const char *name)
{
	size_t	start = m->n, l;
	const char *p = name, *dot, *at_ = strchr(name, '@');
	const char *end = at_ != NULL ? at_ : name + strlen(name);

	while (p < end) {
		dot = memchr(p, '.', (size_t)(end - p));
		l = dot != NULL ? (size_t)(dot - p) : (size_t)(end - p);
		put8(m, (unsigned int)l);
		put_bytes(m, p, l);
		p += l + (dot != NULL ? 1 : 0);
	}
	if (at_ != NULL)
		put16(m, 0xc000 | (unsigned int)atoi(at_ + 1));
	else
		put8(m, 0);
	return start;
}

/* header - id 0x1234, QR RD RA, the rcode; counts */
static void
header(struct msg *m, unsigned int rcode, unsigned int qd, unsigned int an,
    unsigned int ns, unsigned int ar)
{
	m->n = 0;
	put16(m, 0x1234);
	put16(m, 0x8180 | rcode);
	put16(m, qd);
	put16(m, an);
	put16(m, ns);
	put16(m, ar);
}

static void
question(struct msg *m, const char *name, unsigned int type)
{
	put_name(m, name);
	put16(m, type);
	put16(m, 1);		/* IN */
}

/* rr_start - owner, type, class, ttl; returns where rdlength goes */
static size_t
rr_start(struct msg *m, const char *owner, unsigned int type, uint32_t ttl)
{
	put_name(m, owner);
	put16(m, type);
	put16(m, 1);
	put32(m, ttl);
	return put16(m, 0);
}

/* rr_end - patch the rdlength to what was written since rr_start */
static void
rr_end(struct msg *m, size_t rdlen_at)
{
	size_t	len = m->n - rdlen_at - 2;

	m->b[rdlen_at] = (unsigned char)(len >> 8);
	m->b[rdlen_at + 1] = (unsigned char)len;
}

static void
rr_a(struct msg *m, const char *owner, uint32_t ttl, unsigned int a,
    unsigned int b, unsigned int c, unsigned int d)
{
	size_t	at_ = rr_start(m, owner, RW_T_A, ttl);

	put8(m, a);
	put8(m, b);
	put8(m, c);
	put8(m, d);
	rr_end(m, at_);
}

/* rr_soa - the SOA of RFC 1035 3.3.13, MINIMUM last */
static void
rr_soa(struct msg *m, const char *owner, uint32_t ttl, uint32_t minimum)
{
	size_t	at_ = rr_start(m, owner, RW_T_SOA, ttl);

	put_name(m, "ns1.@12");
	put_name(m, "hostmaster.@12");
	put32(m, 2024010101);	/* serial */
	put32(m, 3600);		/* refresh */
	put32(m, 600);		/* retry */
	put32(m, 604800);	/* expire */
	put32(m, minimum);
	rr_end(m, at_);
}

#define QNAME	"2.0.0.127.zen.example"
#define Q	12		/* offset of the question name */

static void
want_parse(const char *label, const struct msg *m, uint16_t qtype, bool want_ok,
    struct rw_dns_answer *a)
{
	bool	ok = rw_dnsmsg_parse(m->b, m->n, qtype, a);

	ck_assert_msg(ok == want_ok, "%s: got %s, want %s", label,
	    ok ? "true" : "false", want_ok ? "true" : "false");
}

START_TEST(test_msg_a)
{
	struct msg m;
	struct rw_dns_answer a;

	header(&m, 0, 1, 2, 0, 0);
	question(&m, QNAME, RW_T_A);
	rr_a(&m, "@12", 300, 127, 0, 0, 2);
	rr_a(&m, "@12", 120, 127, 0, 0, 4);
	want_parse("A", &m, RW_T_A, true, &a);
	ck_assert_msg(a.status == RW_DNS_OK, "A: status got %s, want ok",
	    st(a.status));
	ck_assert_msg(a.n == 2, "A: records got %zu, want 2", a.n);
	ck_assert_msg(a.ttl == 120, "A: ttl got %u, want 120 (the minimum)",
	    a.ttl);
	ck_assert_msg(memcmp(a.rr[0].addr, "\177\0\0\2", 4) == 0 &&
	    memcmp(a.rr[1].addr, "\177\0\0\4", 4) == 0, "A: addresses got "
	    "%u.%u.%u.%u %u.%u.%u.%u, want 127.0.0.2 127.0.0.4",
	    a.rr[0].addr[0], a.rr[0].addr[1], a.rr[0].addr[2], a.rr[0].addr[3],
	    a.rr[1].addr[0], a.rr[1].addr[1], a.rr[1].addr[2], a.rr[1].addr[3]);
	ck_assert_msg(a.rr[0].type == RW_T_A && a.rr[0].ttl == 300 &&
	    a.rr[1].ttl == 120, "A: record types/ttls wrong");
	rw_dnsmsg_clear(&a);
}
END_TEST

START_TEST(test_msg_aaaa)
{
	static const unsigned char want[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0x25 };
	struct msg m;
	struct rw_dns_answer a;
	size_t	r;

	header(&m, 0, 1, 1, 0, 0);
	question(&m, "mx.example.test", RW_T_AAAA);
	r = rr_start(&m, "@12", RW_T_AAAA, 3600);
	put_bytes(&m, want, 16);
	rr_end(&m, r);
	want_parse("AAAA", &m, RW_T_AAAA, true, &a);
	ck_assert_msg(a.status == RW_DNS_OK && a.n == 1 && a.ttl == 3600,
	    "AAAA: got status %s n %zu ttl %u, want ok 1 3600", st(a.status),
	    a.n, a.ttl);
	ck_assert_msg(memcmp(a.rr[0].addr, want, 16) == 0, "AAAA: address "
	    "differs from 2001:db8::25");
	rw_dnsmsg_clear(&a);
}
END_TEST

START_TEST(test_msg_ptr_compressed)
{
	struct msg m;
	struct rw_dns_answer a;
	size_t	r, example;
	char	second[32];

	header(&m, 0, 1, 2, 0, 0);
	question(&m, "10.2.0.192.in-addr.arpa", RW_T_PTR);
	r = rr_start(&m, "@12", RW_T_PTR, 600);
	put_name(&m, "host");
	m.n--;			/* drop the root: continue the name */
	example = m.n;
	put_name(&m, "example.test");
	rr_end(&m, r);
	/* second record: "mx" + pointer to "example.test" above */
	r = rr_start(&m, "@12", RW_T_PTR, 500);
	snprintf(second, sizeof(second), "mx@%zu", example);
	put_name(&m, second);
	rr_end(&m, r);
	want_parse("PTR", &m, RW_T_PTR, true, &a);
	ck_assert_msg(a.status == RW_DNS_OK && a.n == 2 && a.ttl == 500,
	    "PTR: got status %s n %zu ttl %u, want ok 2 500", st(a.status), a.n,
	    a.ttl);
	ck_assert_msg(strcmp(a.rr[0].text, "host.example.test") == 0, "PTR: "
	    "first got \"%s\", want \"host.example.test\"", a.rr[0].text);
	ck_assert_msg(strcmp(a.rr[1].text, "mx.example.test") == 0, "PTR: "
	    "second got \"%s\", want \"mx.example.test\"", a.rr[1].text);
	ck_assert_msg(a.rr[1].textlen == strlen("mx.example.test"), "PTR: "
	    "textlen got %zu, want %zu", a.rr[1].textlen,
	    strlen("mx.example.test"));
	rw_dnsmsg_clear(&a);
}
END_TEST

START_TEST(test_msg_txt)
{
	struct msg m;
	struct rw_dns_answer a;
	size_t	r;

	header(&m, 0, 1, 1, 0, 0);
	question(&m, QNAME, RW_T_TXT);
	r = rr_start(&m, "@12", RW_T_TXT, 900);
	put8(&m, 7);
	put_bytes(&m, "Listed ", 7);
	put8(&m, 0);		/* an empty character-string */
	put8(&m, 3);
	put_bytes(&m, "by\0", 3);	/* an embedded NUL */
	put8(&m, 4);
	put_bytes(&m, " zen", 4);
	rr_end(&m, r);
	want_parse("TXT", &m, RW_T_TXT, true, &a);
	ck_assert_msg(a.status == RW_DNS_OK && a.n == 1 && a.ttl == 900,
	    "TXT: got status %s n %zu ttl %u, want ok 1 900", st(a.status), a.n,
	    a.ttl);
	ck_assert_msg(a.rr[0].textlen == 14 &&
	    memcmp(a.rr[0].text, "Listed by\0 zen", 14) == 0, "TXT: got "
	    "%zu bytes \"%s\", want 14 bytes \"Listed by\\0 zen\"",
	    a.rr[0].textlen, a.rr[0].text);
	rw_dnsmsg_clear(&a);
}
END_TEST

/*
 * A NUL inside a name's label (PTR, CNAME, MX targets) must not cut the
 * name short: c-ares escapes it as "\000" (RFC 4343 2.1), the text and
 * its length agree, and the name is then refused by every name check.
 */
START_TEST(test_msg_ptr_nul_label)
{
	struct msg m;
	struct rw_dns_answer a;
	size_t	r;

	header(&m, 0, 1, 1, 0, 0);
	question(&m, "10.2.0.192.in-addr.arpa", RW_T_PTR);
	r = rr_start(&m, "@12", RW_T_PTR, 600);
	put8(&m, 7);
	put_bytes(&m, "mx\0evil", 7);
	put_name(&m, "example.test");
	rr_end(&m, r);
	want_parse("PTR with NUL", &m, RW_T_PTR, true, &a);
	ck_assert_msg(a.status == RW_DNS_OK && a.n == 1, "PTR with NUL: got "
	    "status %s n %zu, want ok 1", st(a.status), a.n);
	ck_assert_msg(strcmp(a.rr[0].text, "mx\\000evil.example.test") == 0,
	    "PTR with NUL: got \"%s\", want \"mx\\000evil.example.test\"",
	    a.rr[0].text);
	ck_assert_msg(a.rr[0].textlen == strlen(a.rr[0].text), "PTR with NUL: "
	    "textlen got %zu, want %zu", a.rr[0].textlen, strlen(a.rr[0].text));
	rw_dnsmsg_clear(&a);
}
END_TEST

struct neg_case {
	const char	*label;
	unsigned int	 rcode;
	bool		 cname;		/* an answer CNAME before the authority */
	bool		 soa;
	uint32_t	 soa_ttl, minimum;
	enum rw_dns_status want;
	uint32_t	 want_ttl;
};

static const struct neg_case neg_cases[] = {
	{ "NXDOMAIN, SOA TTL above MINIMUM", 3, false, true, 900, 300,
	    RW_DNS_NXDOMAIN, 300 },
	{ "NXDOMAIN, SOA TTL below MINIMUM", 3, false, true, 60, 300,
	    RW_DNS_NXDOMAIN, 60 },
	{ "NXDOMAIN after a CNAME", 3, true, true, 900, 120, RW_DNS_NXDOMAIN,
	    120 },
	{ "NXDOMAIN without SOA: not cached", 3, false, false, 0, 0,
	    RW_DNS_NXDOMAIN, 0 },
	{ "NODATA with SOA", 0, false, true, 3600, 900, RW_DNS_NODATA, 900 },
	{ "NODATA, CNAME only", 0, true, true, 3600, 30, RW_DNS_NODATA, 30 },
	{ "NODATA without SOA", 0, false, false, 0, 0, RW_DNS_NODATA, 0 },
	{ "SERVFAIL", 2, false, false, 0, 0, RW_DNS_SERVFAIL, 0 },
	{ "REFUSED is a server failure", 5, false, false, 0, 0,
	    RW_DNS_SERVFAIL, 0 },
	{ "FORMERR is a server failure", 1, false, true, 900, 300,
	    RW_DNS_SERVFAIL, 0 },
};

START_TEST(test_msg_negative)
{
	const struct neg_case *c = &neg_cases[_i];
	struct msg m;
	struct rw_dns_answer a;
	size_t	r;

	header(&m, c->rcode, 1, c->cname ? 1 : 0, c->soa ? 1 : 0, 0);
	question(&m, "nope.example.test", RW_T_A);
	if (c->cname) {
		r = rr_start(&m, "@12", RW_T_CNAME, 50);
		put_name(&m, "other.@17");	/* other.example.test */
		rr_end(&m, r);
	}
	if (c->soa)
		rr_soa(&m, "@17", c->soa_ttl, c->minimum);
	want_parse(c->label, &m, RW_T_A, true, &a);
	ck_assert_msg(a.status == c->want, "%s: status got %s, want %s",
	    c->label, st(a.status), st(c->want));
	ck_assert_msg(a.n == 0, "%s: records got %zu, want 0", c->label, a.n);
	ck_assert_msg(a.ttl == c->want_ttl, "%s: ttl got %u, want %u", c->label,
	    a.ttl, c->want_ttl);
	rw_dnsmsg_clear(&a);
}
END_TEST

START_TEST(test_msg_cname_then_a)
{
	struct msg m;
	struct rw_dns_answer a;
	size_t	r, target;

	header(&m, 0, 1, 2, 0, 0);
	question(&m, "www.example.test", RW_T_A);
	r = rr_start(&m, "@12", RW_T_CNAME, 3000);
	target = m.n;
	put_name(&m, "web.@16");	/* web.example.test */
	rr_end(&m, r);
	{
		char	owner[16];

		snprintf(owner, sizeof(owner), "@%zu", target);
		rr_a(&m, owner, 400, 192, 0, 2, 80);
	}
	want_parse("CNAME + A", &m, RW_T_A, true, &a);
	ck_assert_msg(a.status == RW_DNS_OK && a.n == 1, "CNAME + A: got status "
	    "%s n %zu, want ok 1", st(a.status), a.n);
	ck_assert_msg(a.rr[0].type == RW_T_A && memcmp(a.rr[0].addr,
	    "\300\0\2\120", 4) == 0, "CNAME + A: kept record is not the A");
	ck_assert_msg(a.ttl == 400, "CNAME + A: ttl got %u, want 400", a.ttl);
	rw_dnsmsg_clear(&a);
}
END_TEST

/* ------------------------------------------------ malformed messages */

enum bad_kind {
	BAD_SHORT_HEADER,
	BAD_QNAME_CUT,
	BAD_QUESTION_TAIL_CUT,
	BAD_RR_HEADER_CUT,
	BAD_RDLEN_PAST_END,
	BAD_A_RDLEN_3,
	BAD_AAAA_RDLEN_4,
	BAD_PTR_LOOP,
	BAD_PTR_FORWARD,
	BAD_TXT_STRING_PAST_RDATA,
	BAD_SECOND_PTR_BAD,
	BAD_COUNT_TOO_HIGH,
	BAD_PTR_COUNT_TOO_HIGH,
	BAD_NXDOMAIN_RDLEN_PAST_END,
	BAD_EMPTY
};

struct bad_case {
	const char	*label;
	enum bad_kind	 kind;
	uint16_t	 qtype;
};

static const struct bad_case bad_cases[] = {
	{ "11-byte header", BAD_SHORT_HEADER, RW_T_A },
	{ "empty message", BAD_EMPTY, RW_T_A },
	{ "question name cut", BAD_QNAME_CUT, RW_T_A },
	{ "question type/class cut", BAD_QUESTION_TAIL_CUT, RW_T_A },
	{ "record header cut", BAD_RR_HEADER_CUT, RW_T_A },
	{ "rdlength past the end", BAD_RDLEN_PAST_END, RW_T_A },
	{ "A with rdlength 3", BAD_A_RDLEN_3, RW_T_A },
	{ "AAAA with rdlength 4", BAD_AAAA_RDLEN_4, RW_T_AAAA },
	{ "compression loop", BAD_PTR_LOOP, RW_T_PTR },
	{ "pointer past the end", BAD_PTR_FORWARD, RW_T_PTR },
	{ "TXT string longer than rdata", BAD_TXT_STRING_PAST_RDATA, RW_T_TXT },
	{ "good PTR then a bad one (no leak)", BAD_SECOND_PTR_BAD, RW_T_PTR },
	{ "answer count above the records", BAD_COUNT_TOO_HIGH, RW_T_A },
	{ "PTR, answer count above the records (no leak)",
	    BAD_PTR_COUNT_TOO_HIGH, RW_T_PTR },
	{ "NXDOMAIN with a record past the end", BAD_NXDOMAIN_RDLEN_PAST_END,
	    RW_T_A },
};

START_TEST(test_msg_malformed)
{
	const struct bad_case *c = &bad_cases[_i];
	struct msg m;
	struct rw_dns_answer a;
	unsigned char *copy;
	size_t	r, n;
	bool	ok;

	m.n = 0;
	switch (c->kind) {
	case BAD_EMPTY:
		m.n = 0;
		break;
	case BAD_SHORT_HEADER:
		header(&m, 0, 0, 0, 0, 0);
		m.n = 11;
		break;
	case BAD_QNAME_CUT:
		header(&m, 0, 1, 0, 0, 0);
		question(&m, QNAME, RW_T_A);
		m.n = Q + 6;
		break;
	case BAD_QUESTION_TAIL_CUT:
		header(&m, 0, 1, 0, 0, 0);
		question(&m, QNAME, RW_T_A);
		m.n -= 2;
		break;
	case BAD_RR_HEADER_CUT:
		header(&m, 0, 1, 1, 0, 0);
		question(&m, QNAME, RW_T_A);
		rr_a(&m, "@12", 60, 127, 0, 0, 2);
		m.n -= 4 + 4;	/* rdata and part of ttl/rdlength */
		break;
	case BAD_RDLEN_PAST_END:
		header(&m, 0, 1, 1, 0, 0);
		question(&m, QNAME, RW_T_A);
		rr_a(&m, "@12", 60, 127, 0, 0, 2);
		m.b[m.n - 5] = 5;	/* rdlength 5, 4 bytes follow */
		break;
	case BAD_A_RDLEN_3:
		header(&m, 0, 1, 1, 0, 0);
		question(&m, QNAME, RW_T_A);
		r = rr_start(&m, "@12", RW_T_A, 60);
		put8(&m, 127);
		put8(&m, 0);
		put8(&m, 0);
		rr_end(&m, r);
		break;
	case BAD_AAAA_RDLEN_4:
		header(&m, 0, 1, 1, 0, 0);
		question(&m, "mx.example.test", RW_T_AAAA);
		r = rr_start(&m, "@12", RW_T_AAAA, 60);
		put_bytes(&m, "\x20\x01\x0d\xb8", 4);
		rr_end(&m, r);
		break;
	case BAD_PTR_LOOP:
		header(&m, 0, 1, 1, 0, 0);
		question(&m, "4.3.2.1.in-addr.arpa", RW_T_PTR);
		r = rr_start(&m, "@12", RW_T_PTR, 60);
		put16(&m, 0xc000 | (unsigned int)m.n);	/* points at itself */
		rr_end(&m, r);
		break;
	case BAD_PTR_FORWARD:
		header(&m, 0, 1, 1, 0, 0);
		question(&m, "4.3.2.1.in-addr.arpa", RW_T_PTR);
		r = rr_start(&m, "@12", RW_T_PTR, 60);
		put16(&m, 0xc000 | 0x3ff);
		rr_end(&m, r);
		break;
	case BAD_TXT_STRING_PAST_RDATA:
		header(&m, 0, 1, 1, 0, 0);
		question(&m, QNAME, RW_T_TXT);
		r = rr_start(&m, "@12", RW_T_TXT, 60);
		put8(&m, 9);
		put_bytes(&m, "short", 5);
		rr_end(&m, r);
		put_bytes(&m, "XXXX", 4);	/* the bytes a sloppy reader takes */
		break;
	case BAD_SECOND_PTR_BAD:
		header(&m, 0, 1, 2, 0, 0);
		question(&m, "4.3.2.1.in-addr.arpa", RW_T_PTR);
		r = rr_start(&m, "@12", RW_T_PTR, 60);
		put_name(&m, "good.example.test");
		rr_end(&m, r);
		r = rr_start(&m, "@12", RW_T_PTR, 60);
		put16(&m, 0xc000 | (unsigned int)m.n);
		rr_end(&m, r);
		break;
	case BAD_COUNT_TOO_HIGH:
		header(&m, 0, 1, 3, 0, 0);
		question(&m, QNAME, RW_T_A);
		rr_a(&m, "@12", 60, 127, 0, 0, 2);
		break;
	case BAD_PTR_COUNT_TOO_HIGH:
		header(&m, 0, 1, 2, 0, 0);
		question(&m, "4.3.2.1.in-addr.arpa", RW_T_PTR);
		r = rr_start(&m, "@12", RW_T_PTR, 60);
		put_name(&m, "good.example.test");
		rr_end(&m, r);
		break;
	case BAD_NXDOMAIN_RDLEN_PAST_END:
		header(&m, 3, 1, 1, 0, 0);
		question(&m, QNAME, RW_T_A);
		r = rr_start(&m, "@12", RW_T_CNAME, 60);
		put_name(&m, "x.@12");
		rr_end(&m, r);
		m.b[r] = 0x01;	/* rdlength 256 + ... */
		break;
	}
	/* an exact-size heap copy, so ASan sees any read past the end */
	copy = malloc(m.n ? m.n : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, m.b, m.n);
	memset(&a, 0x5a, sizeof(a));
	ok = rw_dnsmsg_parse(copy, m.n, c->qtype, &a);
	free(copy);
	n = a.n;
	if (n > 0 && n <= RW_DNS_RR_MAX)
		rw_dnsmsg_clear(&a);	/* so the failure below leaks nothing */
	ck_assert_msg(!ok, "%s: got true (status %s, %zu records, ttl %u), want "
	    "false", c->label, st(a.status), n, a.ttl);
	ck_assert_msg(n == 0, "%s: got %zu records (texts still allocated) "
	    "after failure, want 0", c->label, n);
}
END_TEST

/* a response of only the header and the question: NODATA, ttl 0 */
START_TEST(test_msg_bare_noerror)
{
	struct msg m;
	struct rw_dns_answer a;

	header(&m, 0, 1, 0, 0, 0);
	question(&m, QNAME, RW_T_A);
	want_parse("bare NOERROR", &m, RW_T_A, true, &a);
	ck_assert_msg(a.status == RW_DNS_NODATA && a.ttl == 0 && a.n == 0,
	    "bare NOERROR: got %s ttl %u n %zu, want nodata 0 0", st(a.status),
	    a.ttl, a.n);
}
END_TEST

/* other types in the answer are skipped; only qtype records are kept */
START_TEST(test_msg_other_types_skipped)
{
	struct msg m;
	struct rw_dns_answer a;
	size_t	r;

	header(&m, 0, 1, 3, 0, 0);
	question(&m, QNAME, RW_T_A);
	r = rr_start(&m, "@12", RW_T_TXT, 10);
	put8(&m, 2);
	put_bytes(&m, "hi", 2);
	rr_end(&m, r);
	rr_a(&m, "@12", 200, 127, 0, 0, 3);
	r = rr_start(&m, "@12", RW_T_AAAA, 5);
	put_bytes(&m, "0123456789abcdef", 16);
	rr_end(&m, r);
	want_parse("mixed types", &m, RW_T_A, true, &a);
	ck_assert_msg(a.status == RW_DNS_OK && a.n == 1 && a.ttl == 200,
	    "mixed types: got %s n %zu ttl %u, want ok 1 200", st(a.status),
	    a.n, a.ttl);
	rw_dnsmsg_clear(&a);
}
END_TEST

#define N(x)	(sizeof(x) / sizeof((x)[0]))

static Suite *
dnscache_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("dnscache");
	tc = tcase_create("cache");
	tcase_add_test(tc, test_pending_shared);
	tcase_add_loop_test(tc, test_expiry, 0, N(ttl_cases));
	tcase_add_loop_test(tc, test_sized, 0, N(sized_cases));
	tcase_add_test(tc, test_ttl0_not_served);
	tcase_add_loop_test(tc, test_ttl_caps, 0, N(cap_cases));
	tcase_add_loop_test(tc, test_names, 0, N(name_cases));
	tcase_add_test(tc, test_bad_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("bound");
	tcase_add_test(tc, test_lru_evicts_oldest);
	tcase_add_test(tc, test_lru_touch);
	tcase_add_test(tc, test_evicted_still_readable);
	tcase_add_test(tc, test_pending_evicted);
	tcase_add_test(tc, test_free_with_held_entry);
	tcase_add_test(tc, test_no_caching);
	tcase_add_test(tc, test_set_max_shrinks);
	tcase_add_test(tc, test_expired_counted_once);
	suite_add_tcase(s, tc);
	tc = tcase_create("dnsmsg");
	tcase_add_test(tc, test_msg_a);
	tcase_add_test(tc, test_msg_aaaa);
	tcase_add_test(tc, test_msg_ptr_compressed);
	tcase_add_test(tc, test_msg_txt);
	tcase_add_test(tc, test_msg_ptr_nul_label);
	tcase_add_loop_test(tc, test_msg_negative, 0, N(neg_cases));
	tcase_add_test(tc, test_msg_cname_then_a);
	tcase_add_loop_test(tc, test_msg_malformed, 0, N(bad_cases));
	tcase_add_test(tc, test_msg_bare_noerror);
	tcase_add_test(tc, test_msg_other_types_skipped);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(dnscache_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
