/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	check_rules - unit tests of the content rules (policy/rules.c) and
 *	their verdicts at end of message (policy/session.c)
 * DESCRIPTION
 *	The parser: good lines, every error at "rulesfile:line", the rules
 *	file read through the configuration's reader (a fake one here, so no
 *	file is opened) and a bad one refusing the whole configuration while
 *	the old one stays usable. The matching: a message built by hand
 *	(rw_message_add_*), one rule per place to look, who a rule is for,
 *	each action and what the MTA is told, per-rule dryrun, dryrun mode,
 *	quarantine reporting, discard, the first refusal in file order, a
 *	catastrophic pattern stopped by its match limit (the outcome is
 *	asserted, not the time), invalid UTF-8, hits bounded, and
 *	rw_content_needs().
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw_policy.h"
#include "steps.h"

#define CONF	"conf.test"
#define RULES	"rules.test"
#define OUT	"192.0.2.10"
#define INSIDE	"127.0.0.1"
#define BASE	"local_domains = ours.test\nspf_check = no\nspf_check_helo = no\n" \
		"rdns_check = off\nrules = " RULES "\n"

/* ------------------------------------------------------------ helpers */

/* fake_reader - the rules text is the context; any other path fails */
static char *
fake_reader(const char *path, void *ctx, char *err, size_t errlen)
{
	char	*copy;

	if (strcmp(path, RULES) != 0 || ctx == NULL) {
		snprintf(err, errlen, "No such file or directory");
		return NULL;
	}
	copy = strdup(ctx);
	ck_assert_msg(copy != NULL, "out of memory");
	return copy;
}

/* config - BASE + extra with rules text; NULL and err on failure */
static struct rw_config *
config_try(const char *extra, const char *rules, char *err, size_t errlen)
{
	char	text[1024];

	snprintf(text, sizeof(text), "%s%s", BASE, extra);
	return rw_config_parse(text, CONF, fake_reader, (void *)rules, err,
	    errlen);
}

static struct rw_config *
config(const char *extra, const char *rules)
{
	struct rw_config *cfg;
	char	err[RW_ERR_MAX] = "";

	cfg = config_try(extra, rules, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "configuration: got errors \"%s\", want none",
	    err);
	return cfg;
}

/* sample - a message with a bit of everything */
static void
sample(struct rw_message *m)
{
	struct rw_url u;

	rw_message_init(m);
	ck_assert(rw_message_add_header(m, "From", "Bank <bank@example.org>"));
	ck_assert(rw_message_add_header(m, "Subject", "Your account is locked"));
	ck_assert(rw_message_add_header(m, "X-Mailer", "Bulk Sender 9"));
	ck_assert(rw_message_add_text(m, "Dear customer, please verify",
	    strlen("Dear customer, please verify")));
	memset(&u, 0, sizeof(u));
	snprintf(u.text, sizeof(u.text), "http://spam.example/login");
	snprintf(u.host, sizeof(u.host), "spam.example");
	u.tricks = RW_URLT_PERCENT_HOST;
	ck_assert(rw_message_add_url(m, &u));
	ck_assert(rw_message_add_part(m, "text/plain", "", false));
	ck_assert(rw_message_add_part(m, "Application/X-MSDownload",
	    "invoice.pdf.exe", true));
	m->defects = RW_MIME_BAD_BOUNDARY;
}

struct run {
	struct rw_session s;
	struct rw_message m;
	struct rw_verdict v;
	enum rw_action	r;
};

/* eom - a transaction from addr (auth: its user), then end of message */
static void
eom(struct run *x, const struct rw_config *cfg, const char *addr,
    const char *auth)
{
	struct rw_verdict v;

	rw_session_init(&x->s, cfg);
	(void)step_connect(&x->s, addr, "unknown", &v);
	(void)step_mail(&x->s, "a@example.org", auth, &v);
	rw_session_record_message(&x->s, &x->m);
	x->r = rw_session_decide(&x->s, RW_STAGE_EOM, &x->v);
}

static void
run_free(struct run *x)
{
	rw_session_release(&x->s);
	rw_message_release(&x->m);
}

/* hit_named - the hit of rule name, or NULL */
static const struct rw_rule_hit *
hit_named(const struct rw_session *s, const char *name)
{
	const struct rw_rule_hit *h;
	size_t	i, n;

	h = rw_session_rule_hits(s, &n);
	for (i = 0; i < n; i++)
		if (strcmp(h[i].rule, name) == 0)
			return &h[i];
	return NULL;
}

/* header - the header edit named name, in buf; false if none */
static bool
header(const struct rw_session *s, const char *name, char *buf, size_t len)
{
	struct rw_header_edit e;
	size_t	cursor = 0;

	while (rw_session_header_next(s, &cursor, &e))
		if (strcmp(e.name, name) == 0) {
			snprintf(buf, len, "%s", e.value);
			return true;
		}
	return false;
}

/* ------------------------------------------------------------ parser */

