/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	confitems - parsers of configuration list entries
 * SYNOPSIS
 *	#include "confkeys.h"
 * DESCRIPTION
 *	One rw_config_item_fn per kind of list entry, each adding one entry
 *	to the list its key names in struct rw_config, and one
 *	rw_config_release_fn per list, which frees it and leaves it empty:
 *
 *	rw_conf_item_cidr()	"addr[/len]" (trusted_networks); the same
 *				network twice is harmless
 *	rw_conf_item_domain()	"example.com", ".example.com", "[192.0.2.1]"
 *				(local_domains, relay_domains); a domain in
 *				both lists is an error
 *	rw_conf_item_client_access(), rw_conf_item_sender_access()
 *				"KEY ACTION [text]", ACTION from the key's
 *				word list; the same key with two actions is an
 *				error
 *	rw_conf_item_dnsbl()	"[name@]zone[=filter][*weight]" through
 *				rw_dnsbl_parse(), of the kind in the key's arg;
 *				RW_DNSBL_MAX in all
 *	rw_conf_item_exempt()	"local@" or "local@domain"
 *
 *	An item parser returns RW_CONF_BAD with a reason, which the engine
 *	prefixes with "file:line: key: ", or RW_CONF_NOMEM. It never
 *	leaves a half-added entry behind.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "confkeys.h"

#define RW_TEXT_MAX	200	/* access reply text */

#define BAD(...)	(snprintf(err, errlen, __VA_ARGS__), RW_CONF_BAD)

/* grow - one more element at the end; NULL (old array kept) on failure */
static void *
grow(void *ptr, size_t *n, size_t size)
{
	void	*p;

	if (*n >= ((size_t)-1) / 2 / size)
		return NULL;
	if ((p = realloc(ptr, (*n + 1) * size)) == NULL)
		return NULL;
	(*n)++;
	return p;
}

/* ------------------------------------------------------------ networks */

/* rw_conf_item_cidr - one network */
enum rw_config_status
rw_conf_item_cidr(void *target, const struct rw_config_key *key,
    const char *item, unsigned int line, char *err, size_t errlen)
{
	struct rw_cidr_list *l = rw_conf_field(target, key, struct rw_cidr_list);
	struct rw_cidr c;
	struct rw_cidr *v;
	size_t	i;

	if (!rw_cidr_parse(item, &c, err, errlen))
		return RW_CONF_BAD;
	for (i = 0; i < l->n; i++)
		if (l->v[i].prefix == c.prefix &&
		    memcmp(&l->v[i].net, &c.net, sizeof(c.net)) == 0)
			return RW_CONF_OK;	/* the same network twice is harmless */
	if ((v = grow(l->v, &l->n, sizeof(*v))) == NULL)
		return RW_CONF_NOMEM;
	l->v = v;
	l->v[l->n - 1] = c;
	return RW_CONF_OK;
}

