/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	check_spf - the SPF DNS-layer adapter and the SPF header formatting
 * DESCRIPTION
 *	rw_spf_check() over a fake rw_spf_source (a table of answers):
 *	answers, NXDOMAIN, NODATA, SERVFAIL and timeouts to SPF results,
 *	the RFC 7208 4.6.4 limits, domain validity, IPv4-mapped clients,
 *	exp= explanations, "/0" rewriting and the CVE-2023-42118 guard.
 *	Then rw_spf_received() and the SPF parts of rw_auth_results().
 *	Table-driven; every row has a label and "got X, want Y" messages.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spf.h"
#include "spfrecord.h"

/* ------------------------------------------------------------ fake DNS */

struct fake {
	const char		*name;
	uint16_t		 type;
	enum rw_dns_status	 status;	/* RW_DNS_OK: data follows */
	const char		*data[4];	/* TXT text, names, or addresses */
	size_t			 len;		/* TXT: data[0]'s length, NULs
						 * included; 0: strlen() */
};

static const struct fake *zone;
static unsigned int nqueries;
static char big_record[8192];

/* fake_lookup - answer from the current table; names case-insensitive */
static void
fake_lookup(void *ctx, const char *name, uint16_t type,
    const struct timespec *deadline, struct rw_dns_answer *out)
{
	const struct fake *z;
	bool	exists = false;
	size_t	i;

	(void)ctx;
	(void)deadline;
	memset(out, 0, sizeof(*out));
	nqueries++;
	for (z = zone; z != NULL && z->name != NULL; z++) {
		if (strcasecmp(z->name, name) != 0)
			continue;
		exists = true;
		if (z->type != type)
			continue;
		out->status = z->status;
		for (i = 0; z->status == RW_DNS_OK && i < 4 && z->data[i]; i++) {
			struct rw_dns_rr *rr = &out->rr[out->n++];

			rr->type = type;
			if (type == RW_T_A)
				inet_pton(AF_INET, z->data[i], rr->addr);
			else if (type == RW_T_AAAA)
				inet_pton(AF_INET6, z->data[i], rr->addr);
			else {
				rr->textlen = i == 0 && z->len > 0 ? z->len :
				    strlen(z->data[i]);
				if ((rr->text = malloc(rr->textlen + 1)) != NULL) {
					memcpy(rr->text, z->data[i], rr->textlen);
					rr->text[rr->textlen] = '\0';
				}
			}
		}
		return;
	}
	out->status = exists ? RW_DNS_NODATA : RW_DNS_NXDOMAIN;
}

static const struct rw_spf_source fake_source = { fake_lookup, NULL };
static struct rw_spf *spf;

static void
setup(void)
{
	char	err[128];

	spf = rw_spf_new(&fake_source, err, sizeof(err));
	ck_assert_msg(spf != NULL, "init: %s", err);
}

static void
teardown(void)
{
	rw_spf_free(spf);
	spf = NULL;
}

#define TXT(n, t)	{ n, RW_T_TXT, RW_DNS_OK, { t }, 0 }
/* TXT text with NUL bytes in it: a string literal, its whole length */
#define TXTN(n, t)	{ n, RW_T_TXT, RW_DNS_OK, { t }, sizeof(t) - 1 }
#define A(n, a)		{ n, RW_T_A, RW_DNS_OK, { a }, 0 }
#define FAIL(n, ty, s)	{ n, ty, s, { NULL }, 0 }
#define END		{ NULL, 0, 0, { NULL }, 0 }

/* ------------------------------------------------------------ rw_spf_check rows */

struct row {
	const char		*label;
	const char		*ip, *helo, *sender;	/* sender NULL: HELO identity */
	struct fake		 zone[8];
	enum rw_spf_result	 want;
	const char		*want_exp;	/* fail: exact explanation; NULL: default */
	const char		*want_reason;	/* substring of the reason, or NULL */
};

