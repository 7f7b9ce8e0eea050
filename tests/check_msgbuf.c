/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	check_msgbuf - unit tests for milter/msgbuf.c
 * DESCRIPTION
 *	What the content stage keeps of a message: the header lines as
 *	"Name: value\r\n", the empty line once (at end of header, the first
 *	body chunk or the end), the body bytes as sent; the scan cap keeps
 *	exactly the prefix and reports it once; room grows on demand and is
 *	never the cap up front; the process budget bounds all buffers
 *	together (a buffer that cannot grow keeps what it holds, reported
 *	once, and a small message still fits when only the bytes at hand
 *	are asked for); release gives the budget back. The budget is
 *	process-wide: each test sets its own and checks it ends at zero.
 *
 *	Table-driven where there are rows; "got X, want Y" messages.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msgbuf.h"

/* the whole kept text, NUL ended, for comparisons */
static char *
text(const struct rw_msgbuf *mb)
{
	char	*t = malloc(mb->len + 1);

	ck_assert_msg(t != NULL, "out of memory in the test");
	if (mb->len > 0)
		memcpy(t, mb->buf, mb->len);
	t[mb->len] = '\0';
	return t;
}

START_TEST(test_layout)
{
	struct rw_msgbuf mb;
	char	*t;
	const char *want = "Subject: hi\r\nFrom: a@b.example\r\n\r\nline 1\r\n"
	    "line 2\r\n";

	rw_msgbuf_set_budget(0);
	rw_msgbuf_init(&mb);
	/* inactive: nothing kept, nothing allocated */
	ck_assert_int_eq(rw_msgbuf_header(&mb, "X", "y"), RW_MSGBUF_OK);
	ck_assert_msg(mb.len == 0 && mb.buf == NULL, "inactive: got %zu bytes, "
	    "want none", mb.len);
	rw_msgbuf_begin(&mb, 1024);
	ck_assert_int_eq(rw_msgbuf_header(&mb, "Subject", "hi"), RW_MSGBUF_OK);
	ck_assert_int_eq(rw_msgbuf_header(&mb, "From", "a@b.example"),
	    RW_MSGBUF_OK);
	/* the body's first chunk writes the empty line itself */
	ck_assert_int_eq(rw_msgbuf_body(&mb, "line 1\r\n", 8), RW_MSGBUF_OK);
	ck_assert_int_eq(rw_msgbuf_end_header(&mb), RW_MSGBUF_OK); /* no 2nd */
	ck_assert_int_eq(rw_msgbuf_body(&mb, "line 2\r\n", 8), RW_MSGBUF_OK);
	ck_assert_int_eq(rw_msgbuf_header(&mb, "Late", "x"), RW_MSGBUF_OK);
	ck_assert_int_eq(rw_msgbuf_finish(&mb), RW_MSGBUF_OK);
	t = text(&mb);
	ck_assert_msg(strcmp(t, want) == 0, "kept \"%s\", want \"%s\"", t, want);
	ck_assert_msg(!mb.truncated, "truncated: got yes, want no");
	ck_assert_msg(mb.offered == strlen(want), "offered %zu, want %zu",
	    mb.offered, strlen(want));
	free(t);
	rw_msgbuf_release(&mb);
	ck_assert_msg(rw_msgbuf_budget_used() == 0, "budget after release: "
	    "got %zu, want 0", rw_msgbuf_budget_used());
}
END_TEST

START_TEST(test_header_only)
{
	struct rw_msgbuf mb;
	char	*t;

	rw_msgbuf_set_budget(0);
	rw_msgbuf_init(&mb);
	rw_msgbuf_begin(&mb, 1024);
	(void)rw_msgbuf_header(&mb, "Subject", "");
	ck_assert_int_eq(rw_msgbuf_end_header(&mb), RW_MSGBUF_OK);
	ck_assert_int_eq(rw_msgbuf_finish(&mb), RW_MSGBUF_OK);
	t = text(&mb);
	ck_assert_msg(strcmp(t, "Subject: \r\n\r\n") == 0, "kept \"%s\"", t);
	free(t);
	rw_msgbuf_release(&mb);
}
END_TEST

