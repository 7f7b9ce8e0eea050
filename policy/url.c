/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	url - URLs in text, normalised as a mail client would follow them
 * DESCRIPTION
 *	rw_url_scan_text() finds the URLs written in plain text: an http,
 *	https or ftp scheme followed by "://", or a word starting "www.",
 *	each ending where a mail client ends the link it makes of it: at
 *	white space, a control byte, <, >, a quote or a backquote, with
 *	trailing punctuation (".,;:!?") and unbalanced closing brackets
 *	left out.
 *
 *	rw_url_normalise() turns one raw URL into the form the recipient's
 *	client follows, in the order a browser's URL parser works (the
 *	WHATWG URL standard's host parser, for the special schemes only):
 *	tabs and line breaks inside are dropped; the scheme is lowercased
 *	(a bare "www." gets http); any run of / and \ after it is the
 *	authority's start; the authority ends at / \ ? # (a "&#" character
 *	reference is read as part of it); userinfo is dropped; the host is
 *	percent-decoded, its numeric character references decoded, mapped
 *	to an A-label (IDNA 2008 with UTS #46 mapping through libidn2,
 *	non-transitional then transitional), lowercased, its trailing dots
 *	dropped; a host whose last label is a number is an IPv4 address in
 *	any of the forms browsers read (hex, octal, one to four parts) and
 *	written as a dotted quad; [IPv6] literals in canonical text. The
 *	port is kept unless it is the scheme's default. In the path, query
 *	and fragment, escapes of unreserved characters are decoded, others
 *	kept in upper-case hex; bytes a client would escape are escaped, a
 *	'%' that starts no escape too, so that the normal form is its own
 *	normal form; "." and ".." segments are resolved ("%2e" is a dot).
 *
 *	Each way of hiding the destination found on the way is recorded
 *	(enum rw_url_trick). A host no client could use (an empty one,
 *	bytes no DNS name holds, a bad IPv4 number, a port out of range)
 *	is RW_URLT_BAD_HOST and the URL is refused (false): no client can
 *	follow it, so there is nothing to judge or look up.
 *
 *	Which tricks hide the destination (rw_url_obfuscated): percent-host,
 *	numeric-host, userinfo, entity-host. A reader sees a host other than
 *	the one the link goes to, or none. Percent-path does NOT count: the
 *	host, which is what a reader judges and what block lists list, is
 *	in plain sight, and mailing-list and tracking software escapes paths
 *	for no bad reason; it is recorded so that rules can use it.
 *
 *	Everything is bounded: the text by RW_URL_MAX (truncation flagged),
 *	the host by RW_HOSTNAME_MAX. Each input byte is looked at a bounded
 *	number of times.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <idn2.h>

#include "checks.h"

/* Tricks that hide where a link points; see DESCRIPTION. */
#define HIDING	(RW_URLT_PERCENT_HOST | RW_URLT_NUMERIC_HOST | \
		 RW_URLT_USERINFO | RW_URLT_ENTITY_HOST)

/* The authority as written, before decoding: more is no host. */
#define AUTH_MAX	1024

struct scheme {
	const char	*name;
	size_t		 len;
	unsigned int	 port;		/* the default, dropped from the text */
};

static const struct scheme schemes[] = {
	{ "http", 4, 80 },
	{ "https", 5, 443 },
	{ "ftp", 3, 21 },
};

static const char *const trick_names[] = {
	"percent-host", "numeric-host", "userinfo", "entity-host",
	"percent-path", "bad-host"
};

/* ------------------------------------------------------------ output */

struct out {
	char	*buf;
	size_t	 len, size;
	bool	 full;
};

static void
put_byte(struct out *o, char c)
{
	if (o->len + 1 >= o->size) {
		o->full = true;
		return;
	}
	o->buf[o->len++] = c;
	o->buf[o->len] = '\0';
}

static void
put_str(struct out *o, const char *s)
{
	while (*s != '\0' && !o->full)
		put_byte(o, *s++);
}