static const struct row rows[] = {
	{ "pass from an answer", "192.0.2.1", "mx.example.org", "a@example.org",
	  { TXT("example.org", "v=spf1 ip4:192.0.2.0/24 -all"), END },
	  RW_SPF_PASS, NULL, NULL },
	{ "fail, default explanation", "198.51.100.7", "mx.example.org",
	  "a@example.org",
	  { TXT("example.org", "v=spf1 ip4:192.0.2.0/24 -all"), END },
	  RW_SPF_FAIL, NULL, NULL },
	{ "NXDOMAIN: none", "192.0.2.1", "mx.example.org", "a@example.org",
	  { END }, RW_SPF_NONE, NULL, NULL },
	{ "NODATA: none", "192.0.2.1", "mx.example.org", "a@example.org",
	  { A("example.org", "192.0.2.1"), END }, RW_SPF_NONE, NULL, NULL },
	{ "TXT not SPF: none", "192.0.2.1", "mx.example.org", "a@example.org",
	  { TXT("example.org", "google-site-verification=x"), END },
	  RW_SPF_NONE, NULL, NULL },
	{ "SERVFAIL: temperror", "192.0.2.1", "mx.example.org", "a@example.org",
	  { FAIL("example.org", RW_T_TXT, RW_DNS_SERVFAIL), END },
	  RW_SPF_TEMPERROR, NULL, NULL },
	{ "timeout: temperror", "192.0.2.1", "mx.example.org", "a@example.org",
	  { FAIL("example.org", RW_T_TXT, RW_DNS_TIMEOUT), END },
	  RW_SPF_TEMPERROR, NULL, NULL },
	{ "include target times out: temperror", "192.0.2.1", "mx.example.org",
	  "a@example.org",
	  { TXT("example.org", "v=spf1 include:spf.example.net -all"),
	    FAIL("spf.example.net", RW_T_TXT, RW_DNS_TIMEOUT), END },
	  RW_SPF_TEMPERROR, NULL, NULL },
	{ "a: lookup SERVFAIL: temperror", "192.0.2.1", "mx.example.org",
	  "a@example.org",
	  { TXT("example.org", "v=spf1 a:mail.example.org -all"),
	    FAIL("mail.example.org", RW_T_A, RW_DNS_SERVFAIL), END },
	  RW_SPF_TEMPERROR, NULL, NULL },
	{ "include of no record: permerror", "192.0.2.1", "mx.example.org",
	  "a@example.org",
	  { TXT("example.org", "v=spf1 include:none.example.net -all"), END },
	  RW_SPF_PERMERROR, NULL, NULL },
	{ "unknown mechanism: permerror", "192.0.2.1", "mx.example.org",
	  "a@example.org",
	  { TXT("example.org", "v=spf1 ip4:192.0.2.1 -all moo"), END },
	  RW_SPF_PERMERROR, NULL, "unknown mechanism" },
	{ "invalid domain-spec: permerror", "192.0.2.1", "mx.example.org",
	  "a@example.org",
	  { TXT("example.org", "v=spf1 a:foo.123 -all"), END },
	  RW_SPF_PERMERROR, NULL, NULL },
	{ "two SPF records: permerror", "192.0.2.1", "mx.example.org",
	  "a@example.org",
	  { { "example.org", RW_T_TXT, RW_DNS_OK, { "v=spf1 -all", "v=spf1 +all" }, 0 },
	    END },
	  RW_SPF_PERMERROR, NULL, "more than one" },
	{ "two void lookups: neutral", "192.0.2.1", "mx.example.org",
	  "a@example.org",
	  { TXT("example.org", "v=spf1 a:n1.example.org a:n2.example.org ?all"),
	    END },
	  RW_SPF_NEUTRAL, NULL, NULL },
	{ "three void lookups: permerror", "192.0.2.1", "mx.example.org",
	  "a@example.org",
	  { TXT("example.org", "v=spf1 a:n1.example.org a:n2.example.org "
	    "a:n3.example.org ?all"), END },
	  RW_SPF_PERMERROR, NULL, "void" },
	{ "eleven DNS terms: permerror", "192.0.2.1", "mx.example.org",
	  "a@example.org",
	  { TXT("example.org", "v=spf1 a a a a a a a a a a a -all"),
	    A("example.org", "198.51.100.1"), END },
	  RW_SPF_PERMERROR, NULL, "10 DNS" },
	{ "single-label HELO: none", "192.0.2.1", "localhost", NULL,
	  { TXT("localhost", "v=spf1 +all"), END }, RW_SPF_NONE, NULL, NULL },
	{ "null sender is postmaster@helo", "192.0.2.1", "mx.example.org", "",
	  { TXT("mx.example.org", "v=spf1 -all exp=why.example.org"),
	    TXT("why.example.org", "%{l} at %{o} via %{h}"), END },
	  RW_SPF_FAIL, "postmaster at mx.example.org via mx.example.org", NULL },
	{ "IPv4-mapped client matches ip4", "::ffff:192.0.2.1", "mx.example.org",
	  "a@example.org",
	  { TXT("example.org", "v=spf1 ip4:192.0.2.1 -all"), END },
	  RW_SPF_PASS, NULL, NULL },
	{ "IPv4-mapped client is not IPv6", "::ffff:192.0.2.1", "mx.example.org",
	  "a@example.org",
	  { TXT("example.org", "v=spf1 -ip4:192.0.2.1 ip6:::ffff:192.0.2.1"), END },
	  RW_SPF_FAIL, NULL, NULL },
	{ "exp= explanation, macros expanded", "192.0.2.9", "mx.example.org",
	  "joe@example.org",
	  { TXT("example.org", "v=spf1 -all exp=why.example.org"),
	    TXT("why.example.org", "%{i} may not send for %{d} (%{l})"), END },
	  RW_SPF_FAIL, "192.0.2.9 may not send for example.org (joe)", NULL },
	{ "exp= with two TXT records: default", "192.0.2.9", "mx.example.org",
	  "joe@example.org",
	  { TXT("example.org", "v=spf1 -all exp=why.example.org"),
	    { "why.example.org", RW_T_TXT, RW_DNS_OK, { "one", "two" }, 0 }, END },
	  RW_SPF_FAIL, NULL, NULL },
	{ "exp= text is sanitised", "192.0.2.9", "mx.example.org",
	  "joe@example.org",
	  { TXT("example.org", "v=spf1 -all exp=why.example.org"),
	    TXT("why.example.org", "bad%_%_%_news"), END },
	  RW_SPF_FAIL, "bad news", NULL },
	{ "a/0 matches any A record", "192.0.2.1", "mx.example.org",
	  "a@example.org",
	  { TXT("example.org", "v=spf1 a/0 -all"),
	    A("example.org", "198.51.100.1"), END },
	  RW_SPF_PASS, NULL, NULL },
	{ "ip4 /0 matches everything", "203.0.113.5", "mx.example.org",
	  "a@example.org",
	  { TXT("example.org", "v=spf1 ip4:1.1.1.1/0 -all"), END },
	  RW_SPF_PASS, NULL, NULL },
	/* issue 12 item 4: no RFC 7208 production admits a NUL; libspf2
	 * would have read "v=spf1 ip6:2001:db8::1" and answered neutral */
	{ "NUL inside an ip6 term: permerror", "2001:db8::1", "mx.example.org",
	  "a@example.org",
	  { TXTN("example.org", "v=spf1 ip6:2001:db8::1\0junk -all"), END },
	  RW_SPF_PERMERROR, NULL, "NUL" },
	{ "NUL ending an ip4 term: permerror", "192.0.2.1", "mx.example.org",
	  "a@example.org",
	  { TXTN("example.org", "v=spf1 ip4:192.0.2.1\0 -all"), END },
	  RW_SPF_PERMERROR, NULL, "NUL" },
	{ "NUL in an included record: permerror", "192.0.2.1", "mx.example.org",
	  "a@example.org",
	  { TXT("example.org", "v=spf1 include:spf.example.net -all"),
	    TXTN("spf.example.net", "v=spf1 +all\0"), END },
	  RW_SPF_PERMERROR, NULL, "NUL" },
	{ "NUL in the exp= text: default explanation", "192.0.2.9",
	  "mx.example.org", "joe@example.org",
	  { TXT("example.org", "v=spf1 -all exp=why.example.org"),
	    TXTN("why.example.org", "you\0 may not"), END },
	  RW_SPF_FAIL, NULL, NULL },
	{ "CVE-2023-42118 trigger: permerror", "192.0.2.1", "mx.example.org",
	  "a@example.org",
	  { { "example.org", RW_T_TXT, RW_DNS_OK, { big_record }, 0 }, END },
	  RW_SPF_PERMERROR, NULL, "CVE-2023-42118" },
};

