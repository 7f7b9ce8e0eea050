/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	rules - the content rules file: parsed, compiled, matched
 * SYNOPSIS
 *	#include "rw_policy.h"
 *	#include "checks.h"
 * DESCRIPTION
 *	A rules file (key "rules", format in rules(5)) holds one rule a
 *	line:
 *
 *	    NAME WHERE /PATTERN/FLAGS ACTION [for=outsiders|insiders|all]
 *		[dryrun] ["reply text"]
 *
 *	WHERE is header:NAME (that header's decoded value), headers (every
 *	header as "Name: value"), body (the decoded text of the text
 *	parts), url (each normalised URL), url-host (each URL's host),
 *	url-trick (what hid a URL's destination, as rw_url_trick_text()
 *	names it: "percent-host,numeric-host"), attachment-name, attachment-type (of each leaf part that is an
 *	attachment) or mime (each MIME defect's name). The pattern is
 *	PCRE2, delimited by slashes ("\/" for a slash inside; blanks and
 *	commas are part of it), FLAGS any of i (caseless), m (multiline),
 *	s (dot matches newline), x (extended). ACTION is reject, tempfail,
 *	tag, quarantine or discard; discard only ever as written.
 *
 *	rw_rules_parse() compiles every pattern once per configuration:
 *	UTF-8 with Unicode properties, PCRE2_MATCH_INVALID_UTF so that a
 *	message's invalid UTF-8 can never make a match fail or misbehave
 *	(it simply does not match there), JIT where the library has it
 *	(silently interpreted where not). Every error is reported as
 *	"file:line: msg" and no rules are returned: a half-read rules file
 *	must never run. The compiled rules are only read afterwards, so
 *	every session thread shares them.
 *
 *	rw_rules_eval() runs every rule for this client once against the
 *	message, in file order, and keeps its first match as a hit
 *	(RW_RULE_HITS_MAX kept, more counted). Matching uses a match
 *	context with match, depth and heap limits, a JIT stack and match
 *	data of the evaluation's own (nothing shared is written); a rule
 *	that reaches a limit is an error of that rule (kept for the log)
 *	and counts as no match: a pattern can neither stall a thread nor
 *	refuse mail by failing. False only when out of memory.
 *
 *	Who a rule is for: "outsiders" (the default) are clients that are
 *	neither insiders (a trusted network, or authenticated with
 *	trust_authenticated) nor client_access OK; "insiders" are the
 *	others; "all" is everyone. client_access OK counts as an insider,
 *	as it does for the HELO and DNS checks: the admin vouched for that
 *	client.
 *
 *	rw_check_rules() is the "rules" check at end of message: the first
 *	hit in file order whose rule (not dryrun) refuses or discards
 *	decides; else quarantine and tag hits give one QUARANTINE or TAG
 *	verdict whose tag names every such rule ("rule=NAME; ...").
 *	rw_content_needs() says which steps the MTA must send.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "checks.h"

/* Limits for one match (PCRE2's units): no pattern stalls a thread. */
#define RULES_MATCH_LIMIT	1000000	/* backtracking steps */
#define RULES_DEPTH_LIMIT	10000	/* nested backtracking */
#define RULES_HEAP_LIMIT	16384	/* KiB of backtracking frames */
#define RULES_JIT_STACK_MIN	(32 * 1024)
#define RULES_JIT_STACK_MAX	(512 * 1024)
#define RULES_NAME_MAX		63
#define RULES_PATTERN_MAX	4096
#define RULES_REPLY_MAX		200

enum rule_where {
	W_HEADER = 0, W_HEADERS, W_BODY, W_URL, W_URL_HOST, W_URL_TRICK,
	W_ATT_NAME, W_ATT_TYPE, W_MIME
};

static const struct {
	const char	*word;
	enum rule_where	 where;
} wheres[] = {
	{ "headers", W_HEADERS }, { "body", W_BODY }, { "url", W_URL },
	{ "url-host", W_URL_HOST }, { "url-trick", W_URL_TRICK },
	{ "attachment-name", W_ATT_NAME },
	{ "attachment-type", W_ATT_TYPE }, { "mime", W_MIME },
};

static const struct {
	const char	*word;
	enum rw_action	 action;
} actions[] = {
	{ "reject", RW_ACT_REJECT }, { "tempfail", RW_ACT_TEMPFAIL },
	{ "tag", RW_ACT_TAG }, { "quarantine", RW_ACT_QUARANTINE },
	{ "discard", RW_ACT_DISCARD },
};

/* the defect names a "mime" rule matches, one per enum rw_mime_defect bit */
static const struct {
	unsigned int	 bit;
	const char	*name;
} defects[] = {
	{ RW_MIME_BAD_BOUNDARY, "bad-boundary" },
	{ RW_MIME_BAD_ENCODING, "bad-encoding" },
	{ RW_MIME_BAD_CHARSET, "bad-charset" },
	{ RW_MIME_TOO_DEEP, "too-deep" },
	{ RW_MIME_BAD_HEADER, "bad-header" },
	{ RW_MIME_TRUNCATED, "truncated" },
};

enum rule_for { FOR_OUTSIDERS = 0, FOR_INSIDERS, FOR_ALL };

struct rule {
	char		*name;
	unsigned int	 line;
	enum rule_where	 where;
	char		*header;	/* W_HEADER: the name, as written */
	pcre2_code	*re;
	enum rw_action	 action;
	enum rule_for	 who;
	bool		 dryrun;
	char		*reply;		/* NULL: the action's default */
};

struct rw_rules {
	char		*source;
	struct rule	*v;
	size_t		 n;
	pcre2_match_context *mctx;	/* the limits; read only once built */
	bool		 jit;		/* some pattern was JIT-compiled */
};

/* ------------------------------------------------------------ parsing */

struct perr {
	const char	*source;
	char		*err;
	size_t		 errlen, used;
	unsigned int	 n;
	bool		 oom;
};

/* report - one "file:line: msg" line, bounded */
static void
report(struct perr *pe, unsigned int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
report(struct perr *pe, unsigned int line, const char *fmt, ...)
{
	va_list	ap;
	char	msg[400];
	int	n;

	pe->n++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (pe->err == NULL || pe->used >= pe->errlen)
		return;
	n = snprintf(pe->err + pe->used, pe->errlen - pe->used, "%s:%u: %s\n",
	    pe->source, line, msg);
	if (n > 0 && (size_t)n < pe->errlen - pe->used)
		pe->used += (size_t)n;
	else
		pe->err[pe->used] = '\0';	/* drop the line that did not fit */
}

static void
rule_free(struct rule *r)
{
	free(r->name);
	free(r->header);
	free(r->reply);
	pcre2_code_free(r->re);
	memset(r, 0, sizeof(*r));
}

/* rw_rules_free - every rule, the match context, the source name */
void
rw_rules_free(struct rw_rules *rs)
{
	size_t	i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->n; i++)
		rule_free(&rs->v[i]);
	free(rs->v);
	pcre2_match_context_free(rs->mctx);
	free(rs->source);
	free(rs);
}

/* rw_rules_count - how many rules */
size_t
rw_rules_count(const struct rw_rules *rs)
{
	return rs != NULL ? rs->n : 0;
}

/* rw_rules_source - the file's name */
const char *
rw_rules_source(const struct rw_rules *rs)
{
	return rs != NULL ? rs->source : "";
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* token - the next blank-delimited word of *p, NUL-ended in place */
static char *
token(char **p)
{
	char	*t;

	while (is_blank(**p))
		(*p)++;
	if (**p == '\0')
		return NULL;
	t = *p;
	while (**p != '\0' && !is_blank(**p))
		(*p)++;
	if (**p != '\0')
		*(*p)++ = '\0';
	return t;
}

/* name_ok - a rule name: letters, digits, "-", "_", ".", at most 63 */
static bool
name_ok(const char *s)
{
	size_t	len = strlen(s);

	return len > 0 && len <= RULES_NAME_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_.") == len;
}

/* header_name_ok - RFC 5322 2.2 field name: printable, no ":" */
static bool
header_name_ok(const char *s)
{
	const char *p;

	if (*s == '\0' || strlen(s) > 60)
		return false;
	for (p = s; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~' || *p == ':')
			return false;
	return true;
}

/* parse_where - the WHERE word into r */
static bool
parse_where(struct perr *pe, unsigned int line, const char *w, struct rule *r)
{
	size_t	i;

	if (strncasecmp(w, "header:", 7) == 0) {
		if (!header_name_ok(w + 7)) {
			report(pe, line, "\"%.80s\": header:NAME needs a header "
			    "name (printable, no blank or \":\")", w);
			return false;
		}
		r->where = W_HEADER;
		if ((r->header = strdup(w + 7)) == NULL) {
			pe->oom = true;
			return false;
		}
		return true;
	}
	for (i = 0; i < sizeof(wheres) / sizeof(wheres[0]); i++)
		if (strcasecmp(w, wheres[i].word) == 0) {
			r->where = wheres[i].where;
			return true;
		}
	report(pe, line, "unknown place \"%.80s\": header:NAME, headers, body, "
	    "url, url-host, url-trick, attachment-name, attachment-type or "
	    "mime", w);
	return false;
}

/*
 * pattern_end - the slash that ends the pattern starting after p[0]
 * ("\x" is one escaped character, so "\/" is a slash inside); NULL
 * when there is none
 */
static char *
pattern_end(char *p)
{
	for (p++; *p != '\0'; p++) {
		if (*p == '\\') {
			if (p[1] == '\0')
				return NULL;
			p++;
		} else if (*p == '/')
			return p;
	}
	return NULL;
}

/* compile - the pattern with its flags into r->re; false reported */
static bool
compile(struct perr *pe, unsigned int line, const char *pat, size_t len,
    const char *flags, struct rule *r, bool *jit)
{
	uint32_t opts = PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF |
	    PCRE2_NEVER_BACKSLASH_C;
	PCRE2_UCHAR msg[160];
	PCRE2_SIZE off;
	const char *f;
	int	code;

	for (f = flags; *f != '\0'; f++) {
		switch (*f) {
		case 'i':
			opts |= PCRE2_CASELESS;
			break;
		case 'm':
			opts |= PCRE2_MULTILINE;
			break;
		case 's':
			opts |= PCRE2_DOTALL;
			break;
		case 'x':
			opts |= PCRE2_EXTENDED;
			break;
		default:
			report(pe, line, "unknown flag \"%c\" after the pattern "
			    "(i, m, s or x)", *f >= ' ' && *f <= '~' ? *f : '?');
			return false;
		}
	}
	if (len == 0) {
		report(pe, line, "empty pattern (it would match everything; "
		    "write /^/ if that is meant)");
		return false;
	}
	if (len > RULES_PATTERN_MAX) {
		report(pe, line, "pattern longer than %d bytes",
		    RULES_PATTERN_MAX);
		return false;
	}
	r->re = pcre2_compile((PCRE2_SPTR)pat, len, opts, &code, &off, NULL);
	if (r->re == NULL) {
		if (code == PCRE2_ERROR_NOMEMORY) {
			pe->oom = true;
			return false;
		}
		(void)pcre2_get_error_message(code, msg, sizeof(msg));
		report(pe, line, "bad pattern at offset %zu: %s", (size_t)off,
		    (const char *)msg);
		return false;
	}
	/* JIT where the library has it; the interpreter otherwise */
	if (pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE) == 0)
		*jit = true;
	return true;
}

/* parse_reply - a quoted reply text at *p; false reported */
static bool
parse_reply(struct perr *pe, unsigned int line, char **p, struct rule *r)
{
	char	*start = *p + 1, *end = strchr(start, '"');
	const char *c;

	if (r->reply != NULL) {
		report(pe, line, "more than one reply text");
		return false;
	}
	if (end == NULL) {
		report(pe, line, "reply text without its closing '\"'");
		return false;
	}
	*end = '\0';
	*p = end + 1;
	if (**p != '\0' && !is_blank(**p)) {
		report(pe, line, "blank expected after the reply text");
		return false;
	}
	if (*start == '\0' || strlen(start) > RULES_REPLY_MAX) {
		report(pe, line, "a reply text has 1 to %d characters",
		    RULES_REPLY_MAX);
		return false;
	}
	/* printable ASCII only: it goes into the SMTP dialogue as is */
	for (c = start; *c != '\0'; c++)
		if (*c < ' ' || *c > '~' || *c == '%' || *c == '\\') {
			report(pe, line, "a reply text is printable ASCII "
			    "without '%%' or '\\'");
			return false;
		}
	if ((r->reply = strdup(start)) == NULL) {
		pe->oom = true;
		return false;
	}
	return true;
}

/* parse_options - for=..., dryrun, "reply" after the action */
static bool
parse_options(struct perr *pe, unsigned int line, char *p, struct rule *r)
{
	char	*t;

	for (;;) {
		while (is_blank(*p))
			p++;
		if (*p == '\0' || *p == '#')
			break;
		if (*p == '"') {
			if (!parse_reply(pe, line, &p, r))
				return false;
			continue;
		}
		t = token(&p);
		if (strcasecmp(t, "dryrun") == 0)
			r->dryrun = true;
		else if (strcasecmp(t, "for=outsiders") == 0)
			r->who = FOR_OUTSIDERS;
		else if (strcasecmp(t, "for=insiders") == 0)
			r->who = FOR_INSIDERS;
		else if (strcasecmp(t, "for=all") == 0)
			r->who = FOR_ALL;
		else {
			report(pe, line, "unknown option \"%.80s\" (for=outsiders, "
			    "for=insiders, for=all, dryrun or a \"reply text\")",
			    t);
			return false;
		}
	}
	if (r->reply != NULL && !rw_action_refuses(r->action)) {
		report(pe, line, "a reply text is for reject and tempfail rules "
		    "only");
		return false;
	}
	return true;
}

/* parse_rule - one rule line into r; false reported (or out of memory) */
static bool
parse_rule(struct perr *pe, unsigned int line, char *p, struct rule *r,
    const struct rw_rules *rs, bool *jit)
{
	char	*name, *where, *pat, *end, *flags, *act;
	size_t	 i;

	name = token(&p);
	if (!name_ok(name)) {
		report(pe, line, "bad rule name \"%.80s\" (letters, digits, "
		    "\"-\", \"_\", \".\"; at most %d)", name, RULES_NAME_MAX);
		return false;
	}
	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->v[i].name, name) == 0) {
			report(pe, line, "rule %s defined twice (first at line %u)",
			    name, rs->v[i].line);
			return false;
		}
	r->line = line;
	if ((r->name = strdup(name)) == NULL) {
		pe->oom = true;
		return false;
	}
	if ((where = token(&p)) == NULL) {
		report(pe, line, "rule %s: where to look is missing", name);
		return false;
	}
	if (!parse_where(pe, line, where, r))
		return false;
	while (is_blank(*p))
		p++;
	if (*p != '/') {
		report(pe, line, "rule %s: a /pattern/ is expected after %s",
		    name, where);
		return false;
	}
	pat = p;
	if ((end = pattern_end(pat)) == NULL) {
		report(pe, line, "rule %s: the pattern has no closing \"/\"", name);
		return false;
	}
	*end = '\0';
	p = end + 1;
	flags = p;
	while (*p != '\0' && !is_blank(*p))
		p++;
	if (*p != '\0')
		*p++ = '\0';
	if (!compile(pe, line, pat + 1, (size_t)(end - pat - 1), flags, r, jit))
		return false;
	if ((act = token(&p)) == NULL) {
		report(pe, line, "rule %s: the action is missing (reject, "
		    "tempfail, tag, quarantine or discard)", name);
		return false;
	}
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcasecmp(act, actions[i].word) == 0)
			break;
	if (i == sizeof(actions) / sizeof(actions[0])) {
		report(pe, line, "rule %s: unknown action \"%.80s\" (reject, "
		    "tempfail, tag, quarantine or discard)", name, act);
		return false;
	}
	r->action = actions[i].action;
	return parse_options(pe, line, p, r);
}