/* rw_conf_release_cidr - empty a network list */
void
rw_conf_release_cidr(void *target, const struct rw_config_key *key)
{
	struct rw_cidr_list *l = rw_conf_field(target, key, struct rw_cidr_list);

	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ------------------------------------------------------------ domains */

/* domain_find - the entry of name in l, or NULL */
static struct rw_domain *
domain_find(const struct rw_domain_list *l, const char *name)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

/* rw_conf_item_domain - one local or relay domain */
enum rw_config_status
rw_conf_item_domain(void *target, const struct rw_config_key *key,
    const char *item, unsigned int line, char *err, size_t errlen)
{
	struct rw_config *cfg = target;
	struct rw_domain_list *l = rw_conf_field(target, key, struct rw_domain_list);
	bool	 local = l == &cfg->local_domains;
	/* a domain is local or relayed; our_hostnames may name either */
	const struct rw_domain_list *other = local ? &cfg->relay_domains :
	    l == &cfg->relay_domains ? &cfg->local_domains : NULL;
	struct rw_domain *dup, *v;
	char	name[RW_HOSTNAME_MAX + 1], why[200];
	bool	sub = item[0] == '.';

	if (!rw_domain_normalize(item + (sub ? 1 : 0), name, sizeof(name),
	    why, sizeof(why)))
		return BAD("bad domain \"%s\": %s", item, why);
	if (sub && name[0] == '[')
		return BAD("bad domain \"%s\": a literal has no subdomains", item);
	if (other != NULL && (dup = domain_find(other, name)) != NULL)
		return BAD("\"%s\" is also in %s (line %u): a domain is either "
		    "local or relayed", name, local ? "relay_domains" :
		    "local_domains", dup->line);
	if ((dup = domain_find(l, name)) != NULL) {
		/* "a.test" and ".a.test": keep the wider one */
		if (sub)
			dup->subdomains = true;
		return RW_CONF_OK;
	}
	if ((v = grow(l->v, &l->n, sizeof(*v))) == NULL)
		return RW_CONF_NOMEM;
	l->v = v;
	v = &l->v[l->n - 1];
	v->subdomains = sub;
	v->line = line;
	if ((v->name = strdup(name)) == NULL) {
		l->n--;
		return RW_CONF_NOMEM;
	}
	return RW_CONF_OK;
}

/* rw_conf_release_domains - empty a domain list */
void
rw_conf_release_domains(void *target, const struct rw_config_key *key)
{
	struct rw_domain_list *l = rw_conf_field(target, key, struct rw_domain_list);
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ------------------------------------------------------------ access tables */

/* split_rule - "KEY ACTION [text]" into its parts; ACTION from key->words */
static enum rw_config_status
split_rule(const struct rw_config_key *key, char *item, char **rkey,
    enum rw_access_action *action, char **text, char *err, size_t errlen)
{
	char	 words[64];
	char	*act, *rest;
	const unsigned char *p;
	int	 a;

	rw_conf_words_join(key->words, words, sizeof(words));
	*rkey = item;
	act = item + strcspn(item, " \t");
	if (*act == '\0')
		return BAD("\"%s\" needs an action (%s)", item, words);
	*act++ = '\0';
	act = rw_conf_trim(act);
	rest = act + strcspn(act, " \t");
	if (*rest != '\0')
		*rest++ = '\0';
	rest = rw_conf_trim(rest);
	if (!rw_conf_word_find(key->words, act, &a))
		return BAD("unknown action \"%s\" (%s)", act, words);
	*action = (enum rw_access_action)a;
	*text = NULL;
	if (*rest == '\0')
		return RW_CONF_OK;
	if (strlen(rest) > RW_TEXT_MAX)
		return BAD("reply text longer than %d characters", RW_TEXT_MAX);
	for (p = (const unsigned char *)rest; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			return BAD("reply text must be printable ASCII");
	*text = rest;
	return RW_CONF_OK;
}

/* rw_conf_item_client_access - "CIDR|NAME ACTION [text]" */
enum rw_config_status
rw_conf_item_client_access(void *target, const struct rw_config_key *key,
    const char *item, unsigned int line, char *err, size_t errlen)
{
	struct rw_config *cfg = target;
	char	 buf[1024];
	char	*rkey, *text;
	enum rw_access_action action;
	enum rw_config_status st;
	struct rw_cidr c;
	struct rw_client_rule *v;
	size_t	 i;

	if (!rw_strlcpy_ok(buf, item, sizeof(buf)))
		return BAD("entry too long");
	if ((st = split_rule(key, buf, &rkey, &action, &text, err, errlen)) !=
	    RW_CONF_OK)
		return st;
	if (!rw_cidr_parse(rkey, &c, err, errlen)) {
		/* not an address: a host name, a domain or a pattern */
		if (!rw_conf_looks_like_name(rkey))
			return RW_CONF_BAD;
		return rw_conf_client_name(cfg, key, rkey, action, text, line,
		    err, errlen);
	}
	for (i = 0; i < cfg->nclient_access; i++) {
		const struct rw_client_rule *r = &cfg->client_access[i];

		if (r->cidr.prefix != c.prefix ||
		    memcmp(&r->cidr.net, &c.net, sizeof(c.net)) != 0)
			continue;
		if (r->action != action)
			return BAD("%s %s contradicts %s at line %u", rkey,
			    rw_conf_word_name(key->words, (int)action),
			    rw_conf_word_name(key->words, (int)r->action), r->line);
		return RW_CONF_OK;
	}
	if ((v = grow(cfg->client_access, &cfg->nclient_access,
	    sizeof(*v))) == NULL)
		return RW_CONF_NOMEM;
	cfg->client_access = v;
	v = &v[cfg->nclient_access - 1];
	v->cidr = c;
	v->action = action;
	v->line = line;
	v->text = NULL;
	if (text != NULL && (v->text = strdup(text)) == NULL) {
		cfg->nclient_access--;
		return RW_CONF_NOMEM;
	}
	return RW_CONF_OK;
}

/* rw_conf_release_client_access - empty the client table */
void
rw_conf_release_client_access(void *target, const struct rw_config_key *key)
{
	struct rw_config *cfg = target;
	size_t	i;

	(void)key;
	for (i = 0; i < cfg->nclient_access; i++)
		free(cfg->client_access[i].text);
	free(cfg->client_access);
	cfg->client_access = NULL;
	cfg->nclient_access = 0;
	rw_conf_release_client_names(cfg);
}

/* sender_key - "<>", "@domain", "user@domain" or "domain", normalised */
static enum rw_config_status
sender_key(const char *rkey, enum rw_sender_key *kind, char *out,
    size_t outlen, char *err, size_t errlen)
{
	char	why[200];
	struct rw_address a;

	if (strcmp(rkey, "<>") == 0) {
		*kind = RW_SKEY_NULL;
		rw_strlcpy_ok(out, "<>", outlen);
		return RW_CONF_OK;
	}
	if (rkey[0] == '@') {
		*kind = RW_SKEY_ATDOMAIN;
		if (rw_domain_normalize(rkey + 1, out, outlen, why, sizeof(why)))
			return RW_CONF_OK;
	} else if (strchr(rkey, '@') != NULL) {
		*kind = RW_SKEY_ADDRESS;
		rw_address_parse(rkey, &a);
		if (a.cls == RW_ADDR_PLAIN && a.domain[0] != '\0' &&
		    (size_t)snprintf(out, outlen, "%s@%s", a.local, a.domain) <
		    outlen) {
			rw_lowercase(out);
			return RW_CONF_OK;
		}
		snprintf(why, sizeof(why), "not a plain address");
	} else {
		*kind = RW_SKEY_DOMAIN;
		if (rw_domain_normalize(rkey, out, outlen, why, sizeof(why)))
			return RW_CONF_OK;
	}
	return BAD("bad key \"%s\": %s", rkey, why);
}

/* rw_conf_item_sender_access - "KEY ACTION [text]" */
enum rw_config_status
rw_conf_item_sender_access(void *target, const struct rw_config_key *key,
    const char *item, unsigned int line, char *err, size_t errlen)
{
	struct rw_config *cfg = target;
	char	 buf[1024], norm[RW_ADDR_MAX + RW_HOSTNAME_MAX + 2];
	char	*rkey, *text;
	enum rw_access_action action;
	enum rw_sender_key kind;
	enum rw_config_status st;
	struct rw_sender_rule *v;
	size_t	 i;

	if (!rw_strlcpy_ok(buf, item, sizeof(buf)))
		return BAD("entry too long");
	if ((st = split_rule(key, buf, &rkey, &action, &text, err, errlen)) !=
	    RW_CONF_OK)
		return st;
	if ((st = sender_key(rkey, &kind, norm, sizeof(norm), err, errlen)) !=
	    RW_CONF_OK)
		return st;
	for (i = 0; i < cfg->nsender_access; i++) {
		const struct rw_sender_rule *r = &cfg->sender_access[i];

		if (r->kind != kind || strcmp(r->key, norm) != 0)
			continue;
		if (r->action != action)
			return BAD("%s %s contradicts %s at line %u", rkey,
			    rw_conf_word_name(key->words, (int)action),
			    rw_conf_word_name(key->words, (int)r->action), r->line);
		return RW_CONF_OK;
	}
	if ((v = grow(cfg->sender_access, &cfg->nsender_access,
	    sizeof(*v))) == NULL)
		return RW_CONF_NOMEM;
	cfg->sender_access = v;
	v = &v[cfg->nsender_access - 1];
	v->kind = kind;
	v->action = action;
	v->line = line;
	v->text = NULL;
	if ((v->key = strdup(norm)) == NULL ||
	    (text != NULL && (v->text = strdup(text)) == NULL)) {
		free(v->key);
		cfg->nsender_access--;
		return RW_CONF_NOMEM;
	}
	return RW_CONF_OK;
}

/* rw_conf_release_sender_access - empty the sender table */
void
rw_conf_release_sender_access(void *target, const struct rw_config_key *key)
{
	struct rw_config *cfg = target;
	size_t	i;

	(void)key;
	for (i = 0; i < cfg->nsender_access; i++) {
		free(cfg->sender_access[i].key);
		free(cfg->sender_access[i].text);
	}
	free(cfg->sender_access);
	cfg->sender_access = NULL;
	cfg->nsender_access = 0;
}

/* ------------------------------------------------------------ DNS lists */

/* rw_conf_item_dnsbl - one list of the kind in key->arg */
enum rw_config_status
rw_conf_item_dnsbl(void *target, const struct rw_config_key *key,
    const char *item, unsigned int line, char *err, size_t errlen)
{
	struct rw_config *cfg = target;
	struct rw_dnsbl_zone z, *v;

	if (cfg->ndnsbl >= RW_DNSBL_MAX)
		return BAD("more than %d lists in all", RW_DNSBL_MAX);
	if (!rw_dnsbl_parse(item, (enum rw_dnsbl_kind)key->arg, &z, err, errlen))
		return RW_CONF_BAD;
	z.line = line;
	if ((v = grow(cfg->dnsbl, &cfg->ndnsbl, sizeof(*v))) == NULL) {
		free(z.zone);
		free(z.spec);
		return RW_CONF_NOMEM;
	}
	cfg->dnsbl = v;
	v[cfg->ndnsbl - 1] = z;
	return RW_CONF_OK;
}

/* rw_conf_release_dnsbl - empty the lists of every kind */
void
rw_conf_release_dnsbl(void *target, const struct rw_config_key *key)
{
	struct rw_config *cfg = target;
	size_t	i;

	(void)key;
	for (i = 0; i < cfg->ndnsbl; i++) {
		free(cfg->dnsbl[i].zone);
		free(cfg->dnsbl[i].spec);
	}
	free(cfg->dnsbl);
	cfg->dnsbl = NULL;
	cfg->ndnsbl = 0;
}

/* ------------------------------------------------------------ exemptions */

/* rw_conf_item_exempt - "postmaster@" (any of our domains) or "user@domain" */
enum rw_config_status
rw_conf_item_exempt(void *target, const struct rw_config_key *key,
    const char *item, unsigned int line, char *err, size_t errlen)
{
	struct rw_config *cfg = target;
	char	**v, *copy;
	size_t	 l = strlen(item);
	struct rw_address a;

	(void)key;
	(void)line;
	if (l < 2 || l > 300 || strchr(item, '@') == NULL || item[0] == '@')
		goto bad;
	if (item[l - 1] != '@') {
		rw_address_parse(item, &a);
		if (a.cls != RW_ADDR_PLAIN || a.domain[0] == '\0')
			goto bad;
	}
	if ((copy = strdup(item)) == NULL)
		return RW_CONF_NOMEM;
	rw_lowercase(copy);
	if ((v = grow(cfg->exempt_recipients, &cfg->nexempt_recipients,
	    sizeof(*v))) == NULL) {
		free(copy);
		return RW_CONF_NOMEM;
	}
	cfg->exempt_recipients = v;
	v[cfg->nexempt_recipients - 1] = copy;
	return RW_CONF_OK;
bad:
	return BAD("\"%s\" is neither \"local@\" nor \"local@domain\"", item);
}

/* rw_conf_release_exempt - empty the exemptions */
void
rw_conf_release_exempt(void *target, const struct rw_config_key *key)
{
	struct rw_config *cfg = target;
	size_t	i;

	(void)key;
	for (i = 0; i < cfg->nexempt_recipients; i++)
		free(cfg->exempt_recipients[i]);
	free(cfg->exempt_recipients);
	cfg->exempt_recipients = NULL;
	cfg->nexempt_recipients = 0;
}
