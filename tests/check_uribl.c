/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	check_uribl - unit tests for the URI block lists (policy/uribl.c)
 * DESCRIPTION
 *	The lookup subjects of a message (rw_uribl_subjects: registered
 *	domains by the Public Suffix List, IDN hosts as punycode, IP hosts,
 *	duplicates, the cap, a public suffix alone), their query names
 *	(rw_uribl_query, RFC 5782 2.1 and 2.4), the merging of several
 *	subjects' answers into a list's fact (rw_uribl_record), the uribl
 *	and uribl_max_lookups keys, and the end of message verdict driven
 *	through the session API as the glue drives it: connect, HELO,
 *	MAIL, RCPT, then the message and the URI facts, then EOM.
 *
 *	Table-driven, a label per row, "got X, want Y" messages. Nothing
 *	here touches the network.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw_policy.h"
#include "steps.h"
#include "testconf.h"

#define SOURCE	"test.conf"
#define OUT	"203.0.113.5"	/* an outsider */
#define IN	"10.1.2.3"	/* inside trusted_networks */
#define RCPT	"u@ours.test"

#define IPV4(a, b, c, d) \
	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (d))

/* parse - the case's configuration, which must be valid */
static struct rw_config *
parse(const char *label, const char *text)
{
	return test_config(label, SOURCE, text);
}

/* add_host - a URL to host, as the URL reader would give it */
static void
add_host(struct rw_message *m, const char *host)
{
	struct rw_url u;

	memset(&u, 0, sizeof(u));
	snprintf(u.text, sizeof(u.text), "http://%s/%zu", host, m->nurls);
	snprintf(u.host, sizeof(u.host), "%s", host);
	u.host_ip = rw_ip_parse(host, &u.ip);
	ck_assert(rw_message_add_url(m, &u));
}

/* ------------------------------------------------------------ subjects */

#define NSUB	8

struct subject_case {
	const char	*label;
	const char	*hosts[12];	/* NULL-ended */
	size_t		 max;
	const char	*want[NSUB + 1];	/* NULL-ended */
	size_t		 dropped;
};

static const struct subject_case subject_cases[] = {
	{ "registered domain under co.uk", { "www.evil.example.co.uk", NULL },
	    20, { "example.co.uk", NULL }, 0 },
	{ "registered domain under com", { "a.b.c.example.com", NULL }, 20,
	    { "example.com", NULL }, 0 },
	{ "the domain itself", { "example.org", NULL }, 20,
	    { "example.org", NULL }, 0 },
	{ "a private suffix: github.io", { "a.x.github.io", NULL }, 20,
	    { "x.github.io", NULL }, 0 },
	{ "IDN as punycode (bücher.de)", { "www.xn--bcher-kva.de", NULL }, 20,
	    { "xn--bcher-kva.de", NULL }, 0 },
	{ "IDN TLD (пример.рф)", { "a.xn--e1afmkfd.xn--p1ai", NULL }, 20,
	    { "xn--e1afmkfd.xn--p1ai", NULL }, 0 },
	{ "non-ASCII host (not punycode) skipped",
	    { "www.b\xc3\xbc" "cher.de", NULL }, 20, { NULL }, 0 },
	{ "IPv4 host", { "192.0.2.7", NULL }, 20, { "192.0.2.7", NULL }, 0 },
	{ "IPv6 host", { "2001:db8::1", NULL }, 20, { "2001:db8::1", NULL }, 0 },
	{ "public suffix alone: co.uk", { "co.uk", NULL }, 20, { NULL }, 0 },
	{ "public suffix alone: com", { "com", NULL }, 20, { NULL }, 0 },
	{ "single label: localhost", { "localhost", NULL }, 20, { NULL }, 0 },
	{ "duplicates kept once, in order",
	    { "www.a.example", "b.example", "mail.a.example", "192.0.2.1",
	    "b.example", "192.0.2.1", NULL }, 20,
	    { "a.example", "b.example", "192.0.2.1", NULL }, 0 },
	{ "the cap: the rest counted",
	    { "a.example", "b.example", "c.example", "d.example", NULL }, 2,
	    { "a.example", "b.example", NULL }, 2 },
	{ "the cap: duplicates of kept subjects are not dropped",
	    { "a.example", "b.example", "x.a.example", "c.example",
	    "y.b.example", NULL }, 2, { "a.example", "b.example", NULL }, 1 },
	{ "skipped hosts do not use the cap",
	    { "com", "co.uk", "a.example", NULL }, 1, { "a.example", NULL }, 0 },
	{ "no URLs", { NULL }, 20, { NULL }, 0 },
};