/* rw_rules_parse - the whole file; every error reported */
bool
rw_rules_parse(const char *text, const char *source, struct rw_rules **out,
    char *err, size_t errlen)
{
	struct perr pe;
	struct rw_rules *rs;
	struct rule r, *v;
	char	*copy = NULL, *line, *next, *p;
	unsigned int lineno = 0;
	bool	 jit = false;

	*out = NULL;
	memset(&pe, 0, sizeof(pe));
	pe.source = source != NULL ? source : "(rules)";
	pe.err = err;
	pe.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((rs = calloc(1, sizeof(*rs))) == NULL ||
	    (rs->source = strdup(pe.source)) == NULL ||
	    (copy = strdup(text != NULL ? text : "")) == NULL) {
		pe.oom = true;
		goto done;
	}
	for (line = copy; line != NULL && !pe.oom; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		p = line + strlen(line);
		while (p > line && (p[-1] == '\r' || is_blank(p[-1])))
			*--p = '\0';
		p = line;
		while (is_blank(*p))
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		if (rs->n >= RW_RULES_MAX) {
			report(&pe, lineno, "more than %d rules", RW_RULES_MAX);
			break;
		}
		memset(&r, 0, sizeof(r));
		if (!parse_rule(&pe, lineno, p, &r, rs, &jit)) {
			rule_free(&r);
			continue;
		}
		if ((v = reallocarray(rs->v, rs->n + 1, sizeof(*v))) == NULL) {
			rule_free(&r);
			pe.oom = true;
			break;
		}
		rs->v = v;
		rs->v[rs->n++] = r;
	}
	if (pe.oom || pe.n > 0)
		goto done;
	rs->jit = jit;
	if ((rs->mctx = pcre2_match_context_create(NULL)) == NULL ||
	    pcre2_set_match_limit(rs->mctx, RULES_MATCH_LIMIT) != 0 ||
	    pcre2_set_depth_limit(rs->mctx, RULES_DEPTH_LIMIT) != 0 ||
	    pcre2_set_heap_limit(rs->mctx, RULES_HEAP_LIMIT) != 0) {
		pe.oom = true;
		goto done;
	}
done:
	free(copy);
	if (pe.oom && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: out of memory\n", pe.source);
	if (pe.oom || pe.n > 0) {
		rw_rules_free(rs);
		return false;
	}
	*out = rs;
	return true;
}

/* ------------------------------------------------------------ matching */

/* What one evaluation holds of its own: nothing shared is written. */
struct eval {
	const struct rw_rules *rs;
	const struct rw_message *m;
	struct rw_facts	*f;
	pcre2_match_data *md;
	pcre2_match_context *mctx;	/* rs->mctx, or a copy with jit */
	pcre2_match_context *own_mctx;
	pcre2_jit_stack	*jit;
	char		**joined;	/* "Name: value" per header, on demand */
	bool		 nomem;
};

/* results - the message's rule results, allocated at the first need */
static struct rw_rule_results *
results(struct rw_facts *f)
{
	if (f->rules == NULL)
		f->rules = calloc(1, sizeof(*f->rules));
	return f->rules;
}

/* add_hit - a rule matched; false when out of memory */
static bool
add_hit(struct eval *e, const struct rule *r, const char *where,
    const char *subj, size_t start, size_t end)
{
	struct rw_rule_results *res = results(e->f);
	struct rw_rule_hit *h;
	char	raw[2 * sizeof(h->matched)];
	size_t	len = end > start ? end - start : 0;

	if (res == NULL)
		return false;
	if (res->nhits >= RW_RULE_HITS_MAX) {
		res->hits_dropped++;
		return true;
	}
	if (res->nhits == res->hits_cap) {
		size_t cap = res->hits_cap == 0 ? 4 : 2 * res->hits_cap;

		if (cap > RW_RULE_HITS_MAX)
			cap = RW_RULE_HITS_MAX;
		h = reallocarray(res->hits, cap, sizeof(*h));
		if (h == NULL)
			return false;
		res->hits = h;
		res->hits_cap = cap;
	}
	h = &res->hits[res->nhits++];
	memset(h, 0, sizeof(*h));
	h->rule = r->name;
	h->line = r->line;
	h->action = r->action;
	h->dryrun = r->dryrun;
	h->reply = r->reply;
	h->source = e->rs->source;
	rw_sanitize(h->where, sizeof(h->where), where);
	/* more than fits once sanitised: rw_sanitize() cuts it and says so */
	if (len > sizeof(raw) - 1)
		len = sizeof(raw) - 1;
	memcpy(raw, subj + start, len);
	raw[len] = '\0';
	rw_sanitize(h->matched, sizeof(h->matched), raw);
	return true;
}

/* add_error - a rule could not be matched; kept for the log, bounded */
static bool
add_error(struct eval *e, const struct rule *r, const char *where, int rc)
{
	struct rw_rule_results *res = results(e->f);
	struct rw_rule_error *x;
	PCRE2_UCHAR msg[80];

	if (res == NULL)
		return false;
	if (res->nerrors >= RW_RULE_ERRORS_MAX)
		return true;
	if (res->errors == NULL &&
	    (res->errors = calloc(RW_RULE_ERRORS_MAX,
	    sizeof(*res->errors))) == NULL)
		return false;
	x = &res->errors[res->nerrors++];
	x->rule = r->name;
	x->line = r->line;
	rw_sanitize(x->where, sizeof(x->where), where);
	if (pcre2_get_error_message(rc, msg, sizeof(msg)) < 0)
		snprintf((char *)msg, sizeof(msg), "error %d", rc);
	snprintf(x->why, sizeof(x->why), "not matched: %s", (const char *)msg);
	return true;
}

/*
 * try - one subject; 1: matched (hit kept), 0: no match, -1: the rule
 * is done (an error kept, or out of memory: e->nomem)
 */
static int
try(struct eval *e, const struct rule *r, const char *where, const char *subj,
    size_t len)
{
	PCRE2_SIZE *ov;
	int	rc;

	rc = pcre2_match(r->re, (PCRE2_SPTR)subj, len, 0, 0, e->md, e->mctx);
	if (rc >= 0) {
		ov = pcre2_get_ovector_pointer(e->md);
		if (ov[0] > len || ov[1] > len)	/* \K: matched text unknown */
			ov[0] = ov[1] = 0;
		if (!add_hit(e, r, where, subj, ov[0], ov[1]))
			e->nomem = true;
		return 1;
	}
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc == PCRE2_ERROR_NOMEMORY) {
		e->nomem = true;
		return -1;
	}
	/* a limit (match, depth, heap, JIT stack) or another match error */
	if (!add_error(e, r, where, rc))
		e->nomem = true;
	return -1;
}