/* make_trigger - 127 macros, then a long literal, in one term: valid
 * syntax, but libspf2 1.2.10 copies the literal past its stack buffer */
static void
make_trigger(void)
{
	char	*p = big_record;
	int	 i;

	p += sprintf(p, "v=spf1 a:");
	for (i = 0; i < 127; i++)
		p += sprintf(p, "%%{d}");
	memset(p, 'x', 4000);
	strcpy(p + 4000, ".example.org -all");
}

START_TEST(test_check_rows)
{
	const struct row *r = &rows[_i];
	struct rw_spf_fact f;
	char	def[RW_TXT_MAX];

	zone = r->zone;
	nqueries = 0;
	rw_spf_check(spf,
	    r->sender != NULL ? RW_SPF_ID_MAILFROM : RW_SPF_ID_HELO,
	    r->ip, r->helo, r->sender, 5000, &f);
	ck_assert_msg(f.result == r->want, "%s: got %s, want %s (%s)", r->label,
	    rw_spf_result_name(f.result), rw_spf_result_name(r->want), f.reason);
	if (r->want == RW_SPF_FAIL) {
		if (r->want_exp == NULL)
			rw_spf_default_explanation(f.domain, r->ip, def, sizeof(def));
		ck_assert_msg(strcmp(f.explanation, r->want_exp != NULL ?
		    r->want_exp : def) == 0, "%s: got explanation \"%s\", want \"%s\"",
		    r->label, f.explanation, r->want_exp != NULL ? r->want_exp : def);
	} else {
		ck_assert_msg(f.explanation[0] == '\0', "%s: got explanation \"%s\", "
		    "want none", r->label, f.explanation);
	}
	if (r->want_reason != NULL)
		ck_assert_msg(strstr(f.reason, r->want_reason) != NULL,
		    "%s: got reason \"%s\", want \"%s\" in it", r->label, f.reason,
		    r->want_reason);
}
END_TEST

