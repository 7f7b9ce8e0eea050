/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	confstate - configuration items of the stateful checks
 * SYNOPSIS
 *	#include "confkeys.h"
 * DESCRIPTION
 *	rw_conf_item_rate_limit() reads one rate_limit entry:
 *
 *	    COUNTER LIMIT[/WINDOW] [burst N] [by KEY] [for WHO]
 *
 *	COUNTER is connections, concurrency, messages, recipients or
 *	refused; LIMIT a number of events, or "unlimited" (for overrides);
 *	WINDOW a duration ("60s", "10m", "1h", "1d"), required except for
 *	concurrency, which has none. KEY is ip (default), user, sender,
 *	sender_domain or global; WHO outsiders (default), trusted,
 *	authenticated, all, a network ("192.0.2.0/24") or "user NAME".
 *	Connections and concurrency are counted at connect, before any
 *	user or sender is known: they take only ip or global keys and
 *	classes known at connect. Entries are separated by commas.
 *
 *	rw_conf_item_grey_network() reads greylist_network: "/N" twice
 *	(the IPv4 prefix, then the IPv6 one) and optionally "rdns" (the
 *	verified PTR name's parent domain, the prefixes when there is
 *	none). rw_conf_check_grey_network() requires both prefixes.
 *	rw_conf_item_grey_allow() reads greylist_allow: a network, or a
 *	host name (".example.com": and its subdomains) matched against the
 *	client's verified PTR name.
 *
 *	rw_conf_seconds() reads a duration in seconds, for the engine's
 *	RW_CONF_SECONDS type and for rate_limit windows.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "confkeys.h"

#define BAD(...)	(snprintf(err, errlen, __VA_ARGS__), RW_CONF_BAD)
#define RATE_WINDOW_MAX	(30UL * 86400)	/* 30 days */
#define RATE_LIMIT_MAX	10000000UL

const struct rw_config_word rw_words_rate_limit_action[] = {
	{ "tempfail", RW_CHK_TEMPFAIL }, { "tag", RW_CHK_TAG }, { NULL, 0 }
};
const struct rw_config_word rw_words_greylist[] = {
	{ "off", RW_CHK_OFF }, { "tag", RW_CHK_TAG },
	{ "tempfail", RW_CHK_TEMPFAIL }, { NULL, 0 }
};
const struct rw_config_word rw_words_state_failure[] = {
	{ "accept", RW_SFAIL_ACCEPT }, { "tempfail", RW_SFAIL_TEMPFAIL },
	{ NULL, 0 }
};
const struct rw_config_word rw_words_rate_counter[] = {
	{ "connections", RW_RC_CONNECTIONS }, { "concurrency", RW_RC_CONCURRENCY },
	{ "messages", RW_RC_MESSAGES }, { "recipients", RW_RC_RECIPIENTS },
	{ "refused", RW_RC_REFUSED }, { NULL, 0 }
};
const struct rw_config_word rw_words_rate_by[] = {
	{ "ip", RW_RBY_IP }, { "user", RW_RBY_USER },
	{ "sender", RW_RBY_SENDER }, { "sender_domain", RW_RBY_SENDER_DOMAIN },
	{ "global", RW_RBY_GLOBAL }, { NULL, 0 }
};
const struct rw_config_word rw_words_rate_for[] = {
	{ "outsiders", RW_RFOR_OUTSIDERS }, { "trusted", RW_RFOR_TRUSTED },
	{ "authenticated", RW_RFOR_AUTHENTICATED }, { "all", RW_RFOR_ALL },
	{ NULL, 0 }
};

