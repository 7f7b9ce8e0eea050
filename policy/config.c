/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	config - parse relaywarden.conf text into an immutable rw_config
 * DESCRIPTION
 *	The format is "key = value" lines; "#" starts a comment at the start
 *	of a line or after whitespace. Every key is defined once, in the
 *	keys[] table: its name, its default and the parser of its value.
 *	List values are separated by commas or whitespace; the access tables
 *	by commas only, because an entry has spaces inside. Any list item
 *	may be "file:/path", read through the caller's reader: one entry a
 *	line, comments allowed, errors located at "/path:line".
 *
 *	Every error is collected, not just the first, as "file:line: msg"
 *	lines in the caller's buffer, and then no configuration is returned:
 *	a half-read policy must never run. Unknown keys, a key given twice,
 *	bad networks, bad domains and contradictions (a domain both local
 *	and relay, one network or sender with two different actions) are
 *	errors.
 *
 *	No I/O happens here: "file:" lists come through rw_config_reader.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rw_policy.h"

#define RW_TEXT_MAX	200	/* access reply text */

struct parse_ctx {
	rw_config_reader *reader;
	void		*reader_ctx;
	char		*err;
	size_t		 errlen;
	size_t		 errused;
	unsigned int	 nerrors;
	bool		 oom;
};

struct where {
	const char	*src;
	unsigned int	 line;
};

struct keydef;
typedef bool key_parser(struct parse_ctx *, struct rw_config *,
    const struct keydef *, const char *value, const struct where *);
typedef bool item_parser(struct parse_ctx *, struct rw_config *,
    const struct keydef *, const char *item, const struct where *);

struct keydef {
	const char	*name;
	const char	*def;		/* default, in configuration syntax */
	key_parser	*parse;
	item_parser	*item;		/* for lists */
	size_t		 off;		/* field in struct rw_config */
	bool		 commas_only;	/* list entries may contain spaces */
};

static void
report(struct parse_ctx *ctx, const struct where *w, const char *fmt, ...)
{
	va_list	ap;
	char	msg[512];
	int	n;

	ctx->nerrors++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ctx->err == NULL || ctx->errlen == 0)
		return;
	n = snprintf(ctx->err + ctx->errused, ctx->errlen - ctx->errused,
	    "%s:%u: %s\n", w->src, w->line, msg);
	if (n > 0 && (size_t)n < ctx->errlen - ctx->errused)
		ctx->errused += (size_t)n;
}

static char *
xstrdup(struct parse_ctx *ctx, const char *s)
{
	char	*p = strdup(s);

	if (p == NULL)
		ctx->oom = true;
	return p;
}

static void *
grow(struct parse_ctx *ctx, void *ptr, size_t *n, size_t size)
{
	void	*p;

	if (*n >= ((size_t)-1) / 2 / size) {
		ctx->oom = true;
		return NULL;
	}
	p = realloc(ptr, (*n + 1) * size);
	if (p == NULL) {
		ctx->oom = true;
		return NULL;
	}
	(*n)++;
	return p;
}

static char *
trim(char *s)
{
	size_t	len;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	    s[len - 1] == '\r' || s[len - 1] == '\n'))
		s[--len] = '\0';
	return s;
}

