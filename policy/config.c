/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	config - the configuration reader and key-table engine
 * SYNOPSIS
 *	#include "rw_policy.h"
 * DESCRIPTION
 *	rw_config_parse_extra() turns relaywarden.conf text into a new
 *	struct rw_config, and the values of the caller's own keys, if it
 *	passes a key table, into the caller's struct. The format is
 *	"key = value" lines; "#" starts a comment at the start of a line or
 *	after whitespace. A key is looked up in the core table (confkeys.c),
 *	then in the caller's; its value is parsed by its type (string,
 *	boolean, number, octal mode, duration, word, list) and stored at the
 *	key's offset, then the key's check, if any, runs. List values are
 *	separated by commas or whitespace (by commas only with
 *	RW_CONF_COMMAS), each entry going to the key's item parser; an entry
 *	"file:/path" is read through the caller's rw_config_reader, one
 *	entry (or, for plain lists, several) a line, comments allowed,
 *	errors located at "/path:line".
 *
 *	Every key first gets its default, parsed like a value. A list key
 *	given in the file replaces its default list; a key given twice is
 *	an error.
 *
 *	Every error is collected, not just the first, as "file:line: msg"
 *	lines in the caller's buffer, and then no configuration is returned
 *	(and the caller's fields are released again): a half-read policy
 *	must never run. An unknown key is "file:line: unknown key".
 *
 *	rw_config_parse() is rw_config_parse_extra() without a table of the
 *	caller's; rw_config_defaults() parses the empty text.
 *	rw_config_keytab_free() frees what a table's keys allocated in a
 *	target; rw_config_free() does so for the core table and frees the
 *	configuration.
 *
 *	No I/O happens here: "file:" lists come through rw_config_reader.
 *	It is an error to pass a table whose key names a core key, or a
 *	target that is not zero-filled.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "confkeys.h"

#define RW_CONF_STRING_MAX	1024	/* a string key's default max */
#define NTABLES			2	/* the core's and the caller's */

struct parse_ctx {
	rw_config_reader *reader;
	void		*reader_ctx;
	char		*err;
	size_t		 errlen;
	size_t		 errused;
	unsigned int	 nerrors;
	bool		 oom;
	const struct rw_config_keytab *tab[NTABLES];	/* [1] may be NULL */
	void		*target[NTABLES];
	unsigned int	*seen[NTABLES];	/* line where each key was given */
};

struct where {
	const char	*src;
	unsigned int	 line;
};

/* report - one "file:line: msg" line into the caller's buffer, bounded */
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

/* rw_conf_trim - drop blanks (and CR, LF) at both ends, in place */
char *
rw_conf_trim(char *s)
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

/* ------------------------------------------------------------ typed parsers */

/* set_string - a malloc'd copy, at most key->max (0: 1024) characters */
static bool
set_string(struct parse_ctx *ctx, const struct rw_config_key *key,
    void *target, const char *value, const struct where *w)
{
	char	**field = rw_conf_field(target, key, char *);
	long	  max = key->max > 0 ? key->max : RW_CONF_STRING_MAX;
	char	 *copy;

	if (strlen(value) > (size_t)max) {
		report(ctx, w, "value of %s is longer than %ld characters",
		    key->name, max);
		return false;
	}
	if ((copy = strdup(value)) == NULL) {
		ctx->oom = true;
		return false;
	}
	free(*field);
	*field = copy;
	return true;
}

/* set_bool - yes/no, true/false, on/off, 1/0, any case */
static bool
set_bool(struct parse_ctx *ctx, const struct rw_config_key *key,
    void *target, const char *value, const struct where *w)
{
	bool	*field = rw_conf_field(target, key, bool);

	assert(key->size == sizeof(bool));
	if (strcasecmp(value, "yes") == 0 || strcasecmp(value, "true") == 0 ||
	    strcasecmp(value, "on") == 0 || strcmp(value, "1") == 0)
		*field = true;
	else if (strcasecmp(value, "no") == 0 || strcasecmp(value, "false") == 0 ||
	    strcasecmp(value, "off") == 0 || strcmp(value, "0") == 0)
		*field = false;
	else {
		report(ctx, w, "%s must be yes or no, not \"%s\"", key->name, value);
		return false;
	}
	return true;
}

/* set_number - RW_CONF_UINT and RW_CONF_INT: decimal digits, min..max */
static bool
set_number(struct parse_ctx *ctx, const struct rw_config_key *key,
    void *target, const char *value, const struct where *w)
{
	const char *digits = value[0] == '-' && key->min < 0 ? value + 1 : value;
	char	*end;
	long	 n = 0;
	bool	 ok;

	errno = 0;
	ok = digits[0] >= '0' && digits[0] <= '9';
	if (ok)
		n = strtol(value, &end, 10);
	if (!ok || *end != '\0' || errno != 0 || n < key->min || n > key->max) {
		report(ctx, w, "%s must be a number from %ld to %ld, not \"%s\"",
		    key->name, key->min, key->max, value);
		return false;
	}
	if (key->type == RW_CONF_INT) {
		assert(key->size == sizeof(int));
		*rw_conf_field(target, key, int) = (int)n;
	} else {
		assert(key->size == sizeof(unsigned int) && key->min >= 0);
		*rw_conf_field(target, key, unsigned int) = (unsigned int)n;
	}
	return true;
}

/* set_octal - a file mode, at most key->max */
static bool
set_octal(struct parse_ctx *ctx, const struct rw_config_key *key,
    void *target, const char *value, const struct where *w)
{
	char	*end;
	unsigned long m;

	assert(key->size == sizeof(unsigned int));
	errno = 0;
	m = strtoul(value, &end, 8);
	if (value[0] == '\0' || *end != '\0' || errno != 0 ||
	    m > (unsigned long)key->max) {
		report(ctx, w, "%s must be an octal mode such as 0660, not \"%s\"",
		    key->name, value);
		return false;
	}
	*rw_conf_field(target, key, unsigned int) = (unsigned int)m;
	return true;
}

/* ms_text - "10ms" or "600s", for messages */
static void
ms_text(long ms, char *buf, size_t len)
{
	if (ms >= 1000 && ms % 1000 == 0)
		snprintf(buf, len, "%lds", ms / 1000);
	else
		snprintf(buf, len, "%ldms", ms);
}

/* set_duration - "500ms", "2s", or bare milliseconds, min..max ms */
static bool
set_duration(struct parse_ctx *ctx, const struct rw_config_key *key,
    void *target, const char *value, const struct where *w)
{
	char	*end, lo[32], hi[32];
	unsigned long n;

	assert(key->size == sizeof(unsigned int) && key->max <= 4000000);
	errno = 0;
	n = strtoul(value, &end, 10);
	if (value[0] < '0' || value[0] > '9' || errno != 0 ||
	    n > (unsigned long)key->max)
		goto bad;
	if (strcmp(end, "s") == 0)
		n *= 1000;	/* n <= max: no overflow */
	else if (*end != '\0' && strcmp(end, "ms") != 0)
		goto bad;
	if (n < (unsigned long)key->min || n > (unsigned long)key->max)
		goto bad;
	*rw_conf_field(target, key, unsigned int) = (unsigned int)n;
	return true;
bad:
	ms_text(key->min, lo, sizeof(lo));
	ms_text(key->max, hi, sizeof(hi));
	report(ctx, w, "%s must be a duration from %s to %s (\"500ms\", \"2s\"), "
	    "not \"%s\"", key->name, lo, hi, value);
	return false;
}

/* set_seconds - "90s", "5m", "4h", "36d", "1w" or bare seconds, min..max s */
static bool
set_seconds(struct parse_ctx *ctx, const struct rw_config_key *key,
    void *target, const char *value, const struct where *w)
{
	unsigned long n;

	assert(key->size == sizeof(unsigned int));
	if (!rw_conf_seconds(value, &n) || n < (unsigned long)key->min ||
	    n > (unsigned long)key->max) {
		report(ctx, w, "%s must be a duration from %lds to %lds (\"90s\", "
		    "\"5m\", \"4h\", \"36d\"), not \"%s\"", key->name, key->min,
		    key->max, value);
		return false;
	}
	*rw_conf_field(target, key, unsigned int) = (unsigned int)n;
	return true;
}

/* set_word - one of the key's words; its value into an enum or a bool */
static bool
set_word(struct parse_ctx *ctx, const struct rw_config_key *key,
    void *target, const char *value, const struct where *w)
{
	char	list[128];
	int	v;

	if (!rw_conf_word_find(key->words, value, &v)) {
		rw_conf_words_join(key->words, list, sizeof(list));
		report(ctx, w, "%s must be %s, not \"%s\"", key->name, list, value);
		return false;
	}
	if (key->size == sizeof(bool)) {
		*rw_conf_field(target, key, bool) = v != 0;
	} else {
		assert(key->size == sizeof(int));
		*rw_conf_field(target, key, int) = v;
	}
	return true;
}

/* ------------------------------------------------------------ lists */

/* add_item - one entry through the key's item parser */
static bool
add_item(struct parse_ctx *ctx, const struct rw_config_key *key,
    void *target, const char *item, const struct where *w)
{
	char	err[256];

	err[0] = '\0';
	switch (key->item(target, key, item, w->line, err, sizeof(err))) {
	case RW_CONF_OK:
		return true;
	case RW_CONF_NOMEM:
		ctx->oom = true;
		return false;
	case RW_CONF_BAD:
		break;
	}
	report(ctx, w, "%s: %s", key->name, err);
	return false;
}

/* add_file_items - the entries of a "file:" list */
static bool
add_file_items(struct parse_ctx *ctx, const struct rw_config_key *key,
    void *target, const char *path, const struct where *w)
{
	char	 err[256];
	char	*text, *line, *next, *item;
	struct where fw;
	bool	 ok = true;

	if (path[0] == '\0') {
		report(ctx, w, "%s: \"file:\" needs a path", key->name);
		return false;
	}
	if (ctx->reader == NULL) {
		report(ctx, w, "%s: file: lists are not allowed here", key->name);
		return false;
	}
	err[0] = '\0';
	if ((text = ctx->reader(path, ctx->reader_ctx, err, sizeof(err))) == NULL) {
		report(ctx, w, "%s: cannot read %s: %s", key->name, path, err);
		return false;
	}
	fw.src = path;
	fw.line = 0;
	for (line = text; line != NULL && !ctx->oom; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		fw.line++;
		strip_comment(line);
		line = rw_conf_trim(line);
		if (*line == '\0')
			continue;
		if (strncmp(line, "file:", 5) == 0) {
			report(ctx, &fw, "%s: a file: list cannot include another",
			    key->name);
			ok = false;
			continue;
		}
		if (key->flags & RW_CONF_COMMAS) {
			ok = add_item(ctx, key, target, line, &fw) && ok;
			continue;
		}
		/* plain lists: a line may still hold several entries */
		while (*line != '\0') {
			item = line;
			line = item + strcspn(item, ", \t");
			if (*line != '\0')
				*line++ = '\0';
			if (*item != '\0')
				ok = add_item(ctx, key, target, item, &fw) && ok;
		}
	}
	free(text);
	return ok;
}

/* set_list - split a value into entries; expand "file:" entries */
static bool
set_list(struct parse_ctx *ctx, const struct rw_config_key *key,
    void *target, const char *value, const struct where *w)
{
	char	*copy, *p, *item;
	const char *seps = (key->flags & RW_CONF_COMMAS) ? "," : ", \t";
	bool	 ok = true;

	if ((copy = strdup(value)) == NULL) {
		ctx->oom = true;
		return false;
	}
	for (p = copy; p != NULL && !ctx->oom; ) {
		item = p;
		p = item + strcspn(item, seps);
		if (*p != '\0')
			*p++ = '\0';
		else
			p = NULL;
		item = rw_conf_trim(item);
		if (*item == '\0')
			continue;
		if (strncmp(item, "file:", 5) == 0)
			ok = add_file_items(ctx, key, target, item + 5, w) && ok;
		else
			ok = add_item(ctx, key, target, item, w) && ok;
	}
	free(copy);
	return ok;
}

/* ------------------------------------------------------------ the engine */

/* set_value - parse by type, store, then the key's own check */
static bool
set_value(struct parse_ctx *ctx, const struct rw_config_key *key,
    void *target, const char *value, const struct where *w)
{
	char	err[256];
	bool	ok = false;

	switch (key->type) {
	case RW_CONF_STRING:
		ok = set_string(ctx, key, target, value, w);
		break;
	case RW_CONF_BOOL:
		ok = set_bool(ctx, key, target, value, w);
		break;
	case RW_CONF_UINT:
	case RW_CONF_INT:
		ok = set_number(ctx, key, target, value, w);
		break;
	case RW_CONF_OCTAL:
		ok = set_octal(ctx, key, target, value, w);
		break;
	case RW_CONF_DURATION:
		ok = set_duration(ctx, key, target, value, w);
		break;
	case RW_CONF_SECONDS:
		ok = set_seconds(ctx, key, target, value, w);
		break;
	case RW_CONF_WORD:
		ok = set_word(ctx, key, target, value, w);
		break;
	case RW_CONF_LIST:
		ok = set_list(ctx, key, target, value, w);
		break;
	}
	if (!ok || key->check == NULL)
		return ok;
	err[0] = '\0';
	if (!key->check(target, key, value, err, sizeof(err))) {
		report(ctx, w, "%s", err);
		return false;
	}
	return true;
}

/* keytab_valid - the rules a table must follow (assertions only) */
static bool
keytab_valid(const struct rw_config_keytab *tab, bool core)
{
	const struct rw_config_key *k;
	size_t	i;

	for (i = 0; i < tab->nkeys; i++) {
		k = &tab->keys[i];
		if (k->name == NULL || k->def == NULL)
			return false;
		if (!core && rw_conf_key_named(k->name) != NULL)
			return false;	/* the core's key wins: a silent shadow */
		if (k->type == RW_CONF_WORD && k->words == NULL)
			return false;
		if (k->type == RW_CONF_LIST && (k->item == NULL ||
		    (k->def[0] != '\0' && k->release == NULL)))
			return false;
	}
	return true;
}

/* key_find - the key's table and row; false if no table has it */
static bool
key_find(const struct parse_ctx *ctx, const char *name, size_t *t, size_t *i)
{
	for (*t = 0; *t < NTABLES; (*t)++) {
		if (ctx->tab[*t] == NULL)
			continue;
		for (*i = 0; *i < ctx->tab[*t]->nkeys; (*i)++)
			if (strcmp(ctx->tab[*t]->keys[*i].name, name) == 0)
				return true;
	}
	return false;
}

/* set_defaults - every key of table t gets its default */
static void
set_defaults(struct parse_ctx *ctx, size_t t)
{
	struct where w = { "(defaults)", 0 };
	size_t	i;

	for (i = 0; ctx->tab[t] != NULL && i < ctx->tab[t]->nkeys; i++) {
		w.line = (unsigned int)i + 1;
		if (!set_value(ctx, &ctx->tab[t]->keys[i], ctx->target[t],
		    ctx->tab[t]->keys[i].def, &w))
			return;
	}
}

/* parse_line - one "key = value" line */
static void
parse_line(struct parse_ctx *ctx, char *line, const struct where *w)
{
	const struct rw_config_key *key;
	char	*eq, *name, *value, *p;
	size_t	 t, i;

	strip_comment(line);
	line = rw_conf_trim(line);
	if (*line == '\0')
		return;
	if ((eq = strchr(line, '=')) == NULL) {
		report(ctx, w, "expected \"key = value\", got \"%.60s\"", line);
		return;
	}
	*eq = '\0';
	name = rw_conf_trim(line);
	value = rw_conf_trim(eq + 1);
	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '_')) {
			report(ctx, w, "bad key name \"%.60s\"", name);
			return;
		}
	if (*name == '\0') {
		report(ctx, w, "missing key before \"=\"");
		return;
	}
	if (!key_find(ctx, name, &t, &i)) {
		report(ctx, w, "unknown key \"%s\"", name);
		return;
	}
	if (ctx->seen[t][i] != 0) {
		report(ctx, w, "%s given twice (first at line %u)", name,
		    ctx->seen[t][i]);
		return;
	}
	ctx->seen[t][i] = w->line;
	key = &ctx->tab[t]->keys[i];
	/* the value replaces the default list (none to replace: keep) */
	if (key->type == RW_CONF_LIST && key->def[0] != '\0')
		key->release(ctx->target[t], key);
	set_value(ctx, key, ctx->target[t], value, w);
}