/* the scan cap: exactly the prefix, reported once, the rest counted */
struct cap_row {
	const char	*label;
	size_t		 limit;
	size_t		 chunk;		/* bytes per body chunk */
	size_t		 chunks;
};

static const struct cap_row cap_rows[] = {
	{ "under the cap", 100000, 1000, 50 },
	{ "exactly the cap", 50004, 1000, 50 },	/* 4: "H: \r\n" is 5 */
	{ "cap inside a chunk", 12345, 1000, 50 },
	{ "cap inside the header", 3, 1000, 5 },
	{ "1 MiB cap, 5 MB body", 1048576, 65536, 80 },
};

START_TEST(test_cap)
{
	const struct cap_row *r = &cap_rows[_i];
	struct rw_msgbuf mb;
	char	*chunk = malloc(r->chunk);
	size_t	 total = 5 + 2 + r->chunk * r->chunks, i, capped = 0, want;
	enum rw_msgbuf_status st;

	ck_assert_msg(chunk != NULL, "out of memory in the test");
	rw_msgbuf_set_budget(0);
	rw_msgbuf_init(&mb);
	rw_msgbuf_begin(&mb, r->limit);
	if (rw_msgbuf_header(&mb, "H", "") == RW_MSGBUF_CAPPED)
		capped++;
	for (i = 0; i < r->chunks; i++) {
		memset(chunk, 'a' + (int)(i % 26), r->chunk);
		st = rw_msgbuf_body(&mb, chunk, r->chunk);
		ck_assert_msg(st == RW_MSGBUF_OK || st == RW_MSGBUF_CAPPED,
		    "%s: chunk %zu: status %d", r->label, i, (int)st);
		if (st == RW_MSGBUF_CAPPED)
			capped++;
	}
	want = total < r->limit ? total : r->limit;
	ck_assert_msg(mb.len == want, "%s: kept %zu, want %zu", r->label,
	    mb.len, want);
	ck_assert_msg(mb.offered == total, "%s: offered %zu, want %zu",
	    r->label, mb.offered, total);
	ck_assert_msg(mb.truncated == (total > r->limit), "%s: truncated %d, "
	    "want %d", r->label, mb.truncated, total > r->limit);
	ck_assert_msg(capped == (total > r->limit ? 1u : 0u), "%s: reported "
	    "the cap %zu times, want %d", r->label, capped,
	    total > r->limit ? 1 : 0);
	ck_assert_msg(mb.cap <= r->limit, "%s: allocated %zu, past the cap "
	    "%zu", r->label, mb.cap, r->limit);
	/* the prefix is the bytes as sent: the last kept byte's chunk */
	if (mb.len > 7)
		ck_assert_msg(mb.buf[mb.len - 1] == 'a' +
		    (int)(((mb.len - 8) / r->chunk) % 26), "%s: last byte %c",
		    r->label, mb.buf[mb.len - 1]);
	ck_assert_msg(!mb.budget_short && !mb.nomem, "%s: budget_short %d "
	    "nomem %d, want neither", r->label, mb.budget_short, mb.nomem);
	rw_msgbuf_release(&mb);
	ck_assert_msg(rw_msgbuf_budget_used() == 0, "%s: budget after "
	    "release %zu", r->label, rw_msgbuf_budget_used());
	free(chunk);
}
END_TEST

/* room grows on demand: a small message takes the first allocation only */
START_TEST(test_grows_on_demand)
{
	struct rw_msgbuf mb;

	rw_msgbuf_set_budget(0);
	rw_msgbuf_init(&mb);
	rw_msgbuf_begin(&mb, 1048576);
	ck_assert_msg(mb.cap == 0 && rw_msgbuf_budget_used() == 0,
	    "begin allocated %zu, want 0", mb.cap);
	(void)rw_msgbuf_body(&mb, "x", 1);
	ck_assert_msg(mb.cap == RW_MSGBUF_FIRST, "one byte: allocated %zu, "
	    "want %d", mb.cap, RW_MSGBUF_FIRST);
	ck_assert_msg(rw_msgbuf_budget_used() == mb.cap, "budget %zu, want %zu",
	    rw_msgbuf_budget_used(), mb.cap);
	rw_msgbuf_release(&mb);
}
END_TEST