static const struct {
	const char	*label;
	const char	*text;
	size_t		 n;
} good[] = {
	{ "empty", "", 0 },
	{ "comments and blanks", "# a comment\n\n   \t\n  # another\n", 0 },
	{ "every place",
	  "a header:Subject /x/ reject\n"
	  "b headers /x/ tag\n"
	  "c body /x/i quarantine\n"
	  "d url /x/ tempfail\n"
	  "e url-host /x/ discard\n"
	  "f attachment-name /x/ reject\n"
	  "g attachment-type /x/ reject\n"
	  "h mime /bad-boundary/ tag\n"
	  "i url-trick /numeric-host/ reject\n", 9 },
	{ "blank and comma inside", "a body /free money, now/i reject\n", 1 },
	{ "escaped slash", "a url /http:\\/\\/x\\/y/ reject\n", 1 },
	{ "all flags", "a body /a b/imsx reject\n", 1 },
	{ "options in any order",
	  "a body /x/ reject \"Go away\" dryrun for=all\n"
	  "b body /y/ tag for=insiders\n"
	  "c body /z/ reject for=outsiders # trailing comment\n", 3 },
	{ "CRLF and tabs", "a\tbody\t/x/\treject\r\n", 1 },
	{ "actions any case", "a body /x/ REJECT\nb body /y/ Quarantine\n", 2 },
};

START_TEST(parse_good)
{
	struct rw_rules *rs = NULL;
	char	err[RW_ERR_MAX] = "";
	bool	ok;

	ok = rw_rules_parse(good[_i].text, RULES, &rs, err, sizeof(err));
	ck_assert_msg(ok, "%s: got errors \"%s\", want none", good[_i].label,
	    err);
	ck_assert_msg(rw_rules_count(rs) == good[_i].n, "%s: got %zu rules, "
	    "want %zu", good[_i].label, rw_rules_count(rs), good[_i].n);
	ck_assert_str_eq(rw_rules_source(rs), RULES);
	rw_rules_free(rs);
}
END_TEST

static const struct {
	const char	*label;
	const char	*text;
	const char	*want;	/* in the error text */
} bad[] = {
	{ "duplicate name", "a body /x/ reject\nb body /y/ tag\na url /z/ tag\n",
	  "rules.test:3: rule a defined twice (first at line 1)" },
	{ "bad regex", "\na body /fo(o/ reject\n",
	  "rules.test:2: bad pattern at offset 4: missing closing parenthesis" },
	{ "unknown place", "a bodies /x/ reject\n",
	  "rules.test:1: unknown place \"bodies\"" },
	{ "header without name", "a header: /x/ reject\n",
	  "rules.test:1: \"header:\": header:NAME needs a header name" },
	{ "unknown action", "a body /x/ bounce\n",
	  "rules.test:1: rule a: unknown action \"bounce\"" },
	{ "missing action", "a body /x/\n",
	  "rules.test:1: rule a: the action is missing" },
	{ "unknown flag", "a body /x/iq reject\n",
	  "rules.test:1: unknown flag \"q\"" },
	{ "no closing slash", "a body /x\\/ reject\n",
	  "rules.test:1: rule a: the pattern has no closing \"/\"" },
	{ "no pattern", "a body x reject\n",
	  "rules.test:1: rule a: a /pattern/ is expected after body" },
	{ "empty pattern", "a body // reject\n", "rules.test:1: empty pattern" },
	{ "missing place", "a\n", "rules.test:1: rule a: where to look is missing" },
	{ "bad name", "a,b body /x/ reject\n", "rules.test:1: bad rule name \"a,b\"" },
	{ "unknown option", "a body /x/ reject for=everyone\n",
	  "rules.test:1: unknown option \"for=everyone\"" },
	{ "reply on a tag", "a body /x/ tag \"Nope\"\n",
	  "rules.test:1: a reply text is for reject and tempfail rules only" },
	{ "reply with percent", "a body /x/ reject \"100% spam\"\n",
	  "rules.test:1: a reply text is printable ASCII" },
	{ "reply unclosed", "a body /x/ reject \"Nope\n",
	  "rules.test:1: reply text without its closing" },
	{ "two replies", "a body /x/ reject \"a\" \"b\"\n",
	  "rules.test:1: more than one reply text" },
	{ "invalid UTF-8 pattern", "a body /\xff/ reject\n",
	  "rules.test:1: bad pattern at offset 0" },
};

START_TEST(parse_bad)
{
	struct rw_rules *rs = (struct rw_rules *)1;
	char	err[RW_ERR_MAX] = "";
	bool	ok;

	ok = rw_rules_parse(bad[_i].text, RULES, &rs, err, sizeof(err));
	ck_assert_msg(!ok, "%s: parsed, want an error", bad[_i].label);
	ck_assert_msg(rs == NULL, "%s: rules returned with an error",
	    bad[_i].label);
	ck_assert_msg(strstr(err, bad[_i].want) != NULL, "%s: got \"%s\", want "
	    "\"%s\"", bad[_i].label, err, bad[_i].want);
}
END_TEST

/* Every error is reported, not just the first, each at its line. */
START_TEST(parse_every_error)
{
	struct rw_rules *rs = NULL;
	char	err[RW_ERR_MAX] = "";

	ck_assert(!rw_rules_parse("a body /x/ reject\nb bodie /x/ reject\n"
	    "c body /x/ nope\nd body /(/ tag\n", RULES, &rs, err, sizeof(err)));
	ck_assert_msg(strstr(err, "rules.test:2: ") != NULL &&
	    strstr(err, "rules.test:3: ") != NULL &&
	    strstr(err, "rules.test:4: ") != NULL &&
	    strstr(err, "rules.test:1: ") == NULL, "got \"%s\"", err);
}
END_TEST