/* strip_comment - cut at a '#' at line start or after whitespace */
static void
strip_comment(char *s)
{
	char	*p;

	for (p = s; *p != '\0'; p++)
		if (*p == '#' && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
}

/* ------------------------------------------------------------ scalar parsers */

#define FIELD(cfg, kd, type)	((type *)(void *)((char *)(cfg) + (kd)->off))

static bool
parse_string(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *value, const struct where *w)
{
	char	**field = FIELD(cfg, kd, char *);
	char	 *copy;

	(void)w;
	if (strlen(value) > 1024) {
		report(ctx, w, "value of %s is too long", kd->name);
		return false;
	}
	if ((copy = xstrdup(ctx, value)) == NULL)
		return false;
	free(*field);
	*field = copy;
	return true;
}

static bool
parse_socket(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *value, const struct where *w)
{
	if (strncmp(value, "unix:", 5) != 0 && strncmp(value, "local:", 6) != 0 &&
	    strncmp(value, "inet:", 5) != 0 && strncmp(value, "inet6:", 6) != 0) {
		report(ctx, w, "socket \"%s\" must start with unix:, local:, inet: or inet6:",
		    value);
		return false;
	}
	if (strchr(value, ':')[1] == '\0') {
		report(ctx, w, "socket \"%s\" names no path or port", value);
		return false;
	}
	return parse_string(ctx, cfg, kd, value, w);
}

static bool
parse_mode_octal(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *value, const struct where *w)
{
	char	*end;
	unsigned long m;

	errno = 0;
	m = strtoul(value, &end, 8);
	if (value[0] == '\0' || *end != '\0' || errno != 0 || m > 0777) {
		report(ctx, w, "%s must be an octal mode such as 0660, not \"%s\"",
		    kd->name, value);
		return false;
	}
	*FIELD(cfg, kd, unsigned int) = (unsigned int)m;
	return true;
}

static bool
parse_uint(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *value, const struct where *w)
{
	char	*end;
	unsigned long n;

	errno = 0;
	n = strtoul(value, &end, 10);
	if (value[0] < '0' || value[0] > '9' || *end != '\0' || errno != 0 ||
	    n > 1000000) {
		report(ctx, w, "%s must be a number from 0 to 1000000, not \"%s\"",
		    kd->name, value);
		return false;
	}
	*FIELD(cfg, kd, unsigned int) = (unsigned int)n;
	return true;
}

static bool
parse_bool(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *value, const struct where *w)
{
	bool	*field = FIELD(cfg, kd, bool);

	if (strcasecmp(value, "yes") == 0 || strcasecmp(value, "true") == 0 ||
	    strcasecmp(value, "on") == 0 || strcmp(value, "1") == 0)
		*field = true;
	else if (strcasecmp(value, "no") == 0 || strcasecmp(value, "false") == 0 ||
	    strcasecmp(value, "off") == 0 || strcmp(value, "0") == 0)
		*field = false;
	else {
		report(ctx, w, "%s must be yes or no, not \"%s\"", kd->name, value);
		return false;
	}
	return true;
}

static bool parse_word(struct parse_ctx *, const struct where *, const char *,
    const char *, const char *const *, int *);

static bool
parse_mode(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *value, const struct where *w)
{
	static const char *const words[] = { "enforce", "dryrun", NULL };
	int	i;

	if (!parse_word(ctx, w, kd->name, value, words, &i))
		return false;
	cfg->mode = i == 0 ? RW_MODE_ENFORCE : RW_MODE_DRYRUN;
	return true;
}

static bool
parse_internal_error(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *value, const struct where *w)
{
	static const char *const words[] = { "tempfail", "accept", NULL };
	int	i;

	if (!parse_word(ctx, w, kd->name, value, words, &i))
		return false;
	cfg->on_internal_error = i == 0 ? RW_ACT_TEMPFAIL : RW_ACT_ACCEPT;
	return true;
}

static bool
parse_log_level(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *value, const struct where *w)
{
	static const char *const words[] = { "info", "debug", NULL };
	int	i;

	if (!parse_word(ctx, w, kd->name, value, words, &i))
		return false;
	cfg->log_debug = i == 1;
	return true;
}

/* ------------------------------------------------------------ list items */

static bool
item_cidr(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *item, const struct where *w)
{
	struct rw_cidr_list *l = FIELD(cfg, kd, struct rw_cidr_list);
	struct rw_cidr c;
	struct rw_cidr *v;
	char	err[200];
	size_t	i;

	if (!rw_cidr_parse(item, &c, err, sizeof(err))) {
		report(ctx, w, "%s: %s", kd->name, err);
		return false;
	}
	for (i = 0; i < l->n; i++)
		if (l->v[i].prefix == c.prefix &&
		    memcmp(&l->v[i].net, &c.net, sizeof(c.net)) == 0)
			return true;	/* the same network twice is harmless */
	if ((v = grow(ctx, l->v, &l->n, sizeof(*v))) == NULL)
		return false;
	l->v = v;
	l->v[l->n - 1] = c;
	return true;
}

static const struct rw_domain *
domain_find(const struct rw_domain_list *l, const char *name)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

static bool
item_domain(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *item, const struct where *w)
{
	struct rw_domain_list *l = FIELD(cfg, kd, struct rw_domain_list);
	const struct rw_domain_list *other = l == &cfg->local_domains ?
	    &cfg->relay_domains : &cfg->local_domains;
	const struct rw_domain *dup;
	struct rw_domain *v;
	char	name[RW_HOSTNAME_MAX + 1], err[200];
	bool	sub = item[0] == '.';

	if (!rw_domain_normalize(item + (sub ? 1 : 0), name, sizeof(name),
	    err, sizeof(err)) || (sub && name[0] == '[')) {
		report(ctx, w, "%s: bad domain \"%s\": %s", kd->name, item,
		    sub && name[0] == '[' ? "a literal has no subdomains" : err);
		return false;
	}
	if ((dup = domain_find(other, name)) != NULL) {
		report(ctx, w, "%s: \"%s\" is also in %s (line %u): a domain is "
		    "either local or relayed", kd->name, name,
		    other == &cfg->local_domains ? "local_domains" : "relay_domains",
		    dup->line);
		return false;
	}
	if ((dup = domain_find(l, name)) != NULL) {
		if (dup->subdomains != sub) {
			/* "a.test" and ".a.test": keep the wider one */
			((struct rw_domain *)dup)->subdomains = true;
		}
		return true;
	}
	if ((v = grow(ctx, l->v, &l->n, sizeof(*v))) == NULL)
		return false;
	l->v = v;
	v = &l->v[l->n - 1];
	v->subdomains = sub;
	v->line = w->line;
	if ((v->name = xstrdup(ctx, name)) == NULL) {
		l->n--;
		return false;
	}
	return true;
}

/* split_rule - "KEY ACTION [text]" into its parts */
static bool
split_rule(struct parse_ctx *ctx, const struct keydef *kd, char *item,
    const struct where *w, char **key, enum rw_access_action *action,
    char **text)
{
	char	*act, *rest;

	*key = item;
	act = item + strcspn(item, " \t");
	if (*act == '\0') {
		report(ctx, w, "%s: \"%s\" needs an action (OK, REJECT or TEMPFAIL)",
		    kd->name, item);
		return false;
	}
	*act++ = '\0';
	act = trim(act);
	rest = act + strcspn(act, " \t");
	if (*rest != '\0')
		*rest++ = '\0';
	rest = trim(rest);
	if (strcasecmp(act, "OK") == 0)
		*action = RW_ACCESS_OK;
	else if (strcasecmp(act, "REJECT") == 0)
		*action = RW_ACCESS_REJECT;
	else if (strcasecmp(act, "TEMPFAIL") == 0)
		*action = RW_ACCESS_TEMPFAIL;
	else {
		report(ctx, w, "%s: unknown action \"%s\" (OK, REJECT or TEMPFAIL)",
		    kd->name, act);
		return false;
	}
	*text = NULL;
	if (*rest != '\0') {
		const unsigned char *p;

		if (strlen(rest) > RW_TEXT_MAX) {
			report(ctx, w, "%s: reply text longer than %d characters",
			    kd->name, RW_TEXT_MAX);
			return false;
		}
		for (p = (const unsigned char *)rest; *p != '\0'; p++)
			if (*p < 0x20 || *p > 0x7e) {
				report(ctx, w, "%s: reply text must be printable ASCII",
				    kd->name);
				return false;
			}
		*text = rest;
	}
	return true;
}

static const char *
action_word(enum rw_access_action a)
{
	return a == RW_ACCESS_OK ? "OK" : a == RW_ACCESS_REJECT ? "REJECT" :
	    "TEMPFAIL";
}

static bool
item_client_access(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *item, const struct where *w)
{
	char	 buf[1024], err[200];
	char	*key, *text;
	enum rw_access_action action;
	struct rw_cidr c;
	struct rw_client_rule *v;
	size_t	 i;

	if (!rw_strlcpy_ok(buf, item, sizeof(buf))) {
		report(ctx, w, "%s: entry too long", kd->name);
		return false;
	}
	if (!split_rule(ctx, kd, buf, w, &key, &action, &text))
		return false;
	if (!rw_cidr_parse(key, &c, err, sizeof(err))) {
		report(ctx, w, "%s: %s", kd->name, err);
		return false;
	}
	for (i = 0; i < cfg->nclient_access; i++) {
		struct rw_client_rule *r = &cfg->client_access[i];

		if (r->cidr.prefix != c.prefix ||
		    memcmp(&r->cidr.net, &c.net, sizeof(c.net)) != 0)
			continue;
		if (r->action != action) {
			report(ctx, w, "%s: %s %s contradicts %s at line %u",
			    kd->name, key, action_word(action),
			    action_word(r->action), r->line);
			return false;
		}
		return true;
	}
	if ((v = grow(ctx, cfg->client_access, &cfg->nclient_access,
	    sizeof(*v))) == NULL)
		return false;
	cfg->client_access = v;
	v = &v[cfg->nclient_access - 1];
	v->cidr = c;
	v->action = action;
	v->line = w->line;
	v->text = NULL;
	if (text != NULL && (v->text = xstrdup(ctx, text)) == NULL) {
		cfg->nclient_access--;
		return false;
	}
	return true;
}

static bool
sender_key(struct parse_ctx *ctx, const struct keydef *kd, const char *key,
    const struct where *w, enum rw_sender_key *kind, char *out, size_t outlen)
{
	char	err[200];
	struct rw_address a;

	if (strcmp(key, "<>") == 0) {
		*kind = RW_SKEY_NULL;
		rw_strlcpy_ok(out, "<>", outlen);
		return true;
	}
	if (key[0] == '@') {
		*kind = RW_SKEY_ATDOMAIN;
		if (rw_domain_normalize(key + 1, out, outlen, err, sizeof(err)))
			return true;
	} else if (strchr(key, '@') != NULL) {
		*kind = RW_SKEY_ADDRESS;
		rw_address_parse(key, &a);
		if (a.cls == RW_ADDR_PLAIN && a.domain[0] != '\0' &&
		    (size_t)snprintf(out, outlen, "%s@%s", a.local, a.domain) < outlen) {
			rw_lowercase(out);
			return true;
		}
		snprintf(err, sizeof(err), "not a plain address");
	} else {
		*kind = RW_SKEY_DOMAIN;
		if (rw_domain_normalize(key, out, outlen, err, sizeof(err)))
			return true;
	}
	report(ctx, w, "%s: bad key \"%s\": %s", kd->name, key, err);
	return false;
}

static bool
item_sender_access(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *item, const struct where *w)
{
	char	 buf[1024], norm[RW_ADDR_MAX + RW_HOSTNAME_MAX + 2];
	char	*key, *text;
	enum rw_access_action action;
	enum rw_sender_key kind;
	struct rw_sender_rule *v;
	size_t	 i;

	if (!rw_strlcpy_ok(buf, item, sizeof(buf))) {
		report(ctx, w, "%s: entry too long", kd->name);
		return false;
	}
	if (!split_rule(ctx, kd, buf, w, &key, &action, &text))
		return false;
	if (!sender_key(ctx, kd, key, w, &kind, norm, sizeof(norm)))
		return false;
	for (i = 0; i < cfg->nsender_access; i++) {
		struct rw_sender_rule *r = &cfg->sender_access[i];

		if (r->kind != kind || strcmp(r->key, norm) != 0)
			continue;
		if (r->action != action) {
			report(ctx, w, "%s: %s %s contradicts %s at line %u",
			    kd->name, key, action_word(action),
			    action_word(r->action), r->line);
			return false;
		}
		return true;
	}
	if ((v = grow(ctx, cfg->sender_access, &cfg->nsender_access,
	    sizeof(*v))) == NULL)
		return false;
	cfg->sender_access = v;
	v = &v[cfg->nsender_access - 1];
	v->kind = kind;
	v->action = action;
	v->line = w->line;
	v->text = NULL;
	if ((v->key = xstrdup(ctx, norm)) == NULL ||
	    (text != NULL && (v->text = xstrdup(ctx, text)) == NULL)) {
		free(v->key);
		cfg->nsender_access--;
		return false;
	}
	return true;
}

/* ------------------------------------------------------------ DNS keys */

static bool
parse_duration_ms(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *value, const struct where *w)
{
	char	*end;
	unsigned long n;

	errno = 0;
	n = strtoul(value, &end, 10);
	if (value[0] < '0' || value[0] > '9' || errno != 0 || n > 600000)
		goto bad;
	if (strcmp(end, "s") == 0)
		n *= 1000;	/* n <= 600000: no overflow */
	else if (*end != '\0' && strcmp(end, "ms") != 0)
		goto bad;
	if (n < 10 || n > 600000)
		goto bad;
	*FIELD(cfg, kd, unsigned int) = (unsigned int)n;
	return true;
bad:
	report(ctx, w, "%s must be a duration from 10ms to 600s (\"500ms\", \"2s\"), "
	    "not \"%s\"", kd->name, value);
	return false;
}

static bool
parse_int_range(struct parse_ctx *ctx, const struct where *w, const char *name,
    const char *value, long lo, long hi, long *out)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(value, &end, 10);
	if (value[0] == '\0' || *end != '\0' || errno != 0 || n < lo || n > hi) {
		report(ctx, w, "%s must be a number from %ld to %ld, not \"%s\"",
		    name, lo, hi, value);
		return false;
	}
	*out = n;
	return true;
}

