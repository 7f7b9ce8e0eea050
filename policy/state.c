/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	state - keys and plans for the stateful checks (rates, greylisting)
 * SYNOPSIS
 *	#include "rw_policy.h"
 * DESCRIPTION
 *	The policy core cannot talk to the store; it says what to ask.
 *	rw_state_plan() turns the configuration and the facts of a stage
 *	into store operations (struct rw_state_plan); the glue runs them,
 *	one atomic store call each, and records the answers in the facts
 *	(rw_state_record_*); the checks in limits.c judge them.
 *
 *	Which entry applies: for each counter and key ("connections by
 *	ip"), the entries of that counter and key are candidates; an
 *	override for the authenticated user wins, then the override for
 *	the longest network holding the client, then the entry for the
 *	client's class, then one for "all". The first written wins a tie.
 *	An override with limit 0 ("unlimited") means no limit. The class
 *	is trusted (trusted_networks, client_access OK), else authenticated
 *	(from MAIL on), else outsiders. At connect, authentication is not
 *	known yet: connection and concurrency limits see authenticated
 *	users as what their address makes them.
 *
 *	Keys are built here, so that every backend and relaywarden-query
 *	name a client the same way. A part that does not fit is replaced
 *	by "#" and its 64-bit FNV-1a hash, never cut (two long senders must
 *	not share a key by sharing a prefix). Spaces, control characters,
 *	'%' and non-ASCII bytes are written %XX.
 *
 *	Greylisting's triplet: the client's network (greylist_network: the
 *	/24 or /64, or with "rdns" the verified PTR name's parent domain),
 *	the sender ("<>" for the null sender) and the recipient, both
 *	lowercased. Skipped for clients not known, trusted ones, authenticated
 *	ones, those a DNS allow list (negative weight) lists, exempt
 *	recipients and greylist_allow, as configured.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"

/* ------------------------------------------------------------ keys */

/* fnv1a - 64-bit FNV-1a of a string, lowercased when asked */
static uint64_t
fnv1a(const char *s, bool lower)
{
	uint64_t h = 14695981039346656037ULL;
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (lower && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		h ^= c;
		h *= 1099511628211ULL;
	}
	return h;
}

/*
 * key_part - append a value, lowercased when asked, escaped, or its hash
 * when the escaped form would not fit in room bytes
 */
static void
key_part(char *out, size_t len, const char *v, bool lower)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t	o = strlen(out), start = o;
	const char *p;
	unsigned char c;

	for (p = v; *p != '\0'; p++) {
		c = (unsigned char)*p;
		if (lower && c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c <= ' ' || c >= 0x7f || c == '%') {
			if (o + 3 >= len)
				goto hash;
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			if (o + 1 >= len)
				goto hash;
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return;
hash:
	out[start] = '\0';
	snprintf(out + start, len - start, "#%016" PRIx64, fnv1a(v, lower));
}

/* rw_state_key_net - the client's network in "addr/prefix" form */
void
rw_state_key_net(const struct rw_ip *ip, unsigned int v4, unsigned int v6,
    char *out, size_t len)
{
	struct rw_ip m = *ip;
	unsigned int p = ip->family == AF_INET6 ? v6 : v4;
	unsigned int nbytes = ip->family == AF_INET6 ? 16 : 4, i;
	char	a[RW_IPTEXT_MAX];

	if (p > nbytes * 8)
		p = nbytes * 8;
	for (i = 0; i < nbytes; i++) {
		if (p >= (i + 1) * 8)
			continue;
		m.b[i] &= p <= i * 8 ? 0 : (unsigned char)(0xff << (8 - (p - i * 8)));
	}
	rw_ip_format(&m, a, sizeof(a));
	snprintf(out, len, "%s/%u", a, p);
}

static const char *
counter_key(enum rw_rate_counter c)
{
	switch (c) {
	case RW_RC_CONNECTIONS:
		return "conn";
	case RW_RC_CONCURRENCY:
		return "conc";
	case RW_RC_MESSAGES:
		return "msg";
	case RW_RC_RECIPIENTS:
		return "rcpt";
	case RW_RC_REFUSED:
		return "refused";
	}
	return "?";
}

const char *
rw_rate_counter_name(enum rw_rate_counter c)
{
	switch (c) {
	case RW_RC_CONNECTIONS:
		return "connections";
	case RW_RC_CONCURRENCY:
		return "concurrency";
	case RW_RC_MESSAGES:
		return "messages";
	case RW_RC_RECIPIENTS:
		return "recipients";
	case RW_RC_REFUSED:
		return "refused";
	}
	return "?";
}

/* sender_domain - the part after the last '@', or "" */
static const char *
sender_domain(const char *sender)
{
	const char *at = strrchr(sender, '@');

	return at != NULL ? at + 1 : "";
}

/* rate_key - the key of a rule for these facts; false when it has none */
static bool
rate_key(const struct rw_config *cfg, const struct rw_facts *f,
    const struct rw_rate_rule *r, char *out, size_t len)
{
	char	net[RW_IPTEXT_MAX + 8];

	if (r->counter == RW_RC_CONCURRENCY)
		snprintf(out, len, "conc:");
	else
		snprintf(out, len, "rate:%s:", counter_key(r->counter));
	switch (r->by) {
	case RW_RBY_IP:
		if (!f->client_known)
			return false;
		rw_state_key_net(&f->client_ip, cfg->rate_ipv4_prefix,
		    cfg->rate_ipv6_prefix, net, sizeof(net));
		key_part(out, len, "ip:", false);
		key_part(out, len, net, false);
		return true;
	case RW_RBY_USER:
		if (!f->authenticated)
			return false;
		key_part(out, len, "auth:", false);
		key_part(out, len, f->auth_user, false);
		return true;
	case RW_RBY_SENDER:
		key_part(out, len, "from:", false);
		key_part(out, len, f->sender[0] ? f->sender : "<>", true);
		return true;
	case RW_RBY_SENDER_DOMAIN:
		key_part(out, len, "fromdom:", false);
		key_part(out, len, f->sender[0] ? sender_domain(f->sender) : "<>",
		    true);
		return true;
	case RW_RBY_GLOBAL:
		key_part(out, len, "global", false);
		return true;
	}
	return false;
}

/* grey_net - the triplet's network: rdns domain or the masked address */
static void
grey_net(const struct rw_config *cfg, const struct rw_facts *f, char *out,
    size_t len)
{
	const char *d, *dot;

	if (cfg->greylist_network.rdns && f->rdns == RW_RDNS_PASS &&
	    f->ptr_name[0] != '\0') {
		d = f->ptr_name;
		/* the parent domain, when it still has a dot */
		if ((dot = strchr(d, '.')) != NULL && strchr(dot + 1, '.') != NULL)
			d = dot + 1;
		out[0] = '\0';
		key_part(out, len, d, true);
		return;
	}
	rw_state_key_net(&f->client_ip, cfg->greylist_network.v4,
	    cfg->greylist_network.v6, out, len);
}

/* rw_state_grey_keys - "grey:NET:SENDER:RCPT" and "greynet:NET" */
void
rw_state_grey_keys(const struct rw_config *cfg, const struct rw_facts *f,
    char *triplet, char *net, size_t len)
{
	char	n[RW_HOSTNAME_MAX + 1];

	grey_net(cfg, f, n, sizeof(n));
	snprintf(net, len, "greynet:");
	key_part(net, len, n, false);
	snprintf(triplet, len, "grey:");
	key_part(triplet, len, n, false);
	key_part(triplet, len, ":", false);
	key_part(triplet, len, f->sender[0] ? f->sender : "<>", true);
	key_part(triplet, len, ":", false);
	key_part(triplet, len, f->rcpt, true);
}

/* ------------------------------------------------------------ plans */

static enum rw_rate_for
client_class(const struct rw_facts *f, enum rw_stage stage)
{
	if (f->trusted_network || f->client_ok)
		return RW_RFOR_TRUSTED;
	if (stage != RW_STAGE_CONNECT && f->authenticated)
		return RW_RFOR_AUTHENTICATED;
	return RW_RFOR_OUTSIDERS;
}

/* rule_score - how well a rule fits the client; 0: not at all */
static unsigned int
rule_score(const struct rw_rate_rule *r, const struct rw_facts *f,
    enum rw_rate_for cls)
{
	switch (r->who) {
	case RW_RFOR_USER:
		return f->authenticated && strcmp(f->auth_user, r->user) == 0 ?
		    1000 : 0;
	case RW_RFOR_NETWORK:
		return f->client_known && rw_cidr_match(&r->net, &f->client_ip) ?
		    800 + r->net.prefix : 0;
	case RW_RFOR_ALL:
		return 1;
	case RW_RFOR_OUTSIDERS:
	case RW_RFOR_TRUSTED:
	case RW_RFOR_AUTHENTICATED:
		return r->who == cls ? 2 : 0;
	}
	return 0;
}

/* add_rate_ops - one op per (counter, by) of this counter that applies */
static void
add_rate_ops(const struct rw_config *cfg, const struct rw_facts *f,
    enum rw_stage stage, enum rw_rate_counter counter, unsigned int n,
    struct rw_state_plan *p)
{
	enum rw_rate_for cls = client_class(f, stage);
	const struct rw_rate_rule *best;
	struct rw_state_op *op;
	unsigned int by, score, bs;
	size_t	i;

	for (by = RW_RBY_IP; by <= RW_RBY_GLOBAL; by++) {
		best = NULL;
		bs = 0;
		for (i = 0; i < cfg->nrate_limit; i++) {
			const struct rw_rate_rule *r = &cfg->rate_limit[i];

			if (r->counter != counter || r->by != by)
				continue;
			score = rule_score(r, f, cls);
			if (score > bs) {
				bs = score;
				best = r;
			}
		}
		if (best == NULL || best->spec.limit == 0 ||
		    p->n >= RW_STATE_OPS_MAX)
			continue;
		op = &p->op[p->n];
		memset(op, 0, sizeof(*op));
		if (!rate_key(cfg, f, best, op->key, sizeof(op->key)))
			continue;
		op->kind = counter == RW_RC_CONCURRENCY ? RW_SOP_CONCURRENCY :
		    RW_SOP_RATE;
		op->counter = counter;
		op->spec = best->spec;
		op->n = n;
		op->line = best->line;
		p->n++;
	}
}

/* grey_applies - the recipient being judged is to be greylisted */
static bool
grey_applies(const struct rw_config *cfg, const struct rw_facts *f)
{
	if (cfg->greylist == RW_CHK_OFF || !f->client_known)
		return false;
	if (cfg->greylist_skip_trusted && (f->trusted_network || f->client_ok))
		return false;
	if (cfg->greylist_skip_authenticated && f->authenticated)
		return false;
	if (cfg->greylist_skip_dnswl && rw_dnsbl_allowed(cfg, f))
		return false;
	if (rw_dns_exempt(cfg, f->rcpt))
		return false;
	if (rw_cidr_list_match(&cfg->greylist_allow.nets, &f->client_ip))
		return false;
	if (f->rdns == RW_RDNS_PASS && f->ptr_name[0] != '\0' &&
	    rw_domain_list_match(&cfg->greylist_allow.names, f->ptr_name))
		return false;
	return true;
}

static void
plan_init(const struct rw_config *cfg, struct rw_state_plan *p)
{
	p->n = 0;
	p->grey.delay_s = cfg->greylist_delay;
	p->grey.retry_window_s = cfg->greylist_retry_window;
	p->grey.pass_ttl_s = cfg->greylist_pass_ttl;
	p->grey.autoallow_passes = cfg->greylist_autoallow_passes;
	p->grey.autoallow_ttl_s = cfg->greylist_autoallow_ttl;
}

/* rw_state_plan - the store operations a stage's facts call for */
void
rw_state_plan(const struct rw_config *cfg, const struct rw_facts *f,
    enum rw_stage stage, struct rw_state_plan *p)
{
	struct rw_state_op *op;

	plan_init(cfg, p);
	switch (stage) {
	case RW_STAGE_CONNECT:
		add_rate_ops(cfg, f, stage, RW_RC_CONNECTIONS, 1, p);
		add_rate_ops(cfg, f, stage, RW_RC_CONCURRENCY, 1, p);
		break;
	case RW_STAGE_MAIL:
		add_rate_ops(cfg, f, stage, RW_RC_MESSAGES, 1, p);
		break;
	case RW_STAGE_RCPT:
		add_rate_ops(cfg, f, stage, RW_RC_REFUSED, 0, p);
		add_rate_ops(cfg, f, stage, RW_RC_RECIPIENTS, 1, p);
		if (!grey_applies(cfg, f) || p->n >= RW_STATE_OPS_MAX)
			break;
		op = &p->op[p->n++];
		memset(op, 0, sizeof(*op));
		op->kind = RW_SOP_GREY;
		rw_state_grey_keys(cfg, f, op->key, op->net_key, sizeof(op->key));
		break;
	case RW_STAGE_HELO:
	case RW_STAGE_EOH:
	case RW_STAGE_EOM:
		break;
	}
}

/* rw_state_plan_refused - count one refused recipient */
void
rw_state_plan_refused(const struct rw_config *cfg, const struct rw_facts *f,
    struct rw_state_plan *p)
{
	plan_init(cfg, p);
	add_rate_ops(cfg, f, RW_STAGE_RCPT, RW_RC_REFUSED, 1, p);
}

/* rw_state_fact_clear - nothing asked: the texts freed, "" (never NULL) */
void
rw_state_fact_clear(struct rw_state_fact *s)
{
	rw_fact_clear(&s->error);
	rw_fact_clear(&s->key);
	rw_fact_clear(&s->grey_key);
	memset(s, 0, sizeof(*s));
	s->error = s->key = s->grey_key = rw_fact_empty;
}

/* state_fact - the session's state facts, allocated on first use; NULL: out of memory */
static struct rw_state_fact *
state_fact(struct rw_facts *f)
{
	if (f->state == NULL && (f->state = calloc(1, sizeof(*f->state))) != NULL)
		rw_state_fact_clear(f->state);
	return f->state;
}

/* rw_state_begin - forget the previous stage's answers */
bool
rw_state_begin(struct rw_facts *f)
{
	if (state_fact(f) == NULL)
		return false;
	rw_state_fact_clear(f->state);
	return true;
}

/* rw_state_record_rate - keep the first key over its limit */
void
rw_state_record_rate(struct rw_facts *f, const struct rw_state_op *op,
    bool allowed, uint64_t retry_ms, long count)
{
	struct rw_state_fact *s = state_fact(f);

	if (s == NULL)
		return;
	s->done = true;
	if (allowed || s->over)
		return;
	s->over = true;
	s->counter = op->counter;
	s->spec = op->spec;
	s->retry_ms = retry_ms;
	s->count = count;
	s->line = op->line;
	(void)rw_fact_set(&s->key, op->key);	/* out of memory: "" */
}

void
rw_state_record_grey(struct rw_facts *f, const struct rw_state_op *op,
    enum rw_grey_state g, unsigned int wait_s, bool net_allowlisted)
{
	struct rw_state_fact *s = state_fact(f);

	if (s == NULL)
		return;
	s->done = true;
	s->grey_done = true;
	s->grey = g;
	s->grey_wait_s = wait_s;
	s->grey_net_allowlisted = net_allowlisted;
	(void)rw_fact_set(&s->grey_key, op->key);
}

void
rw_state_record_failure(struct rw_facts *f, const char *why)
{
	struct rw_state_fact *s = state_fact(f);
	char	err[RW_REASON_MAX];

	if (s == NULL)
		return;
	s->done = true;
	if (s->failed)
		return;
	s->failed = true;
	rw_sanitize(err, sizeof(err), why);
	(void)rw_fact_set(&s->error, err);
}

bool
rw_state_wants_rdns(const struct rw_config *cfg)
{
	return cfg->greylist != RW_CHK_OFF && (cfg->greylist_network.rdns ||
	    cfg->greylist_allow.names.n > 0);
}

bool
rw_state_used(const struct rw_config *cfg)
{
	return cfg->greylist != RW_CHK_OFF || cfg->nrate_limit > 0;
}