START_TEST(test_subjects)
{
	const struct subject_case *c = &subject_cases[_i];
	struct rw_uri_subject out[NSUB];
	struct rw_message m;
	size_t	i, n, want = 0, dropped = 99;

	rw_message_init(&m);
	for (i = 0; c->hosts[i] != NULL; i++)
		add_host(&m, c->hosts[i]);
	while (c->want[want] != NULL)
		want++;
	n = rw_uribl_subjects(&m, NULL, out, c->max < NSUB ? c->max : NSUB,
	    &dropped);
	ck_assert_msg(n == want, "%s: got %zu subjects (first \"%s\"), want %zu",
	    c->label, n, n > 0 ? out[0].name : "", want);
	for (i = 0; i < n; i++) {
		struct rw_ip ip;

		ck_assert_msg(strcmp(out[i].name, c->want[i]) == 0, "%s: subject "
		    "%zu: got \"%s\", want \"%s\"", c->label, i, out[i].name,
		    c->want[i]);
		ck_assert_msg(out[i].ip == rw_ip_parse(c->want[i], &ip),
		    "%s: subject %zu: got ip=%d, want %d", c->label, i,
		    out[i].ip, !out[i].ip);
	}
	ck_assert_msg(dropped == c->dropped, "%s: dropped: got %zu, want %zu",
	    c->label, dropped, c->dropped);
	rw_message_release(&m);
}
END_TEST

START_TEST(test_subjects_no_message)
{
	struct rw_uri_subject out[2];
	size_t	dropped = 5;

	ck_assert_msg(rw_uribl_subjects(NULL, NULL, out, 2, &dropped) == 0,
	    "no message: got subjects, want none");
	ck_assert_msg(dropped == 0, "no message: dropped: got %zu, want 0",
	    dropped);
}
END_TEST

/* ------------------------------------------------------------ query names */

#define V6REV "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"

struct query_case {
	const char	*label;
	const char	*host;
	const char	*zone;
	size_t		 outlen;	/* 0: roomy */
	bool		 ok;
	const char	*want;
};

static const struct query_case query_cases[] = {
	{ "domain under the zone", "www.evil.example.co.uk", "dbl.example", 0,
	    true, "example.co.uk.dbl.example" },
	{ "IPv4 reversed (RFC 5782 2.1)", "192.0.2.7", "uri.example", 0, true,
	    "7.2.0.192.uri.example" },
	{ "IPv6 nibbles (RFC 5782 2.4)", "2001:db8::1", "uri.example", 0, true,
	    V6REV ".uri.example" },
	{ "one byte short", "a.example", "uri.example",
	    sizeof("a.example.uri.example") - 1, false, NULL },
	{ "exact fit", "a.example", "uri.example",
	    sizeof("a.example.uri.example"), true, "a.example.uri.example" },
};

START_TEST(test_query)
{
	const struct query_case *c = &query_cases[_i];
	struct rw_uri_subject s;
	struct rw_message m;
	char	out[512];
	size_t	dropped, n;
	bool	ok;

	rw_message_init(&m);
	add_host(&m, c->host);
	n = rw_uribl_subjects(&m, NULL, &s, 1, &dropped);
	ck_assert_msg(n == 1, "%s: got %zu subjects, want 1", c->label, n);
	ok = rw_uribl_query(&s, c->zone, out, c->outlen ? c->outlen : sizeof(out));
	ck_assert_msg(ok == c->ok, "%s: got %d, want %d", c->label, ok, c->ok);
	if (c->want != NULL)
		ck_assert_msg(strcmp(out, c->want) == 0, "%s: got \"%s\", want "
		    "\"%s\"", c->label, out, c->want);
	rw_message_release(&m);
}
END_TEST

/* ------------------------------------------------------------ merging answers */

struct ans {
	const char	*subject;	/* NULL: end */
	enum rw_dns_status st;
	uint32_t	 a;		/* 0: no A record */
};

#define A2	IPV4(127, 0, 0, 2)
#define A4	IPV4(127, 0, 0, 4)
#define A1	IPV4(127, 0, 0, 1)
#define AERR	IPV4(127, 255, 255, 254)
#define AOUT	IPV4(192, 0, 2, 1)
#define OK(s, a)	{ s, RW_DNS_OK, a }
#define NX(s)		{ s, RW_DNS_NXDOMAIN, 0 }
#define TO(s)		{ s, RW_DNS_TIMEOUT, 0 }
#define SF(s)		{ s, RW_DNS_SERVFAIL, 0 }

