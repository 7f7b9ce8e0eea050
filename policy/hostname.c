/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	hostname - client_access entries that name hosts, not addresses
 * DESCRIPTION
 *	A client_access key that is not an address names the client by its
 *	reverse-DNS name: "mail.example.net" (that name), ".example.net"
 *	(it and every name below it), a glob "dsl-*.pool.example.net" ("*"
 *	any run and "?" one character, both within one label; the pattern
 *	and the name must have as many labels), or "/regex/", a PCRE2
 *	pattern matched caseless against the whole lowercased name (anchor
 *	it yourself). Dial-up and dynamic pools are what these are for.
 *
 *	Only a forward-confirmed name is ever looked up (the session asks
 *	only when rdns is pass): a PTR record is the address owner's claim
 *	and says anything it likes, so an unverified name never matches,
 *	neither for OK nor for REJECT.
 *
 *	PCRE2 patterns are compiled once, when the configuration is read
 *	(a bad pattern is a "file:line" error); each carries a match context
 *	with a match and a depth limit, so that no pattern can make a
 *	session spin. Compiled code and match contexts are only read while
 *	matching, so every session thread shares them; the match data is
 *	allocated per match. A match that fails (limit reached) counts as no
 *	match.
 *
 *	Precedence, like sender_access: an exact entry, then the longest
 *	".domain" entry, then the first pattern in file order. An address
 *	entry that covers the client is decided before any name is known
 *	and wins.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "checks.h"
#include "confkeys.h"

#define BAD(...)	(snprintf(err, errlen, __VA_ARGS__), RW_CONF_BAD)

/* Limits for one PCRE2 match: host names are short, patterns simple. */
#define RW_PCRE_MATCH_LIMIT	100000
#define RW_PCRE_DEPTH_LIMIT	1000

/* rw_conf_looks_like_name - a key meant as a name or pattern */
bool
rw_conf_looks_like_name(const char *key)
{
	const char *p;

	if (key[0] == '/')
		return true;
	if (strchr(key, ':') != NULL || strchr(key, '/') != NULL)
		return false;	/* an IPv6 address or a prefix */
	for (p = key; *p != '\0'; p++)
		if (rw_isalpha((unsigned char)*p))
			return true;
	return false;
}

/* glob_label - one label against one pattern label; * and ? */
static bool
glob_label(const char *p, size_t pn, const char *s, size_t sn)
{
	size_t	pi = 0, si = 0, star = (size_t)-1, mark = 0;

	while (si < sn) {
		if (pi < pn && (p[pi] == '?' || p[pi] == s[si])) {
			pi++;
			si++;
		} else if (pi < pn && p[pi] == '*') {
			star = pi++;
			mark = si;
		} else if (star != (size_t)-1) {
			pi = star + 1;
			si = ++mark;
		} else
			return false;
	}
	while (pi < pn && p[pi] == '*')
		pi++;
	return pi == pn;
}

/* rw_glob_match - labels one to one, each matched by glob_label() */
bool
rw_glob_match(const char *pattern, const char *name)
{
	const char *p = pattern, *s = name;

	for (;;) {
		size_t	pn = strcspn(p, "."), sn = strcspn(s, ".");

		if (!glob_label(p, pn, s, sn))
			return false;
		p += pn;
		s += sn;
		if (*p == '\0' || *s == '\0')
			return *p == '\0' && *s == '\0';
		p++;
		s++;
	}
}

/* glob_valid - a glob is a host name with * and ? in its labels */
static bool
glob_valid(const char *key, char *out, size_t outlen, char *why, size_t whylen)
{
	char	probe[RW_HOSTNAME_MAX + 1];
	size_t	i, len = strlen(key);

	if (len >= outlen || len >= sizeof(probe)) {
		snprintf(why, whylen, "pattern too long");
		return false;
	}
	/* check the syntax with each wildcard standing for a letter */
	for (i = 0; i <= len; i++)
		probe[i] = key[i] == '*' || key[i] == '?' ? 'x' : key[i];
	if (!rw_domain_normalize(probe, out, outlen, why, whylen) || out[0] == '[')
		return false;
	for (i = 0; i < strlen(out); i++)	/* normalised: lowercase, no dot */
		if (key[i] == '*' || key[i] == '?')
			out[i] = key[i];
	return true;
}