/* At most RW_RULES_MAX rules. */
START_TEST(parse_limit)
{
	struct rw_rules *rs = NULL;
	char	err[RW_ERR_MAX] = "", want[64];
	char	*text, *p;
	size_t	i;
	bool	ok;

	text = malloc((RW_RULES_MAX + 1) * 32);
	ck_assert(text != NULL);
	for (p = text, i = 0; i <= RW_RULES_MAX; i++)
		p += sprintf(p, "r%zu body /x/ tag\n", i);
	ok = rw_rules_parse(text, RULES, &rs, err, sizeof(err));
	ck_assert_msg(!ok, "%d rules parsed, want an error", RW_RULES_MAX + 1);
	snprintf(want, sizeof(want), "rules.test:%d: more than %d rules",
	    RW_RULES_MAX + 1, RW_RULES_MAX);
	ck_assert_msg(strstr(err, want) != NULL, "got \"%s\", want \"%s\"", err,
	    want);
	/* exactly the limit is fine */
	p = strstr(text, "r1000 ");
	ck_assert(p != NULL);
	*p = '\0';
	ok = rw_rules_parse(text, RULES, &rs, err, sizeof(err));
	ck_assert_msg(ok && rw_rules_count(rs) == RW_RULES_MAX, "got \"%s\"", err);
	rw_rules_free(rs);
	free(text);
}
END_TEST

/* The configuration reads the file through its reader; errors located. */
START_TEST(config_errors)
{
	struct rw_config *cfg;
	char	err[RW_ERR_MAX] = "";

	cfg = config_try("", "a body /x/ reject\nb body /x/ frobnicate\n", err,
	    sizeof(err));
	ck_assert_msg(cfg == NULL && strstr(err, "rules.test:2: rule b: unknown "
	    "action") != NULL, "got \"%s\"", err);
	/* a file that cannot be read: at the key's line in the config */
	cfg = rw_config_parse("mode = enforce\nrules = /nonexistent\n", CONF,
	    fake_reader, NULL, err, sizeof(err));
	ck_assert_msg(cfg == NULL && strstr(err, "conf.test:2: rules: cannot "
	    "read /nonexistent: No such file") != NULL, "got \"%s\"", err);
	/* no reader: refused, not opened behind the caller's back */
	cfg = rw_config_parse("rules = " RULES "\n", CONF, NULL, NULL, err,
	    sizeof(err));
	ck_assert_msg(cfg == NULL && strstr(err, "conf.test:1: rules:") != NULL,
	    "got \"%s\"", err);
	/* content_scan_max: default and bounds */
	cfg = config("", "");
	ck_assert_uint_eq(cfg->content_scan_max, 1048576);
	ck_assert_ptr_nonnull(cfg->rules);
	ck_assert_uint_eq(rw_rules_count(cfg->rules), 0);
	rw_config_free(cfg);
	cfg = config_try("content_scan_max = 100\n", "", err, sizeof(err));
	ck_assert_msg(cfg == NULL && strstr(err, "content_scan_max must be a "
	    "number from 4096 to 67108864") != NULL, "got \"%s\"", err);
	cfg = rw_config_parse("", CONF, NULL, NULL, err, sizeof(err));
	ck_assert_msg(cfg != NULL && cfg->rules == NULL, "no rules by default");
	rw_config_free(cfg);
}
END_TEST

/*
 * A reload with a bad rules file returns no configuration; the one in
 * force (what the daemon keeps) still judges with its rules.
 */
START_TEST(reload_keeps_old)
{
	struct rw_config *old, *neu;
	struct run x;
	char	err[RW_ERR_MAX] = "";

	old = config("", "spam body /verify/ reject\n");
	neu = config_try("", "spam body /verify( reject\n", err, sizeof(err));
	ck_assert_msg(neu == NULL && strstr(err, "rules.test:1:") != NULL,
	    "got \"%s\"", err);
	sample(&x.m);
	eom(&x, old, OUT, NULL);
	ck_assert_msg(x.r == RW_ACT_REJECT, "old policy: got %s, want reject",
	    rw_action_name(x.r));
	run_free(&x);
	rw_config_free(old);
}
END_TEST

/* ------------------------------------------------------------ matching */