START_TEST(test_single_label_no_lookup)
{
	struct rw_spf_fact f;
	static const struct fake z[] = { END };

	zone = z;
	nqueries = 0;
	rw_spf_check(spf, RW_SPF_ID_HELO, "192.0.2.1", "OEMCOMPUTER", NULL,
	    5000, &f);
	ck_assert_msg(f.result == RW_SPF_NONE && nqueries == 0,
	    "got %s after %u queries, want none after 0",
	    rw_spf_result_name(f.result), nqueries);
	rw_spf_check(spf, RW_SPF_ID_MAILFROM, "192.0.2.1", "x", "a@[192.0.2.1]",
	    5000, &f);
	ck_assert_msg(f.result == RW_SPF_NONE && nqueries == 0,
	    "literal: got %s after %u queries, want none after 0",
	    rw_spf_result_name(f.result), nqueries);
}
END_TEST

/* The guard itself: the record is refused before anything is compiled. */
START_TEST(test_cve_guard_rewrite)
{
	char	*out = NULL, why[128];

	ck_assert_msg(!rw_spfrec_rewrite(big_record, strlen(big_record), AF_INET,
	    &out, why, sizeof(why)), "trigger: got accepted, want refused");
	ck_assert_ptr_null(out);
	ck_assert_msg(strstr(why, "CVE-2023-42118") != NULL, "got reason \"%s\"",
	    why);
	/* ordinary macros are not affected */
	ck_assert_msg(rw_spfrec_rewrite("v=spf1 a:%{d}%{d}.example.org -all", 34,
	    AF_INET, &out, why, sizeof(why)), "two macros: got refused (%s)", why);
	ck_assert_str_eq(out, "v=spf1 a:%{d}%{d}.example.org -all");
	free(out);
}
END_TEST

/* The record checker on its own: a NUL anywhere is a syntax error
 * (issue 12 item 4), including where strchr(set, '\0') would match. */
struct nul_row {
	const char	*label;
	const char	*rec;
	size_t		 len;
};

#define NR(l, r)	{ l, r, sizeof(r) - 1 }
static const struct nul_row nul_rows[] = {
	NR("NUL after an ip6 address", "v=spf1 ip6:2001:db8::1\0junk -all"),
	NR("NUL as the whole ip6 suffix", "v=spf1 ip6:::1\0"),
	NR("NUL as a qualifier", "v=spf1 \0all"),
	NR("NUL as a macro letter", "v=spf1 a:%{\0}.example.org -all"),
	NR("NUL as a macro delimiter", "v=spf1 a:%{d\0}.example.org -all"),
	NR("NUL in a modifier name", "v=spf1 x\0y=z -all"),
	NR("NUL in an unknown modifier's macro", "v=spf1 foo=%{c\0} -all"),
	NR("NUL at the end", "v=spf1 -all\0"),
};

