/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	check_state - unit tests of the stateful checks' pure core
 * DESCRIPTION
 *	The rate arithmetic (rw_gcra) and the greylist state machine
 *	(rw_grey_decide) on the shared case table (state_cases.h), with an
 *	injected clock: window edges, bursts, expiry, peeks, the
 *	auto-allowlist. Then the keys (IPv4 and IPv6 prefixes, escaping,
 *	hashing instead of cutting), the rate_limit syntax and its errors
 *	(file:line), which entry applies to which client, and the verdicts
 *	through the session: 451 4.7.1 texts, tag, dryrun, state_failure.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw_policy.h"
#include "state_cases.h"
#include "steps.h"
#include "testconf.h"

#define NCASES(a)	((int)(sizeof(a) / sizeof((a)[0])))

/* ------------------------------------------------------------ arithmetic */

START_TEST(gcra_cases)
{
	const struct rate_case *c = &rate_cases[_i];
	const struct rate_step *st;
	uint64_t tat = 0, retry, expire;
	unsigned int k, rep;
	bool	ok;
	size_t	i;

	for (i = 0; c->steps[i].at != (uint64_t)-1; i++) {
		st = &c->steps[i];
		rep = st->repeat ? st->repeat : 1;
		for (k = 0; k < rep; k++) {
			ok = rw_gcra(&tat, T0 + st->at, &c->spec, st->n, &retry,
			    &expire);
			ck_assert_msg(ok == st->allowed, "%s: step %zu.%u: got %s, "
			    "want %s", c->label, i, k, ok ? "allowed" : "refused",
			    st->allowed ? "allowed" : "refused");
			if (!ok)
				ck_assert_msg(retry == st->retry_ms, "%s: step %zu: "
				    "retry got %llu, want %llu", c->label, i,
				    (unsigned long long)retry,
				    (unsigned long long)st->retry_ms);
			/* state is worth keeping exactly until it is idle */
			ck_assert_msg(expire >= T0 + st->at && (tat <= T0 + st->at ||
			    expire == tat), "%s: step %zu: expire %llu, tat %llu",
			    c->label, i, (unsigned long long)expire,
			    (unsigned long long)tat);
		}
	}
}
END_TEST

START_TEST(grey_cases_run)
{
	const struct grey_case *c = &grey_cases[_i];
	struct rw_grey_entry trip[26], net[26];
	bool	texist[26] = { false }, nexist[26] = { false };
	uint64_t texp[26] = { 0 }, nexp[26] = { 0 };
	const struct grey_step *st;
	struct rw_grey_io io;
	uint64_t now;
	size_t	i;
	int	t, n;

	for (i = 0; c->steps[i].at != (uint64_t)-1; i++) {
		st = &c->steps[i];
		now = T0 + st->at;
		t = st->triplet - 'a';
		n = st->net - 'a';
		memset(&io, 0, sizeof(io));
		/* a store drops what has expired: read it as absent */
		io.triplet_exists = texist[t] && now < texp[t];
		io.net_exists = nexist[n] && now < nexp[n];
		if (io.triplet_exists)
			io.triplet = trip[t];
		if (io.net_exists)
			io.net = net[n];
		rw_grey_decide(&io, now, &c->spec);
		ck_assert_msg(io.state == st->state && io.wait_s == st->wait_s &&
		    io.net_allowlisted == st->allowlisted,
		    "%s: step %zu (%c@%c): got %s wait %u listed %d, want %s "
		    "wait %u listed %d", c->label, i, st->triplet, st->net,
		    rw_grey_state_name(io.state), io.wait_s, io.net_allowlisted,
		    rw_grey_state_name(st->state), st->wait_s, st->allowlisted);
		if (io.triplet_write) {
			trip[t] = io.triplet;
			texist[t] = true;
			texp[t] = io.triplet_expire_ms;
			ck_assert_msg(texp[t] > now, "%s: step %zu: triplet "
			    "expires at once", c->label, i);
		}
		if (io.net_write) {
			net[n] = io.net;
			nexist[n] = true;
			nexp[n] = io.net_expire_ms;
		}
	}
}
END_TEST

