/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	check_session - unit tests of the stage pipeline (policy/session.c)
 * DESCRIPTION
 *	What every check relies on: each stage decides once, so a dryrun
 *	note or a tag is recorded once; TAG is an outcome of its own (the
 *	MTA is told to continue, the verdict and the log line say tag);
 *	tags of the connection outlive a transaction and tags of a
 *	transaction do not; the header edits at end of message come from
 *	the recorded outcomes and facts, in a fixed order, forged
 *	Authentication-Results removed last first; which stages have
 *	checks (for negotiation); a list fact, reset, reads "not asked" with
 *	an empty TXT. DNS and SPF facts are set by hand, as the gatherers
 *	would set them.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw_policy.h"
#include "steps.h"
#include "testconf.h"

#define SOURCE	"session.conf"
#define OUT	"192.0.2.10"
#define BASE	"local_domains = ours.test\nspf_check = no\nspf_check_helo = no\n"

static struct rw_config *
parse(const char *text)
{
	return test_config("session", SOURCE, text);
}

/* count - occurrences of needle in hay */
static int
count(const char *hay, const char *needle)
{
	int	n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* no_ptr - what the DNS gatherer records for a client without PTR */
static void
no_ptr(struct rw_session *s)
{
	s->f.dns_ready = true;
	s->f.ptr_status = RW_DNS_NXDOMAIN;
	s->f.rdns = RW_RDNS_NONE;
}

/* listed - list 0 answered 127.0.0.2 */
static void
listed(struct rw_session *s)
{
	s->f.dns_ready = true;
	ck_assert_msg(rw_facts_lists(&s->f, 1), "out of memory");
	s->f.bl[0].status = RW_DNS_OK;
	s->f.bl[0].a[0] = 0x7f000002;
	s->f.bl[0].na = 1;
}

/* A refusal at a HELO-stage verdict in dryrun mode is noted once. */
START_TEST(dryrun_note_once)
{
	struct rw_config *cfg = parse(BASE "mode = dryrun\nrdns_check = reject\n"
	    "dns_verdict_stage = helo\n");
	struct rw_session s;
	struct rw_verdict v;
	char	hdr[RW_HEADER_MAX];
	enum rw_action a;

	rw_session_init(&s, cfg);
	rw_session_record_connect(&s, OUT, "client.example", NULL);
	no_ptr(&s);	/* gathered before the HELO stage is decided */
	a = rw_session_decide(&s, RW_STAGE_CONNECT, &v);
	ck_assert_msg(a == RW_ACT_CONTINUE && v.check == NULL,
	    "connect: got %s check %s, want continue and no check",
	    rw_action_name(a), v.check ? v.check : "none");
	a = step_helo(&s, "client.example", &v);
	ck_assert_msg(a == RW_ACT_CONTINUE && v.dryrun && v.action == RW_ACT_REJECT,
	    "helo: got %s (verdict %s dryrun %d), want continue over a dryrun "
	    "reject", rw_action_name(a), rw_action_name(v.action), v.dryrun);
	a = step_mail(&s, "a@b.test", NULL, &v);
	a = step_rcpt(&s, "u@ours.test", &v);
	ck_assert(rw_session_dryrun_header(&s, hdr, sizeof(hdr)));
	ck_assert_msg(count(hdr, "would reject (rdns)") == 1,
	    "dryrun header: got \"%s\", want exactly one rdns note", hdr);
	ck_assert_msg(strncmp(hdr, "helo <client.example>:", 22) == 0,
	    "dryrun header: got \"%s\", want it to start with the HELO stage", hdr);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* TAG: the MTA continues, the verdict and the log line say tag. */
START_TEST(tag_is_an_outcome)
{
	struct rw_config *cfg = parse(BASE "dnsbl = bl.example\ndnsbl_action = tag\n");
	struct rw_session s;
	struct rw_verdict v;
	char	line[1536], tags[512];
	enum rw_action a;
	int	i;

	rw_session_init(&s, cfg);
	(void)step_connect(&s, OUT, "client.example", &v);
	(void)step_mail(&s, "a@b.test", NULL, &v);
	listed(&s);
	for (i = 0; i < 3; i++) {
		a = step_rcpt(&s, "u@ours.test", &v);
		ck_assert_msg(a == RW_ACT_CONTINUE, "rcpt %d: got %s, want continue",
		    i, rw_action_name(a));
		ck_assert_msg(v.action == RW_ACT_TAG && v.check != NULL &&
		    strcmp(v.check, "dnsbl") == 0, "rcpt %d: verdict %s check %s, "
		    "want tag by dnsbl", i, rw_action_name(v.action),
		    v.check ? v.check : "none");
	}
	ck_assert_msg(s.f.nrcpt_accepted == 3, "tagged recipients count as "
	    "accepted: got %u, want 3", s.f.nrcpt_accepted);
	rw_session_logline(&s, RW_STAGE_RCPT, &v, line, sizeof(line));
	ck_assert_msg(strstr(line, "stage=rcpt action=tag check=dnsbl ") != NULL &&
	    strstr(line, "reply=") == NULL, "log line: got \"%s\"", line);
	ck_assert(rw_session_tags(&s, tags, sizeof(tags)));
	ck_assert_msg(strcmp(tags, "dnsbl=1 (bl.example)") == 0,
	    "tags: got \"%s\", want the list once", tags);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* A connection's tag stays for the next transaction; a transaction's goes. */
START_TEST(tag_lifetimes)
{
	struct rw_config *cfg = parse(BASE "rdns_check = tag\n"
	    "dns_verdict_stage = connect\n");
	struct rw_session s;
	struct rw_verdict v;
	char	tags[512];

	rw_session_init(&s, cfg);
	rw_session_record_connect(&s, OUT, "client.example", NULL);
	no_ptr(&s);
	(void)rw_session_decide(&s, RW_STAGE_CONNECT, &v);
	ck_assert_msg(v.action == RW_ACT_TAG, "connect: got %s, want tag",
	    rw_action_name(v.action));
	(void)step_mail(&s, "a@b.test", NULL, &v);
	(void)step_rcpt(&s, "u@ours.test", &v);
	ck_assert(rw_session_tags(&s, tags, sizeof(tags)));
	ck_assert_msg(strcmp(tags, "rdns=none") == 0, "first message: got \"%s\"",
	    tags);
	rw_session_reset(&s);	/* end of message */
	(void)step_mail(&s, "b@b.test", NULL, &v);
	(void)step_rcpt(&s, "u@ours.test", &v);
	ck_assert_msg(rw_session_tags(&s, tags, sizeof(tags)) &&
	    strcmp(tags, "rdns=none") == 0, "second message: got \"%s\", want "
	    "the connection's tag again", tags);
	/* an authenticated user's message on that connection is not tagged */
	rw_session_reset(&s);
	rw_session_release(&s);
	rw_config_free(cfg);
	cfg = parse(BASE "rdns_check = tag\ndns_verdict_stage = connect\n"
	    "trust_authenticated = yes\n");
	rw_session_init(&s, cfg);
	rw_session_record_connect(&s, OUT, "client.example", NULL);
	no_ptr(&s);
	(void)rw_session_decide(&s, RW_STAGE_CONNECT, &v);
	(void)step_mail(&s, "a@b.test", "alice", &v);
	ck_assert_msg(!rw_session_tags(&s, tags, sizeof(tags)),
	    "authenticated: got tags \"%s\", want none", tags);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

START_TEST(spf_tag_per_transaction)
{
	struct rw_config *cfg = parse("local_domains = ours.test\n"
	    "spf_softfail = tag\n");
	struct rw_session s;
	struct rw_verdict v;
	char	tags[512];

	rw_session_init(&s, cfg);
	(void)step_connect(&s, OUT, "client.example", &v);
	rw_session_record_mail(&s, "a@soft.test", NULL);
	s.f.spf_mail.result = RW_SPF_SOFTFAIL;	/* the SPF gatherer's fact */
	ck_assert(rw_fact_set(&s.f.spf_mail.domain, "soft.test"));
	(void)rw_session_decide(&s, RW_STAGE_MAIL, &v);
	ck_assert_msg(v.action == RW_ACT_TAG && strcmp(v.tag, "spf=softfail") == 0,
	    "mail: got %s tag \"%s\"", rw_action_name(v.action), v.tag);
	ck_assert(rw_session_tags(&s, tags, sizeof(tags)));
	rw_session_reset(&s);
	(void)step_mail(&s, "a@other.test", NULL, &v);
	ck_assert_msg(!rw_session_tags(&s, tags, sizeof(tags)),
	    "next transaction: got tags \"%s\", want none", tags);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* The header edits: order, forged A-R last first, authserv-id. */
START_TEST(header_edits)
{
	struct rw_config *cfg = parse("local_domains = ours.test\n"
	    "rdns_check = tag\nmode = dryrun\n");
	struct rw_session s;
	struct rw_verdict v;
	struct rw_header_edit *e = malloc(sizeof(*e));
	const char *want[] = { "-Authentication-Results 3",
	    "-Authentication-Results 1", "+Authentication-Results",
	    ">X-Relaywarden-Tag", ">X-Relaywarden-Dryrun" };
	size_t	cursor = 0, n = 0;
	char	got[64];

	ck_assert(e != NULL);
	rw_session_init(&s, cfg);
	rw_session_record_connect(&s, OUT, "client.example", "mx.ours.test");
	(void)rw_session_decide(&s, RW_STAGE_CONNECT, &v);
	(void)step_mail(&s, "a@b.test", NULL, &v);
	no_ptr(&s);
	(void)step_rcpt(&s, "u@else.test", &v);	/* relay: dryrun note */
	(void)step_rcpt(&s, "u@ours.test", &v);	/* rdns: tag */
	rw_session_record_header(&s, "Authentication-Results",
	    " MX.ours.test; spf=pass smtp.mailfrom=a@b.test");
	rw_session_record_header(&s, "Authentication-Results",
	    "other.test; spf=pass");
	rw_session_record_header(&s, "authentication-results",
	    "mx.ours.test(forged); iprev=pass");
	rw_session_record_header(&s, "Subject", "mx.ours.test; hello");
	while (rw_session_header_next(&s, &cursor, e)) {
		ck_assert_msg(n < sizeof(want) / sizeof(want[0]),
		    "more edits than expected: %s", e->name);
		if (e->op == RW_HDR_DELETE)
			snprintf(got, sizeof(got), "-%s %u", e->name, e->index);
		else
			snprintf(got, sizeof(got), "%c%s",
			    e->op == RW_HDR_INSERT_TOP ? '+' : '>', e->name);
		ck_assert_msg(strcmp(got, want[n]) == 0, "edit %zu: got \"%s\", "
		    "want \"%s\"", n, got, want[n]);
		if (n == 2)
			ck_assert_msg(strncmp(e->value, "mx.ours.test; iprev=permerror",
			    29) == 0, "Authentication-Results: got \"%s\"", e->value);
		n++;
	}
	ck_assert_msg(n == 5, "got %zu edits, want 5", n);
	/* the next transaction starts clean */
	rw_session_reset(&s);
	ck_assert(s.nar_forged == 0);
	free(e);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* Without an authserv-id nothing is removed and headers say localhost. */
START_TEST(header_no_authserv)
{
	struct rw_config *cfg = parse("local_domains = ours.test\n"
	    "rdns_check = tag\n");
	struct rw_session s;
	struct rw_verdict v;
	struct rw_header_edit *e = malloc(sizeof(*e));
	size_t	cursor = 0;

	ck_assert(e != NULL);
	rw_session_init(&s, cfg);
	rw_session_record_connect(&s, OUT, "client.example", NULL);
	(void)rw_session_decide(&s, RW_STAGE_CONNECT, &v);
	(void)step_mail(&s, "a@b.test", NULL, &v);
	no_ptr(&s);
	(void)step_rcpt(&s, "u@ours.test", &v);
	rw_session_record_header(&s, "Authentication-Results", "localhost; x=y");
	ck_assert(rw_session_header_next(&s, &cursor, e));
	ck_assert_msg(e->op == RW_HDR_INSERT_TOP &&
	    strncmp(e->value, "localhost;", 10) == 0, "got op %d \"%s\"", e->op,
	    e->value);
	free(e);
	rw_session_release(&s);
	rw_config_free(cfg);
	/* a configured authserv-id wins over the MTA's name */
	cfg = parse("local_domains = ours.test\nrdns_check = tag\n"
	    "authserv_id = auth.ours.test\n");
	e = malloc(sizeof(*e));
	ck_assert(e != NULL);
	cursor = 0;
	rw_session_init(&s, cfg);
	rw_session_record_connect(&s, OUT, "client.example", "mx.ours.test");
	(void)step_mail(&s, "a@b.test", NULL, &v);
	no_ptr(&s);
	(void)step_rcpt(&s, "u@ours.test", &v);
	rw_session_record_header(&s, "Authentication-Results", "mx.ours.test; a=b");
	rw_session_record_header(&s, "Authentication-Results", "auth.ours.test; a=b");
	ck_assert(rw_session_header_next(&s, &cursor, e));
	ck_assert_msg(e->op == RW_HDR_DELETE && e->index == 2,
	    "got op %d index %u, want the second header deleted", e->op, e->index);
	free(e);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

START_TEST(stages_used)
{
	struct rw_config *cfg = parse(BASE);

	ck_assert(rw_session_stage_used(cfg, RW_STAGE_MAIL));
	ck_assert(rw_session_stage_used(cfg, RW_STAGE_RCPT));
	ck_assert_msg(!rw_session_stage_used(cfg, RW_STAGE_EOH),
	    "no check runs at end of header");
	ck_assert_msg(!rw_session_stage_used(cfg, RW_STAGE_HELO),
	    "no check runs at HELO with dns_verdict_stage = rcpt");
	rw_config_free(cfg);
	cfg = parse(BASE "dns_verdict_stage = helo\n");
	ck_assert_msg(rw_session_stage_used(cfg, RW_STAGE_HELO),
	    "the DNS checks run at HELO with dns_verdict_stage = helo");
	rw_config_free(cfg);
}
END_TEST

/* The log line: the longest fields fit; a short buffer says it was cut. */
START_TEST(logline_bounds)
{
	struct rw_config *cfg = parse(BASE);
	struct rw_session s;
	struct rw_verdict v;
	char	line[RW_LOGLINE_MAX], small[64], name[RW_HOSTNAME_MAX + 1];
	char	addr[RW_ADDR_MAX + 1];

	rw_session_init(&s, cfg);
	memset(&v, 0, sizeof(v));
	/* the longest texts the facts hold */
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ck_assert(rw_fact_set(&s.f.client_name, name));
	memset(name, 'h', sizeof(name) - 1);
	ck_assert(rw_fact_set(&s.f.helo, name));
	memset(addr, 's', sizeof(addr) - 1);
	addr[sizeof(addr) - 1] = '\0';
	ck_assert(rw_fact_set(&s.f.sender, addr));
	memset(addr, 'r', sizeof(addr) - 1);
	ck_assert(rw_fact_set(&s.f.rcpt, addr));
	v.action = RW_ACT_REJECT;
	v.check = "max_recipients";
	memcpy(v.rcode, "550", 4);
	memcpy(v.xcode, "5.7.1", 6);
	memset(v.text, 't', sizeof(v.text) - 1);
	memset(v.reason, 'w', sizeof(v.reason) - 1);
	rw_session_logline(&s, RW_STAGE_RCPT, &v, line, sizeof(line));
	ck_assert_msg(strlen(line) < sizeof(line) - 1 &&
	    line[strlen(line) - 1] == '"', "worst-case line was cut at %zu: "
	    "...%s", strlen(line), line + strlen(line) - 20);
	rw_session_logline(&s, RW_STAGE_RCPT, &v, small, sizeof(small));
	ck_assert_msg(strlen(small) == sizeof(small) - 1 &&
	    strcmp(small + sizeof(small) - 4, "...") == 0,
	    "short buffer: got \"%s\", want it to end in ...", small);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/*
 * A list fact, reset, reads "not asked" with an empty TXT (never NULL),
 * whatever it held and however often it is reset; it takes a TXT again
 * after. A leaked or twice-freed TXT copy shows under ASan.
 */
static const struct reset_case {
	const char	*label;
	bool		 zeroed;	/* a zeroed fact (txt NULL), not from
					 * rw_facts_lists() */
	const char	*held;		/* TXT before the reset; NULL: none */
	int		 resets;
	const char	*again;		/* TXT set after; NULL: none */
} reset_cases[] = {
	{ "fresh fact, reset once", false, NULL, 1, NULL },
	{ "zeroed fact, reset once", true, NULL, 1, NULL },
	{ "zeroed fact, reset twice, a TXT", true, NULL, 2, "reason" },
	{ "listing with a TXT, reset once", false, "listed, see x.test", 1,
	    NULL },
	{ "listing with a TXT, reset twice", false, "listed, see x.test", 2,
	    NULL },
	{ "reset, then a new TXT", false, "old reason", 1, "new reason" },
	{ "reset twice, then a new TXT", false, "old reason", 2, "new reason" },
	{ "empty TXT set, reset, empty again", false, "", 1, "" },
};

START_TEST(list_fact_reset)
{
	const struct reset_case *c = &reset_cases[_i];
	struct rw_facts f;
	struct rw_dnsbl_fact zeroed, *bf;
	int	i;

	rw_facts_init(&f);
	memset(&zeroed, 0, sizeof(zeroed));
	if (c->zeroed)
		bf = &zeroed;
	else {
		ck_assert_msg(rw_facts_lists(&f, 2), "out of memory");
		bf = &f.bl[1];
		ck_assert_msg(bf->txt != NULL && bf->txt[0] == '\0',
		    "%s: new fact's TXT: got %s, want \"\"", c->label,
		    bf->txt == NULL ? "NULL" : bf->txt);
	}
	if (c->held != NULL) {
		bf->status = RW_DNS_OK;
		bf->suspended = true;
		bf->a[0] = 0x7f000002;
		bf->na = 1;
		ck_assert_msg(rw_fact_set(&bf->txt, c->held), "out of memory");
	}
	for (i = 0; i < c->resets; i++) {
		rw_dnsbl_fact_reset(bf);
		ck_assert_msg(bf->txt != NULL && bf->txt[0] == '\0',
		    "%s: TXT after reset %d: got %s, want \"\"", c->label,
		    i + 1, bf->txt == NULL ? "NULL" : bf->txt);
		ck_assert_msg(bf->status == RW_DNS_NOT_ASKED &&
		    !bf->suspended && bf->na == 0, "%s: after reset %d: got "
		    "status %d suspended %d na %zu, want not asked, not "
		    "suspended, no answers", c->label, i + 1, (int)bf->status,
		    bf->suspended, bf->na);
	}
	if (c->again != NULL) {
		ck_assert_msg(rw_fact_set(&bf->txt, c->again), "out of memory");
		ck_assert_msg(strcmp(bf->txt, c->again) == 0,
		    "%s: TXT set again: got \"%s\", want \"%s\"", c->label,
		    bf->txt, c->again);
	}
	rw_fact_clear(&zeroed.txt);
	rw_facts_release(&f);
}
END_TEST

static Suite *
session_suite(void)
{
	Suite	*s = suite_create("session");
	TCase	*tc = tcase_create("pipeline");

	tcase_add_test(tc, dryrun_note_once);
	tcase_add_test(tc, tag_is_an_outcome);
	tcase_add_test(tc, tag_lifetimes);
	tcase_add_test(tc, spf_tag_per_transaction);
	tcase_add_test(tc, header_edits);
	tcase_add_test(tc, header_no_authserv);
	tcase_add_test(tc, stages_used);
	tcase_add_test(tc, logline_bounds);
	tcase_add_loop_test(tc, list_fact_reset, 0,
	    sizeof(reset_cases) / sizeof(reset_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(session_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