static bool
parse_small_uint(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *value, const struct where *w)
{
	long	n;

	if (!parse_int_range(ctx, w, kd->name, value, 0, 10, &n))
		return false;
	*FIELD(cfg, kd, unsigned int) = (unsigned int)n;
	return true;
}

static bool
parse_threshold(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *value, const struct where *w)
{
	long	n;

	if (!parse_int_range(ctx, w, kd->name, value, 1, 100000, &n))
		return false;
	cfg->dnsbl_threshold = (int)n;
	return true;
}

static bool
parse_cache_size(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *value, const struct where *w)
{
	long	n;

	if (!parse_int_range(ctx, w, kd->name, value, 0, 10000000, &n))
		return false;
	cfg->dns_cache_size = (unsigned int)n;
	return true;
}

static bool
parse_probe_interval(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *value, const struct where *w)
{
	long	n;

	if (!parse_int_range(ctx, w, kd->name, value, 0, 86400, &n))
		return false;
	if (n > 0 && n < 10) {
		report(ctx, w, "%s: probing more often than every 10 seconds "
		    "would hammer the lists", kd->name);
		return false;
	}
	cfg->dnsbl_probe_interval = (unsigned int)n;
	return true;
}

/* parse_word - value must be one of words[]; stores its index */
static bool
parse_word(struct parse_ctx *ctx, const struct where *w, const char *name,
    const char *value, const char *const *words, int *out)
{
	int	i;
	char	list[128];
	size_t	o = 0;

	for (i = 0; words[i] != NULL; i++)
		if (strcasecmp(value, words[i]) == 0) {
			*out = i;
			return true;
		}
	list[0] = '\0';
	for (i = 0; words[i] != NULL && o < sizeof(list); i++) {
		int n = snprintf(list + o, sizeof(list) - o, "%s%s",
		    i ? (words[i + 1] ? ", " : " or ") : "", words[i]);
		if (n > 0)
			o += (size_t)n;
	}
	report(ctx, w, "%s must be %s, not \"%s\"", name, list, value);
	return false;
}