/* joined_header - "Name: value" of header i, built once per evaluation */
static const char *
joined_header(struct eval *e, size_t i)
{
	const struct rw_msg_header *h = &e->m->headers[i];
	size_t	len;

	if (e->joined == NULL &&
	    (e->joined = calloc(e->m->nheaders, sizeof(*e->joined))) == NULL)
		return NULL;
	if (e->joined[i] == NULL) {
		len = strlen(h->name) + 2 + strlen(h->value) + 1;
		if ((e->joined[i] = malloc(len)) == NULL)
			return NULL;
		snprintf(e->joined[i], len, "%s: %s", h->name, h->value);
	}
	return e->joined[i];
}

/* eval_rule - the rule against every subject of its place, first match */
static void
eval_rule(struct eval *e, const struct rule *r)
{
	const struct rw_message *m = e->m;
	char	where[64];
	const char *s;
	size_t	i;
	int	rc = 0;

	switch (r->where) {
	case W_HEADER:
	case W_HEADERS:
		for (i = 0; i < m->nheaders && rc == 0; i++) {
			const struct rw_msg_header *h = &m->headers[i];

			if (r->where == W_HEADER) {
				if (strcasecmp(h->name, r->header) != 0)
					continue;
				s = h->value;
			} else if ((s = joined_header(e, i)) == NULL) {
				e->nomem = true;
				return;
			}
			snprintf(where, sizeof(where), "header %s", h->name);
			rc = try(e, r, where, s, strlen(s));
		}
		break;
	case W_BODY:
		rc = try(e, r, "body", m->text != NULL ? m->text : "",
		    m->text != NULL ? m->textlen : 0);
		break;
	case W_URL:
	case W_URL_HOST:
		for (i = 0; i < m->nurls && rc == 0; i++) {
			s = r->where == W_URL ? m->urls[i].text : m->urls[i].host;
			rc = try(e, r, r->where == W_URL ? "url" : "url-host", s,
			    strlen(s));
		}
		break;
	case W_URL_TRICK:
		/* what hid a link's destination: "percent-host,numeric-host" */
		for (i = 0; i < m->nurls && rc == 0; i++) {
			char	tricks[128];

			if (m->urls[i].tricks == 0)
				continue;
			rw_url_trick_text(m->urls[i].tricks, tricks,
			    sizeof(tricks));
			snprintf(where, sizeof(where), "url-trick %s",
			    m->urls[i].host);
			rc = try(e, r, where, tricks, strlen(tricks));
		}
		break;
	case W_ATT_NAME:
	case W_ATT_TYPE:
		for (i = 0; i < m->nparts && rc == 0; i++) {
			if (!m->parts[i].attachment)
				continue;
			s = r->where == W_ATT_NAME ? m->parts[i].filename :
			    m->parts[i].type;
			rc = try(e, r, r->where == W_ATT_NAME ? "attachment-name" :
			    "attachment-type", s, strlen(s));
		}
		break;
	case W_MIME:
		for (i = 0; i < sizeof(defects) / sizeof(defects[0]) && rc == 0;
		    i++)
			if (m->defects & defects[i].bit)
				rc = try(e, r, "mime", defects[i].name,
				    strlen(defects[i].name));
		break;
	}
}