/* an expired entry passed in as existing is still treated as new */
START_TEST(grey_expired_entry)
{
	struct rw_grey_spec g = GSPEC;
	struct rw_grey_entry e = { T0, 0, 0 };
	unsigned int wait;
	uint64_t exp;

	ck_assert(rw_grey_step(&e, true, T0 + 14400 * SEC, &g, &wait, &exp) ==
	    RW_GREY_NEW);
	ck_assert_msg(e.first_ms == T0 + 14400 * SEC && wait == 300 &&
	    exp == T0 + 2 * 14400 * SEC, "restarted entry: first %llu wait %u",
	    (unsigned long long)e.first_ms, wait);
	ck_assert(!rw_grey_net_allowed(&e, true, T0, &g));
}
END_TEST

/* ------------------------------------------------------------ keys */

struct net_case {
	const char	*label, *addr;
	unsigned int	 v4, v6;
	const char	*want;
};

static const struct net_case net_cases[] = {
	{ "IPv4 /32", "192.0.2.77", 32, 64, "192.0.2.77/32" },
	{ "IPv4 /24", "192.0.2.77", 24, 64, "192.0.2.0/24" },
	{ "IPv4 /20", "198.51.100.200", 20, 64, "198.51.96.0/20" },
	{ "IPv6 /64", "2001:db8:1:2:3:4:5:6", 32, 64, "2001:db8:1:2::/64" },
	{ "IPv6 /48", "2001:db8:1:2:3:4:5:6", 32, 48, "2001:db8:1::/48" },
	{ "IPv6 /56 mid-byte", "2001:db8:1:2ff:3:4:5:6", 32, 57,
	    "2001:db8:1:280::/57" },
	{ "IPv6 /128", "2001:db8::1", 32, 128, "2001:db8::1/128" },
	{ "v4-mapped is IPv4", "::ffff:192.0.2.9", 24, 64, "192.0.2.0/24" },
};

START_TEST(key_net)
{
	const struct net_case *c = &net_cases[_i];
	struct rw_ip ip;
	char	out[RW_STATE_KEY_MAX + 1];

	ck_assert(rw_ip_parse(c->addr, &ip));
	rw_state_key_net(&ip, c->v4, c->v6, out, sizeof(out));
	ck_assert_msg(strcmp(out, c->want) == 0, "%s: got %s, want %s", c->label,
	    out, c->want);
}
END_TEST

static struct rw_config *
conf(const char *text)
{
	return test_config("state", "state.conf", text);
}

#define GBASE	"local_domains = ours.test\nspf_check = no\nspf_check_helo = no\n" \
		"rdns_check = off\ntrusted_networks = 127.0.0.0/8\n" \
		"max_recipients = 0\n"