static const struct {
	const char	*label;
	const char	*rule;
	bool		 hit;
	const char	*where;
	const char	*matched;
} places[] = {
	{ "header by name", "r header:subject /account/ tag", true,
	  "header Subject", "account" },
	{ "header by name, not another", "r header:X-Mailer /account/ tag", false,
	  NULL, NULL },
	{ "any header", "r headers /^x-mailer: bulk/i tag", true,
	  "header X-Mailer", "X-Mailer: Bulk" },
	{ "headers are name: value", "r headers /^Subject: Your/ tag", true,
	  "header Subject", "Subject: Your" },
	{ "body", "r body /please\\s+verify/ tag", true, "body", "please verify" },
	{ "body caseless", "r body /DEAR/i tag", true, "body", "Dear" },
	{ "body case matters", "r body /DEAR/ tag", false, NULL, NULL },
	{ "url", "r url /^http:\\/\\/spam\\.example\\// tag", true, "url",
	  "http://spam.example/" },
	{ "url-host", "r url-host /^spam\\.example$/ tag", true, "url-host",
	  "spam.example" },
	{ "url-host is not the path", "r url-host /login/ tag", false, NULL, NULL },
	{ "url-trick", "r url-trick /percent-host/ tag", true,
	  "url-trick spam.example", "percent-host" },
	{ "url-trick: not this one", "r url-trick /numeric-host/ tag", false,
	  NULL, NULL },
	{ "attachment-name", "r attachment-name /\\.exe$/i tag", true,
	  "attachment-name", ".exe" },
	{ "attachment-type lowercased", "r attachment-type /^application\\/x-msdownload$/ tag",
	  true, "attachment-type", "application/x-msdownload" },
	{ "attachment-type: attachments only", "r attachment-type /^text/ tag",
	  false, NULL, NULL },
	{ "mime defect", "r mime /^bad-boundary$/ tag", true, "mime",
	  "bad-boundary" },
	{ "mime: no such defect", "r mime /truncated/ tag", false, NULL, NULL },
};

START_TEST(match_places)
{
	struct rw_config *cfg;
	const struct rw_rule_hit *h;
	struct run x;
	char	rules[256];

	snprintf(rules, sizeof(rules), "%s\n", places[_i].rule);
	cfg = config("", rules);
	sample(&x.m);
	eom(&x, cfg, OUT, NULL);
	h = hit_named(&x.s, "r");
	if (!places[_i].hit) {
		ck_assert_msg(h == NULL, "%s: a hit (%s: %s), want none",
		    places[_i].label, h->where, h->matched);
		ck_assert_msg(x.v.action == RW_ACT_CONTINUE, "%s: got %s",
		    places[_i].label, rw_action_name(x.v.action));
	} else {
		ck_assert_msg(h != NULL, "%s: no hit, want one", places[_i].label);
		ck_assert_msg(strcmp(h->where, places[_i].where) == 0 &&
		    strcmp(h->matched, places[_i].matched) == 0,
		    "%s: got %s: \"%s\", want %s: \"%s\"", places[_i].label,
		    h->where, h->matched, places[_i].where, places[_i].matched);
		ck_assert_uint_eq(h->line, 1);
		ck_assert_msg(x.v.action == RW_ACT_TAG, "%s: got %s, want tag",
		    places[_i].label, rw_action_name(x.v.action));
	}
	run_free(&x);
	rw_config_free(cfg);
}
END_TEST

static const struct {
	const char	*label;
	const char	*opt;
	const char	*addr;
	const char	*auth;
	const char	*extra;
	bool		 hit;
} whom[] = {
	{ "default: outsider", "", OUT, NULL, "", true },
	{ "default: not a trusted network", "", INSIDE, NULL, "", false },
	{ "default: not authenticated", "", OUT, "alice", "", false },
	{ "authenticated, not trusted", "", OUT, "alice",
	  "trust_authenticated = no\n", true },
	{ "default: not client_access OK", "", OUT, NULL,
	  "client_access = 192.0.2.0/24 OK\n", false },
	{ "insiders: trusted", " for=insiders", INSIDE, NULL, "", true },
	{ "insiders: authenticated", " for=insiders", OUT, "alice", "", true },
	{ "insiders: client_access OK", " for=insiders", OUT, NULL,
	  "client_access = 192.0.2.0/24 OK\n", true },
	{ "insiders: not an outsider", " for=insiders", OUT, NULL, "", false },
	{ "all: outsider", " for=all", OUT, NULL, "", true },
	{ "all: insider", " for=all", INSIDE, NULL, "", true },
	{ "outsiders: not an insider", " for=outsiders", INSIDE, NULL, "", false },
};

START_TEST(match_whom)
{
	struct rw_config *cfg;
	struct run x;
	char	rules[128];
	bool	hit;

	snprintf(rules, sizeof(rules), "r body /verify/ tag%s\n", whom[_i].opt);
	cfg = config(whom[_i].extra, rules);
	sample(&x.m);
	eom(&x, cfg, whom[_i].addr, whom[_i].auth);
	hit = hit_named(&x.s, "r") != NULL;
	ck_assert_msg(hit == whom[_i].hit, "%s: hit %d, want %d", whom[_i].label,
	    hit, whom[_i].hit);
	run_free(&x);
	rw_config_free(cfg);
}
END_TEST

/* ------------------------------------------------------------ verdicts */