START_TEST(test_nul_rewrite)
{
	const struct nul_row *r = &nul_rows[_i];
	char	*out = NULL, *rec, why[128] = "";

	/* an exact-size copy: ASan sees any read past the counted text */
	rec = malloc(r->len);
	ck_assert_ptr_nonnull(rec);
	memcpy(rec, r->rec, r->len);
	ck_assert_msg(!rw_spfrec_rewrite(rec, r->len, AF_INET6, &out, why,
	    sizeof(why)), "%s: got accepted as \"%s\", want refused", r->label,
	    out != NULL ? out : "");
	ck_assert_ptr_null(out);
	free(rec);
}
END_TEST

static const char *
validated_none(void *ctx)
{
	(void)ctx;
	return NULL;
}

/* rw_spfrec_expand on its own (issue 12 item 5): "%{" at the end of the
 * text must not read the byte after it; a NUL is refused too */
struct exp_row {
	const char	*label;
	const char	*text;
	size_t		 len;
	bool		 ok;
	const char	*want;
};

#define ER(l, t, ok, w)	{ l, t, sizeof(t) - 1, ok, w }
static const struct exp_row exp_rows[] = {
	ER("\"%{\" at the end", "%{", false, NULL),
	ER("\"x%{\" at the end", "x%{", false, NULL),
	ER("\"%{d\" unterminated", "%{d", false, NULL),
	ER("\"%{d2r\" unterminated", "%{d2r", false, NULL),
	ER("\"%\" at the end", "%", false, NULL),
	ER("NUL as the macro letter", "%{\0}", false, NULL),
	ER("NUL in the literal text", "a\0b", false, NULL),
	ER("empty text", "", true, ""),
	ER("a whole macro", "%{d}", true, "example.org"),
	ER("reversed, two parts", "%{d2r}", true, "org.example"),
	ER("URL-escaped local part", "%{L}", true, "j%20o"),
};

START_TEST(test_expand_bounds)
{
	const struct exp_row *r = &exp_rows[_i];
	struct rw_spfrec_macros m;
	char	*text, out[256];
	bool	 ok;

	memset(&m, 0, sizeof(m));
	m.sender = "j o@example.org";
	m.local = "j o";
	m.sender_domain = "example.org";
	m.domain = "example.org";
	m.validated = validated_none;
	/* exactly len bytes, no NUL after them: ASan catches an overread */
	text = malloc(r->len > 0 ? r->len : 1);
	ck_assert_ptr_nonnull(text);
	memcpy(text, r->text, r->len);
	ok = rw_spfrec_expand(text, r->len, &m, out, sizeof(out));
	ck_assert_msg(ok == r->ok, "%s: got %s, want %s", r->label,
	    ok ? "expanded" : "refused", r->ok ? "expanded" : "refused");
	if (ok)
		ck_assert_msg(strcmp(out, r->want) == 0, "%s: got \"%s\", "
		    "want \"%s\"", r->label, out, r->want);
	ck_assert_msg(!rw_spfrec_explain_valid(text, r->len) || r->ok,
	    "%s: explain_valid accepted it", r->label);
	free(text);
}
END_TEST

/* ------------------------------------------------------------ headers */

static void
facts(struct rw_facts *f, const char *helo, const char *sender)
{
	rw_facts_release(f);	/* a previous call's texts */
	rw_facts_init(f);
	f->client_known = true;
	rw_ip_parse("192.0.2.1", &f->client_ip);
	snprintf(f->client_addr, sizeof(f->client_addr), "192.0.2.1");
	ck_assert(rw_fact_set(&f->helo, helo));
	ck_assert(rw_fact_set(&f->sender, sender));
	f->spf_mail.result = RW_SPF_PASS;
	snprintf(f->spf_mail.domain, sizeof(f->spf_mail.domain), "example.org");
	snprintf(f->spf_mail.reason, sizeof(f->spf_mail.reason),
	    "example.org designates 192.0.2.1");
}