static bool
parse_verdict_stage(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *value, const struct where *w)
{
	static const char *const words[] = { "connect", "helo", "mail", "rcpt", NULL };
	static const enum rw_stage stages[] = { RW_STAGE_CONNECT, RW_STAGE_HELO,
	    RW_STAGE_MAIL, RW_STAGE_RCPT };
	int	i;

	if (!parse_word(ctx, w, kd->name, value, words, &i))
		return false;
	cfg->dns_verdict_stage = stages[i];
	return true;
}

static bool
parse_rdns_check(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *value, const struct where *w)
{
	static const char *const words[] = { "off", "tag", "tempfail", "reject", NULL };
	static const enum rw_rdns_mode modes[] = { RW_RDNS_OFF, RW_RDNS_TAG,
	    RW_RDNS_TEMPFAIL, RW_RDNS_REJECT };
	int	i;

	if (!parse_word(ctx, w, kd->name, value, words, &i))
		return false;
	cfg->rdns_check = modes[i];
	return true;
}

static bool
parse_dnsbl_action(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *value, const struct where *w)
{
	static const char *const words[] = { "reject", "tempfail", "tag", NULL };
	static const enum rw_dns_verdict_action acts[] = { RW_DNSACT_REJECT,
	    RW_DNSACT_TEMPFAIL, RW_DNSACT_TAG };
	int	i;

	if (!parse_word(ctx, w, kd->name, value, words, &i))
		return false;
	cfg->dnsbl_action = acts[i];
	return true;
}

static bool
parse_authserv_id(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *value, const struct where *w)
{
	const char *p;

	for (p = value; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~' || *p == ';' || *p == '(' || *p == ')') {
			report(ctx, w, "authserv_id \"%s\": a host name, without "
			    "spaces, ';' or comments (RFC 8601 2.5)", value);
			return false;
		}
	return parse_string(ctx, cfg, kd, value, w);
}

static bool
parse_spf_action(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *value, const struct where *w)
{
	static const char *const words[] = { "accept", "tag", "tempfail", "reject", NULL };
	static const enum rw_spf_action acts[] = { RW_SPFACT_ACCEPT, RW_SPFACT_TAG,
	    RW_SPFACT_TEMPFAIL, RW_SPFACT_REJECT };
	enum rw_spf_result r = strcmp(kd->name, "spf_fail") == 0 ? RW_SPF_FAIL :
	    strcmp(kd->name, "spf_softfail") == 0 ? RW_SPF_SOFTFAIL :
	    strcmp(kd->name, "spf_neutral") == 0 ? RW_SPF_NEUTRAL :
	    strcmp(kd->name, "spf_none") == 0 ? RW_SPF_NONE :
	    strcmp(kd->name, "spf_temperror") == 0 ? RW_SPF_TEMPERROR : RW_SPF_PERMERROR;
	int	i;

	if (!parse_word(ctx, w, kd->name, value, words, &i))
		return false;
	if (r == RW_SPF_TEMPERROR && acts[i] == RW_SPFACT_REJECT) {
		report(ctx, w, "spf_temperror = reject would refuse mail for a DNS "
		    "failure; use tempfail (or accept/tag to fail open)");
		return false;
	}
	cfg->spf_action[r] = acts[i];
	return true;
}