static const struct {
	const char	*label;
	const char	*mode;
	const char	*rules;
	enum rw_action	 ret;		/* what the MTA is told */
	enum rw_action	 action;	/* the verdict */
	bool		 dryrun;
	const char	*reply;		/* refusals: "550 5.7.1 text" */
	const char	*tags;		/* X-Relaywarden-Tag, NULL: none */
	const char	*note;		/* in X-Relaywarden-Dryrun, NULL: none */
	bool		 quarantine;
} verdicts[] = {
	{ "reject, default text", "", "r body /verify/ reject\n", RW_ACT_REJECT,
	  RW_ACT_REJECT, false, "550 5.7.1 Message content rejected", NULL, NULL,
	  false },
	{ "reject, the admin's text", "", "r body /verify/ reject \"Phishing, go "
	  "away\"\n", RW_ACT_REJECT, RW_ACT_REJECT, false,
	  "550 5.7.1 Phishing, go away", NULL, NULL, false },
	{ "tempfail", "", "r body /verify/ tempfail\n", RW_ACT_TEMPFAIL,
	  RW_ACT_TEMPFAIL, false, "451 4.7.1 Message content deferred, try again "
	  "later", NULL, NULL, false },
	{ "tag", "", "r body /verify/ tag\n", RW_ACT_CONTINUE, RW_ACT_TAG, false,
	  NULL, "rule=r", NULL, false },
	{ "two tags", "", "r body /verify/ tag\ns url /spam/ tag\n",
	  RW_ACT_CONTINUE, RW_ACT_TAG, false, NULL, "rule=r; rule=s", NULL, false },
	{ "quarantine", "", "r body /verify/ quarantine\n", RW_ACT_CONTINUE,
	  RW_ACT_QUARANTINE, false, NULL, "rule=r", NULL, true },
	{ "quarantine and tag", "", "t body /Dear/ tag\nq body /verify/ quarantine\n",
	  RW_ACT_CONTINUE, RW_ACT_QUARANTINE, false, NULL, "rule=t; rule=q", NULL,
	  true },
	{ "discard", "", "r body /verify/ discard\n", RW_ACT_DISCARD,
	  RW_ACT_DISCARD, false, NULL, NULL, NULL, false },
	{ "first refusal in file order", "",
	  "t body /Dear/ tag\nq body /verify/ quarantine\n"
	  "f url /spam/ tempfail\nr body /verify/ reject\n", RW_ACT_TEMPFAIL,
	  RW_ACT_TEMPFAIL, false, "451 4.7.1", NULL, NULL, false },
	{ "discard before reject", "",
	  "d mime /bad/ discard\nr body /verify/ reject\n", RW_ACT_DISCARD,
	  RW_ACT_DISCARD, false, NULL, NULL, NULL, false },
	{ "a refusal wins over quarantine", "",
	  "q body /verify/ quarantine\nr body /Dear/ reject\n", RW_ACT_REJECT,
	  RW_ACT_REJECT, false, "550 5.7.1", NULL, NULL, false },
	{ "no hit", "", "r body /nothing here/ reject\n", RW_ACT_CONTINUE,
	  RW_ACT_CONTINUE, false, NULL, NULL, NULL, false },
	/* per-rule dryrun: a note naming the rule, nothing enforced */
	{ "dryrun rule: reject", "", "r body /verify/ reject dryrun\n",
	  RW_ACT_CONTINUE, RW_ACT_CONTINUE, false, NULL, NULL,
	  "eom <rule r>: would reject (rules): 550 5.7.1 Message content rejected",
	  false },
	{ "dryrun rule: quarantine", "", "r body /verify/ quarantine dryrun\n",
	  RW_ACT_CONTINUE, RW_ACT_CONTINUE, false, NULL, NULL,
	  "eom <rule r>: would quarantine (rules): rule r (rules.test:1)", false },
	{ "dryrun rule: tag", "", "r body /verify/ tag dryrun\n", RW_ACT_CONTINUE,
	  RW_ACT_CONTINUE, false, NULL, NULL, "eom <rule r>: would tag (rules)",
	  false },
	{ "dryrun rule, then an enforced one", "",
	  "a body /verify/ reject dryrun\nb body /Dear/ tempfail\n",
	  RW_ACT_TEMPFAIL, RW_ACT_TEMPFAIL, false, "451 4.7.1", NULL,
	  "eom <rule a>: would reject (rules)", false },
	/* dryrun mode: notes only */
	{ "dryrun mode: reject", "mode = dryrun\n", "r body /verify/ reject\n",
	  RW_ACT_CONTINUE, RW_ACT_REJECT, true, "550 5.7.1", NULL,
	  "eom <>: would reject (rules): 550 5.7.1 Message content rejected",
	  false },
	{ "dryrun mode: quarantine", "mode = dryrun\n",
	  "r body /verify/ quarantine\n", RW_ACT_CONTINUE, RW_ACT_QUARANTINE, true,
	  NULL, "rule=r", "eom <>: would quarantine (rules): rule r", false },
	{ "dryrun mode: discard", "mode = dryrun\n", "r body /verify/ discard\n",
	  RW_ACT_CONTINUE, RW_ACT_DISCARD, true, NULL, NULL,
	  "eom <>: would discard (rules)", false },
};