/* put_escape - %XX, whole or not at all */
static void
put_escape(struct out *o, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";

	if (o->len + 3 >= o->size) {
		o->full = true;
		return;
	}
	put_byte(o, '%');
	put_byte(o, hex[c >> 4]);
	put_byte(o, hex[c & 15]);
}

/* ------------------------------------------------------------ the host */

/*
 * ipv4_part - one part of a numeric host: 0x hex, 0 octal, else decimal
 * (an empty "0x" is 0, as browsers read it). False: not a number.
 */
static bool
ipv4_part(const char *s, size_t len, uint64_t *v, bool *odd)
{
	unsigned int base = 10;
	size_t	i = 0;
	uint64_t n = 0;

	if (len == 0)
		return false;
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
		*odd = true;
	} else if (len >= 2 && s[0] == '0') {
		base = 8;
		i = 1;
		*odd = true;
	}
	for (; i < len; i++) {
		int d = rw_hexval((unsigned char)s[i]);

		if (d < 0 || (unsigned int)d >= base)
			return false;
		if (n < ((uint64_t)1 << 40))	/* big enough to be too big */
			n = n * base + (uint64_t)d;
	}
	*v = n;
	return true;
}

/* ends_in_number - the last label is a number: the host must be IPv4 */
static bool
ends_in_number(const char *h)
{
	const char *last = strrchr(h, '.');
	uint64_t v;
	bool	odd = false;

	last = last == NULL ? h : last + 1;
	if (*last == '\0')
		return false;
	if (ipv4_part(last, strlen(last), &v, &odd))
		return true;
	/* all digits but not a number ("09"): browsers fail, not a name */
	return strspn(last, "0123456789") == strlen(last);
}

/*
 * ipv4_host - the WHATWG IPv4 parser: one to four parts, each at most
 * 255 but the last, which fills the bytes left. False: a bad number.
 * *plain: written as four plain decimal parts.
 */
static bool
ipv4_host(const char *h, struct rw_ip *ip, bool *plain)
{
	uint64_t part[4], v;
	size_t	n = 0, i, len;
	const char *p = h, *dot;
	bool	odd = false;

	for (;;) {
		dot = strchr(p, '.');
		len = dot == NULL ? strlen(p) : (size_t)(dot - p);
		if (n == 4 || !ipv4_part(p, len, &part[n], &odd))
			return false;
		n++;
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	for (i = 0; i + 1 < n; i++)
		if (part[i] > 255)
			return false;
	if (part[n - 1] >= ((uint64_t)1 << (8 * (5 - n))))
		return false;
	v = part[n - 1];
	for (i = 0; i + 1 < n; i++)
		v += part[i] << (8 * (3 - i));
	memset(ip, 0, sizeof(*ip));
	ip->family = AF_INET;
	ip->b[0] = (unsigned char)(v >> 24);
	ip->b[1] = (unsigned char)(v >> 16);
	ip->b[2] = (unsigned char)(v >> 8);
	ip->b[3] = (unsigned char)v;
	*plain = n == 4 && !odd;
	return true;
}

/* ascii_name - only what a DNS host name holds; labels 1..63 */
static bool
ascii_name(const char *h)
{
	size_t	label = 0, n = 0;

	for (; *h != '\0'; h++, n++) {
		unsigned char c = (unsigned char)*h;

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!rw_isalnum(c) && c != '-' && c != '_')
			return false;
		if (++label > 63)
			return false;
	}
	return n > 0 && n <= 253 && label > 0;
}

/* strip_dots - drop trailing dots */
static void
strip_dots(char *h)
{
	size_t	n = strlen(h);

	while (n > 0 && h[n - 1] == '.')
		h[--n] = '\0';
}

/*
 * idn_host - a host with non-ASCII bytes to its A-label form, in place
 * (hsize bytes); false when libidn2 will not have it or it is too long.
 */