/* item_dns_server - "ip", "ip:port", "[ipv6]", "[ipv6]:port" */
static bool
item_dns_server(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *item, const struct where *w)
{
	char	 host[RW_IPTEXT_MAX], *joined;
	const char *port = NULL, *close;
	struct rw_ip ip;
	size_t	 hl, old;
	unsigned long pn;
	char	*end;

	if (item[0] == '[') {
		if ((close = strchr(item, ']')) == NULL)
			goto bad;
		hl = (size_t)(close - item - 1);
		if (hl >= sizeof(host))
			goto bad;
		memcpy(host, item + 1, hl);
		host[hl] = '\0';
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			goto bad;
	} else {
		const char *colon = strchr(item, ':');

		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			goto bad;	/* bare IPv6 with a port is ambiguous */
		hl = colon != NULL ? (size_t)(colon - item) : strlen(item);
		if (hl >= sizeof(host))
			goto bad;
		memcpy(host, item, hl);
		host[hl] = '\0';
		if (colon != NULL)
			port = colon + 1;
	}
	if (!rw_ip_parse(host, &ip))
		goto bad;
	if (port != NULL) {
		errno = 0;
		pn = strtoul(port, &end, 10);
		if (*port == '\0' || *end != '\0' || errno != 0 || pn == 0 || pn > 65535)
			goto bad;
	}
	old = cfg->dns_servers != NULL ? strlen(cfg->dns_servers) : 0;
	if ((joined = realloc(cfg->dns_servers, old + strlen(item) + 2)) == NULL) {
		ctx->oom = true;
		return false;
	}
	if (old > 0)
		joined[old++] = ',';
	memcpy(joined + old, item, strlen(item) + 1);
	cfg->dns_servers = joined;
	return true;
bad:
	report(ctx, w, "%s: bad server \"%s\" (want 127.0.0.1, 127.0.0.1:5353, "
	    "[::1] or [::1]:5353)", kd->name, item);
	return false;
}

static bool
item_dnsbl(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *item, const struct where *w)
{
	enum rw_dnsbl_kind kind = strcmp(kd->name, "dnsbl") == 0 ? RW_BL_CLIENT :
	    strcmp(kd->name, "rhsbl_helo") == 0 ? RW_BL_HELO :
	    strcmp(kd->name, "rhsbl_sender") == 0 ? RW_BL_SENDER : RW_BL_PTR;
	struct rw_dnsbl_zone z, *v;
	char	err[256];

	if (cfg->ndnsbl >= RW_DNSBL_MAX) {
		report(ctx, w, "%s: more than %d lists in all", kd->name, RW_DNSBL_MAX);
		return false;
	}
	if (!rw_dnsbl_parse(item, kind, &z, err, sizeof(err))) {
		report(ctx, w, "%s: %s", kd->name, err);
		return false;
	}
	z.line = w->line;
	if ((v = grow(ctx, cfg->dnsbl, &cfg->ndnsbl, sizeof(*v))) == NULL) {
		free(z.zone);
		free(z.spec);
		return false;
	}
	cfg->dnsbl = v;
	v[cfg->ndnsbl - 1] = z;
	return true;
}

/* item_exempt - "postmaster@" (any of our domains) or "user@domain" */
static bool
item_exempt(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *item, const struct where *w)
{
	char	**v, *copy;
	size_t	 l = strlen(item);
	struct rw_address a;

	if (l < 2 || l > 300 || strchr(item, '@') == NULL || item[0] == '@')
		goto bad;
	if (item[l - 1] != '@') {
		rw_address_parse(item, &a);
		if (a.cls != RW_ADDR_PLAIN || a.domain[0] == '\0')
			goto bad;
	}
	if ((copy = xstrdup(ctx, item)) == NULL)
		return false;
	rw_lowercase(copy);
	if ((v = grow(ctx, cfg->exempt_recipients, &cfg->nexempt_recipients,
	    sizeof(*v))) == NULL) {
		free(copy);
		return false;
	}
	cfg->exempt_recipients = v;
	v[cfg->nexempt_recipients - 1] = copy;
	return true;
bad:
	report(ctx, w, "%s: \"%s\" is neither \"local@\" nor \"local@domain\"",
	    kd->name, item);
	return false;
}

/* ------------------------------------------------------------ lists */

static bool parse_file_list(struct parse_ctx *, struct rw_config *,
    const struct keydef *, const char *path, const struct where *);

/* parse_list - split a value into items; expand "file:" items */
static bool
parse_list(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *value, const struct where *w)
{
	char	*copy, *p, *item;
	const char *seps = kd->commas_only ? "," : ", \t";
	bool	 ok = true;

	if ((copy = xstrdup(ctx, value)) == NULL)
		return false;
	for (p = copy; p != NULL; ) {
		item = p;
		p = item + strcspn(item, seps);
		if (*p != '\0')
			*p++ = '\0';
		else
			p = NULL;
		item = trim(item);
		if (*item == '\0')
			continue;
		if (strncmp(item, "file:", 5) == 0)
			ok = parse_file_list(ctx, cfg, kd, item + 5, w) && ok;
		else
			ok = kd->item(ctx, cfg, kd, item, w) && ok;
	}
	free(copy);
	return ok;
}