START_TEST(verdict_table)
{
	struct rw_config *cfg;
	struct run x;
	char	buf[RW_HEADER_MAX], reply[RW_REPLY_MAX + 32];
	bool	have, q;

	cfg = config(verdicts[_i].mode, verdicts[_i].rules);
	sample(&x.m);
	eom(&x, cfg, OUT, NULL);
	ck_assert_msg(x.r == verdicts[_i].ret, "%s: MTA told %s, want %s",
	    verdicts[_i].label, rw_action_name(x.r),
	    rw_action_name(verdicts[_i].ret));
	ck_assert_msg(x.v.action == verdicts[_i].action, "%s: verdict %s, want %s",
	    verdicts[_i].label, rw_action_name(x.v.action),
	    rw_action_name(verdicts[_i].action));
	ck_assert_msg(x.v.dryrun == verdicts[_i].dryrun, "%s: dryrun %d",
	    verdicts[_i].label, x.v.dryrun);
	if (verdicts[_i].action != RW_ACT_CONTINUE)
		ck_assert_msg(x.v.check != NULL && strcmp(x.v.check, "rules") == 0,
		    "%s: check %s", verdicts[_i].label, x.v.check);
	if (verdicts[_i].reply != NULL) {
		snprintf(reply, sizeof(reply), "%s %s %s", x.v.rcode, x.v.xcode,
		    x.v.text);
		ck_assert_msg(strncmp(reply, verdicts[_i].reply,
		    strlen(verdicts[_i].reply)) == 0, "%s: reply \"%s\", want "
		    "\"%s\"", verdicts[_i].label, reply, verdicts[_i].reply);
	}
	/* never a 5xx for anything but reject */
	if (x.v.rcode[0] == '5')
		ck_assert_msg(x.v.action == RW_ACT_REJECT, "%s: 5xx for %s",
		    verdicts[_i].label, rw_action_name(x.v.action));
	have = header(&x.s, RW_HEADER_TAG, buf, sizeof(buf));
	if (verdicts[_i].tags == NULL)
		ck_assert_msg(!have, "%s: tags \"%s\", want none",
		    verdicts[_i].label, buf);
	else
		ck_assert_msg(have && strcmp(buf, verdicts[_i].tags) == 0,
		    "%s: tags \"%s\", want \"%s\"", verdicts[_i].label,
		    have ? buf : "(none)", verdicts[_i].tags);
	have = header(&x.s, RW_HEADER_DRYRUN, buf, sizeof(buf));
	if (verdicts[_i].note == NULL)
		ck_assert_msg(!have, "%s: dryrun note \"%s\", want none",
		    verdicts[_i].label, buf);
	else
		ck_assert_msg(have && strstr(buf, verdicts[_i].note) != NULL,
		    "%s: dryrun note \"%s\", want \"%s\"", verdicts[_i].label,
		    have ? buf : "(none)", verdicts[_i].note);
	q = rw_session_quarantine(&x.s, buf, sizeof(buf));
	ck_assert_msg(q == verdicts[_i].quarantine, "%s: quarantine %d, want %d",
	    verdicts[_i].label, q, verdicts[_i].quarantine);
	if (q)
		ck_assert_msg(strstr(buf, "rules.test:") != NULL, "%s: quarantine "
		    "reason \"%s\"", verdicts[_i].label, buf);
	run_free(&x);
	rw_config_free(cfg);
}
END_TEST

/* The log line names the rule, its line, where and what matched. */
START_TEST(log_names_rule)
{
	struct rw_config *cfg;
	struct run x;
	char	line[RW_LOGLINE_MAX];

	cfg = config("", "# hex URLs\nok body /nothing/ reject\n"
	    "hexurl url /spam\\.example/ reject \"Obfuscated URL\"\n");
	sample(&x.m);
	eom(&x, cfg, OUT, NULL);
	ck_assert(x.r == RW_ACT_REJECT);
	rw_session_logline(&x.s, RW_STAGE_EOM, &x.v, line, sizeof(line));
	ck_assert_msg(strstr(line, "stage=eom action=reject check=rules ") !=
	    NULL && strstr(line, "reason=\"rule hexurl (rules.test:3) matched "
	    "url: spam.example\"") != NULL && strstr(line, "reply=\"550 5.7.1 "
	    "Obfuscated URL\"") != NULL, "got \"%s\"", line);
	run_free(&x);
	rw_config_free(cfg);
}
END_TEST

/* The matched text is sanitised and cut, and says so. */
START_TEST(matched_text_bounded)
{
	struct rw_config *cfg;
	const struct rw_rule_hit *h;
	struct run x;
	char	long_text[600];

	memset(long_text, 'x', sizeof(long_text));
	memcpy(long_text, "\x01\xc3\xa9\"", 4);
	cfg = config("", "r body /.+/s tag\n");
	rw_message_init(&x.m);
	ck_assert(rw_message_add_text(&x.m, long_text, sizeof(long_text)));
	eom(&x, cfg, OUT, NULL);
	h = hit_named(&x.s, "r");
	ck_assert_ptr_nonnull(h);
	ck_assert_msg(strncmp(h->matched, "\\x01\\xc3\\xa9\\x22xxx", 19) == 0,
	    "got \"%s\"", h->matched);
	ck_assert_uint_eq(strlen(h->matched), sizeof(h->matched) - 1);
	ck_assert_str_eq(h->matched + sizeof(h->matched) - 4, "...");
	run_free(&x);
	rw_config_free(cfg);
}
END_TEST