/* applies - the rule is for this client */
static bool
applies(const struct rule *r, bool insider)
{
	return r->who == FOR_ALL || (r->who == FOR_INSIDERS) == insider;
}

/* rw_rules_eval - every rule for this client once; false: out of memory */
bool
rw_rules_eval(const struct rw_rules *rs, struct rw_facts *f)
{
	struct eval e;
	bool	insider = f->insider || f->client_ok;
	size_t	i;

	if (f->rules_done)
		return true;
	f->rules_done = true;
	if (rs == NULL || f->msg == NULL || rs->n == 0)
		return true;
	memset(&e, 0, sizeof(e));
	e.rs = rs;
	e.m = f->msg;
	e.f = f;
	e.mctx = rs->mctx;
	if ((e.md = pcre2_match_data_create(1, NULL)) == NULL)
		return false;
	/*
	 * JIT: a stack of this evaluation's own, bigger than the default
	 * 32 KiB on the machine stack; without one the default serves
	 */
	if (rs->jit && (e.own_mctx = pcre2_match_context_copy(rs->mctx)) != NULL &&
	    (e.jit = pcre2_jit_stack_create(RULES_JIT_STACK_MIN,
	    RULES_JIT_STACK_MAX, NULL)) != NULL) {
		pcre2_jit_stack_assign(e.own_mctx, NULL, e.jit);
		e.mctx = e.own_mctx;
	}
	for (i = 0; i < rs->n && !e.nomem; i++)
		if (applies(&rs->v[i], insider))
			eval_rule(&e, &rs->v[i]);
	if (e.joined != NULL)
		for (i = 0; i < f->msg->nheaders; i++)
			free(e.joined[i]);
	free(e.joined);
	pcre2_jit_stack_free(e.jit);
	pcre2_match_context_free(e.own_mctx);
	pcre2_match_data_free(e.md);
	return !e.nomem;
}