struct record_case {
	const char	*label;
	const char	*spec;		/* the uribl entry */
	struct ans	 v[4];
	enum rw_dns_status want_status;
	const char	*want_subject;	/* "" none */
	bool		 counts;
};

static const struct record_case record_cases[] = {
	{ "nothing asked", "u.example", { { NULL } }, RW_DNS_NOT_ASKED, "",
	    false },
	{ "one listed", "u.example", { OK("a.example", A2) }, RW_DNS_OK,
	    "a.example", true },
	{ "not listed", "u.example", { NX("a.example"), NX("b.example") },
	    RW_DNS_NXDOMAIN, "", false },
	{ "the second listed", "u.example", { NX("a.example"),
	    OK("b.example", A2) }, RW_DNS_OK, "b.example", true },
	{ "the first listing wins", "u.example", { OK("a.example", A2),
	    OK("b.example", A4) }, RW_DNS_OK, "a.example", true },
	{ "127.0.0.1 is not a listing", "u.example", { OK("a.example", A1) },
	    RW_DNS_OK, "", false },
	{ "outside 127/8 is not a listing", "u.example",
	    { OK("a.example", AOUT) }, RW_DNS_OK, "", false },
	{ "127.255.255.x is a list error, not a listing", "u.example",
	    { OK("a.example", AERR) }, RW_DNS_OK, "", false },
	{ "filtered out", "u.example=127.0.0.4", { OK("a.example", A2) },
	    RW_DNS_OK, "", false },
	{ "filter matches", "u.example=127.0.0.4", { OK("a.example", A4) },
	    RW_DNS_OK, "a.example", true },
	{ "a timeout makes it uncertain", "u.example", { NX("a.example"),
	    TO("b.example"), NX("c.example") }, RW_DNS_TIMEOUT, "", false },
	{ "a listing outweighs a timeout", "u.example", { TO("a.example"),
	    OK("b.example", A2) }, RW_DNS_OK, "b.example", true },
	{ "SERVFAIL after a non-listing answer", "u.example",
	    { OK("a.example", A1), SF("b.example") }, RW_DNS_SERVFAIL, "",
	    false },
};

START_TEST(test_record)
{
	const struct record_case *c = &record_cases[_i];
	struct rw_dnsbl_zone z;
	struct rw_uribl_fact uf;
	struct rw_uri_subject s;
	char	err[256];
	size_t	i;

	ck_assert_msg(rw_dnsbl_parse(c->spec, RW_BL_URI, &z, err, sizeof(err)),
	    "%s: parse: %s", c->label, err);
	memset(&uf, 0, sizeof(uf));
	rw_dnsbl_fact_reset(&uf.bl);
	for (i = 0; i < 4 && c->v[i].subject != NULL; i++) {
		memset(&s, 0, sizeof(s));
		snprintf(s.name, sizeof(s.name), "%s", c->v[i].subject);
		rw_uribl_record(&z, &uf, &s, c->v[i].st, &c->v[i].a,
		    c->v[i].a != 0 ? 1 : 0);
	}
	ck_assert_msg(uf.asked == i, "%s: asked: got %zu, want %zu", c->label,
	    uf.asked, i);
	ck_assert_msg(uf.bl.status == c->want_status, "%s: status: got %s, "
	    "want %s", c->label, rw_dns_status_name(uf.bl.status),
	    rw_dns_status_name(c->want_status));
	ck_assert_msg(strcmp(uf.subject, c->want_subject) == 0, "%s: subject: "
	    "got \"%s\", want \"%s\"", c->label, uf.subject, c->want_subject);
	ck_assert_msg(rw_uribl_counts(&z, &uf) == c->counts, "%s: counts: got "
	    "%d, want %d", c->label, !c->counts, c->counts);
	free(z.zone);
	free(z.spec);
}
END_TEST

/* ------------------------------------------------------------ configuration */

struct conf_case {
	const char	*label;
	const char	*text;
	bool		 ok;
	const char	*err;		/* in the error report */
	unsigned int	 max_lookups;	/* ok: uribl_max_lookups */
	size_t		 nuri;		/* ok: URI lists */
};