static bool
parse_file_list(struct parse_ctx *ctx, struct rw_config *cfg,
    const struct keydef *kd, const char *path, const struct where *w)
{
	char	 err[256];
	char	*text, *line, *next, *item;
	struct where fw;
	bool	 ok = true;

	if (path[0] == '\0') {
		report(ctx, w, "%s: \"file:\" needs a path", kd->name);
		return false;
	}
	if (ctx->reader == NULL) {
		report(ctx, w, "%s: file: lists are not allowed here", kd->name);
		return false;
	}
	err[0] = '\0';
	if ((text = ctx->reader(path, ctx->reader_ctx, err, sizeof(err))) == NULL) {
		report(ctx, w, "%s: cannot read %s: %s", kd->name, path, err);
		return false;
	}
	fw.src = path;
	fw.line = 0;
	for (line = text; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		fw.line++;
		strip_comment(line);
		line = trim(line);
		if (*line == '\0')
			continue;
		if (strncmp(line, "file:", 5) == 0) {
			report(ctx, &fw, "%s: a file: list cannot include another",
			    kd->name);
			ok = false;
			continue;
		}
		if (kd->commas_only) {
			ok = kd->item(ctx, cfg, kd, line, &fw) && ok;
			continue;
		}
		/* plain lists: a line may still hold several entries */
		while (*line != '\0') {
			item = line;
			line = item + strcspn(item, ", \t");
			if (*line != '\0')
				*line++ = '\0';
			if (*item != '\0')
				ok = kd->item(ctx, cfg, kd, item, &fw) && ok;
		}
	}
	free(text);
	return ok;
}

/* ------------------------------------------------------------ the key table */

#define OFF(f)	offsetof(struct rw_config, f)

