/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	html - an HTML part reduced to its visible text and its links
 * DESCRIPTION
 *	rw_html_reduce() is a small tokenizer, not a parser: it keeps no
 *	tree and no stack, reads each byte a bounded number of times and
 *	never recurses, so no part can make it slow (mail HTML is hostile:
 *	the goal is to see what the reader sees, not to render it).
 *
 *	Text: tags, comments, <!...> and <?...> declarations are dropped;
 *	the content of script, style, iframe, noembed, noframes and
 *	template, which no reader sees, is dropped to their end tag (the
 *	text of title, textarea and noscript is kept: a mail client shows
 *	it); block elements and <br> give a line
 *	break, table cells a space; runs of white space become one space.
 *	Character references are decoded as browsers do: the common named
 *	ones (the legacy few also without ';'), &#NN; and &#xHH; with or
 *	without ';', 0x80-0x9F as windows-1252, bad code points as U+FFFD,
 *	invisible ones (&shy;, &zwnj;, &zwj;, &#8203;) dropped so they
 *	cannot split words.
 *
 *	Links: the values of href, src, action, background, formaction,
 *	cite, poster and data, with references decoded (in attributes a
 *	legacy name followed by a letter, digit or '=' is left alone, as
 *	browsers leave "&copy=2" in a query) and surrounding white space
 *	trimmed, and the URL of <meta http-equiv=refresh content="0;
 *	url=...">, each given to the sink as found, even in a tag that the
 *	part never closes (a filter had better see more than the reader).
 *	Unquoted, single- and double-quoted values are read; an unclosed
 *	quote runs to the end of the part.
 *
 *	The text is bounded by the caller's buffer, cut at a whole
 *	character (*truncated says so); links are reported to the end.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "checks.h"

#define NAME_MAX_	16	/* tag and attribute names we know are short */
#define VALUE_MAX	(RW_URL_MAX * 2)	/* a decoded link attribute */
#define REF_NAME_MAX	32

struct named_ref {
	const char	*name;
	uint32_t	 cp;		/* 0: dropped (invisible) */
	bool		 legacy;	/* also without ';' */
};

static const struct named_ref named_refs[] = {
	{ "amp", '&', true }, { "AMP", '&', true }, { "lt", '<', true },
	{ "LT", '<', true }, { "gt", '>', true }, { "GT", '>', true },
	{ "quot", '"', true }, { "QUOT", '"', true }, { "apos", '\'', false },
	{ "nbsp", 0xA0, true }, { "copy", 0xA9, true }, { "COPY", 0xA9, true },
	{ "reg", 0xAE, true }, { "REG", 0xAE, true },
	{ "shy", 0, true }, { "zwnj", 0, false }, { "zwj", 0, false },
	{ "lrm", 0, false }, { "rlm", 0, false },
	{ "trade", 0x2122, false }, { "hellip", 0x2026, false },
	{ "mdash", 0x2014, false }, { "ndash", 0x2013, false },
	{ "lsquo", 0x2018, false }, { "rsquo", 0x2019, false },
	{ "ldquo", 0x201C, false }, { "rdquo", 0x201D, false },
	{ "bull", 0x2022, false }, { "euro", 0x20AC, false },
	{ "pound", 0xA3, true }, { "yen", 0xA5, true }, { "cent", 0xA2, true },
	{ "sect", 0xA7, true }, { "deg", 0xB0, true }, { "middot", 0xB7, true },
	{ "laquo", 0xAB, true }, { "raquo", 0xBB, true },
	{ "times", 0xD7, true }, { "divide", 0xF7, true },
	{ "iexcl", 0xA1, true }, { "iquest", 0xBF, true },
	{ "agrave", 0xE0, true }, { "aacute", 0xE1, true },
	{ "acirc", 0xE2, true }, { "auml", 0xE4, true }, { "aring", 0xE5, true },
	{ "ccedil", 0xE7, true }, { "egrave", 0xE8, true },
	{ "eacute", 0xE9, true }, { "ecirc", 0xEA, true }, { "euml", 0xEB, true },
	{ "iacute", 0xED, true }, { "ntilde", 0xF1, true },
	{ "oacute", 0xF3, true }, { "ouml", 0xF6, true }, { "oslash", 0xF8, true },
	{ "uacute", 0xFA, true }, { "uuml", 0xFC, true }, { "szlig", 0xDF, true },
	{ "Auml", 0xC4, true }, { "Ouml", 0xD6, true }, { "Uuml", 0xDC, true },
	{ "Eacute", 0xC9, true },
};

/* windows-1252 for &#128; .. &#159;, as browsers read them */
static const uint16_t cp1252[32] = {
	0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
	0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178
};

static const char *const link_attrs[] = {
	"href", "src", "action", "background", "formaction", "cite", "poster",
	"data", NULL
};

/* content no reader sees (textarea and xmp content is seen: kept) */
static const char *const raw_text[] = {
	"script", "style", "iframe", "noembed", "noframes", "template", NULL
};

static const char *const blocks[] = {
	"br", "p", "div", "tr", "li", "ul", "ol", "dl", "dt", "dd", "table",
	"h1", "h2", "h3", "h4", "h5", "h6", "hr", "blockquote", "pre",
	"section", "article", "header", "footer", "nav", "aside", "main",
	"form", "fieldset", "address", "center", "figure", "figcaption",
	"caption", "tbody", "thead", "tfoot", "title", "option", "body", NULL
};

struct html {
	const char	*s;
	size_t		 len, i;
	char		*out;
	size_t		 olen, osize;
	bool		 trunc;
	rw_url_sink	*sink;
	void		*ctx;
	bool		 sink_done;
};

static bool
in_list(const char *const *list, const char *name)
{
	size_t	i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

/* ------------------------------------------------------------ references */

/* rw_utf8_encode - a code point as UTF-8 into b (4 bytes); its length */
size_t
rw_utf8_encode(uint32_t cp, char *b)
{
	if (cp < 0x80) {
		b[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	b[0] = (char)(0xF0 | (cp >> 18));
	b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	b[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/*
 * rw_html_numeric_ref - "&#NN;" or "&#xHH;" at s (';' optional); the
 * code point a browser makes of it in *cp, and the bytes read; 0: none
 */
size_t
rw_html_numeric_ref(const char *s, size_t len, uint32_t *cp)
{
	size_t	i = 2, start;
	uint32_t v = 0;
	bool	hex = false;

	if (len < 3 || s[0] != '&' || s[1] != '#')
		return 0;
	if (s[2] == 'x' || s[2] == 'X') {
		hex = true;
		i = 3;
	}
	start = i;
	for (; i < len; i++) {
		int d = hex ? rw_hexval((unsigned char)s[i]) :
		    (rw_isdigit((unsigned char)s[i]) ? s[i] - '0' : -1);

		if (d < 0)
			break;
		if (v <= 0x10FFFF)	/* past it stays past it, no overflow */
			v = v * (hex ? 16 : 10) + (uint32_t)d;
	}
	if (i == start)
		return 0;
	if (i < len && s[i] == ';')
		i++;
	if (v >= 0x80 && v <= 0x9F)
		v = cp1252[v - 0x80];
	else if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		v = 0xFFFD;
	*cp = v;
	return i;
}

/*
 * char_ref - the reference at s (s[0] == '&'): its UTF-8 in u (*ulen
 * bytes, 0 when invisible) and the bytes read; 0 when it is none
 */
static size_t
char_ref(const char *s, size_t len, bool in_attr, char *u, size_t *ulen)
{
	const struct named_ref *best = NULL;
	uint32_t cp;
	size_t	n, i, k, nl;

	*ulen = 0;
	if ((n = rw_html_numeric_ref(s, len, &cp)) > 0) {
		if (cp == 0x200B || cp == 0xAD || cp == 0x200C || cp == 0x200D)
			return n;
		*ulen = rw_utf8_encode(cp, u);
		return n;
	}
	for (n = 1; n < len && n <= REF_NAME_MAX &&
	    rw_isalnum((unsigned char)s[n]); n++)
		;
	if (n == 1)
		return 0;
	/* with ';': the whole name */
	for (i = 0; n < len && s[n] == ';' &&
	    i < sizeof(named_refs) / sizeof(named_refs[0]); i++)
		if (strlen(named_refs[i].name) == n - 1 &&
		    memcmp(named_refs[i].name, s + 1, n - 1) == 0) {
			best = &named_refs[i];
			nl = n + 1;
			break;
		}
	/* without: the longest legacy name that starts it */
	if (best == NULL) {
		nl = 0;
		for (i = 0; i < sizeof(named_refs) / sizeof(named_refs[0]); i++) {
			k = strlen(named_refs[i].name);
			if (named_refs[i].legacy && k <= n - 1 && k + 1 > nl &&
			    memcmp(named_refs[i].name, s + 1, k) == 0) {
				best = &named_refs[i];
				nl = k + 1;
			}
		}
		if (best == NULL)
			return 0;
		if (in_attr && nl < len && (rw_isalnum((unsigned char)s[nl]) ||
		    s[nl] == '='))
			return 0;
	}
	if (best->cp != 0)
		*ulen = rw_utf8_encode(best->cp, u);
	return nl;
}

/*
 * decode_value - an attribute value with references decoded, white
 * space around it trimmed, cut to size - 1 bytes; its length
 */
static size_t
decode_value(const char *v, size_t vlen, char *buf, size_t size)
{
	size_t	i = 0, o = 0, n, ulen, k;
	char	u[4];

	while (i < vlen && o + 1 < size) {
		if (v[i] == '&' && (n = char_ref(v + i, vlen - i, true, u,
		    &ulen)) > 0) {
			if (o + ulen >= size)
				break;
			for (k = 0; k < ulen; k++)
				buf[o++] = u[k];
			i += n;
			continue;
		}
		buf[o++] = v[i++];
	}
	buf[o] = '\0';
	for (i = 0; i < o && rw_isspace((unsigned char)buf[i]); i++)
		;
	while (o > i && rw_isspace((unsigned char)buf[o - 1]))
		o--;
	memmove(buf, buf + i, o - i);
	buf[o - i] = '\0';
	return o - i;
}

/* ------------------------------------------------------------ text out */

static void
emit(struct html *h, const char *b, size_t n)
{
	if (h->trunc)
		return;
	if (h->olen + n >= h->osize) {
		h->trunc = true;
		return;
	}
	memcpy(h->out + h->olen, b, n);
	h->olen += n;
	h->out[h->olen] = '\0';
}

static void
emit_space(struct html *h)
{
	if (h->olen > 0 && h->out[h->olen - 1] != ' ' &&
	    h->out[h->olen - 1] != '\n')
		emit(h, " ", 1);
}

static void
emit_newline(struct html *h)
{
	if (h->olen == 0 || h->trunc)
		return;
	if (h->out[h->olen - 1] == ' ')
		h->out[h->olen - 1] = '\n';
	else if (h->out[h->olen - 1] != '\n')
		emit(h, "\n", 1);
}

/* report_link - one link found; the sink may say it has enough */
static void
report_link(struct html *h, const char *v, size_t vlen)
{
	if (vlen == 0 || h->sink == NULL || h->sink_done)
		return;
	if (!h->sink(h->ctx, v, vlen))
		h->sink_done = true;
}

/* ------------------------------------------------------------ markup */

/* skip_past - move past the next occurrence of pat (or to the end) */
static void
skip_past(struct html *h, const char *pat)
{
	size_t	pl = strlen(pat);

	while (h->i < h->len) {
		if (h->s[h->i] == pat[0] && h->len - h->i >= pl &&
		    memcmp(h->s + h->i, pat, pl) == 0) {
			h->i += pl;
			return;
		}
		h->i++;
	}
}

/* comment - at "<!--": to "-->", "<!-->" and "<!--->" closing at once */
static void
comment(struct html *h)
{
	h->i += 4;
	if (h->i < h->len && h->s[h->i] == '>') {
		h->i++;
		return;
	}
	if (h->len - h->i >= 2 && memcmp(h->s + h->i, "->", 2) == 0) {
		h->i += 2;
		return;
	}
	skip_past(h, "-->");
}

/* read_name - a tag or attribute name, lowercased, cut to the buffer */
static void
read_name(struct html *h, char *name, const char *stops)
{
	size_t	n = 0;

	while (h->i < h->len) {
		unsigned char c = (unsigned char)h->s[h->i];

		if (rw_isspace(c) || c == '/' || c == '>' ||
		    (c != '\0' && strchr(stops, c) != NULL))
			break;
		if (n + 1 < NAME_MAX_)
			name[n++] = (char)((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
		else
			name[0] = '\0', n = NAME_MAX_;	/* too long: unknown */
		h->i++;
	}
	name[n < NAME_MAX_ ? n : 0] = '\0';
}

/* meta_refresh - the URL in a refresh's content, "0; url='...'" */
static void
meta_refresh(struct html *h, const char *c)
{
	const char *end;
	char	q;

	while (rw_isspace((unsigned char)*c) || rw_isdigit((unsigned char)*c) ||
	    *c == '.')
		c++;
	if (*c == ';' || *c == ',')
		c++;
	while (rw_isspace((unsigned char)*c))
		c++;
	if (strncasecmp(c, "url", 3) == 0) {
		const char *p = c + 3;

		while (rw_isspace((unsigned char)*p))
			p++;
		if (*p == '=') {
			c = p + 1;
			while (rw_isspace((unsigned char)*c))
				c++;
		}
	}
	if (*c == '\'' || *c == '"') {
		q = *c++;
		end = strchr(c, q);
		if (end == NULL)
			end = c + strlen(c);
	} else
		end = c + strlen(c);
	while (end > c && rw_isspace((unsigned char)end[-1]))
		end--;
	report_link(h, c, (size_t)(end - c));
}

/*
 * tag - at "<" + letter (or "</" + letter when end): the name, the
 * attributes (links reported), to past the '>'; the name in name
 */
static void
tag(struct html *h, bool end, char *name)
{
	char	attr[NAME_MAX_], value[VALUE_MAX], content[VALUE_MAX];
	size_t	vstart, vlen, dlen;
	bool	refresh = false, have_content = false;

	h->i += end ? 2 : 1;
	read_name(h, name, "");
	while (h->i < h->len) {
		unsigned char c = (unsigned char)h->s[h->i];

		if (rw_isspace(c) || c == '/') {
			h->i++;
			continue;
		}
		if (c == '>') {
			h->i++;
			break;
		}
		/* an attribute: name [= value] */
		vstart = h->i;
		if (c == '=')	/* a stray '=' starts a name */
			h->i++;
		read_name(h, attr, "=");
		if (h->i == vstart)	/* cannot happen; never stall */
			h->i++;
		while (h->i < h->len && rw_isspace((unsigned char)h->s[h->i]))
			h->i++;
		if (h->i >= h->len || h->s[h->i] != '=')
			continue;
		h->i++;
		while (h->i < h->len && rw_isspace((unsigned char)h->s[h->i]))
			h->i++;
		if (h->i < h->len && (h->s[h->i] == '"' || h->s[h->i] == '\'')) {
			char	q = h->s[h->i++];
			const char *e;

			vstart = h->i;
			e = memchr(h->s + h->i, q, h->len - h->i);
			vlen = e == NULL ? h->len - vstart : (size_t)(e - (h->s + vstart));
			h->i = vstart + vlen + (e != NULL ? 1 : 0);
		} else {
			vstart = h->i;
			while (h->i < h->len &&
			    !rw_isspace((unsigned char)h->s[h->i]) &&
			    h->s[h->i] != '>')
				h->i++;
			vlen = h->i - vstart;
		}
		if (end)
			continue;
		if (in_list(link_attrs, attr)) {
			dlen = decode_value(h->s + vstart, vlen, value, sizeof(value));
			report_link(h, value, dlen);
		} else if (strcmp(name, "meta") == 0 &&
		    strcmp(attr, "http-equiv") == 0) {
			decode_value(h->s + vstart, vlen, value, sizeof(value));
			refresh = strcasecmp(value, "refresh") == 0;
		} else if (strcmp(name, "meta") == 0 &&
		    strcmp(attr, "content") == 0) {
			decode_value(h->s + vstart, vlen, content, sizeof(content));
			have_content = true;
		}
	}
	if (refresh && have_content)
		meta_refresh(h, content);
}

/* raw_skip - past a raw-text element's content, to its "</name" */
static void
raw_skip(struct html *h, const char *name)
{
	size_t	nl = strlen(name);

	while (h->i < h->len) {
		if (h->s[h->i] == '<' && h->len - h->i >= nl + 2 &&
		    h->s[h->i + 1] == '/' &&
		    strncasecmp(h->s + h->i + 2, name, nl) == 0 &&
		    (h->len - h->i == nl + 2 ||
		    rw_isspace((unsigned char)h->s[h->i + 2 + nl]) ||
		    h->s[h->i + 2 + nl] == '/' || h->s[h->i + 2 + nl] == '>'))
			return;
		h->i++;
	}
}

/* markup - at '<': a tag, comment or declaration; false: a plain '<' */
static bool
markup(struct html *h)
{
	char	name[NAME_MAX_];
	unsigned char c1 = h->i + 1 < h->len ? (unsigned char)h->s[h->i + 1] : 0;
	unsigned char c2 = h->i + 2 < h->len ? (unsigned char)h->s[h->i + 2] : 0;

	if (c1 == '!') {
		if (h->len - h->i >= 4 && memcmp(h->s + h->i, "<!--", 4) == 0)
			comment(h);
		else
			skip_past(h, ">");
		return true;
	}
	if (c1 == '?' || (c1 == '/' && !rw_isalpha(c2))) {
		skip_past(h, ">");
		return true;
	}
	if (c1 == '/') {
		tag(h, true, name);
		if (in_list(blocks, name))
			emit_newline(h);
		else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0)
			emit_space(h);
		return true;
	}
	if (!rw_isalpha(c1))
		return false;
	tag(h, false, name);
	if (in_list(blocks, name))
		emit_newline(h);
	else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0)
		emit_space(h);
	if (in_list(raw_text, name))
		raw_skip(h, name);
	return true;
}

/* rw_html_reduce - an HTML part to its visible text and its links */
size_t
rw_html_reduce(const char *html, size_t len, char *out, size_t outlen,
    bool *truncated, rw_url_sink *sink, void *ctx)
{
	struct html h = { .s = html, .len = len, .i = 0, .out = out,
	    .olen = 0, .osize = outlen, .trunc = false, .sink = sink,
	    .ctx = ctx, .sink_done = false };
	char	u[4];
	size_t	n, ulen;

	if (outlen > 0)
		out[0] = '\0';
	else
		h.trunc = true;
	while (h.i < h.len) {
		unsigned char c = (unsigned char)html[h.i];

		if (c == '<' && markup(&h))
			continue;
		if (rw_isspace(c)) {
			emit_space(&h);
			h.i++;
		} else if (c == '&' && (n = char_ref(html + h.i, len - h.i, false,
		    u, &ulen)) > 0) {
			if (ulen == 2 && (unsigned char)u[0] == 0xC2 &&
			    (unsigned char)u[1] == 0xA0)
				emit_space(&h);	/* &nbsp; */
			else
				emit(&h, u, ulen);
			h.i += n;
		} else {
			if (c != '\0')
				emit(&h, (const char *)&html[h.i], 1);
			h.i++;
		}
	}
	/* a cut may leave half a UTF-8 character: drop it */
	if (h.trunc && h.olen > 0) {
		size_t	k = h.olen;

		while (k > 0 && ((unsigned char)out[k - 1] & 0xC0) == 0x80)
			k--;
		if (k > 0 && (unsigned char)out[k - 1] >= 0xC0) {
			size_t need = (unsigned char)out[k - 1] >= 0xF0 ? 4 :
			    (unsigned char)out[k - 1] >= 0xE0 ? 3 : 2;

			if (h.olen - (k - 1) < need) {
				h.olen = k - 1;
				out[h.olen] = '\0';
			}
		}
	}
	*truncated = h.trunc;
	return h.olen;
}