/* rw_rules_needs - the steps the rules look at */
static unsigned int
rules_needs(const struct rw_rules *rs)
{
	unsigned int need = 0;
	size_t	i;

	for (i = 0; rs != NULL && i < rs->n; i++)
		if (rs->v[i].where == W_HEADER || rs->v[i].where == W_HEADERS)
			need |= RW_NEED_HEADERS;
		else
			need |= RW_NEED_BODY;
	return need;
}

/*
 * rw_content_needs - what the MTA must send for the content checks.
 * The body is read as MIME, which needs the header too.
 */
unsigned int
rw_content_needs(const struct rw_config *cfg)
{
	unsigned int need = rules_needs(cfg->rules);

	if (cfg->url_obfuscation != RW_CHK_OFF)
		need |= RW_NEED_BODY;
	/* the URI lists read the message's links (uribl.c) */
	if (rw_uribl_lists(cfg))
		need |= RW_NEED_BODY;
	if (need & RW_NEED_BODY)
		need |= RW_NEED_HEADERS;
	return need;
}

/* ------------------------------------------------------------ the check */

/* hit_reason - "rule NAME (file:LINE) matched WHERE: text" */
static void
hit_reason(const struct rw_rule_hit *h, char *buf, size_t len)
{
	snprintf(buf, len, "rule %s (%s:%u) matched %s: %s", h->rule, h->source,
	    h->line, h->where, h->matched);
}