static bool
idn_host(char *h, size_t hsize)
{
	char	*ace = NULL;
	int	 rc;

	rc = idn2_lookup_u8((const uint8_t *)h, (uint8_t **)&ace,
	    IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK)
		rc = idn2_lookup_u8((const uint8_t *)h, (uint8_t **)&ace,
		    IDN2_NFC_INPUT | IDN2_TRANSITIONAL);
	if (rc != IDN2_OK || ace == NULL) {
		idn2_free(ace);
		return false;
	}
	rc = rw_strlcpy_ok(h, ace, hsize);
	idn2_free(ace);
	return rc;
}

/*
 * decode_host - the host as written (w, wlen) decoded into h: %xx and
 * &#..; forms, each recorded. False: it holds a NUL or is too long.
 */
static bool
decode_host(const char *w, size_t wlen, char *h, size_t hsize,
    unsigned int *tricks)
{
	size_t	i = 0, o = 0, n;
	uint32_t cp;
	char	u[4];

	while (i < wlen) {
		unsigned char c = (unsigned char)w[i];

		if (c == '%' && i + 2 < wlen &&
		    rw_hexval((unsigned char)w[i + 1]) >= 0 &&
		    rw_hexval((unsigned char)w[i + 2]) >= 0) {
			c = (unsigned char)(rw_hexval((unsigned char)w[i + 1]) *
			    16 + rw_hexval((unsigned char)w[i + 2]));
			*tricks |= RW_URLT_PERCENT_HOST;
			i += 3;
			if (c == '\0' || o + 1 >= hsize)
				return false;
			h[o++] = (char)c;
			continue;
		}
		if (c == '&' && (n = rw_html_numeric_ref(w + i, wlen - i, &cp)) > 0) {
			size_t k, ul = rw_utf8_encode(cp, u);

			*tricks |= RW_URLT_ENTITY_HOST;
			i += n;
			if (o + ul >= hsize)
				return false;
			for (k = 0; k < ul; k++)
				h[o++] = u[k];
			continue;
		}
		if (o + 1 >= hsize)
			return false;
		h[o++] = (char)c;
		i++;
	}
	h[o] = '\0';
	return true;
}

/* ------------------------------------------------------------ the parts */

/* user_hostlike - a user part that reads as a host: bank.example, www */
static bool
user_hostlike(const char *w, size_t wlen)
{
	char	u[256];
	size_t	n, i;
	unsigned int t = 0;
	const char *dot;

	if (!decode_host(w, wlen, u, sizeof(u), &t))
		return true;		/* a long, escaped user: hiding */
	n = strlen(u);
	for (i = 0; i < n; i++)
		u[i] = (char)rw_tolower((unsigned char)u[i]);
	if (strstr(u, "www") != NULL)
		return true;
	strip_dots(u);
	dot = strrchr(u, '.');
	if (dot == NULL || dot == u)
		return false;
	/* a TLD shape after the last dot: letters, or a number (an IP) */
	dot++;
	if (strlen(dot) >= 2 && strspn(dot, "abcdefghijklmnopqrstuvwxyz") ==
	    strlen(dot))
		return true;
	return strspn(dot, "0123456789") == strlen(dot);
}

/*
 * clean - the raw URL with tabs and line breaks dropped, edges trimmed,
 * cut at a NUL
 */
static size_t
clean(const char *raw, size_t len, char *buf, size_t size)
{
	size_t	i, o = 0;

	while (len > 0 && (unsigned char)raw[0] <= ' ') {
		raw++;
		len--;
	}
	while (len > 0 && (unsigned char)raw[len - 1] <= ' ')
		len--;
	for (i = 0; i < len && o + 1 < size && raw[i] != '\0'; i++)
		if (raw[i] != '\t' && raw[i] != '\n' && raw[i] != '\r')
			buf[o++] = raw[i];
	buf[o] = '\0';
	return o;
}

/*
 * dot_segments - a path's "." and ".." segments resolved as browsers
 * do ("/a/./b/../c" is "/a/c"), in place; its new length. Each byte is
 * written once and taken back at most once: linear.
 */