static const struct conf_case conf_cases[] = {
	{ "no uribl: default cap 20", "", true, NULL, 20, 0 },
	{ "two lists, one named", "uribl = dbl@k3y.dbl.example=127.0.1.[2..99]*3,"
	    " multi.uri.example\n", true, NULL, 20, 2 },
	{ "with client lists", "dnsbl = zen.example\nuribl = u.example\n"
	    "rhsbl_sender = s.example\n", true, NULL, 20, 1 },
	{ "cap set", "uribl = u.example\nuribl_max_lookups = 5\n", true, NULL,
	    5, 1 },
	{ "cap 0 refused", "uribl_max_lookups = 0\n", false,
	    "test.conf:1: uribl_max_lookups", 0, 0 },
	{ "cap over 100 refused", "uribl_max_lookups = 101\n", false,
	    "test.conf:1: uribl_max_lookups", 0, 0 },
	{ "negative weight refused", "\nuribl = u.example*-2\n", false,
	    "test.conf:2: uribl: bad weight", 0, 0 },
	{ "bad filter refused", "uribl = u.example=127.0.0\n", false,
	    "test.conf:1: uribl: bad filter", 0, 0 },
	{ "address literal refused", "uribl = [192.0.2.1]\n", false,
	    "test.conf:1: uribl", 0, 0 },
};

START_TEST(test_conf)
{
	const struct conf_case *c = &conf_cases[_i];
	struct rw_config *cfg;
	char	err[RW_ERR_MAX];
	size_t	i, n = 0;

	err[0] = '\0';
	cfg = rw_config_parse(c->text, SOURCE, NULL, NULL, err, sizeof(err));
	ck_assert_msg((cfg != NULL) == c->ok, "%s: got %s (%s), want %s",
	    c->label, cfg != NULL ? "ok" : "errors", err, c->ok ? "ok" :
	    "errors");
	if (!c->ok) {
		ck_assert_msg(strstr(err, c->err) != NULL, "%s: got \"%s\", want "
		    "\"%s\" in it", c->label, err, c->err);
		return;
	}
	ck_assert_msg(cfg->uribl_max_lookups == c->max_lookups, "%s: cap: got "
	    "%u, want %u", c->label, cfg->uribl_max_lookups, c->max_lookups);
	for (i = 0; i < cfg->ndnsbl; i++)
		n += cfg->dnsbl[i].kind == RW_BL_URI;
	ck_assert_msg(n == c->nuri, "%s: URI lists: got %zu, want %zu",
	    c->label, n, c->nuri);
	ck_assert_msg(rw_uribl_lists(cfg) == (c->nuri > 0), "%s: "
	    "rw_uribl_lists: got %d", c->label, rw_uribl_lists(cfg));
	ck_assert_msg(((rw_content_needs(cfg) & RW_NEED_BODY) != 0) ==
	    (c->nuri > 0), "%s: rw_content_needs: got %#x", c->label,
	    rw_content_needs(cfg));
	rw_config_free(cfg);
}
END_TEST

START_TEST(test_conf_names)
{
	struct rw_config *cfg = parse("names", "uribl = dbl@k3y.dbl.example*3\n");

	ck_assert_msg(strcmp(cfg->dnsbl[0].name, "dbl") == 0, "name: got "
	    "\"%s\", want \"dbl\"", cfg->dnsbl[0].name);
	ck_assert_msg(strcmp(cfg->dnsbl[0].zone, "k3y.dbl.example") == 0,
	    "zone: got \"%s\"", cfg->dnsbl[0].zone);
	ck_assert_msg(cfg->dnsbl[0].weight == 3, "weight: got %d, want 3",
	    cfg->dnsbl[0].weight);
	rw_config_free(cfg);
}
END_TEST

/* ------------------------------------------------------------ the verdict */

#define C_BASE	"trusted_networks = 10.0.0.0/8\nlocal_domains = ours.test\n" \
	"rdns_check = off\nspf_check = no\nspf_check_helo = no\n"
#define C_U1	C_BASE "uribl = dbl@k3y.dbl.example\n"
#define C_U2	C_BASE "dnsbl_threshold = 2\n" \
	"uribl = dbl@k3y.dbl.example, multi.uri.example\n"
#define C_U2T3	C_BASE "dnsbl_threshold = 3\n" \
	"uribl = dbl@k3y.dbl.example, multi.uri.example*2\n"
#define C_W	C_BASE "dnsbl_threshold = 3\n" \
	"dnsbl = zen.example*2, wl.example*-5\nuribl = dbl@k3y.dbl.example\n"