/* rw_rule_verdict - the verdict a rule's hit stands for (its action) */
enum rw_action
rw_rule_verdict(const struct rw_rule_hit *h, struct rw_verdict *v)
{
	char	reason[RW_REASON_MAX], tag[RW_TAG_MAX];

	hit_reason(h, reason, sizeof(reason));
	switch (h->action) {
	case RW_ACT_REJECT:
		return rw_verdict_set(v, RW_ACT_REJECT, "rules", "550", "5.7.1",
		    h->reply != NULL ? h->reply : "Message content rejected",
		    reason);
	case RW_ACT_TEMPFAIL:
		return rw_verdict_set(v, RW_ACT_TEMPFAIL, "rules", "451", "4.7.1",
		    h->reply != NULL ? h->reply : "Message content deferred, "
		    "try again later", reason);
	case RW_ACT_DISCARD:
		return rw_verdict_set(v, RW_ACT_DISCARD, "rules", "", "", "",
		    reason);
	case RW_ACT_QUARANTINE:
		snprintf(tag, sizeof(tag), "rule %s (%s:%u)", h->rule, h->source,
		    h->line);
		(void)rw_verdict_set(v, RW_ACT_QUARANTINE, "rules", "", "", tag,
		    reason);
		snprintf(v->tag, sizeof(v->tag), "rule=%s", h->rule);
		return RW_ACT_QUARANTINE;
	default:
		snprintf(tag, sizeof(tag), "rule=%s", h->rule);
		return rw_verdict_tag(v, "rules", tag, reason);
	}
}