/* compile - a "/regex/" key; false with the reason */
static bool
compile(struct rw_client_name_rule *r, const char *key, char *why,
    size_t whylen)
{
	size_t	len = strlen(key);
	PCRE2_UCHAR msg[120];
	PCRE2_SIZE off;
	int	code;

	if (len < 3 || key[len - 1] != '/') {
		snprintf(why, whylen, "a pattern is written /regex/");
		return false;
	}
	r->re = pcre2_compile((PCRE2_SPTR)(key + 1), len - 2,
	    PCRE2_CASELESS | PCRE2_NEVER_UTF | PCRE2_NEVER_BACKSLASH_C, &code,
	    &off, NULL);
	if (r->re == NULL) {
		if (code == PCRE2_ERROR_NOMEMORY) {
			snprintf(why, whylen, "out of memory");
			return false;
		}
		(void)pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(why, whylen, "bad pattern at offset %zu: %s",
		    (size_t)off, (const char *)msg);
		return false;
	}
	if ((r->mctx = pcre2_match_context_create(NULL)) == NULL ||
	    pcre2_set_match_limit(r->mctx, RW_PCRE_MATCH_LIMIT) != 0 ||
	    pcre2_set_depth_limit(r->mctx, RW_PCRE_DEPTH_LIMIT) != 0) {
		snprintf(why, whylen, "out of memory");
		return false;
	}
	return true;
}

static void
rule_free(struct rw_client_name_rule *r)
{
	free(r->key);
	free(r->text);
	pcre2_code_free(r->re);
	pcre2_match_context_free(r->mctx);
	memset(r, 0, sizeof(*r));
}

/* rw_conf_client_name - one client_access entry by name */
enum rw_config_status
rw_conf_client_name(struct rw_config *cfg, const struct rw_config_key *key,
    const char *rkey, enum rw_access_action action, const char *text,
    unsigned int line, char *err, size_t errlen)
{
	struct rw_client_name_rule r, *v;
	char	name[RW_HOSTNAME_MAX + 1], why[200];
	size_t	i;

	memset(&r, 0, sizeof(r));
	r.action = action;
	r.line = line;
	if (rkey[0] == '/') {
		r.kind = RW_NKEY_PCRE;
		if (!compile(&r, rkey, why, sizeof(why))) {
			rule_free(&r);
			if (strcmp(why, "out of memory") == 0)
				return RW_CONF_NOMEM;
			return BAD("bad pattern \"%s\": %s", rkey, why);
		}
		rw_strlcpy_ok(name, rkey, sizeof(name));
	} else if (strpbrk(rkey, "*?") != NULL) {
		r.kind = RW_NKEY_GLOB;
		if (!glob_valid(rkey, name, sizeof(name), why, sizeof(why)))
			return BAD("bad host name pattern \"%s\": %s", rkey, why);
	} else {
		r.kind = rkey[0] == '.' ? RW_NKEY_DOMAIN : RW_NKEY_EXACT;
		if (!rw_domain_normalize(rkey + (r.kind == RW_NKEY_DOMAIN),
		    name, sizeof(name), why, sizeof(why)) || name[0] == '[')
			return BAD("bad host name \"%s\": %s", rkey,
			    name[0] == '[' ? "an address literal" : why);
	}
	for (i = 0; i < cfg->nclient_names; i++) {
		const struct rw_client_name_rule *o = &cfg->client_names[i];

		if (o->kind != r.kind || strcmp(o->key, name) != 0)
			continue;
		pcre2_code_free(r.re);
		pcre2_match_context_free(r.mctx);
		if (o->action != action)
			return BAD("%s %s contradicts %s at line %u", rkey,
			    rw_conf_word_name(key->words, (int)action),
			    rw_conf_word_name(key->words, (int)o->action), o->line);
		return RW_CONF_OK;
	}
	if ((r.key = strdup(name)) == NULL ||
	    (text != NULL && (r.text = strdup(text)) == NULL)) {
		rule_free(&r);
		return RW_CONF_NOMEM;
	}
	if (cfg->nclient_names >= ((size_t)-1) / 2 / sizeof(*v) ||
	    (v = realloc(cfg->client_names, (cfg->nclient_names + 1) *
	    sizeof(*v))) == NULL) {
		rule_free(&r);
		return RW_CONF_NOMEM;
	}
	cfg->client_names = v;
	v[cfg->nclient_names++] = r;
	return RW_CONF_OK;
}