/* a connection list's answer (f.bl), for the non-URI lists in order */
struct conn_ans {
	enum rw_dns_status st;
	uint32_t	 a;
};

struct verdict_case {
	const char	*label;
	const char	*conf;
	const char	*client;
	const char	*auth;
	const char	*rcpt;
	struct conn_ans	 conn[2];
	struct ans	 uri[3][3];	/* per URI list, its subjects' answers */
	bool		 suspended[3];
	const char	*txt;		/* the first URI list's TXT, or NULL */
	enum rw_action	 want;
	const char	*rcode, *xcode;	/* NULL: not compared */
	const char	*text;		/* in the reply text, or NULL */
	const char	*reason;	/* in the log reason, or NULL */
	bool		 dryrun;
};

#define NXC	{ RW_DNS_NXDOMAIN, 0 }
#define LC	{ RW_DNS_OK, A2 }
#define CONT	RW_ACT_CONTINUE
#define TAG	RW_ACT_TAG
#define TEMP	RW_ACT_TEMPFAIL
#define REJ	RW_ACT_REJECT

static const struct verdict_case verdict_cases[] = {
	{ "listed: refused with the display name", C_U1, OUT, NULL, RCPT, { NXC },
	    { { OK("evil.example", A2) } }, { false }, NULL, REJ, "550",
	    "5.7.1", "Message refused: it links to evil.example, listed by dbl",
	    "evil.example in k3y.dbl.example", false },
	{ "the key never reaches the reply", C_U1, OUT, NULL, RCPT, { NXC },
	    { { NX("a.example"), OK("evil.example", A2) } }, { false }, NULL,
	    REJ, "550", "5.7.1", "evil.example, listed by dbl", NULL, false },
	{ "with the list's TXT", C_U1, OUT, NULL, RCPT, { NXC },
	    { { OK("evil.example", A2) } }, { false }, "see https://dbl/e",
	    REJ, "550", "5.7.1", "listed by dbl: see https://dbl/e", NULL,
	    false },
	{ "an IP subject", C_U1, OUT, NULL, RCPT, { NXC },
	    { { OK("192.0.2.7", A2) } }, { false }, NULL, REJ, "550", "5.7.1",
	    "it links to 192.0.2.7, listed by dbl", NULL, false },
	{ "not listed", C_U1, OUT, NULL, RCPT, { NXC },
	    { { NX("a.example"), NX("b.example") } }, { false }, NULL, CONT,
	    NULL, NULL, NULL, NULL, false },
	{ "127.0.0.1 is not a listing", C_U1, OUT, NULL, RCPT, { NXC },
	    { { OK("a.example", A1) } }, { false }, NULL, CONT, NULL, NULL,
	    NULL, NULL, false },
	{ "list error is not a listing", C_U1, OUT, NULL, RCPT, { NXC },
	    { { OK("a.example", AERR) } }, { false }, NULL, CONT, NULL, NULL,
	    NULL, NULL, false },
	{ "filtered out: not a listing", C_BASE
	    "uribl = u.example=127.0.0.4\n", OUT, NULL, RCPT, { NXC },
	    { { OK("a.example", A2) } }, { false }, NULL, CONT, NULL, NULL,
	    NULL, NULL, false },
	{ "no subjects: nothing asked", C_U1, OUT, NULL, RCPT, { NXC },
	    { { { NULL } } }, { false }, NULL, CONT, NULL, NULL, NULL, NULL,
	    false },
	{ "suspended list's listing ignored", C_U1, OUT, NULL, RCPT, { NXC },
	    { { OK("evil.example", A2) } }, { true }, NULL, CONT, NULL, NULL,
	    NULL, NULL, false },
	{ "timeout that can change the outcome: 451", C_U1, OUT, NULL, RCPT,
	    { NXC }, { { NX("a.example"), TO("b.example") } }, { false }, NULL,
	    TEMP, "451", "4.4.3", "URI block list lookup failed", NULL, false },
	{ "SERVFAIL that can change the outcome: 451", C_U1, OUT, NULL, RCPT,
	    { NXC }, { { SF("a.example") } }, { false }, NULL, TEMP, "451",
	    "4.4.3", NULL, NULL, false },
	{ "timeout with dns_fail_open: passes", C_U1 "dns_fail_open = yes\n",
	    OUT, NULL, RCPT, { NXC }, { { TO("a.example") } }, { false }, NULL,
	    CONT, NULL, NULL, NULL, NULL, false },
	{ "timeout that cannot reach the threshold: passes", C_U2T3, OUT,
	    NULL, RCPT, { NXC }, { { TO("a.example") }, { NX("a.example") } }, { false }, NULL, CONT,
	    NULL, NULL, NULL, NULL, false },
	{ "already refused: a timeout changes nothing", C_U2, OUT, NULL, RCPT,
	    { NXC }, { { OK("a.example", A2) }, { OK("b.example", A2),
	    TO("c.example") } }, { false }, NULL, REJ, "550", "5.7.1",
	    "a.example, listed by dbl; b.example, listed by multi.uri.example",
	    NULL, false },
	{ "threshold 2: one list of weight 1 is not enough", C_U2, OUT, NULL,
	    RCPT, { NXC }, { { OK("a.example", A2) }, { NX("a.example") } },
	    { false }, NULL, CONT, NULL, NULL, NULL, NULL, false },
	{ "threshold 2: one list listed, the other timed out: 451", C_U2, OUT,
	    NULL, RCPT, { NXC }, { { OK("a.example", A2) }, { TO("a.example") } },
	    { false }, NULL, TEMP, "451", "4.4.3", NULL, NULL, false },
	{ "a client list's weight counts (2 + 1 = 3)", C_W, OUT, NULL, RCPT,
	    { LC, NXC }, { { OK("evil.example", A2) } }, { false }, NULL, REJ,
	    "550", "5.7.1", "evil.example, listed by dbl", "score 3", false },
	{ "a client list alone is the connection's business", C_W, OUT, NULL,
	    RCPT, { LC, NXC }, { { NX("evil.example") } }, { false }, NULL, CONT,
	    NULL, NULL, NULL, NULL, false },
	{ "a client allow list outweighs it (2 - 5 + 1)", C_W, OUT, NULL, RCPT,
	    { LC, LC }, { { OK("evil.example", A2) } }, { false }, NULL, CONT,
	    NULL, NULL, NULL, NULL, false },
	{ "client 2 + unanswered URI list 1: 451", C_W, OUT, NULL, RCPT,
	    { LC, NXC }, { { TO("evil.example") } }, { false }, NULL, TEMP,
	    "451", "4.4.3", NULL, NULL, false },
	{ "dnsbl_action tempfail: 450", C_U1 "dnsbl_action = tempfail\n", OUT,
	    NULL, RCPT, { NXC }, { { OK("evil.example", A2) } }, { false }, NULL,
	    TEMP, "450", "4.7.1", "it links to evil.example, listed by dbl",
	    NULL, false },
	{ "dnsbl_action tag", C_U1 "dnsbl_action = tag\n", OUT, NULL, RCPT,
	    { NXC }, { { OK("evil.example", A2) } }, { false }, NULL, TAG, NULL,
	    NULL, NULL, "links to evil.example", false },
	{ "dryrun: noted, not enforced", C_U1 "mode = dryrun\n", OUT, NULL,
	    RCPT, { NXC }, { { OK("evil.example", A2) } }, { false }, NULL, CONT,
	    "550", "5.7.1", "listed by dbl", NULL, true },
	{ "trusted network not judged", C_U1, IN, NULL, RCPT, { NXC },
	    { { OK("evil.example", A2) } }, { false }, NULL, CONT, NULL, NULL,
	    NULL, NULL, false },
	{ "authenticated not judged", C_U1, OUT, "alice", "x@else.test",
	    { NXC }, { { OK("evil.example", A2) } }, { false }, NULL, CONT, NULL,
	    NULL, NULL, NULL, false },
	{ "client_access OK not judged", C_U1
	    "client_access = 203.0.113.0/24 OK\n", OUT, NULL, RCPT, { NXC },
	    { { OK("evil.example", A2) } }, { false }, NULL, CONT, NULL, NULL,
	    NULL, NULL, false },
	{ "abuse@ alone not judged", C_U1, OUT, NULL, "abuse@ours.test",
	    { NXC }, { { OK("evil.example", A2) } }, { false }, NULL, CONT, NULL,
	    NULL, NULL, NULL, false },
};