START_TEST(test_received_spf)
{
	struct rw_facts f = { 0 };
	char	buf[1024];

	facts(&f, "mx.example.org", "joe@example.org");
	ck_assert(rw_spf_received(&f, "mx.example.net", buf, sizeof(buf)));
	ck_assert_msg(strncmp(buf, "pass ", 5) == 0, "got \"%s\"", buf);
	ck_assert_msg(strstr(buf, "identity=mailfrom;") != NULL, "got \"%s\"", buf);
	ck_assert_msg(strstr(buf, "envelope-from=\"joe@example.org\";") != NULL,
	    "got \"%s\", want a quoted envelope-from", buf);
	ck_assert_msg(strstr(buf, "client-ip=192.0.2.1;") != NULL, "got \"%s\"", buf);
	ck_assert_msg(strstr(buf, "receiver=mx.example.net;") != NULL,
	    "got \"%s\"", buf);

	/* a hostile HELO cannot end the quoted string or the header */
	facts(&f, "evil\"; identity=helo\r\nX-Injected: (1", "joe@example.org");
	ck_assert(rw_spf_received(&f, "mx.example.net", buf, sizeof(buf)));
	ck_assert_msg(strchr(buf, '\r') == NULL && strchr(buf, '\n') == NULL,
	    "got a line break in \"%s\"", buf);
	ck_assert_msg(strstr(buf, "helo=\"evil; identity=heloX-Injected: (1\";") !=
	    NULL, "got \"%s\", want the helo without quote or line break", buf);
	ck_assert_msg(strstr(buf, "identity=mailfrom;") != NULL, "got \"%s\"", buf);

	f.spf_mail.result = RW_SPF_NOT_CHECKED;
	ck_assert_msg(!rw_spf_received(&f, "mx.example.net", buf, sizeof(buf)),
	    "not checked: got a header");
	rw_facts_release(&f);
}
END_TEST

START_TEST(test_auth_results_spf)
{
	struct rw_config *cfg = rw_config_defaults();
	struct rw_facts f = { 0 };
	char	buf[1024];

	ck_assert_ptr_nonnull(cfg);
	facts(&f, "mx.example.org", "joe@example.org");
	f.spf_helo.result = RW_SPF_NONE;
	ck_assert(rw_auth_results(cfg, &f, "mx.example.net", buf, sizeof(buf)));
	ck_assert_msg(strncmp(buf, "mx.example.net; ", 16) == 0, "got \"%s\"", buf);
	ck_assert_msg(strstr(buf, "spf=pass smtp.mailfrom=joe@example.org") != NULL,
	    "got \"%s\"", buf);
	ck_assert_msg(strstr(buf, "spf=none smtp.helo=mx.example.org") != NULL,
	    "got \"%s\"", buf);

	/* null sender: postmaster@ the domain checked (RFC 7208 2.4), no stray
	 * characters from HELO */
	facts(&f, "bad;helo (x)", "");
	f.spf_mail.result = RW_SPF_FAIL;
	f.spf_helo.result = RW_SPF_PERMERROR;
	ck_assert(rw_auth_results(cfg, &f, "mx.example.net", buf, sizeof(buf)));
	ck_assert_msg(strstr(buf, "spf=fail smtp.mailfrom=postmaster@example.org") != NULL,
	    "got \"%s\"", buf);
	ck_assert_msg(strstr(buf, "spf=permerror smtp.helo=badhelox") != NULL,
	    "got \"%s\", want the helo without ; ( ) or spaces", buf);
	rw_facts_release(&f);
	rw_config_free(cfg);
}
END_TEST

static Suite *
spf_suite(void)
{
	Suite	*s = suite_create("spf");
	TCase	*tc = tcase_create("check");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_check_rows, 0,
	    (int)(sizeof(rows) / sizeof(rows[0])));
	tcase_add_test(tc, test_single_label_no_lookup);
	tcase_add_test(tc, test_cve_guard_rewrite);
	tcase_add_loop_test(tc, test_nul_rewrite, 0,
	    (int)(sizeof(nul_rows) / sizeof(nul_rows[0])));
	tcase_add_loop_test(tc, test_expand_bounds, 0,
	    (int)(sizeof(exp_rows) / sizeof(exp_rows[0])));
	suite_add_tcase(s, tc);
	tc = tcase_create("headers");
	tcase_add_test(tc, test_received_spf);
	tcase_add_test(tc, test_auth_results_spf);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	make_trigger();
	sr = srunner_create(spf_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