/*
 * rw_check_rules - the first refusing or discarding hit (not dryrun)
 * decides; else one QUARANTINE or TAG naming every such hit
 */
enum rw_action
rw_check_rules(const struct rw_config *cfg, const struct rw_facts *f,
    struct rw_verdict *v)
{
	const struct rw_rule_hit *h, *first = NULL;
	char	tags[RW_TAG_MAX];
	size_t	i, o = 0;
	int	n;

	(void)cfg;
	if (f->rules == NULL)
		return RW_ACT_CONTINUE;
	for (i = 0; i < f->rules->nhits; i++) {
		h = &f->rules->hits[i];
		if (h->dryrun)
			continue;
		if (rw_action_refuses(h->action) || h->action == RW_ACT_DISCARD)
			return rw_rule_verdict(h, v);
	}
	tags[0] = '\0';
	for (i = 0; i < f->rules->nhits; i++) {
		h = &f->rules->hits[i];
		if (h->dryrun || (h->action != RW_ACT_TAG &&
		    h->action != RW_ACT_QUARANTINE))
			continue;
		if (first == NULL || (first->action == RW_ACT_TAG &&
		    h->action == RW_ACT_QUARANTINE))
			first = h;	/* a quarantine names the verdict */
		n = snprintf(tags + o, sizeof(tags) - o, "%srule=%s",
		    o > 0 ? "; " : "", h->rule);
		if (n < 0 || (size_t)n >= sizeof(tags) - o) {
			tags[o] = '\0';	/* the rest does not fit */
			break;
		}
		o += (size_t)n;
	}
	if (first == NULL)
		return RW_ACT_CONTINUE;
	(void)rw_rule_verdict(first, v);
	rw_strlcpy_ok(v->tag, tags, sizeof(v->tag));
	return v->action;
}