static size_t
dot_segments(char *p, size_t len)
{
	size_t	r = 0, w = 0, e, sl;

	while (r < len) {
		for (e = r + 1; e < len && p[e] != '/'; e++)
			;
		sl = e - r - 1;
		if (sl == 1 && p[r + 1] == '.') {
			if (e == len)
				p[w++] = '/';
		} else if (sl == 2 && p[r + 1] == '.' && p[r + 2] == '.') {
			while (w > 0 && p[w - 1] != '/')
				w--;
			if (w > 0)
				w--;
			if (e == len)
				p[w++] = '/';
		} else {
			memmove(p + w, p + r, e - r);
			w += e - r;
		}
		r = e;
	}
	if (w == 0)
		p[w++] = '/';
	return w;
}

/* end_path - the path written from start: its dot segments resolved */
static void
end_path(struct out *o, size_t start)
{
	o->len = start + dot_segments(o->buf + start, o->len - start);
	o->buf[o->len] = '\0';
}

/* put_rest - path, query and fragment, escapes as a client sends them */
static void
put_rest(struct out *o, const char *s, size_t len, unsigned int *tricks)
{
	size_t	i, start = o->len;
	bool	inpath = true;

	if (len == 0 || (s[0] != '/' && s[0] != '\\'))
		put_byte(o, '/');
	for (i = 0; i < len && !o->full; i++) {
		unsigned char c = (unsigned char)s[i];
		int	hi, lo;

		if (inpath && (c == '?' || c == '#')) {
			inpath = false;
			end_path(o, start);
		}
		if (c == '\\' && inpath) {
			put_byte(o, '/');
			continue;
		}
		if (c == '%' && i + 2 < len &&
		    (hi = rw_hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = rw_hexval((unsigned char)s[i + 2])) >= 0) {
			unsigned char d = (unsigned char)(hi * 16 + lo);

			if (rw_isalnum(d)) {
				*tricks |= RW_URLT_PERCENT_PATH;
				put_byte(o, (char)d);
			} else if (d == '-' || d == '.' || d == '_' || d == '~')
				put_byte(o, (char)d);
			else
				put_escape(o, d);
			i += 2;
			continue;
		}
		/* a lone '%' is written %25, so that every '%' out starts an
		   escape and normalising twice changes nothing */
		if (c == '%' || c <= ' ' || c >= 0x7f || c == '"' || c == '<' ||
		    c == '>' ||
		    c == '`' || (inpath && (c == '{' || c == '}')))
			put_escape(o, c);
		else
			put_byte(o, (char)c);
	}
	if (inpath && o->len > start)
		end_path(o, start);
}

/* ------------------------------------------------------------ normalise */