START_TEST(test_verdict)
{
	const struct verdict_case *c = &verdict_cases[_i];
	struct rw_config *cfg = parse(c->label, c->conf);
	struct rw_session s;
	struct rw_verdict v;
	struct rw_message m;
	struct rw_uri_subject sub;
	enum rw_action a;
	size_t	i, j, nc = 0, nu = 0;

	rw_session_init(&s, cfg);
	rw_message_init(&m);
	memset(&v, 0, sizeof(v));
	a = step_connect(&s, c->client, "client.example.test", &v);
	ck_assert_msg(a == RW_ACT_CONTINUE, "%s: connect: got %s", c->label,
	    rw_action_name(a));
	a = step_helo(&s, "client.example.test", &v);
	ck_assert_msg(a == RW_ACT_CONTINUE, "%s: helo: got %s", c->label,
	    rw_action_name(a));
	a = step_mail(&s, "alice@sender.test", c->auth, &v);
	ck_assert_msg(a == RW_ACT_CONTINUE, "%s: mail: got %s (%s)", c->label,
	    rw_action_name(a), v.text);
	/* the connection's lists, as the DNS gatherer leaves them */
	ck_assert(rw_facts_lists(&s.f, cfg->ndnsbl));
	for (i = 0; i < cfg->ndnsbl; i++) {
		if (cfg->dnsbl[i].kind == RW_BL_URI || nc >= 2)
			continue;
		s.f.bl[i].status = c->conn[nc].st;
		if (c->conn[nc].a != 0)
			s.f.bl[i].a[s.f.bl[i].na++] = c->conn[nc].a;
		nc++;
	}
	s.f.dns_ready = true;
	a = step_rcpt(&s, c->rcpt, &v);
	ck_assert_msg(a == RW_ACT_CONTINUE, "%s: rcpt: got %s (%s)", c->label,
	    rw_action_name(a), v.text);
	/* the message, then the URI gatherer's facts */
	add_host(&m, "www.example.net");
	rw_session_record_message(&s, &m);
	ck_assert(rw_uribl_facts(&s.f, cfg->ndnsbl));
	for (i = 0; i < cfg->ndnsbl; i++) {
		if (cfg->dnsbl[i].kind != RW_BL_URI || nu >= 3)
			continue;
		s.f.uri[i].bl.suspended = c->suspended[nu];
		for (j = 0; j < 3 && c->uri[nu][j].subject != NULL; j++) {
			const struct ans *an = &c->uri[nu][j];

			memset(&sub, 0, sizeof(sub));
			snprintf(sub.name, sizeof(sub.name), "%s", an->subject);
			rw_uribl_record(&cfg->dnsbl[i], &s.f.uri[i], &sub, an->st,
			    &an->a, an->a != 0 ? 1 : 0);
		}
		if (nu == 0 && c->txt != NULL && s.f.uri[i].subject[0] != '\0')
			ck_assert(rw_fact_set(&s.f.uri[i].bl.txt, c->txt));
		nu++;
	}
	memset(&v, 0, sizeof(v));
	a = rw_session_decide(&s, RW_STAGE_EOM, &v);
	if (a == RW_ACT_CONTINUE && v.action == RW_ACT_TAG)
		a = RW_ACT_TAG;		/* tagged: the mail goes on */
	ck_assert_msg(a == c->want, "%s: got %s (%s %s %s; %s), want %s",
	    c->label, rw_action_name(a), v.rcode, v.xcode, v.text, v.reason,
	    rw_action_name(c->want));
	ck_assert_msg(v.dryrun == c->dryrun, "%s: dryrun: got %d, want %d",
	    c->label, v.dryrun, c->dryrun);
	if (c->rcode != NULL) {
		ck_assert_msg(strcmp(v.rcode, c->rcode) == 0 &&
		    strcmp(v.xcode, c->xcode) == 0, "%s: got %s %s, want %s %s",
		    c->label, v.rcode, v.xcode, c->rcode, c->xcode);
		ck_assert_msg(v.check != NULL && strcmp(v.check, "uribl") == 0,
		    "%s: check: got \"%s\", want \"uribl\"", c->label,
		    v.check != NULL ? v.check : "(null)");
	}
	if (c->text != NULL)
		ck_assert_msg(strstr(v.text, c->text) != NULL, "%s: text: got "
		    "\"%s\", want \"%s\" in it", c->label, v.text, c->text);
	if (c->reason != NULL)
		ck_assert_msg(strstr(v.reason, c->reason) != NULL, "%s: reason: "
		    "got \"%s\", want \"%s\" in it", c->label, v.reason,
		    c->reason);
	/* the access key is for queries and logs only */
	ck_assert_msg(strstr(v.text, "k3y") == NULL, "%s: text: got \"%s\", "
	    "want no zone key in it", c->label, v.text);
	if (v.action == TAG) {
		char	tags[512];

		ck_assert_msg(rw_session_tags(&s, tags, sizeof(tags)) &&
		    strstr(tags, "uribl=1 (dbl)") != NULL, "%s: tag: got \"%s\", "
		    "want \"uribl=1 (dbl)\"", c->label, tags);
	}
	/* DNS trouble is never a 5xx */
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++)
			if (rw_dns_temporary(c->uri[i][j].st) && v.rcode[0] == '5')
				ck_assert_msg(strstr(v.text, "links to") != NULL,
				    "%s: got %s for DNS trouble", c->label,
				    v.rcode);
	rw_session_reset(&s);
	ck_assert_msg(s.f.uri == NULL, "%s: the URI facts outlive the "
	    "transaction", c->label);
	rw_session_release(&s);
	rw_message_release(&m);
	rw_config_free(cfg);
}
END_TEST