static const struct keydef keys[] = {
	{ "socket", "unix:/run/relaywarden/relaywarden.sock", parse_socket, NULL, OFF(socket), false },
	{ "socket_mode", "0660", parse_mode_octal, NULL, OFF(socket_mode), false },
	{ "socket_group", "", parse_string, NULL, OFF(socket_group), false },
	{ "pidfile", "/run/relaywarden/relaywarden.pid", parse_string, NULL, OFF(pidfile), false },
	{ "user", "", parse_string, NULL, OFF(user), false },
	{ "mode", "enforce", parse_mode, NULL, 0, false },
	{ "on_internal_error", "tempfail", parse_internal_error, NULL, 0, false },
	{ "log_level", "info", parse_log_level, NULL, 0, false },
	{ "trusted_networks", "127.0.0.0/8, ::1/128", parse_list, item_cidr, OFF(trusted_networks), false },
	{ "trust_authenticated", "yes", parse_bool, NULL, OFF(trust_authenticated), false },
	{ "local_domains", "", parse_list, item_domain, OFF(local_domains), false },
	{ "relay_domains", "", parse_list, item_domain, OFF(relay_domains), false },
	{ "max_recipients", "100", parse_uint, NULL, OFF(max_recipients), false },
	{ "client_access", "", parse_list, item_client_access, 0, true },
	{ "sender_access", "", parse_list, item_sender_access, 0, true },
	{ "dns_servers", "", parse_list, item_dns_server, 0, false },
	{ "dns_timeout", "2s", parse_duration_ms, NULL, OFF(dns_timeout_ms), false },
	{ "dns_retries", "1", parse_small_uint, NULL, OFF(dns_retries), false },
	{ "dns_deadline", "8s", parse_duration_ms, NULL, OFF(dns_deadline_ms), false },
	{ "dns_cache_size", "10000", parse_cache_size, NULL, 0, false },
	{ "dns_fail_open", "no", parse_bool, NULL, OFF(dns_fail_open), false },
	{ "dns_verdict_stage", "rcpt", parse_verdict_stage, NULL, 0, false },
	{ "authserv_id", "", parse_authserv_id, NULL, OFF(authserv_id), false },
	{ "use_mta_ptr", "no", parse_bool, NULL, OFF(use_mta_ptr), false },
	{ "rdns_check", "tempfail", parse_rdns_check, NULL, 0, false },
	{ "rdns_require_forward", "yes", parse_bool, NULL, OFF(rdns_require_forward), false },
	{ "dnsbl", "", parse_list, item_dnsbl, 0, false },
	{ "rhsbl_sender", "", parse_list, item_dnsbl, 0, false },
	{ "rhsbl_helo", "", parse_list, item_dnsbl, 0, false },
	{ "rhsbl_client", "", parse_list, item_dnsbl, 0, false },
	{ "dnsbl_threshold", "1", parse_threshold, NULL, 0, false },
	{ "dnsbl_action", "reject", parse_dnsbl_action, NULL, 0, false },
	{ "dnsbl_probe_interval", "300", parse_probe_interval, NULL, 0, false },
	{ "exempt_recipients", "postmaster@, abuse@", parse_list, item_exempt, 0, false },
	{ "spf_check", "yes", parse_bool, NULL, OFF(spf_check), false },
	{ "spf_check_helo", "yes", parse_bool, NULL, OFF(spf_check_helo), false },
	{ "spf_fail", "reject", parse_spf_action, NULL, 0, false },
	{ "spf_softfail", "tag", parse_spf_action, NULL, 0, false },
	{ "spf_neutral", "accept", parse_spf_action, NULL, 0, false },
	{ "spf_none", "accept", parse_spf_action, NULL, 0, false },
	{ "spf_temperror", "tempfail", parse_spf_action, NULL, 0, false },
	{ "spf_permerror", "tag", parse_spf_action, NULL, 0, false },
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

static const struct keydef *
key_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* reset_list - a key given in the file replaces its default list */
static void
reset_field(struct rw_config *cfg, const struct keydef *kd)
{
	size_t	i;

	if (kd->item == item_cidr) {
		struct rw_cidr_list *l = FIELD(cfg, kd, struct rw_cidr_list);
		free(l->v);
		l->v = NULL;
		l->n = 0;
	} else if (kd->item == item_exempt) {
		for (i = 0; i < cfg->nexempt_recipients; i++)
			free(cfg->exempt_recipients[i]);
		free(cfg->exempt_recipients);
		cfg->exempt_recipients = NULL;
		cfg->nexempt_recipients = 0;
	} else if (kd->item == item_domain) {
		struct rw_domain_list *l = FIELD(cfg, kd, struct rw_domain_list);
		for (i = 0; i < l->n; i++)
			free(l->v[i].name);
		free(l->v);
		l->v = NULL;
		l->n = 0;
	}
}

static struct rw_config *
config_new(struct parse_ctx *ctx)
{
	struct rw_config *cfg = calloc(1, sizeof(*cfg));
	struct where w = { "(defaults)", 0 };
	size_t	i;

	if (cfg == NULL) {
		ctx->oom = true;
		return NULL;
	}
	for (i = 0; i < NKEYS; i++) {
		w.line = (unsigned int)i + 1;
		if (!keys[i].parse(ctx, cfg, &keys[i], keys[i].def, &w))
			break;
	}
	if (ctx->oom || ctx->nerrors > 0) {
		rw_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* rw_config_defaults - a configuration with every default */
struct rw_config *
rw_config_defaults(void)
{
	struct parse_ctx ctx;
	struct rw_config *cfg;

	memset(&ctx, 0, sizeof(ctx));
	cfg = config_new(&ctx);
	if (cfg != NULL && (cfg->source = strdup("(defaults)")) == NULL) {
		rw_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* parse_line - one "key = value" line */
static void
parse_line(struct parse_ctx *ctx, struct rw_config *cfg, char *line,
    const struct where *w, unsigned int *seen)
{
	char	*eq, *key, *value, *p;
	const struct keydef *kd;

	strip_comment(line);
	line = trim(line);
	if (*line == '\0')
		return;
	if ((eq = strchr(line, '=')) == NULL) {
		report(ctx, w, "expected \"key = value\", got \"%.60s\"", line);
		return;
	}
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	for (p = key; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '_')) {
			report(ctx, w, "bad key name \"%.60s\"", key);
			return;
		}
	if (*key == '\0') {
		report(ctx, w, "missing key before \"=\"");
		return;
	}
	if ((kd = key_find(key)) == NULL) {
		report(ctx, w, "unknown key \"%s\"", key);
		return;
	}
	if (seen[kd - keys] != 0) {
		report(ctx, w, "%s given twice (first at line %u)", key,
		    seen[kd - keys]);
		return;
	}
	seen[kd - keys] = w->line;
	reset_field(cfg, kd);
	kd->parse(ctx, cfg, kd, value, w);
}

/* rw_config_parse - text to configuration, every error reported */
struct rw_config *
rw_config_parse(const char *text, const char *source, rw_config_reader *reader,
    void *reader_ctx, char *err, size_t errlen)
{
	struct parse_ctx ctx;
	struct rw_config *cfg;
	unsigned int seen[NKEYS];
	struct where w;
	char	*copy, *line, *next;

	memset(&ctx, 0, sizeof(ctx));
	memset(seen, 0, sizeof(seen));
	ctx.reader = reader;
	ctx.reader_ctx = reader_ctx;
	ctx.err = err;
	ctx.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (source == NULL)
		source = "(config)";
	if ((cfg = config_new(&ctx)) == NULL)
		goto oom;
	if ((cfg->source = strdup(source)) == NULL || (copy = strdup(text)) == NULL) {
		rw_config_free(cfg);
		goto oom;
	}
	w.src = source;
	w.line = 0;
	for (line = copy; line != NULL && !ctx.oom; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		w.line++;
		parse_line(&ctx, cfg, line, &w, seen);
	}
	free(copy);
	if (ctx.oom) {
		rw_config_free(cfg);
		goto oom;
	}
	if (ctx.nerrors > 0) {
		rw_config_free(cfg);
		return NULL;
	}
	return cfg;
oom:
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: out of memory\n", source);
	return NULL;
}

/* rw_config_free - release a configuration and everything it owns */
void
rw_config_free(struct rw_config *cfg)
{
	size_t	i;

	if (cfg == NULL)
		return;
	free(cfg->source);
	free(cfg->socket);
	free(cfg->socket_group);
	free(cfg->pidfile);
	free(cfg->user);
	free(cfg->trusted_networks.v);
	for (i = 0; i < cfg->local_domains.n; i++)
		free(cfg->local_domains.v[i].name);
	free(cfg->local_domains.v);
	for (i = 0; i < cfg->relay_domains.n; i++)
		free(cfg->relay_domains.v[i].name);
	free(cfg->relay_domains.v);
	for (i = 0; i < cfg->nclient_access; i++)
		free(cfg->client_access[i].text);
	free(cfg->client_access);
	for (i = 0; i < cfg->nsender_access; i++) {
		free(cfg->sender_access[i].key);
		free(cfg->sender_access[i].text);
	}
	free(cfg->sender_access);
	free(cfg->dns_servers);
	free(cfg->authserv_id);
	for (i = 0; i < cfg->ndnsbl; i++) {
		free(cfg->dnsbl[i].zone);
		free(cfg->dnsbl[i].spec);
	}
	free(cfg->dnsbl);
	for (i = 0; i < cfg->nexempt_recipients; i++)
		free(cfg->exempt_recipients[i]);
	free(cfg->exempt_recipients);
	free(cfg);
}

/* ------------------------------------------------------------ summary */

struct out {
	char	*buf;
	size_t	 len, used;
};

static void
put(struct out *o, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (o->used >= o->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	o->used += (size_t)n < o->len - o->used ? (size_t)n : o->len - o->used - 1;
}

static void
put_domains(struct out *o, const char *name, const struct rw_domain_list *l)
{
	size_t	i;

	put(o, "%-20s", name);
	if (l->n == 0)
		put(o, " (none)");
	for (i = 0; i < l->n && i < 20; i++)
		put(o, " %s%s", l->v[i].subdomains ? "." : "", l->v[i].name);
	if (l->n > 20)
		put(o, " ... (%zu in all)", l->n);
	put(o, "\n");
}

/* rw_config_summary - the effective policy in a few lines */
void
rw_config_summary(const struct rw_config *cfg, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };
	char	ip[RW_IPTEXT_MAX];
	size_t	i;

	if (len == 0)
		return;
	buf[0] = '\0';
	put(&o, "%-20s %s\n", "mode", cfg->mode == RW_MODE_DRYRUN ?
	    "dryrun (nothing is refused; would-be refusals are logged and tagged)" :
	    "enforce");
	put(&o, "%-20s %s\n", "socket", cfg->socket);
	put(&o, "%-20s", "trusted_networks");
	if (cfg->trusted_networks.n == 0)
		put(&o, " (none)");
	for (i = 0; i < cfg->trusted_networks.n && i < 20; i++) {
		rw_ip_format(&cfg->trusted_networks.v[i].net, ip, sizeof(ip));
		put(&o, " %s/%u", ip, cfg->trusted_networks.v[i].prefix);
	}
	if (cfg->trusted_networks.n > 20)
		put(&o, " ... (%zu in all)", cfg->trusted_networks.n);
	put(&o, "\n%-20s %s\n", "authenticated", cfg->trust_authenticated ?
	    "insiders (may relay)" : "outsiders (trust_authenticated = no)");
	put_domains(&o, "local_domains", &cfg->local_domains);
	put_domains(&o, "relay_domains", &cfg->relay_domains);
	if (cfg->max_recipients == 0)
		put(&o, "%-20s unlimited\n", "max_recipients");
	else
		put(&o, "%-20s %u per message for outsiders\n", "max_recipients",
		    cfg->max_recipients);
	put(&o, "%-20s %zu entries\n", "client_access", cfg->nclient_access);
	put(&o, "%-20s %zu entries\n", "sender_access", cfg->nsender_access);
	put(&o, "%-20s %s\n", "rdns_check", cfg->rdns_check == RW_RDNS_OFF ? "off" :
	    cfg->rdns_check == RW_RDNS_TAG ? "tag" : cfg->rdns_check ==
	    RW_RDNS_TEMPFAIL ? "tempfail (450 4.7.25)" : "reject (550 5.7.25)");
	put(&o, "%-20s", "lists");
	if (cfg->ndnsbl == 0)
		put(&o, " (none)");
	for (i = 0; i < cfg->ndnsbl; i++)
		put(&o, " %s:%s", cfg->dnsbl[i].kind == RW_BL_CLIENT ? "dnsbl" :
		    cfg->dnsbl[i].kind == RW_BL_HELO ? "rhsbl_helo" :
		    cfg->dnsbl[i].kind == RW_BL_SENDER ? "rhsbl_sender" :
		    "rhsbl_client", cfg->dnsbl[i].spec);
	put(&o, "\n");
	if (cfg->ndnsbl > 0)
		put(&o, "%-20s threshold %d, action %s\n", "dnsbl_score",
		    cfg->dnsbl_threshold, cfg->dnsbl_action == RW_DNSACT_REJECT ?
		    "reject" : cfg->dnsbl_action == RW_DNSACT_TEMPFAIL ? "tempfail" :
		    "tag");
	if (cfg->rdns_check != RW_RDNS_OFF || cfg->ndnsbl > 0 || cfg->spf_check ||
	    cfg->spf_check_helo)
		put(&o, "%-20s servers %s, timeout %ums (doubling) x %u tries, deadline %ums, "
		    "verdict at %s, %s on DNS failure\n", "dns",
		    cfg->dns_servers != NULL ? cfg->dns_servers : "from resolv.conf",
		    cfg->dns_timeout_ms, cfg->dns_retries + 1, cfg->dns_deadline_ms,
		    rw_stage_name(cfg->dns_verdict_stage),
		    cfg->dns_fail_open ? "accept" : "tempfail");
	if (cfg->spf_check || cfg->spf_check_helo) {
		static const char *const an[] = { "accept", "tag", "tempfail", "reject" };

		put(&o, "%-20s %s%s%s; fail %s, softfail %s, neutral %s, none %s, "
		    "temperror %s, permerror %s\n", "spf",
		    cfg->spf_check ? "mailfrom" : "",
		    cfg->spf_check && cfg->spf_check_helo ? "+" : "",
		    cfg->spf_check_helo ? "helo" : "",
		    an[cfg->spf_action[RW_SPF_FAIL]], an[cfg->spf_action[RW_SPF_SOFTFAIL]],
		    an[cfg->spf_action[RW_SPF_NEUTRAL]], an[cfg->spf_action[RW_SPF_NONE]],
		    an[cfg->spf_action[RW_SPF_TEMPERROR]],
		    an[cfg->spf_action[RW_SPF_PERMERROR]]);
	} else {
		put(&o, "%-20s off\n", "spf");
	}
	put(&o, "%-20s %s\n", "on_internal_error",
	    cfg->on_internal_error == RW_ACT_ACCEPT ? "accept" : "tempfail");
	put(&o, "outsiders may send only to local_domains and relay_domains%s\n",
	    cfg->local_domains.n + cfg->relay_domains.n == 0 ?
	    " (none configured: outsiders can deliver to bare local parts only)" : "");
}