/* rw_url_normalise - one raw URL to the form a client follows */
bool
rw_url_normalise(const char *raw, size_t len, struct rw_url *u)
{
	char	buf[RW_URL_MAX * 2], auth[AUTH_MAX];
	char	host[RW_HOSTNAME_MAX + 1], port[8];
	const char *s, *a, *end, *at, *h, *hend, *colon, *p;
	const struct scheme *sc = NULL;
	struct out o;
	size_t	n, i, alen, hlen;
	unsigned long pnum = 0;
	bool	plain, nonascii = false, cut;

	memset(u, 0, sizeof(*u));
	cut = len >= sizeof(buf);
	n = clean(raw, len, buf, sizeof(buf));
	s = buf;
	/* the scheme, or a bare www. taken as http */
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (n > schemes[i].len && s[schemes[i].len] == ':' &&
		    strncasecmp(s, schemes[i].name, schemes[i].len) == 0) {
			sc = &schemes[i];
			s += sc->len + 1;
			break;
		}
	if (sc == NULL) {
		if (n < 5 || strncasecmp(s, "www.", 4) != 0)
			return false;
		sc = &schemes[0];
	} else {
		while (*s == '/' || *s == '\\')
			s++;
	}
	/* the authority: to / \ ? #, a "&#" reference read whole */
	a = s;
	for (end = a; *end != '\0'; end++) {
		if (*end == '&' && end[1] == '#') {
			uint32_t cp;
			size_t	r = rw_html_numeric_ref(end,
			    n - (size_t)(end - buf), &cp);

			if (r > 0) {
				end += r - 1;
				continue;
			}
		}
		if (*end == '/' || *end == '\\' || *end == '?' || *end == '#')
			break;
	}
	alen = (size_t)(end - a);
	if (alen == 0 || alen >= sizeof(auth))
		goto bad;
	memcpy(auth, a, alen);
	auth[alen] = '\0';
	/* userinfo: everything to the last @ */
	h = auth;
	if ((at = strrchr(auth, '@')) != NULL) {
		const char *uend = memchr(auth, ':', (size_t)(at - auth));

		if (user_hostlike(auth, (size_t)((uend != NULL ? uend : at) -
		    auth)))
			u->tricks |= RW_URLT_USERINFO;
		h = at + 1;
	}
	/* the port: after a ] or the last : */
	hend = h + strlen(h);
	port[0] = '\0';
	if (*h == '[') {
		const char *rb = strchr(h, ']');

		if (rb == NULL)
			goto bad;
		colon = rb[1] == ':' ? rb + 1 : NULL;
		if (rb[1] != '\0' && colon == NULL)
			goto bad;
	} else
		colon = strrchr(h, ':');
	if (colon != NULL) {
		p = colon + 1;
		while (*p == '0' && p[1] != '\0')
			p++;
		if (strspn(p, "0123456789") != strlen(p) || strlen(p) > 5)
			goto bad;
		pnum = *p == '\0' ? sc->port : strtoul(p, NULL, 10);
		if (pnum > 65535)
			goto bad;
		if (pnum != sc->port)
			snprintf(port, sizeof(port), ":%lu", pnum);
		hend = colon;
	}
	hlen = (size_t)(hend - h);
	if (hlen == 0)
		goto bad;
	if (*h == '[') {
		/* [IPv6]: escapes and zones no client takes */
		char	lit[RW_IPTEXT_MAX];

		if (hlen - 2 >= sizeof(lit))
			goto bad;
		memcpy(lit, h + 1, hlen - 2);
		lit[hlen - 2] = '\0';
		if (strchr(lit, ':') == NULL || !rw_ip_parse(lit, &u->ip))
			goto bad;
		if (u->ip.family == AF_INET)	/* ::ffff:a.b.c.d */
			u->tricks |= RW_URLT_NUMERIC_HOST;
		u->host_ip = true;
		rw_ip_format(&u->ip, u->host, sizeof(u->host));
	} else {
		if (!decode_host(h, hlen, host, sizeof(host), &u->tricks))
			goto bad;
		for (p = host; *p != '\0'; p++)
			if ((unsigned char)*p >= 0x80)
				nonascii = true;
		strip_dots(host);
		if (nonascii && !idn_host(host, sizeof(host)))
			goto bad;
		for (i = 0; host[i] != '\0'; i++)
			host[i] = (char)rw_tolower((unsigned char)host[i]);
		strip_dots(host);
		if (ends_in_number(host)) {
			if (!ipv4_host(host, &u->ip, &plain))
				goto bad;
			/* full-width digits and the like count too */
			if (!plain || nonascii)
				u->tricks |= RW_URLT_NUMERIC_HOST;
			u->host_ip = true;
			rw_ip_format(&u->ip, u->host, sizeof(u->host));
		} else {
			if (!ascii_name(host))
				goto bad;
			memcpy(u->host, host, strlen(host) + 1);
		}
	}
	/* the text */
	o.buf = u->text;
	o.size = sizeof(u->text);
	o.len = 0;
	o.full = false;
	u->text[0] = '\0';
	put_str(&o, sc->name);
	put_str(&o, "://");
	if (u->host_ip && u->ip.family == AF_INET6) {
		put_byte(&o, '[');
		put_str(&o, u->host);
		put_byte(&o, ']');
	} else
		put_str(&o, u->host);
	put_str(&o, port);
	put_rest(&o, end, strlen(end), &u->tricks);
	u->truncated = o.full || cut;
	return true;
bad:
	u->tricks |= RW_URLT_BAD_HOST;
	u->text[0] = '\0';
	u->host[0] = '\0';
	u->host_ip = false;
	memset(&u->ip, 0, sizeof(u->ip));
	return false;
}