/* rw_conf_seconds - "90", "90s", "5m", "4h", "36d", "1w" to seconds */
bool
rw_conf_seconds(const char *s, unsigned long *out)
{
	unsigned long n, mul = 1;
	char	*end;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno != 0 || n > 100000000UL)
		return false;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		mul = 1;
	else if (strcmp(end, "m") == 0)
		mul = 60;
	else if (strcmp(end, "h") == 0)
		mul = 3600;
	else if (strcmp(end, "d") == 0)
		mul = 86400;
	else if (strcmp(end, "w") == 0)
		mul = 7 * 86400;
	else
		return false;
	if (n > 4000000000UL / mul)
		return false;
	*out = n * mul;
	return true;
}

/* number - a decimal from 0 to max */
static bool
number(const char *s, unsigned long max, unsigned long *out)
{
	char	*end;

	if (s == NULL || s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' && *out <= max;
}

/* word - the value of a word of list w */
static bool
word(const struct rw_config_word *w, const char *s, int *v)
{
	return s != NULL && rw_conf_word_find(w, s, v);
}

/* parse_rate - fill r from the words of one entry */
static enum rw_config_status
parse_rate(char **t, size_t nt, struct rw_rate_rule *r, char *err,
    size_t errlen)
{
	char	list[128], *slash;
	unsigned long n, win;
	size_t	i;
	int	v;

	if (nt < 2)
		return BAD("\"COUNTER LIMIT[/WINDOW] [burst N] [by KEY] [for WHO]\" "
		    "expected");
	if (!word(rw_words_rate_counter, t[0], &v)) {
		rw_conf_words_join(rw_words_rate_counter, list, sizeof(list));
		return BAD("counter must be %s, not \"%.60s\"", list, t[0]);
	}
	r->counter = (enum rw_rate_counter)v;
	slash = strchr(t[1], '/');
	if (slash != NULL)
		*slash++ = '\0';
	if (strcasecmp(t[1], "unlimited") == 0)
		r->spec.limit = 0;
	else if (!number(t[1], RATE_LIMIT_MAX, &n) || n == 0)
		return BAD("limit must be from 1 to %lu or \"unlimited\", not "
		    "\"%.60s\"", RATE_LIMIT_MAX, t[1]);
	else
		r->spec.limit = (unsigned int)n;
	if (r->counter == RW_RC_CONCURRENCY) {
		if (slash != NULL)
			return BAD("concurrency counts sessions open at once: no "
			    "window (\"concurrency 10\")");
	} else if (slash == NULL) {
		return BAD("%s needs a window: \"%s %s/60s\"", t[0], t[0], t[1]);
	} else if (!rw_conf_seconds(slash, &win) || win == 0 ||
	    win > RATE_WINDOW_MAX) {
		return BAD("window must be a duration from 1s to 30d (\"60s\", "
		    "\"10m\", \"1h\"), not \"%.60s\"", slash);
	} else {
		r->spec.window_s = (unsigned int)win;
	}
	for (i = 2; i < nt; i += 2) {
		if (i + 1 >= nt)
			return BAD("\"%.30s\" wants a value", t[i]);
		if (strcasecmp(t[i], "burst") == 0) {
			if (r->counter == RW_RC_CONCURRENCY)
				return BAD("concurrency has no burst");
			if (!number(t[i + 1], RATE_LIMIT_MAX, &n))
				return BAD("burst must be from 0 to %lu, not \"%.60s\"",
				    RATE_LIMIT_MAX, t[i + 1]);
			r->spec.burst = (unsigned int)n;
		} else if (strcasecmp(t[i], "by") == 0) {
			if (!word(rw_words_rate_by, t[i + 1], &v)) {
				rw_conf_words_join(rw_words_rate_by, list,
				    sizeof(list));
				return BAD("by must be %s, not \"%.60s\"", list,
				    t[i + 1]);
			}
			r->by = (enum rw_rate_by)v;
		} else if (strcasecmp(t[i], "for") == 0) {
			if (strcasecmp(t[i + 1], "user") == 0) {
				if (i + 2 >= nt)
					return BAD("\"for user\" wants a user name");
				r->who = RW_RFOR_USER;
				if ((r->user = strdup(t[i + 2])) == NULL)
					return RW_CONF_NOMEM;
				i++;
			} else if (word(rw_words_rate_for, t[i + 1], &v)) {
				r->who = (enum rw_rate_for)v;
			} else if (strpbrk(t[i + 1], ".:") != NULL) {
				char	why[160];

				if (!rw_cidr_parse(t[i + 1], &r->net, why,
				    sizeof(why)))
					return BAD("for %.60s: %s", t[i + 1], why);
				r->who = RW_RFOR_NETWORK;
			} else {
				rw_conf_words_join(rw_words_rate_for, list,
				    sizeof(list));
				return BAD("for must be %s, a network or \"user "
				    "NAME\", not \"%.60s\"", list, t[i + 1]);
			}
		} else {
			return BAD("\"%.30s\": burst, by or for expected", t[i]);
		}
	}
	if (r->spec.limit == 0 && (r->who == RW_RFOR_OUTSIDERS ||
	    r->who == RW_RFOR_TRUSTED || r->who == RW_RFOR_AUTHENTICATED ||
	    r->who == RW_RFOR_ALL))
		return BAD("\"unlimited\" is for overrides (for NETWORK, for user "
		    "NAME); leave the class's entry out instead");
	if ((r->counter == RW_RC_CONNECTIONS || r->counter == RW_RC_CONCURRENCY) &&
	    ((r->by != RW_RBY_IP && r->by != RW_RBY_GLOBAL) ||
	    r->who == RW_RFOR_AUTHENTICATED || r->who == RW_RFOR_USER))
		return BAD("%s are counted at connect, where no user or sender "
		    "is known: by ip or global, for outsiders, trusted, all or "
		    "a network", t[0]);
	return RW_CONF_OK;
}

/* rw_conf_item_rate_limit - one rate_limit entry */
enum rw_config_status
rw_conf_item_rate_limit(void *target, const struct rw_config_key *key,
    const char *item, unsigned int line, char *err, size_t errlen)
{
	struct rw_config *cfg = target;
	struct rw_rate_rule r, *v;
	enum rw_config_status st;
	char	*copy, *t[16], *p;
	size_t	nt = 0;

	(void)key;
	if ((copy = strdup(item)) == NULL)
		return RW_CONF_NOMEM;
	for (p = strtok(copy, " \t"); p != NULL; p = strtok(NULL, " \t")) {
		if (nt == sizeof(t) / sizeof(t[0])) {
			free(copy);
			return BAD("too many words in \"%.80s\"", item);
		}
		t[nt++] = p;
	}
	memset(&r, 0, sizeof(r));
	r.line = line;
	st = parse_rate(t, nt, &r, err, errlen);
	free(copy);
	if (st != RW_CONF_OK)
		goto fail;
	if (cfg->nrate_limit >= 64) {
		st = BAD("more than 64 rate_limit entries");
		goto fail;
	}
	v = realloc(cfg->rate_limit, (cfg->nrate_limit + 1) * sizeof(*v));
	if (v == NULL) {
		st = RW_CONF_NOMEM;
		goto fail;
	}
	cfg->rate_limit = v;
	v[cfg->nrate_limit++] = r;
	return RW_CONF_OK;
fail:
	free(r.user);
	return st;
}

/* rw_conf_release_rate_limit - no rate limits */
void
rw_conf_release_rate_limit(void *target, const struct rw_config_key *key)
{
	struct rw_config *cfg = target;
	size_t	i;

	(void)key;
	for (i = 0; i < cfg->nrate_limit; i++)
		free(cfg->rate_limit[i].user);
	free(cfg->rate_limit);
	cfg->rate_limit = NULL;
	cfg->nrate_limit = 0;
}

/* rw_conf_item_grey_network - "/24", "/64", "rdns" */
enum rw_config_status
rw_conf_item_grey_network(void *target, const struct rw_config_key *key,
    const char *item, unsigned int line, char *err, size_t errlen)
{
	struct rw_grey_network *g = rw_conf_field(target, key,
	    struct rw_grey_network);
	unsigned long n;

	(void)line;
	if (strcasecmp(item, "rdns") == 0) {
		g->rdns = true;
		return RW_CONF_OK;
	}
	if (item[0] != '/' || !number(item + 1, 128, &n))
		return BAD("\"%.60s\": \"/N\" (IPv4 prefix, then IPv6 prefix) or "
		    "\"rdns\" expected", item);
	if (g->v4 == 0) {
		if (n < 8 || n > 32)
			return BAD("IPv4 prefix %s: from /8 to /32", item);
		g->v4 = (unsigned int)n;
	} else if (g->v6 == 0) {
		if (n < 16 || n > 128)
			return BAD("IPv6 prefix %s: from /16 to /128", item);
		g->v6 = (unsigned int)n;
	} else {
		return BAD("\"%.60s\": two prefixes already (IPv4, IPv6)", item);
	}
	return RW_CONF_OK;
}

void
rw_conf_release_grey_network(void *target, const struct rw_config_key *key)
{
	memset(rw_conf_field(target, key, struct rw_grey_network), 0,
	    sizeof(struct rw_grey_network));
}

/* rw_conf_check_grey_network - both prefixes given */
bool
rw_conf_check_grey_network(const void *target, const struct rw_config_key *key,
    const char *value, char *err, size_t errlen)
{
	const struct rw_grey_network *g = rw_conf_field(target, key,
	    const struct rw_grey_network);

	if (g->v4 != 0 && g->v6 != 0)
		return true;
	snprintf(err, errlen, "greylist_network \"%.80s\": an IPv4 and an IPv6 "
	    "prefix are needed (\"/24 /64\", \"rdns /24 /64\")", value);
	return false;
}

/* rw_conf_item_grey_allow - a network or a (verified) host name */
enum rw_config_status
rw_conf_item_grey_allow(void *target, const struct rw_config_key *key,
    const char *item, unsigned int line, char *err, size_t errlen)
{
	struct rw_grey_allow *a = rw_conf_field(target, key,
	    struct rw_grey_allow);
	char	name[RW_HOSTNAME_MAX + 1], why[200];
	bool	sub = item[0] == '.';
	struct rw_cidr c, *cv;
	struct rw_domain *dv;

	if (rw_cidr_parse(item, &c, why, sizeof(why))) {
		if ((cv = realloc(a->nets.v, (a->nets.n + 1) * sizeof(*cv))) == NULL)
			return RW_CONF_NOMEM;
		a->nets.v = cv;
		cv[a->nets.n++] = c;
		return RW_CONF_OK;
	}
	if (strchr(item, '/') != NULL || strspn(item, "0123456789.:") ==
	    strlen(item))
		return BAD("bad network \"%.60s\": %s", item, why);
	if (!rw_domain_normalize(item + (sub ? 1 : 0), name, sizeof(name), why,
	    sizeof(why)) || name[0] == '[')
		return BAD("\"%.60s\": a network or a host name expected", item);
	if ((dv = realloc(a->names.v, (a->names.n + 1) * sizeof(*dv))) == NULL)
		return RW_CONF_NOMEM;
	a->names.v = dv;
	dv = &a->names.v[a->names.n];
	if ((dv->name = strdup(name)) == NULL)
		return RW_CONF_NOMEM;
	dv->subdomains = sub;
	dv->line = line;
	a->names.n++;
	return RW_CONF_OK;
}

void
rw_conf_release_grey_allow(void *target, const struct rw_config_key *key)
{
	struct rw_grey_allow *a = rw_conf_field(target, key,
	    struct rw_grey_allow);
	size_t	i;

	for (i = 0; i < a->names.n; i++)
		free(a->names.v[i].name);
	free(a->names.v);
	free(a->nets.v);
	memset(a, 0, sizeof(*a));
}