/* Each rule is evaluated once: one hit per rule, in file order. */
START_TEST(hits_once_in_order)
{
	struct rw_config *cfg;
	const struct rw_rule_hit *h;
	struct run x;
	size_t	n;

	cfg = config("", "z headers /e/ tag\na body /e/ tag\nm headers /^S/ tag\n");
	sample(&x.m);
	eom(&x, cfg, OUT, NULL);
	h = rw_session_rule_hits(&x.s, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(h[0].rule, "z");
	ck_assert_str_eq(h[0].where, "header From");	/* the first header */
	ck_assert_str_eq(h[1].rule, "a");
	ck_assert_str_eq(h[2].rule, "m");
	ck_assert_str_eq(h[2].where, "header Subject");
	/* deciding again does not evaluate again */
	(void)rw_session_decide(&x.s, RW_STAGE_EOM, &x.v);
	(void)rw_session_rule_hits(&x.s, &n);
	ck_assert_uint_eq(n, 3);
	/* a new transaction forgets them */
	rw_session_reset(&x.s);
	ck_assert_ptr_null(rw_session_rule_hits(&x.s, &n));
	ck_assert_uint_eq(n, 0);
	run_free(&x);
	rw_config_free(cfg);
}
END_TEST

/* Hits are bounded; more are counted, not kept. */
START_TEST(hits_bounded)
{
	struct rw_config *cfg;
	struct run x;
	char	*rules, *p;
	size_t	i, n;

	rules = malloc(100 * 32);
	ck_assert(rules != NULL);
	for (p = rules, i = 0; i < 100; i++)
		p += sprintf(p, "t%zu body /verify/ tag\n", i);
	cfg = config("", rules);
	sample(&x.m);
	eom(&x, cfg, OUT, NULL);
	(void)rw_session_rule_hits(&x.s, &n);
	ck_assert_uint_eq(n, RW_RULE_HITS_MAX);
	ck_assert_ptr_nonnull(x.s.f.rules);
	ck_assert_uint_eq(x.s.f.rules->hits_dropped, 100 - RW_RULE_HITS_MAX);
	run_free(&x);
	rw_config_free(cfg);
	free(rules);
}
END_TEST

/*
 * A catastrophic pattern on a long subject: the match limit stops it,
 * the rule counts as no match and is reported as an error; the next
 * rule still runs. (The outcome is asserted, not the time.)
 */
START_TEST(match_limit)
{
	struct rw_config *cfg;
	const struct rw_rule_error *e;
	struct run x;
	char	*body;
	size_t	n, len = 30000;

	cfg = config("", "bad body /(a+)+$/ reject\nbad2 body /(\\w+\\s?)*$/ "
	    "reject\nok body /b$/ tag\n");
	body = malloc(len + 2);
	ck_assert(body != NULL);
	memset(body, 'a', len);
	body[len] = '!';
	body[len + 1] = '\0';
	rw_message_init(&x.m);
	ck_assert(rw_message_add_text(&x.m, body, len + 1));
	body[len] = 'b';	/* "ok" matches this second text */
	ck_assert(rw_message_add_text(&x.m, body + len - 3, 4));
	eom(&x, cfg, OUT, NULL);
	ck_assert_msg(x.r == RW_ACT_CONTINUE && x.v.action == RW_ACT_TAG,
	    "got %s/%s, want continue/tag", rw_action_name(x.r),
	    rw_action_name(x.v.action));
	ck_assert_ptr_null(hit_named(&x.s, "bad"));
	ck_assert_ptr_nonnull(hit_named(&x.s, "ok"));
	e = rw_session_rule_errors(&x.s, &n);
	ck_assert_msg(n >= 1 && strcmp(e[0].rule, "bad") == 0 && e[0].line == 1 &&
	    strcmp(e[0].where, "body") == 0 && strstr(e[0].why, "limit") != NULL,
	    "got %zu errors, first \"%s\" \"%s\"", n, n ? e[0].rule : "",
	    n ? e[0].why : "");
	run_free(&x);
	rw_config_free(cfg);
	free(body);
}
END_TEST

/* Invalid UTF-8 in the message: no failure, the valid parts match. */
START_TEST(invalid_utf8)
{
	static const char text[] = "caf\xc3\xa9 \xff\xfe bad \xc3 then free money";
	struct rw_config *cfg;
	struct run x;
	size_t	n;

	cfg = config("", "u body /caf\xc3\xa9/ tag\nm body /free\\s+money/ tag\n"
	    "w body /\\w+$/ tag\n");
	rw_message_init(&x.m);
	ck_assert(rw_message_add_text(&x.m, text, sizeof(text) - 1));
	eom(&x, cfg, OUT, NULL);
	ck_assert_ptr_nonnull(hit_named(&x.s, "u"));
	ck_assert_ptr_nonnull(hit_named(&x.s, "m"));
	ck_assert_str_eq(hit_named(&x.s, "w")->matched, "money");
	(void)rw_session_rule_errors(&x.s, &n);
	ck_assert_uint_eq(n, 0);
	run_free(&x);
	rw_config_free(cfg);
}
END_TEST

/* The reader ran out of memory: an internal tempfail, never a 5xx. */
START_TEST(message_nomem)
{
	struct rw_config *cfg;
	struct run x;

	cfg = config("", "r body /verify/ reject\n");
	sample(&x.m);
	x.m.nomem = true;
	eom(&x, cfg, OUT, NULL);
	ck_assert_msg(x.r == RW_ACT_TEMPFAIL && x.v.rcode[0] == '4' &&
	    strcmp(x.v.check, "internal") == 0, "got %s %s check %s",
	    rw_action_name(x.r), x.v.rcode, x.v.check);
	ck_assert(rw_session_nomem(&x.s));
	run_free(&x);
	rw_config_free(cfg);
}
END_TEST

/* No message recorded (the MTA sent none): no hits, no verdict. */
START_TEST(no_message)
{
	struct rw_config *cfg;
	struct rw_session s;
	struct rw_verdict v;
	size_t	n;

	cfg = config("", "r body /^/ reject\nh mime /^/ reject\n");
	rw_session_init(&s, cfg);
	(void)step_connect(&s, OUT, "unknown", &v);
	(void)step_mail(&s, "a@example.org", NULL, &v);
	ck_assert(rw_session_decide(&s, RW_STAGE_EOM, &v) == RW_ACT_CONTINUE);
	ck_assert(v.action == RW_ACT_CONTINUE);
	(void)rw_session_rule_hits(&s, &n);
	ck_assert_uint_eq(n, 0);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* What the MTA must be asked for. */
START_TEST(content_needs)
{
	struct rw_config *cfg;
	unsigned int need;

	cfg = rw_config_defaults();
	ck_assert_uint_eq(rw_content_needs(cfg), 0);
	cfg->url_obfuscation = RW_CHK_TAG;
	need = rw_content_needs(cfg);
	ck_assert_uint_eq(need, RW_NEED_HEADERS | RW_NEED_BODY);
	rw_config_free(cfg);

	cfg = config("", "# only comments\n");
	ck_assert_uint_eq(rw_content_needs(cfg), 0);
	rw_config_free(cfg);
	cfg = config("", "a header:Subject /x/ reject\nb headers /y/ tag\n");
	ck_assert_uint_eq(rw_content_needs(cfg), RW_NEED_HEADERS);
	rw_config_free(cfg);
	cfg = config("", "a header:Subject /x/ reject\nb url-host /y/ tag\n");
	ck_assert_uint_eq(rw_content_needs(cfg), RW_NEED_HEADERS | RW_NEED_BODY);
	rw_config_free(cfg);
	cfg = config("", "m mime /truncated/ tag\n");
	ck_assert_uint_eq(rw_content_needs(cfg), RW_NEED_HEADERS | RW_NEED_BODY);
	rw_config_free(cfg);
}
END_TEST

/* Tags of a rule for insiders are written for insiders' mail too. */
START_TEST(insider_tag_written)
{
	struct rw_config *cfg;
	struct run x;
	char	buf[RW_HEADER_MAX];

	cfg = config("", "r body /verify/ tag for=all\n");
	sample(&x.m);
	eom(&x, cfg, INSIDE, NULL);
	ck_assert(header(&x.s, RW_HEADER_TAG, buf, sizeof(buf)));
	ck_assert_str_eq(buf, "rule=r");
	run_free(&x);
	rw_config_free(cfg);
}
END_TEST

/*
 * Sessions in threads share one configuration's compiled rules (as
 * libmilter's threads do): each gets its own hits, and the same ones.
 * Under ThreadSanitizer this shows that matching writes nothing shared.
 */
#define NTHREADS	4
#define NROUNDS		50

static void *
thread_run(void *arg)
{
	const struct rw_config *cfg = arg;
	struct run x;
	size_t	i, n, wrong = 0;

	for (i = 0; i < NROUNDS; i++) {
		sample(&x.m);
		eom(&x, cfg, OUT, NULL);
		(void)rw_session_rule_hits(&x.s, &n);
		if (x.r != RW_ACT_REJECT || n != 3 ||
		    hit_named(&x.s, "hex") == NULL)
			wrong++;
		run_free(&x);
	}
	return (void *)wrong;
}

START_TEST(threads_share_rules)
{
	struct rw_config *cfg;
	pthread_t t[NTHREADS];
	void	*wrong;
	size_t	i;

	cfg = config("", "t body /\\bverify\\b/i tag\nhex url-trick /percent/ "
	    "reject\nq headers /^subject: .*locked$/i quarantine\n");
	for (i = 0; i < NTHREADS; i++)
		ck_assert(pthread_create(&t[i], NULL, thread_run, cfg) == 0);
	for (i = 0; i < NTHREADS; i++) {
		ck_assert(pthread_join(t[i], &wrong) == 0);
		ck_assert_msg(wrong == NULL, "thread %zu: %zu of %d evaluations "
		    "wrong", i, (size_t)wrong, NROUNDS);
	}
	rw_config_free(cfg);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("rules");
	TCase	*tc = tcase_create("rules");

	tcase_add_loop_test(tc, parse_good, 0, sizeof(good) / sizeof(good[0]));
	tcase_add_loop_test(tc, parse_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, parse_every_error);
	tcase_add_test(tc, parse_limit);
	tcase_add_test(tc, config_errors);
	tcase_add_test(tc, reload_keeps_old);
	tcase_add_loop_test(tc, match_places, 0,
	    sizeof(places) / sizeof(places[0]));
	tcase_add_loop_test(tc, match_whom, 0, sizeof(whom) / sizeof(whom[0]));
	tcase_add_loop_test(tc, verdict_table, 0,
	    sizeof(verdicts) / sizeof(verdicts[0]));
	tcase_add_test(tc, log_names_rule);
	tcase_add_test(tc, hits_once_in_order);
	tcase_add_test(tc, matched_text_bounded);
	tcase_add_test(tc, hits_bounded);
	tcase_add_test(tc, match_limit);
	tcase_add_test(tc, invalid_utf8);
	tcase_add_test(tc, message_nomem);
	tcase_add_test(tc, no_message);
	tcase_add_test(tc, content_needs);
	tcase_add_test(tc, insider_tag_written);
	tcase_add_test(tc, threads_share_rules);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