/* rw_url_tricks_hiding - these tricks hide where a link points */
bool
rw_url_tricks_hiding(unsigned int tricks)
{
	/* a host no client can use leads nowhere: it hides nothing */
	return (tricks & HIDING) != 0 && (tricks & RW_URLT_BAD_HOST) == 0;
}

/* rw_url_obfuscated - the tricks that count as hiding the destination */
bool
rw_url_obfuscated(const struct rw_url *u)
{
	return rw_url_tricks_hiding(u->tricks);
}

/* rw_url_trick_text - "percent-host,numeric-host", for logs */
void
rw_url_trick_text(unsigned int tricks, char *buf, size_t len)
{
	struct out o = { .buf = buf, .len = 0, .size = len, .full = false };
	size_t	i;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < sizeof(trick_names) / sizeof(trick_names[0]); i++)
		if (tricks & (1u << i)) {
			if (o.len > 0)
				put_byte(&o, ',');
			put_str(&o, trick_names[i]);
		}
}

/* ------------------------------------------------------------ text scan */

/* url_byte - a byte a client keeps inside a link in text */
static bool
url_byte(const char *s, size_t i, size_t len)
{
	unsigned char c = (unsigned char)s[i];

	if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '"' ||
	    c == '\'' || c == '`')
		return false;
	/* U+00A0 and U+2000..U+200B, U+3000: spaces */
	if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] == 0xA0)
		return false;
	if (c == 0xE2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
	    (unsigned char)s[i + 2] <= 0x8B)
		return false;
	if (c == 0xE3 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
	    (unsigned char)s[i + 2] == 0x80)
		return false;
	return true;
}

/*
 * trim_end - drop trailing punctuation and unbalanced closers; the
 * brackets are counted once, so the whole is linear
 */
static size_t
trim_end(const char *s, size_t n)
{
	static const char closers[] = ")]}", openers[] = "([{";
	size_t	opens[3] = { 0, 0, 0 }, closes[3] = { 0, 0, 0 }, i, k;

	for (i = 0; i < n; i++)
		for (k = 0; k < 3; k++) {
			if (s[i] == openers[k])
				opens[k]++;
			else if (s[i] == closers[k])
				closes[k]++;
		}
	while (n > 0) {
		char	c = s[n - 1];

		if (c != '\0' && strchr(".,;:!?", c) != NULL) {
			n--;
			continue;
		}
		for (k = 0; k < 3; k++)
			if (c == closers[k] && closes[k] > opens[k])
				break;
		if (k == 3)
			break;
		closes[k]--;
		n--;
	}
	return n;
}

/* starts_url - the length of the prefix that starts a URL at s, or 0 */
static size_t
starts_url(const char *s, size_t len)
{
	static const char *const pre[] = { "http://", "https://", "ftp://",
	    "www." };
	size_t	i, pl;

	for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
		pl = strlen(pre[i]);
		if (len > pl && strncasecmp(s, pre[i], pl) == 0)
			return pl;
	}
	return 0;
}

/* rw_url_scan_text - the URLs written in plain text */
void
rw_url_scan_text(const char *text, size_t len, rw_url_sink *sink, void *ctx)
{
	size_t	i = 0, pl, e, n;

	while (i < len) {
		unsigned char c = (unsigned char)text[i];

		if ((c != 'h' && c != 'H' && c != 'f' && c != 'F' && c != 'w' &&
		    c != 'W') || (i > 0 &&
		    (rw_isalnum((unsigned char)text[i - 1]) ||
		    (text[i - 1] != '\0' &&
		    strchr("@.-_/:%", text[i - 1]) != NULL))) ||
		    (pl = starts_url(text + i, len - i)) == 0) {
			i++;
			continue;
		}
		for (e = i + pl; e < len && url_byte(text, e, len); e++)
			;
		n = trim_end(text + i, e - i);
		if (n > pl && !sink(ctx, text + i, n))
			return;
		i = e > i + pl ? e : i + pl;
	}
}