START_TEST(key_grey)
{
	struct rw_config *cfg = conf(GBASE "greylist = tempfail\n");
	struct rw_session s;
	struct rw_verdict v;
	char	t[RW_STATE_KEY_MAX + 1], n[RW_STATE_KEY_MAX + 1], big[400];

	rw_session_init(&s, cfg);
	(void)step_connect(&s, "198.51.100.7", "x", &v);
	rw_session_record_mail(&s, "<Sender@Example.ORG>", NULL);
	rw_session_record_rcpt(&s, "<Rcpt@Ours.Test>");
	rw_state_grey_keys(cfg, &s.f, t, n, sizeof(t));
	ck_assert_msg(strcmp(t, "grey:198.51.100.0/24:sender@example.org:"
	    "rcpt@ours.test") == 0, "triplet: got %s", t);
	ck_assert_msg(strcmp(n, "greynet:198.51.100.0/24") == 0, "net: got %s", n);
	/* null sender, IPv6 client */
	(void)step_connect(&s, "2001:db8:5:6:7::1", "x", &v);
	rw_session_record_mail(&s, "<>", NULL);
	rw_session_record_rcpt(&s, "<u@ours.test>");
	rw_state_grey_keys(cfg, &s.f, t, n, sizeof(t));
	ck_assert_msg(strcmp(t, "grey:2001:db8:5:6::/64:<>:u@ours.test") == 0,
	    "null sender: got %s", t);
	/* spaces and control characters are escaped */
	rw_session_record_mail(&s, "<\"a b\"@x.test>", NULL);
	rw_state_grey_keys(cfg, &s.f, t, n, sizeof(t));
	ck_assert_msg(strstr(t, ":\"a%20b\"@x.test:") != NULL && !strchr(t, ' '),
	    "escaped: got %s", t);
	/* too long: hashed, never cut, and two long senders stay apart */
	memset(big, 'x', sizeof(big));
	memcpy(big + sizeof(big) - 8, "@a.test", 8);
	rw_session_record_mail(&s, big, NULL);
	rw_state_grey_keys(cfg, &s.f, t, n, sizeof(t));
	ck_assert_msg(strlen(t) <= RW_STATE_KEY_MAX && strchr(t, '#') != NULL,
	    "long: got %s", t);
	{
		char	t2[RW_STATE_KEY_MAX + 1];

		big[0] = 'y';
		rw_session_record_mail(&s, big, NULL);
		rw_state_grey_keys(cfg, &s.f, t2, n, sizeof(t2));
		ck_assert_msg(strcmp(t, t2) != 0, "long senders share a key: %s", t);
		/* the hash, like the key, ignores case */
		big[0] = 'Y';
		rw_session_record_mail(&s, big, NULL);
		rw_state_grey_keys(cfg, &s.f, t, n, sizeof(t));
		ck_assert_msg(strcmp(t, t2) == 0, "case changes the hash: %s, %s", t,
		    t2);
	}
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* ------------------------------------------------------------ configuration */

struct conf_case {
	const char	*label;
	const char	*text;
	const char	*error;		/* NULL: valid */
};

static const struct conf_case conf_cases[] = {
	{ "defaults", "", NULL },
	{ "one limit", "rate_limit = connections 30/60s burst 10 by ip\n", NULL },
	{ "several, overrides", "rate_limit = messages 100/1h by user for "
	    "authenticated, messages unlimited/1h by user for user bulk, "
	    "recipients 500/1d by ip for 192.0.2.0/24, concurrency 10, "
	    "refused 10/10m\n", NULL },
	{ "unknown counter", "\n\nrate_limit = conections 30/60s\n",
	    "state.conf:3: rate_limit: counter must be connections" },
	{ "no window", "rate_limit = messages 30\n",
	    "state.conf:1: rate_limit: messages needs a window" },
	{ "bad window", "rate_limit = messages 30/60x\n",
	    "window must be a duration" },
	{ "zero window", "rate_limit = messages 30/0s\n",
	    "window must be a duration" },
	{ "zero limit", "rate_limit = messages 0/60s\n", "limit must be from 1" },
	{ "concurrency has no window", "rate_limit = concurrency 5/60s\n",
	    "no window" },
	{ "connections by user", "rate_limit = connections 5/60s by user\n",
	    "counted at connect" },
	{ "connections for authenticated",
	    "rate_limit = connections 5/60s for authenticated\n",
	    "counted at connect" },
	{ "unlimited for a class", "rate_limit = messages unlimited/60s\n",
	    "\"unlimited\" is for overrides" },
	{ "bad network", "rate_limit = messages 5/60s for 192.0.2.0/33\n",
	    "for 192.0.2.0/33" },
	{ "bad by", "rate_limit = messages 5/60s by helo\n", "by must be ip" },
	{ "dangling word", "rate_limit = messages 5/60s burst\n", "wants a value" },
	{ "greylist delay 5m", "greylist_delay = 5m\n", NULL },
	{ "greylist delay bad", "greylist_delay = 5 minutes\n",
	    "greylist_delay must be a duration" },
	{ "greylist_network rdns", "greylist_network = rdns /24 /64\n", NULL },
	{ "greylist_network one prefix", "greylist_network = /24\n",
	    "an IPv4 and an IPv6 prefix are needed" },
	{ "greylist_network v4 too long", "greylist_network = /33 /64\n",
	    "IPv4 prefix /33" },
	{ "greylist_allow", "greylist_allow = 192.0.2.0/24, .google.com, "
	    "mx.example.net, 2001:db8::/32\n", NULL },
	{ "greylist_allow bad", "greylist_allow = 192.0.2.0/40\n", "bad network" },
	{ "state_failure", "state_failure = reject\n",
	    "state_failure must be accept or tempfail" },
	{ "greylist reject is no word", "greylist = reject\n",
	    "greylist must be off, tag or tempfail" },
};

START_TEST(conf_parse)
{
	const struct conf_case *c = &conf_cases[_i];
	struct rw_config *cfg;
	char	err[RW_ERR_MAX] = "";

	cfg = rw_config_parse(c->text, "state.conf", NULL, NULL, err, sizeof(err));
	if (c->error == NULL) {
		ck_assert_msg(cfg != NULL, "%s: refused: %s", c->label, err);
		rw_config_free(cfg);
		return;
	}
	ck_assert_msg(cfg == NULL, "%s: accepted, want \"%s\"", c->label,
	    c->error);
	ck_assert_msg(strstr(err, c->error) != NULL, "%s: got \"%s\", want \"%s\"",
	    c->label, err, c->error);
}
END_TEST

START_TEST(conf_defaults)
{
	struct rw_config *cfg = conf("");

	ck_assert(cfg->greylist == RW_CHK_OFF && cfg->nrate_limit == 0);
	ck_assert(cfg->greylist_delay == 300 && cfg->greylist_retry_window ==
	    4 * 3600 && cfg->greylist_pass_ttl == 36 * 86400);
	ck_assert(cfg->greylist_network.v4 == 24 && cfg->greylist_network.v6 == 64
	    && !cfg->greylist_network.rdns);
	ck_assert(cfg->state_failure == RW_SFAIL_ACCEPT);
	ck_assert(cfg->rate_ipv4_prefix == 32 && cfg->rate_ipv6_prefix == 64);
	ck_assert(!rw_state_used(cfg));
	rw_config_free(cfg);
}
END_TEST

/* ------------------------------------------------------------ plans */

struct plan_case {
	const char	*label;
	const char	*limits;	/* rate_limit = */
	const char	*client, *auth;
	enum rw_stage	 stage;
	const char	*want;		/* "key/limit;key/limit", "" none */
};

#define LIMITS	"messages 100/1h, messages 1000/1h for trusted, " \
		"messages 500/1h by user for authenticated, " \
		"messages unlimited/1h by user for user bulk, " \
		"messages 7/1h for 192.0.2.0/24, messages 3/1h for 192.0.2.128/25, " \
		"messages 50000/1h by global for all"

static const struct plan_case plan_cases[] = {
	{ "outsider", LIMITS, "203.0.113.5", NULL, RW_STAGE_MAIL,
	    "rate:msg:ip:203.0.113.5/32/100;rate:msg:global/50000" },
	{ "trusted", LIMITS, "127.0.0.1", NULL, RW_STAGE_MAIL,
	    "rate:msg:ip:127.0.0.1/32/1000;rate:msg:global/50000" },
	{ "authenticated: by user, and by ip as an authenticated class has none",
	    LIMITS, "203.0.113.5", "alice", RW_STAGE_MAIL,
	    "rate:msg:auth:alice/500;rate:msg:global/50000" },
	{ "user override unlimited", LIMITS, "203.0.113.5", "bulk", RW_STAGE_MAIL,
	    "rate:msg:global/50000" },
	{ "network override", LIMITS, "192.0.2.5", NULL, RW_STAGE_MAIL,
	    "rate:msg:ip:192.0.2.5/32/7;rate:msg:global/50000" },
	{ "longest network wins", LIMITS, "192.0.2.200", NULL, RW_STAGE_MAIL,
	    "rate:msg:ip:192.0.2.200/32/3;rate:msg:global/50000" },
	{ "IPv6 /64", LIMITS, "2001:db8::1:2", NULL, RW_STAGE_MAIL,
	    "rate:msg:ip:2001:db8::/64/100;rate:msg:global/50000" },
	{ "no message limit at connect", LIMITS, "203.0.113.5", NULL,
	    RW_STAGE_CONNECT, "" },
	{ "connect: connections and concurrency",
	    "connections 30/60s, concurrency 5", "203.0.113.5", NULL,
	    RW_STAGE_CONNECT,
	    "rate:conn:ip:203.0.113.5/32/30;conc:ip:203.0.113.5/32/5" },
	{ "rcpt: refused peek and recipients",
	    "recipients 200/1h by sender_domain, refused 10/10m",
	    "203.0.113.5", NULL, RW_STAGE_RCPT,
	    "rate:refused:ip:203.0.113.5/32/10;rate:rcpt:fromdom:example.org/200" },
};

START_TEST(plan_select)
{
	const struct plan_case *c = &plan_cases[_i];
	struct rw_config *cfg;
	struct rw_session s;
	struct rw_verdict v;
	struct rw_state_plan p;
	char	text[1024], got[1024];
	size_t	i, o = 0;

	snprintf(text, sizeof(text), GBASE "rate_limit = %s\n", c->limits);
	cfg = conf(text);
	rw_session_init(&s, cfg);
	rw_session_record_connect(&s, c->client, "x", NULL);
	if (c->stage != RW_STAGE_CONNECT)
		rw_session_record_mail(&s, "<s@Example.org>", c->auth);
	if (c->stage == RW_STAGE_RCPT)
		rw_session_record_rcpt(&s, "<u@ours.test>");
	rw_state_plan(cfg, &s.f, c->stage, &p);
	got[0] = '\0';
	for (i = 0; i < p.n; i++)
		o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%s/%u",
		    i ? ";" : "", p.op[i].key, p.op[i].spec.limit);
	ck_assert_msg(strcmp(got, c->want) == 0, "%s: got \"%s\", want \"%s\"",
	    c->label, got, c->want);
	if (c->stage == RW_STAGE_RCPT)
		ck_assert_msg(p.op[0].n == 0 && p.op[1].n == 1, "%s: refused is "
		    "a peek, recipients a count", c->label);
	(void)v;
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* ------------------------------------------------------------ verdicts */

/* over - what the gatherer records when the store says "over" */
static void
over(struct rw_session *s, enum rw_stage stage)
{
	struct rw_state_plan p;

	rw_state_begin(&s->f);
	rw_state_plan(s->cfg, &s->f, stage, &p);
	ck_assert(p.n > 0);
	rw_state_record_rate(&s->f, &p.op[0], false, 41500, 0);
}

START_TEST(verdict_rate)
{
	struct rw_config *cfg = conf(GBASE "rate_limit = messages 30/60s burst 5\n");
	struct rw_session s;
	struct rw_verdict v;
	char	line[RW_LOGLINE_MAX];

	rw_session_init(&s, cfg);
	rw_session_record_connect(&s, "203.0.113.5", "x", NULL);
	rw_session_record_mail(&s, "<a@b.test>", NULL);
	over(&s, RW_STAGE_MAIL);
	ck_assert(rw_session_decide(&s, RW_STAGE_MAIL, &v) == RW_ACT_TEMPFAIL);
	ck_assert_msg(strcmp(v.rcode, "451") == 0 && strcmp(v.xcode, "4.7.1") == 0,
	    "got %s %s", v.rcode, v.xcode);
	ck_assert_msg(strcmp(v.text, "rate limit exceeded for "
	    "rate:msg:ip:203.0.113.5/32, try again later") == 0, "text: %s",
	    v.text);
	rw_session_logline(&s, RW_STAGE_MAIL, &v, line, sizeof(line));
	ck_assert_msg(strstr(line, "check=rate_limit") && strstr(line,
	    "counter=messages limit=30 window=60s burst=5 retry=42s") &&
	    strstr(line, "key=rate:msg:ip:203.0.113.5/32"), "log: %s", line);
	rw_session_release(&s);
	rw_config_free(cfg);

	/* tag: the mail goes on, marked */
	cfg = conf(GBASE "rate_limit = messages 30/60s\nrate_limit_action = tag\n");
	rw_session_init(&s, cfg);
	rw_session_record_connect(&s, "203.0.113.5", "x", NULL);
	rw_session_record_mail(&s, "<a@b.test>", NULL);
	over(&s, RW_STAGE_MAIL);
	ck_assert(rw_session_decide(&s, RW_STAGE_MAIL, &v) == RW_ACT_CONTINUE);
	ck_assert(v.action == RW_ACT_TAG && strcmp(v.tag, "rate=messages") == 0);
	rw_session_release(&s);
	rw_config_free(cfg);

	/* dryrun: not enforced, noted */
	cfg = conf(GBASE "rate_limit = messages 30/60s\nmode = dryrun\n");
	rw_session_init(&s, cfg);
	rw_session_record_connect(&s, "203.0.113.5", "x", NULL);
	rw_session_record_mail(&s, "<a@b.test>", NULL);
	over(&s, RW_STAGE_MAIL);
	ck_assert(rw_session_decide(&s, RW_STAGE_MAIL, &v) == RW_ACT_CONTINUE);
	ck_assert(v.dryrun && v.action == RW_ACT_TEMPFAIL &&
	    strcmp(v.check, "rate_limit") == 0);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

START_TEST(verdict_failure)
{
	struct rw_config *cfg = conf(GBASE "rate_limit = messages 30/60s\n");
	struct rw_session s;
	struct rw_verdict v;

	rw_session_init(&s, cfg);
	rw_session_record_connect(&s, "203.0.113.5", "x", NULL);
	rw_session_record_mail(&s, "<a@b.test>", NULL);
	rw_state_begin(&s.f);
	rw_state_record_failure(&s.f, "lmdb: MDB_MAP_FULL");
	ck_assert_msg(rw_session_decide(&s, RW_STAGE_MAIL, &v) == RW_ACT_CONTINUE,
	    "state_failure = accept must let the mail through");
	rw_session_release(&s);
	rw_config_free(cfg);

	cfg = conf(GBASE "rate_limit = messages 30/60s\nstate_failure = tempfail\n");
	rw_session_init(&s, cfg);
	rw_session_record_connect(&s, "203.0.113.5", "x", NULL);
	rw_session_record_mail(&s, "<a@b.test>", NULL);
	rw_state_begin(&s.f);
	rw_state_record_failure(&s.f, "lmdb: MDB_MAP_FULL");
	ck_assert(rw_session_decide(&s, RW_STAGE_MAIL, &v) == RW_ACT_TEMPFAIL);
	ck_assert_msg(v.rcode[0] == '4' && strcmp(v.check, "state") == 0 &&
	    strstr(v.reason, "MDB_MAP_FULL") != NULL, "got %s %s (%s)", v.rcode,
	    v.check, v.reason);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/*
 * The store not asked (a failure recorded before any rw_state_begin, as
 * a store that fails on the first call of a session): the facts are made
 * on first use and the failure still decides; and a session never asked
 * has no state facts, which the checks read as "not asked" (continue).
 */
START_TEST(facts_on_first_use)
{
	struct rw_config *cfg = conf(GBASE "rate_limit = messages 30/60s\n"
	    "state_failure = tempfail\n");
	struct rw_session s;
	struct rw_verdict v;

	rw_session_init(&s, cfg);
	rw_session_record_connect(&s, "203.0.113.5", "x", NULL);
	rw_session_record_mail(&s, "<a@b.test>", NULL);
	ck_assert_msg(rw_session_decide(&s, RW_STAGE_MAIL, &v) == RW_ACT_CONTINUE,
	    "no state asked: got %s (%s)", v.rcode, v.reason);
	rw_state_record_failure(&s.f, "redis: connection refused");
	ck_assert(rw_session_decide(&s, RW_STAGE_MAIL, &v) == RW_ACT_TEMPFAIL);
	ck_assert_msg(strstr(v.reason, "connection refused") != NULL, "%s",
	    v.reason);
	ck_assert(rw_state_begin(&s.f));	/* the next stage: forgotten */
	ck_assert(rw_session_decide(&s, RW_STAGE_MAIL, &v) == RW_ACT_CONTINUE);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

struct skip_case {
	const char	*label;
	const char	*extra;
	const char	*client, *auth, *rcpt;
	bool		 greylisted;
};

static const struct skip_case skip_cases[] = {
	{ "outsider", "", "203.0.113.5", NULL, "u@ours.test", true },
	{ "trusted", "", "127.0.0.1", NULL, "u@ours.test", false },
	{ "trusted, skip off", "greylist_skip_trusted = no\n", "127.0.0.1", NULL,
	    "u@ours.test", true },
	{ "authenticated", "", "203.0.113.5", "alice", "u@ours.test", false },
	{ "authenticated, skip off", "greylist_skip_authenticated = no\n",
	    "203.0.113.5", "alice", "u@ours.test", true },
	{ "exempt recipient", "", "203.0.113.5", NULL, "postmaster@ours.test",
	    false },
	{ "allowlisted network", "greylist_allow = 203.0.113.0/24\n",
	    "203.0.113.5", NULL, "u@ours.test", false },
	{ "allowlisted name, PTR not verified",
	    "greylist_allow = .example.net\n", "203.0.113.5", NULL, "u@ours.test",
	    true },
	{ "IPv6 allowlisted network", "greylist_allow = 2001:db8::/32\n",
	    "2001:db8::5", NULL, "u@ours.test", false },
};

START_TEST(grey_skips)
{
	const struct skip_case *c = &skip_cases[_i];
	struct rw_config *cfg;
	struct rw_session s;
	struct rw_state_plan p;
	char	text[1024];

	snprintf(text, sizeof(text), GBASE "greylist = tempfail\n%s", c->extra);
	cfg = conf(text);
	rw_session_init(&s, cfg);
	rw_session_record_connect(&s, c->client, "x", NULL);
	rw_session_record_mail(&s, "<s@example.org>", c->auth);
	rw_session_record_rcpt(&s, c->rcpt);
	rw_state_plan(cfg, &s.f, RW_STAGE_RCPT, &p);
	ck_assert_msg((p.n == 1 && p.op[0].kind == RW_SOP_GREY) == c->greylisted,
	    "%s: got %zu ops, want greylisted %d", c->label, p.n, c->greylisted);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* verified PTR name: allowlist by name; greylist_network = rdns */
START_TEST(grey_rdns)
{
	struct rw_config *cfg = conf(GBASE "greylist = tempfail\n"
	    "greylist_network = rdns /24 /64\ngreylist_allow = .bigmail.example\n");
	struct rw_session s;
	struct rw_state_plan p;

	rw_session_init(&s, cfg);
	rw_session_record_connect(&s, "203.0.113.5", "x", NULL);
	rw_session_record_mail(&s, "<s@example.org>", NULL);
	rw_session_record_rcpt(&s, "<u@ours.test>");
	s.f.rdns = RW_RDNS_PASS;
	ck_assert(rw_fact_set(&s.f.ptr_name, "out-7.mx.bigmail.example"));
	rw_state_plan(cfg, &s.f, RW_STAGE_RCPT, &p);
	ck_assert_msg(p.n == 0, "allowlisted by verified name: got %zu ops", p.n);
	ck_assert(rw_fact_set(&s.f.ptr_name, "out-7.mx.other.example"));
	rw_state_plan(cfg, &s.f, RW_STAGE_RCPT, &p);
	ck_assert(p.n == 1);
	ck_assert_msg(strcmp(p.op[0].net_key, "greynet:mx.other.example") == 0,
	    "rdns network: got %s", p.op[0].net_key);
	s.f.rdns = RW_RDNS_MISMATCH;	/* not verified: the prefix */
	rw_state_plan(cfg, &s.f, RW_STAGE_RCPT, &p);
	ck_assert_msg(p.n == 1 && strcmp(p.op[0].net_key,
	    "greynet:203.0.113.0/24") == 0, "unverified: got %s", p.op[0].net_key);
	ck_assert(rw_state_wants_rdns(cfg));
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

/* a multi-recipient message: each recipient on its own triplet */
START_TEST(grey_verdicts)
{
	struct rw_config *cfg = conf(GBASE "greylist = tempfail\n");
	struct rw_session s;
	struct rw_verdict v;
	struct rw_state_plan p;

	rw_session_init(&s, cfg);
	rw_session_record_connect(&s, "203.0.113.5", "x", NULL);
	rw_session_record_mail(&s, "<s@example.org>", NULL);
	/* first recipient: new */
	rw_session_record_rcpt(&s, "<new@ours.test>");
	rw_state_begin(&s.f);
	rw_state_plan(cfg, &s.f, RW_STAGE_RCPT, &p);
	rw_state_record_grey(&s.f, &p.op[0], RW_GREY_NEW, 300, false);
	ck_assert(rw_session_decide(&s, RW_STAGE_RCPT, &v) == RW_ACT_TEMPFAIL);
	ck_assert_msg(strcmp(v.rcode, "451") == 0 && strcmp(v.xcode, "4.7.1") == 0
	    && strcmp(v.text, "greylisted, try again in 300 seconds") == 0,
	    "got %s %s %s", v.rcode, v.xcode, v.text);
	/* second: passed before, accepted */
	rw_session_record_rcpt(&s, "<old@ours.test>");
	rw_state_begin(&s.f);
	rw_state_plan(cfg, &s.f, RW_STAGE_RCPT, &p);
	rw_state_record_grey(&s.f, &p.op[0], RW_GREY_KNOWN, 0, false);
	ck_assert(rw_session_decide(&s, RW_STAGE_RCPT, &v) == RW_ACT_CONTINUE);
	/* third: early retry */
	rw_session_record_rcpt(&s, "<new2@ours.test>");
	rw_state_begin(&s.f);
	rw_state_plan(cfg, &s.f, RW_STAGE_RCPT, &p);
	rw_state_record_grey(&s.f, &p.op[0], RW_GREY_EARLY, 17, false);
	ck_assert(rw_session_decide(&s, RW_STAGE_RCPT, &v) == RW_ACT_TEMPFAIL);
	ck_assert_msg(strcmp(v.text, "greylisted, try again in 17 seconds") == 0,
	    "early: %s", v.text);
	ck_assert(s.f.nrcpt_accepted == 1);
	rw_session_release(&s);
	rw_config_free(cfg);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("state");
	TCase	*tc = tcase_create("state");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, gcra_cases, 0, NCASES(rate_cases));
	tcase_add_loop_test(tc, grey_cases_run, 0, NCASES(grey_cases));
	tcase_add_test(tc, grey_expired_entry);
	tcase_add_loop_test(tc, key_net, 0, NCASES(net_cases));
	tcase_add_test(tc, key_grey);
	tcase_add_loop_test(tc, conf_parse, 0, NCASES(conf_cases));
	tcase_add_test(tc, conf_defaults);
	tcase_add_loop_test(tc, plan_select, 0, NCASES(plan_cases));
	tcase_add_test(tc, verdict_rate);
	tcase_add_test(tc, verdict_failure);
	tcase_add_test(tc, facts_on_first_use);
	tcase_add_loop_test(tc, grey_skips, 0, NCASES(skip_cases));
	tcase_add_test(tc, grey_rdns);
	tcase_add_test(tc, grey_verdicts);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