/*
 * the process budget: three sessions share 90000 bytes; the second cannot
 * double and gets exactly its bytes; a third that cannot get any keeps
 * what it holds, reported once as BUDGET, and is truncated; released
 * room is available again
 */
START_TEST(test_budget)
{
	struct rw_msgbuf a, b, c;
	static char big[60000];
	size_t	 n = 0, i;
	enum rw_msgbuf_status st;

	memset(big, 'z', sizeof(big));
	rw_msgbuf_set_budget(90000);
	rw_msgbuf_init(&a);
	rw_msgbuf_init(&b);
	rw_msgbuf_init(&c);
	rw_msgbuf_begin(&a, 1048576);
	rw_msgbuf_begin(&b, 1048576);
	rw_msgbuf_begin(&c, 1048576);
	ck_assert_int_eq(rw_msgbuf_body(&a, big, sizeof(big)), RW_MSGBUF_OK);
	ck_assert_msg(a.cap == 65536, "a: allocated %zu, want 65536", a.cap);
	/* b: 16384 is free room enough for the first allocation */
	ck_assert_int_eq(rw_msgbuf_body(&b, big, 10000), RW_MSGBUF_OK);
	ck_assert_msg(rw_msgbuf_budget_used() == 65536 + 16384, "used %zu",
	    rw_msgbuf_budget_used());
	/* b grows past 16384: doubling (32768: 98304 in all) is refused,
	 * its bytes fit */
	ck_assert_int_eq(rw_msgbuf_body(&b, big, 10000), RW_MSGBUF_OK);
	ck_assert_msg(b.cap == 20002, "b: allocated %zu, want 20002 (its bytes)",
	    b.cap);
	/* c: what is left (90000 - 65536 - 20002 = 4462) is less than the
	 * first room, but its bytes fit */
	ck_assert_int_eq(rw_msgbuf_body(&c, big, 4000), RW_MSGBUF_OK);
	ck_assert_msg(c.cap < RW_MSGBUF_FIRST && !c.truncated, "c: allocated "
	    "%zu, truncated %d; want less than the first room, whole", c.cap,
	    c.truncated);
	for (i = 0; i < 10; i++) {
		st = rw_msgbuf_body(&c, big, 5000);
		if (st != RW_MSGBUF_OK) {
			ck_assert_int_eq(st, RW_MSGBUF_BUDGET);
			n++;
		}
	}
	ck_assert_msg(n == 1, "budget reported %zu times, want 1", n);
	ck_assert_msg(c.truncated && c.budget_short && !c.nomem,
	    "c: truncated %d budget_short %d nomem %d", c.truncated,
	    c.budget_short, c.nomem);
	ck_assert_msg(c.len == c.cap && c.len > 0, "c keeps %zu of %zu room",
	    c.len, c.cap);
	ck_assert_msg(rw_msgbuf_budget_used() <= 90000, "used %zu past the "
	    "budget", rw_msgbuf_budget_used());
	rw_msgbuf_release(&a);
	rw_msgbuf_begin(&c, 1048576);	/* a new message: room again */
	ck_assert_int_eq(rw_msgbuf_body(&c, big, sizeof(big)), RW_MSGBUF_OK);
	ck_assert_msg(!c.truncated, "c after a's release: truncated");
	rw_msgbuf_release(&b);
	rw_msgbuf_release(&c);
	ck_assert_msg(rw_msgbuf_budget_used() == 0, "budget after release %zu",
	    rw_msgbuf_budget_used());
	rw_msgbuf_set_budget(0);
}
END_TEST

static Suite *
msgbuf_suite(void)
{
	Suite	*s = suite_create("msgbuf");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_layout);
	tcase_add_test(tc, test_header_only);
	tcase_add_loop_test(tc, test_cap, 0,
	    (int)(sizeof(cap_rows) / sizeof(cap_rows[0])));
	tcase_add_test(tc, test_grows_on_demand);
	tcase_add_test(tc, test_budget);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(msgbuf_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
