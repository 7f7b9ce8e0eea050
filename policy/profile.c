/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	profile - policy per listener: "[profile NAME]" sections
 * SYNOPSIS
 *	#include "rw_policy.h"
 * DESCRIPTION
 *	A configuration file may end in sections, each headed by a line
 *	"[profile NAME]". A section holds "match = ..." (which listeners
 *	it is for) and any policy key of the core table; every key it does
 *	not set keeps the main part's value (the lines before the first
 *	section). The daemon's keys (socket, dns_servers, ...) belong to
 *	the whole daemon and are refused in a section.
 *
 *	rw_profiles_main_text() returns the file with every section line
 *	blanked, so the main part parses as before and line numbers stay
 *	those of the file.
 *
 *	rw_profiles_parse() parses each section into a whole struct
 *	rw_config of its own: the text given to rw_config_parse() is the
 *	file again, with the main part's core keys that the section does
 *	not set, and the section's own keys, every other line blanked.
 *	So a profile's configuration is built by the same engine, every
 *	error is reported at its "file:line", and a profile is as
 *	immutable as the main configuration.
 *
 *	A match entry is "name WORD" ({daemon_name}), "port N"
 *	({daemon_port}) or "addr IP" ({daemon_addr} or {if_addr}); a
 *	match list has one or more, separated by commas, and any entry
 *	that fits selects the profile. rw_profiles_select() returns the
 *	configuration of the first profile, in file order, that fits the
 *	listener, else the main one.
 *
 *	No I/O: "file:" lists come through the caller's reader. It is an
 *	error to call rw_profiles_parse() with a text whose main part did
 *	not parse (its errors would be reported once per profile).
 */
#include "config.h"

#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "rw_policy.h"
#include "confkeys.h"

/* Where a line belongs. */
#define LINE_MAIN	(-1)	/* before the first section */
#define LINE_HEADER	(-2)	/* a "[...]" line */

struct lines {
	char		**v;		/* each line, a copy, comment cut */
	int		 *owner;	/* LINE_MAIN, LINE_HEADER or section */
	size_t		  n;
};

/* line_key - the key of a "key = value" line, in buf; "" if none */
static void
line_key(const char *line, char *buf, size_t len)
{
	size_t	i = 0;

	while (*line == ' ' || *line == '\t')
		line++;
	while (*line != '\0' && *line != '=' && *line != ' ' &&
	    *line != '\t' && *line != '#' && i + 1 < len)
		buf[i++] = *line++;
	buf[i] = '\0';
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line != '=')
		buf[0] = '\0';
}