/* rw_conf_release_client_names - free every name entry */
void
rw_conf_release_client_names(struct rw_config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->nclient_names; i++)
		rule_free(&cfg->client_names[i]);
	free(cfg->client_names);
	cfg->client_names = NULL;
	cfg->nclient_names = 0;
}

/* pcre_matches - 1 match, 0 none (limits included), -1 out of memory */
static int
pcre_matches(const struct rw_client_name_rule *r, const char *name)
{
	pcre2_match_data *md;
	int	rc;

	if ((md = pcre2_match_data_create_from_pattern(r->re, NULL)) == NULL)
		return -1;
	rc = pcre2_match(r->re, (PCRE2_SPTR)name, strlen(name), 0, 0, md,
	    r->mctx);
	pcre2_match_data_free(md);
	if (rc == PCRE2_ERROR_NOMEMORY)
		return -1;
	return rc >= 0 ? 1 : 0;
}

/* rw_access_name_lookup - exact, longest .domain, first pattern */
const struct rw_client_name_rule *
rw_access_name_lookup(const struct rw_config *cfg, const char *verified,
    bool *nomem)
{
	const struct rw_client_name_rule *exact = NULL, *dom = NULL, *pat = NULL;
	char	name[RW_HOSTNAME_MAX + 1], why[64];
	size_t	i, nl, kl, doml = 0;
	int	m;

	*nomem = false;
	if (!rw_domain_normalize(verified, name, sizeof(name), why, sizeof(why)) ||
	    name[0] == '[')
		return NULL;
	nl = strlen(name);
	for (i = 0; i < cfg->nclient_names; i++) {
		const struct rw_client_name_rule *r = &cfg->client_names[i];

		kl = strlen(r->key);
		switch (r->kind) {
		case RW_NKEY_EXACT:
			if (strcmp(r->key, name) == 0)
				exact = r;
			break;
		case RW_NKEY_DOMAIN:
			if ((strcmp(r->key, name) == 0 || (nl > kl + 1 &&
			    name[nl - kl - 1] == '.' &&
			    strcmp(name + nl - kl, r->key) == 0)) && kl > doml) {
				dom = r;
				doml = kl;
			}
			break;
		case RW_NKEY_GLOB:
			if (pat == NULL && rw_glob_match(r->key, name))
				pat = r;
			break;
		case RW_NKEY_PCRE:
			if (pat != NULL)
				break;
			if ((m = pcre_matches(r, name)) < 0)
				*nomem = true;
			else if (m > 0)
				pat = r;
			break;
		}
	}
	return exact != NULL ? exact : dom != NULL ? dom : pat;
}

/* rw_check_client_access_name - REJECT/TEMPFAIL entries by verified name */
enum rw_action
rw_check_client_access_name(const struct rw_config *cfg,
    const struct rw_facts *f, struct rw_verdict *v)
{
	const struct rw_client_name_rule *r = f->name_rule;
	char	reason[RW_REASON_MAX];
	const char *text;

	if (r == NULL || f->insider || f->client_ok || cfg->nclient_names == 0 ||
	    !rw_dns_stage_applies(cfg, f) || r->action == RW_ACCESS_OK)
		return RW_ACT_CONTINUE;
	/* a ".domain" entry is shown with its dot */
	snprintf(reason, sizeof(reason), "client_access %s%.100s line %u "
	    "(verified name %.100s)", r->kind == RW_NKEY_DOMAIN ? "." : "",
	    r->key, r->line, f->ptr_name);
	if (r->action == RW_ACCESS_REJECT) {
		text = r->text != NULL ? r->text : "Access denied";
		return rw_verdict_set(v, RW_ACT_REJECT, "client_access", "550",
		    "5.7.1", text, reason);
	}
	text = r->text != NULL ? r->text : "Access temporarily denied";
	return rw_verdict_set(v, RW_ACT_TEMPFAIL, "client_access", "450",
	    "4.7.1", text, reason);
}