/* every temporary answer pattern, under every action: 4xx or nothing */
START_TEST(test_never_5xx)
{
	static const char *confs[] = { C_U1, C_U1 "dnsbl_action = tempfail\n",
	    C_U1 "dnsbl_action = tag\n", C_U2, C_W, C_U1 "dns_fail_open = yes\n" };
	static const enum rw_dns_status sts[] = { RW_DNS_TIMEOUT,
	    RW_DNS_SERVFAIL };
	struct rw_config *cfg = parse("never 5xx", confs[_i]);
	struct rw_session s;
	struct rw_verdict v;
	struct rw_message m;
	struct rw_uri_subject sub;
	enum rw_action a;
	size_t	i, k;

	for (k = 0; k < 2; k++) {
		rw_session_init(&s, cfg);
		rw_message_init(&m);
		(void)step_connect(&s, OUT, "client.example.test", &v);
		(void)step_helo(&s, "client.example.test", &v);
		(void)step_mail(&s, "alice@sender.test", NULL, &v);
		ck_assert(rw_facts_lists(&s.f, cfg->ndnsbl));
		for (i = 0; i < cfg->ndnsbl; i++)
			if (cfg->dnsbl[i].kind != RW_BL_URI)
				s.f.bl[i].status = RW_DNS_NXDOMAIN;
		s.f.dns_ready = true;
		(void)step_rcpt(&s, RCPT, &v);
		add_host(&m, "a.example");
		rw_session_record_message(&s, &m);
		ck_assert(rw_uribl_facts(&s.f, cfg->ndnsbl));
		memset(&sub, 0, sizeof(sub));
		strcpy(sub.name, "a.example");
		for (i = 0; i < cfg->ndnsbl; i++)
			if (cfg->dnsbl[i].kind == RW_BL_URI)
				rw_uribl_record(&cfg->dnsbl[i], &s.f.uri[i], &sub,
				    sts[k], NULL, 0);
		memset(&v, 0, sizeof(v));
		a = rw_session_decide(&s, RW_STAGE_EOM, &v);
		ck_assert_msg(a != RW_ACT_REJECT && v.rcode[0] != '5',
		    "conf %d, %s: got %s %s %s, want no 5xx", _i,
		    rw_dns_status_name(sts[k]), rw_action_name(a), v.rcode,
		    v.text);
		rw_session_release(&s);
		rw_message_release(&m);
	}
	rw_config_free(cfg);
}
END_TEST

#define NCASES(a)	((int)(sizeof(a) / sizeof((a)[0])))

static Suite *
uribl_suite(void)
{
	Suite	*s = suite_create("uribl");
	TCase	*tc;

	tc = tcase_create("subjects");
	tcase_add_loop_test(tc, test_subjects, 0, NCASES(subject_cases));
	tcase_add_test(tc, test_subjects_no_message);
	suite_add_tcase(s, tc);
	tc = tcase_create("query");
	tcase_add_loop_test(tc, test_query, 0, NCASES(query_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("record");
	tcase_add_loop_test(tc, test_record, 0, NCASES(record_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("conf");
	tcase_add_loop_test(tc, test_conf, 0, NCASES(conf_cases));
	tcase_add_test(tc, test_conf_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("verdict");
	tcase_add_loop_test(tc, test_verdict, 0, NCASES(verdict_cases));
	tcase_add_loop_test(tc, test_never_5xx, 0, 6);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(uribl_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