/* line_value - the trimmed value of a "key = value" line, in place */
static char *
line_value(char *line)
{
	char	*eq = strchr(line, '='), *p;

	if (eq == NULL)
		return NULL;
	for (p = eq + 1; *p != '\0'; p++)
		if (*p == '#' && (p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	return rw_conf_trim(eq + 1);
}

/* is_header - a line starting with '[' (after blanks) */
static bool
is_header(const char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	return *line == '[';
}

/* lines_free - release a split text */
static void
lines_free(struct lines *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l->owner);
	memset(l, 0, sizeof(*l));
}

/* lines_split - copy each line; false when out of memory */
static bool
lines_split(const char *text, struct lines *l)
{
	const char *p, *nl;
	size_t	cap = 1, i;
	int	section = LINE_MAIN;

	memset(l, 0, sizeof(*l));
	for (p = text; *p != '\0'; p++)
		cap += *p == '\n';
	if ((l->v = calloc(cap, sizeof(*l->v))) == NULL ||
	    (l->owner = calloc(cap, sizeof(*l->owner))) == NULL) {
		lines_free(l);
		return false;
	}
	for (p = text, i = 0; i < cap; i++) {
		nl = strchr(p, '\n');
		if ((l->v[i] = strndup(p, nl != NULL ? (size_t)(nl - p) :
		    strlen(p))) == NULL) {
			l->n = i;
			lines_free(l);
			return false;
		}
		if (is_header(l->v[i])) {
			section = section == LINE_MAIN ? 0 : section + 1;
			l->owner[i] = LINE_HEADER;
		} else
			l->owner[i] = section;
		if (nl == NULL) {
			i++;
			break;
		}
		p = nl + 1;
	}
	l->n = i;
	return true;
}

/* join - the lines for which keep[i] holds, the others as empty lines */
static char *
join(const struct lines *l, const bool *keep)
{
	size_t	len = 1, i;
	char	*out, *p;

	for (i = 0; i < l->n; i++)
		len += (keep[i] ? strlen(l->v[i]) : 0) + 1;
	if ((out = malloc(len)) == NULL)
		return NULL;
	for (p = out, i = 0; i < l->n; i++) {
		if (keep[i]) {
			memcpy(p, l->v[i], strlen(l->v[i]));
			p += strlen(l->v[i]);
		}
		*p++ = '\n';
	}
	*p = '\0';
	return out;
}

/* rw_profiles_main_text - the text with every section line blanked */
char *
rw_profiles_main_text(const char *text)
{
	struct lines l;
	bool	*keep;
	char	*out = NULL;
	size_t	 i;

	if (!lines_split(text, &l))
		return NULL;
	if ((keep = calloc(l.n + 1, sizeof(*keep))) != NULL) {
		for (i = 0; i < l.n; i++)
			keep[i] = l.owner[i] == LINE_MAIN;
		out = join(&l, keep);
		free(keep);
	}
	lines_free(&l);
	return out;
}

/* report - one "file:line: msg" line appended to err */
static void
report(char *err, size_t errlen, const char *src, size_t line,
    const char *msg, const char *arg)
{
	size_t	used;

	if (err == NULL || errlen == 0)
		return;
	used = strlen(err);
	if (used < errlen)
		snprintf(err + used, errlen - used, "%s:%zu: %s%s%s\n", src,
		    line, msg, arg != NULL ? ": " : "", arg != NULL ? arg : "");
}

/* name_ok - a profile name: letters, digits, '-', '_', 1..63 */
static bool
name_ok(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > 63)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

/* parse_header - "[profile NAME]" into a malloc'd name; NULL: bad */
static char *
parse_header(const char *line, bool *nomem)
{
	char	buf[128], *p, *end;

	*nomem = false;
	if (snprintf(buf, sizeof(buf), "%s", line) >= (int)sizeof(buf))
		return NULL;
	p = rw_conf_trim(buf);
	end = strchr(p, '#');
	if (end != NULL && end > p && (end[-1] == ' ' || end[-1] == '\t')) {
		*end = '\0';
		p = rw_conf_trim(p);
	}
	if (p[0] != '[' || p[strlen(p) - 1] != ']')
		return NULL;
	p[strlen(p) - 1] = '\0';
	p = rw_conf_trim(p + 1);
	if (strncmp(p, "profile", 7) != 0 || (p[7] != ' ' && p[7] != '\t'))
		return NULL;
	p = rw_conf_trim(p + 7);
	if (!name_ok(p, strlen(p)))
		return NULL;
	if ((p = strdup(p)) == NULL)
		*nomem = true;
	return p;
}

/* add_match - one "kind value" entry; false with a reason */
static bool
add_match(struct rw_profile *pr, char *entry, const char **why)
{
	struct rw_profile_match *m, *v;
	char	*kind, *val, *end;
	unsigned long port;

	kind = rw_conf_trim(entry);
	val = kind + strcspn(kind, " \t");
	if (*val != '\0')
		*val++ = '\0';
	val = rw_conf_trim(val);
	if (*kind == '\0' || *val == '\0' || strpbrk(val, " \t") != NULL) {
		*why = "a match entry is \"name WORD\", \"port N\" or \"addr IP\"";
		return false;
	}
	if (pr->nmatch >= RW_PROFILE_MATCH_MAX) {
		*why = "too many match entries";
		return false;
	}
	if ((v = realloc(pr->match, (pr->nmatch + 1) * sizeof(*v))) == NULL) {
		*why = NULL;
		return false;
	}
	pr->match = v;
	m = &v[pr->nmatch];
	memset(m, 0, sizeof(*m));
	if (strcmp(kind, "name") == 0) {
		if (!name_ok(val, strlen(val)) ||
		    strlen(val) >= sizeof(m->name)) {
			*why = "bad listener name (letters, digits, - and _)";
			return false;
		}
		m->kind = RW_MATCH_NAME;
		snprintf(m->name, sizeof(m->name), "%s", val);
	} else if (strcmp(kind, "port") == 0) {
		port = strtoul(val, &end, 10);
		if (val[0] < '0' || val[0] > '9' || *end != '\0' ||
		    port == 0 || port > 65535) {
			*why = "port must be a number from 1 to 65535";
			return false;
		}
		m->kind = RW_MATCH_PORT;
		m->port = (unsigned int)port;
	} else if (strcmp(kind, "addr") == 0) {
		if (!rw_ip_parse(val, &m->addr)) {
			*why = "addr must be an IPv4 or IPv6 address";
			return false;
		}
		m->kind = RW_MATCH_ADDR;
	} else {
		*why = "a match entry starts with name, port or addr";
		return false;
	}
	pr->nmatch++;
	return true;
}

/* parse_match - the value of a "match" line */
static bool
parse_match(struct rw_profile *pr, char *value, const char *src, size_t line,
    char *err, size_t errlen, bool *nomem)
{
	char	*entry, *next;
	const char *why;
	bool	 ok = true;

	for (entry = value; entry != NULL; entry = next) {
		next = strchr(entry, ',');
		if (next != NULL)
			*next++ = '\0';
		if (*rw_conf_trim(entry) == '\0')
			continue;
		if (!add_match(pr, entry, &why)) {
			if (why == NULL) {
				*nomem = true;
				return false;
			}
			report(err, errlen, src, line, "match", why);
			ok = false;
		}
	}
	return ok;
}

/* rw_profiles_free - every profile and its configuration */
void
rw_profiles_free(struct rw_profiles *ps)
{
	size_t	i;

	if (ps == NULL)
		return;
	for (i = 0; i < ps->n; i++) {
		free(ps->v[i].name);
		free(ps->v[i].match);
		rw_config_free(ps->v[i].cfg);
	}
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
}

/* section_parse - the profile of section s: header, matches, keys */
static bool
section_parse(const struct lines *l, int s, struct rw_profile *pr,
    const char *src, rw_config_reader *reader, void *reader_ctx,
    char *err, size_t errlen, bool *nomem)
{
	char	 key[64], *text, *val, sub[RW_ERR_MAX];
	bool	*keep = NULL, ok = true, *set = NULL;
	size_t	 i, j, hdr = 0;

	if ((keep = calloc(l->n + 1, sizeof(*keep))) == NULL ||
	    (set = calloc(l->n + 1, sizeof(*set))) == NULL) {
		*nomem = true;
		ok = false;
		goto done;
	}
	/* the section's own lines: the match, the keys it overrides */
	for (i = 0; i < l->n; i++) {
		if (l->owner[i] != s)
			continue;
		line_key(l->v[i], key, sizeof(key));
		if (key[0] == '\0') {
			keep[i] = true;	/* blank, comment or junk: the parser says */
			continue;
		}
		if (strcmp(key, "match") == 0) {
			if (pr->nmatch > 0) {
				report(err, errlen, src, i + 1,
				    "match given twice in profile", pr->name);
				ok = false;
				continue;
			}
			val = line_value(l->v[i]);
			ok = parse_match(pr, val, src, i + 1, err, errlen,
			    nomem) && ok;
			if (pr->nmatch == 0 && ok) {
				report(err, errlen, src, i + 1,
				    "match needs at least one entry", NULL);
				ok = false;
			}
			if (*nomem)
				goto done;
			continue;
		}
		if (rw_conf_key_named(key) == NULL) {
			report(err, errlen, src, i + 1, "not a policy key, so "
			    "it cannot be set in a profile", key);
			ok = false;
			continue;
		}
		keep[i] = true;
		set[i] = true;
	}
	/* the main part's core keys the section does not set */
	for (i = 0; i < l->n; i++) {
		if (l->owner[i] != LINE_MAIN)
			continue;
		line_key(l->v[i], key, sizeof(key));
		if (key[0] == '\0' || rw_conf_key_named(key) == NULL)
			continue;
		keep[i] = true;
		for (j = 0; j < l->n; j++) {
			char	k2[64];

			if (!set[j])
				continue;
			line_key(l->v[j], k2, sizeof(k2));
			if (strcmp(k2, key) == 0)
				keep[i] = false;
		}
	}
	for (i = 0; i < l->n; i++)
		if (l->owner[i] == LINE_HEADER && (i + 1 < l->n &&
		    l->owner[i + 1] == s))
			hdr = i + 1;
	if (pr->nmatch == 0 && ok) {
		report(err, errlen, src, hdr, "profile has no \"match\" line",
		    pr->name);
		ok = false;
	}
	if (!ok)
		goto done;
	if ((text = join(l, keep)) == NULL) {
		*nomem = true;
		ok = false;
		goto done;
	}
	sub[0] = '\0';
	pr->cfg = rw_config_parse(text, src, reader, reader_ctx, sub,
	    sizeof(sub));
	free(text);
	if (pr->cfg == NULL) {
		if (err != NULL && strlen(err) < errlen)
			snprintf(err + strlen(err), errlen - strlen(err),
			    "%s", sub);
		ok = false;
	}
done:
	free(keep);
	free(set);
	return ok;
}

/* rw_profiles_parse - every "[profile NAME]" section of text */
bool
rw_profiles_parse(const char *text, const char *source,
    rw_config_reader *reader, void *reader_ctx, struct rw_profiles *out,
    char *err, size_t errlen)
{
	struct lines l;
	struct rw_profile *v;
	bool	 ok = true, nomem = false;
	size_t	 i, j;
	int	 s;

	memset(out, 0, sizeof(*out));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (source == NULL)
		source = "(config)";
	if (!lines_split(text, &l))
		goto oom;
	for (i = 0, s = 0; i < l.n && !nomem; i++) {
		if (l.owner[i] != LINE_HEADER)
			continue;
		if ((v = realloc(out->v, (out->n + 1) * sizeof(*v))) == NULL)
			goto oom_lines;
		out->v = v;
		memset(&v[out->n], 0, sizeof(v[out->n]));
		v[out->n].line = (unsigned int)i + 1;
		if ((v[out->n].name = parse_header(l.v[i], &nomem)) == NULL) {
			if (nomem)
				goto oom_lines;
			report(err, errlen, source, i + 1, "expected "
			    "\"[profile NAME]\" (NAME: letters, digits, - "
			    "and _)", NULL);
			ok = false;
			s++;
			continue;
		}
		for (j = 0; j < out->n; j++)
			if (strcmp(out->v[j].name, v[out->n].name) == 0) {
				report(err, errlen, source, i + 1,
				    "profile defined twice", v[out->n].name);
				ok = false;
			}
		out->n++;
		if (!section_parse(&l, s, &v[out->n - 1], source, reader,
		    reader_ctx, err, errlen, &nomem))
			ok = false;
		if (nomem)
			goto oom_lines;
		s++;
	}
	lines_free(&l);
	if (!ok)
		rw_profiles_free(out);
	return ok;
oom_lines:
	lines_free(&l);
oom:
	rw_profiles_free(out);
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: out of memory\n", source);
	return false;
}

/* match_fits - one entry against the listener */
static bool
match_fits(const struct rw_profile_match *m, const struct rw_listener *li)
{
	struct rw_ip ip;
	char	*end;
	unsigned long port;

	switch (m->kind) {
	case RW_MATCH_NAME:
		return li->name != NULL && strcmp(li->name, m->name) == 0;
	case RW_MATCH_PORT:
		if (li->port == NULL || li->port[0] < '0' || li->port[0] > '9')
			return false;
		port = strtoul(li->port, &end, 10);
		return *end == '\0' && port == m->port;
	case RW_MATCH_ADDR:
		return li->addr != NULL && rw_ip_parse(li->addr, &ip) &&
		    ip.family == m->addr.family && memcmp(ip.b, m->addr.b,
		    ip.family == AF_INET ? 4 : 16) == 0;
	}
	return false;
}

/* rw_profiles_select - the first fitting profile, else NULL */
const struct rw_profile *
rw_profiles_select(const struct rw_profiles *ps, const struct rw_listener *li)
{
	size_t	i, j;

	if (ps == NULL || li == NULL)
		return NULL;
	for (i = 0; i < ps->n; i++)
		for (j = 0; j < ps->v[i].nmatch; j++)
			if (match_fits(&ps->v[i].match[j], li))
				return &ps->v[i];
	return NULL;
}

/* rw_profile_match_text - "name submission, port 587", for -t and logs */
void
rw_profile_match_text(const struct rw_profile *pr, char *buf, size_t len)
{
	char	ip[RW_IPTEXT_MAX];
	size_t	i, used = 0;
	int	n = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < pr->nmatch && used < len; i++) {
		const struct rw_profile_match *m = &pr->match[i];
		const char *sep = i > 0 ? ", " : "";

		switch (m->kind) {
		case RW_MATCH_NAME:
			n = snprintf(buf + used, len - used, "%sname %s", sep,
			    m->name);
			break;
		case RW_MATCH_PORT:
			n = snprintf(buf + used, len - used, "%sport %u", sep,
			    m->port);
			break;
		case RW_MATCH_ADDR:
			rw_ip_format(&m->addr, ip, sizeof(ip));
			n = snprintf(buf + used, len - used, "%saddr %s", sep,
			    ip);
			break;
		}
		if (n < 0)
			return;
		used += (size_t)n;
	}
}