/*
 * load_rules - the rules file named by "rules", read through the caller's
 * reader (as "file:" lists are) and compiled (rules.c); its errors are
 * reported at "rulesfile:line", a file that cannot be read at the line
 * of the key
 */
static void
load_rules(struct parse_ctx *ctx, struct rw_config *cfg)
{
	struct where w = { cfg->source, 0 };
	const struct rw_config_key *key = rw_conf_key_named("rules");
	char	 err[256], *text;
	size_t	 used;

	if (cfg->rules_file == NULL || cfg->rules_file[0] == '\0')
		return;
	w.line = ctx->seen[0][key - ctx->tab[0]->keys];
	if (ctx->reader == NULL) {
		report(ctx, &w, "rules: a rules file cannot be read here");
		return;
	}
	err[0] = '\0';
	if ((text = ctx->reader(cfg->rules_file, ctx->reader_ctx, err,
	    sizeof(err))) == NULL) {
		report(ctx, &w, "rules: cannot read %s: %s", cfg->rules_file, err);
		return;
	}
	used = ctx->err != NULL ? ctx->errused : 0;
	if (!rw_rules_parse(text, cfg->rules_file, &cfg->rules,
	    ctx->err != NULL ? ctx->err + used : NULL,
	    ctx->err != NULL ? ctx->errlen - used : 0)) {
		ctx->nerrors++;
		if (ctx->err != NULL)
			ctx->errused += strlen(ctx->err + used);
	}
	free(text);
}

/* rw_config_keytab_free - free what the table's keys allocated in target */
void
rw_config_keytab_free(const struct rw_config_keytab *tab, void *target)
{
	const struct rw_config_key *k;
	size_t	i;

	if (tab == NULL || target == NULL)
		return;
	for (i = 0; i < tab->nkeys; i++) {
		k = &tab->keys[i];
		if (k->type == RW_CONF_STRING) {
			free(*rw_conf_field(target, k, char *));
			*rw_conf_field(target, k, char *) = NULL;
		} else if (k->type == RW_CONF_LIST && k->release != NULL) {
			k->release(target, k);
		}
	}
}

/* rw_config_parse_extra - text to configuration, every error reported */
struct rw_config *
rw_config_parse_extra(const char *text, const char *source,
    rw_config_reader *reader, void *reader_ctx,
    const struct rw_config_keytab *extra, void *extra_target,
    char *err, size_t errlen)
{
	struct parse_ctx ctx;
	struct rw_config *cfg;
	struct where w;
	char	*copy = NULL, *line, *next;
	size_t	 t;

	assert(keytab_valid(rw_config_keys(), true));
	assert(extra == NULL || (extra_target != NULL &&
	    keytab_valid(extra, false)));
	memset(&ctx, 0, sizeof(ctx));
	ctx.reader = reader;
	ctx.reader_ctx = reader_ctx;
	ctx.err = err;
	ctx.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (source == NULL)
		source = "(config)";
	ctx.tab[0] = rw_config_keys();
	ctx.tab[1] = extra;
	ctx.target[1] = extra != NULL ? extra_target : NULL;
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL) {
		ctx.oom = true;
		goto fail;
	}
	ctx.target[0] = cfg;
	for (t = 0; t < NTABLES; t++) {
		if (ctx.tab[t] == NULL)
			continue;
		/* one more, so that an empty table still gets an array */
		if ((ctx.seen[t] = calloc(ctx.tab[t]->nkeys + 1,
		    sizeof(*ctx.seen[t]))) == NULL) {
			ctx.oom = true;
			goto fail;
		}
		set_defaults(&ctx, t);
	}
	if (ctx.oom || ctx.nerrors > 0)
		goto fail;
	if ((cfg->source = strdup(source)) == NULL ||
	    (copy = strdup(text)) == NULL) {
		ctx.oom = true;
		goto fail;
	}
	w.src = source;
	w.line = 0;
	for (line = copy; line != NULL && !ctx.oom; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		w.line++;
		parse_line(&ctx, line, &w);
	}
	if (ctx.oom || ctx.nerrors > 0)
		goto fail;
	load_rules(&ctx, cfg);
	if (ctx.oom || ctx.nerrors > 0)
		goto fail;
	free(copy);
	for (t = 0; t < NTABLES; t++)
		free(ctx.seen[t]);
	return cfg;
fail:
	free(copy);
	for (t = 0; t < NTABLES; t++)
		free(ctx.seen[t]);
	rw_config_free(cfg);
	rw_config_keytab_free(extra, extra_target);
	if (ctx.oom && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: out of memory\n", source);
	return NULL;
}

/* rw_config_parse - text to configuration, core keys only */
struct rw_config *
rw_config_parse(const char *text, const char *source, rw_config_reader *reader,
    void *reader_ctx, char *err, size_t errlen)
{
	return rw_config_parse_extra(text, source, reader, reader_ctx, NULL,
	    NULL, err, errlen);
}

/* rw_config_defaults - a configuration with every default */
struct rw_config *
rw_config_defaults(void)
{
	return rw_config_parse("", "(defaults)", NULL, NULL, NULL, 0);
}

/* rw_config_free - release a configuration and everything it owns */
void
rw_config_free(struct rw_config *cfg)
{
	if (cfg == NULL)
		return;
	rw_config_keytab_free(rw_config_keys(), cfg);
	rw_rules_free(cfg->rules);
	free(cfg->source);
	free(cfg);
}
