/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	spfrecord - SPF record syntax, rewriting and macro expansion
 * DESCRIPTION
 *	Our own reading of the RFC 7208 section 12 grammar, used on every
 *	SPF record before libspf2 1.2.10 compiles it, because libspf2
 *	checks too little (domain-spec validity, macro syntax, modifier
 *	names, duplicate redirect/exp, CIDR syntax) and refuses too much
 *	("/0" CIDR lengths).
 *
 *	rw_spfrec_rewrite() checks a record and emits an equivalent one
 *	for libspf2: terms as written, except that unknown modifiers are
 *	dropped (RFC 7208 6: they do not change the result), redirect=
 *	and exp= go last (libspf2 would evaluate a redirect in place, RFC
 *	7208 6.1 says after all mechanisms), ip4/ip6 "/0" become the two
 *	"/1" halves, and a/mx with a "/0" length for the client's family
 *	get their target name suffixed with RW_SPFREC_ANY_MARK, which
 *	spfdns.c answers with the client address when the real name has
 *	any address of that family: that is what "/0" means.
 *
 *	It also refuses any term whose compiled size in libspf2 would
 *	come within 4 bytes of libspf2's 511-byte term area. There,
 *	libspf2 1.2.10 (Debian 1.2.10-7.2) computes the room left for a
 *	string literal as "avail - 4" in a size_t, which wraps around, and
 *	the literal after the macro is copied without bound onto the
 *	stack (CVE-2023-42118, fixed upstream by shevek/libspf2 PR #44).
 *	A real record never comes near: 127 macros in one term.
 *
 *	rw_spfrec_expand() expands explanation strings (RFC 7208 6.2,
 *	7.3); the explanation is built here rather than by libspf2, which
 *	compiles TXT text with the same defective compiler.
 *
 *	DNS text is counted, not NUL-terminated: a TXT string may hold a
 *	NUL byte. No production of the RFC 7208 section 12 grammar admits
 *	one, so a record or explanation holding a NUL is a syntax error
 *	(permerror, RFC 7208 4.6.1), never a record cut short at the NUL
 *	(libspf2 reads C strings). For that reason no strchr(set, c) here
 *	is reached with c == '\0', which strchr() would find in any set.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spfrecord.h"

/* A growable output buffer; a failed allocation sticks. */
struct obuf {
	char	*p;
	size_t	 len, size;
	bool	 failed;
};

static void
ob_put(struct obuf *b, const char *s, size_t n)
{
	char	*np;
	size_t	 nsize;

	if (b->failed)
		return;
	if (b->len + n + 1 > b->size) {
		nsize = (b->len + n + 1) * 2;
		if ((np = realloc(b->p, nsize)) == NULL) {
			b->failed = true;
			return;
		}
		b->p = np;
		b->size = nsize;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
ob_str(struct obuf *b, const char *s)
{
	ob_put(b, s, strlen(s));
}

static bool
is_alpha(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* in_set - c is one of the characters of set; never true for NUL */
static bool
in_set(const char *set, int c)
{
	return c != '\0' && strchr(set, c) != NULL;
}

/* align4 - libspf2's _align_sz() */
static size_t
align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/*
 * macro_string - RFC 7208 7.1 macro-string (explain: explain-string,
 * SP allowed and c/r/t too). Sets *ends_macro when the last token is
 * a macro-expand, and *compiled to libspf2's compiled size.
 */
static bool
macro_string(const char *s, size_t n, bool explain, bool allow_crt,
    bool *ends_macro, size_t *compiled)
{
	size_t	i = 0, lit = 0, size = 0, digits;
	unsigned long val;
	int	c;

	*ends_macro = false;
	while (i < n) {
		c = (unsigned char)s[i];
		*ends_macro = false;
		if (c != '%') {
			if (!((c >= 0x21 && c <= 0x7e) || (explain && c == ' ')))
				return false;
			lit++;
			i++;
			continue;
		}
		if (i + 1 >= n)
			return false;
		c = (unsigned char)s[i + 1];
		if (c == '%' || c == '_' || c == '-') {
			lit += c == '-' ? 3 : 1;
			i += 2;
			*ends_macro = true;
			continue;
		}
		if (c != '{' || i + 2 >= n)
			return false;
		c = tolower((unsigned char)s[i + 2]);
		if (!in_set("slodiphv", c) && !(allow_crt && in_set("crt", c)))
			return false;
		i += 3;
		val = 0;
		digits = 0;
		while (i < n && is_digit(s[i]) && digits < 4) {
			val = val * 10 + (unsigned long)(s[i] - '0');
			digits++;
			i++;
		}
		/* libspf2 refuses 0 and more than 128 parts; so do we */
		if (digits > 0 && (val == 0 || val > 128))
			return false;
		if (i < n && (s[i] == 'r' || s[i] == 'R'))
			i++;
		while (i < n && in_set(".-+,/_=", s[i]))
			i++;
		if (i >= n || s[i] != '}')
			return false;
		i++;
		if (lit > 0)
			size += align4(4 + lit);
		if (lit > 255)	/* libspf2's longest literal fragment */
			size += 512;
		lit = 0;
		size += 4;
		*ends_macro = true;
	}
	if (lit > 0)
		size += align4(4 + lit);
	if (lit > 255)
		size += 512;
	*compiled = size;
	return true;
}

/* toplabel - RFC 7208 toplabel: alphanumerics with inner hyphens, not all digits */
static bool
toplabel(const char *s, size_t n)
{
	size_t	i;
	bool	alpha = false, hyphen = false;

	if (n == 0 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (i = 0; i < n; i++) {
		if (is_alpha(s[i]))
			alpha = true;
		else if (s[i] == '-')
			hyphen = true;
		else if (!is_digit(s[i]))
			return false;
	}
	return alpha || hyphen;
}

/* domain_spec - RFC 7208 7.1 domain-spec; *compiled as macro_string() */
static bool
domain_spec(const char *s, size_t n, size_t *compiled)
{
	bool	ends_macro;
	size_t	end, dot;

	if (n == 0 || !macro_string(s, n, false, false, &ends_macro, compiled))
		return false;
	if (ends_macro && s[n - 1] == '}')
		return true;
	end = n;
	if (s[end - 1] == '.')
		end--;
	for (dot = end; dot > 0 && s[dot - 1] != '.'; dot--)
		;
	if (dot == 0)
		return false;	/* no "." toplabel */
	return toplabel(s + dot, end - dot);
}

/* cidr_len - "/" digits, no leading zero, at most max; -1 if not */
static int
cidr_len(const char *s, size_t n, int max)
{
	int	v = 0;
	size_t	i;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

/* trailing_cidr - split "x/NN" at the end; returns the length or -2 if none */
static int
trailing_cidr(const char *s, size_t *n, size_t *slash)
{
	size_t	i = *n;

	while (i > 0 && is_digit(s[i - 1]))
		i--;
	if (i == *n || i == 0 || s[i - 1] != '/')
		return -2;
	*slash = i - 1;
	return 0;
}

/* ip4_network - dotted quad, no leading zeros (RFC 7208 12 qnum) */
static bool
ip4_network(const char *s, size_t n)
{
	size_t	i = 0, start;
	int	part, v;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= n || s[i] != '.')
				return false;
			i++;
		}
		start = i;
		v = 0;
		while (i < n && is_digit(s[i]) && i - start < 3)
			v = v * 10 + (s[i++] - '0');
		if (i == start || v > 255 || (i - start > 1 && s[start] == '0'))
			return false;
	}
	return i == n;
}

static bool
ip6_network(const char *s, size_t n)
{
	char	buf[INET6_ADDRSTRLEN + 1];
	unsigned char a[16];

	/* inet_pton() would stop at a NUL and accept what precedes it */
	if (n == 0 || n >= sizeof(buf) || memchr(s, '\0', n) != NULL)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, a) == 1;
}

enum mech { M_ALL, M_INCLUDE, M_A, M_MX, M_PTR, M_IP4, M_IP6, M_EXISTS, M_NONE };

static enum mech
mech_name(const char *s, size_t n)
{
	static const char *const names[] = { "all", "include", "a", "mx",
	    "ptr", "ip4", "ip6", "exists" };
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && strncasecmp(s, names[i], n) == 0)
			return (enum mech)i;
	return M_NONE;
}

/* term_fits - the CVE-2023-42118 guard for one compiled term */
static bool
term_fits(size_t compiled, char *why, size_t whylen)
{
	if (compiled <= RW_SPFREC_LIBSPF2_TERM_MAX)
		return true;
	snprintf(why, whylen, "term too large for libspf2 (CVE-2023-42118 guard)");
	return false;
}

/* address_mech - a/mx with their dual CIDR length, rewritten for the family */
static bool
address_mech(struct obuf *b, const char *q, const char *name, const char *rest,
    size_t n, int family, char *why, size_t whylen)
{
	int	c4 = -1, c6 = -1, mine;
	size_t	slash, compiled = 0;

	if (trailing_cidr(rest, &n, &slash) == 0) {
		if (slash > 0 && rest[slash - 1] == '/') {
			if ((c6 = cidr_len(rest + slash + 1, n - slash - 1, 128)) < 0)
				goto bad;
			n = slash - 1;
			if (trailing_cidr(rest, &n, &slash) == 0) {
				if ((c4 = cidr_len(rest + slash + 1, n - slash - 1,
				    32)) < 0)
					goto bad;
				n = slash;
			}
		} else {
			if ((c4 = cidr_len(rest + slash + 1, n - slash - 1, 32)) < 0)
				goto bad;
			n = slash;
		}
	}
	if (n > 0 && (rest[0] != ':' || !domain_spec(rest + 1, n - 1, &compiled)))
		goto bad;
	if (!term_fits(compiled + 4 + sizeof(RW_SPFREC_ANY_MARK) + 16, why, whylen))
		return false;
	mine = family == AF_INET6 ? c6 : c4;
	ob_str(b, " ");
	ob_str(b, q);
	ob_str(b, name);
	if (mine == 0) {
		/* "/0": any address of the family at the target matches. The
		 * term emitted carries the mark: checked as it will be seen,
		 * by libspf2 and by a second pass (found by fuzz_spfrecord) */
		char	emit[RW_SPFREC_LIBSPF2_TERM_MAX + sizeof(RW_SPFREC_ANY_MARK) + 8];
		size_t	ecompiled = 0;
		int	en = n > 0 ? snprintf(emit, sizeof(emit), "%.*s%s%s",
			    (int)(n - 1), rest + 1, rest[n - 1] != '.' ? "." : "",
			    RW_SPFREC_ANY_MARK) :
			    snprintf(emit, sizeof(emit), "%%{d}.%s", RW_SPFREC_ANY_MARK);

		if (en < 0 || (size_t)en >= sizeof(emit) ||
		    !domain_spec(emit, (size_t)en, &ecompiled))
			goto bad;
		if (!term_fits(ecompiled + 4 + sizeof(RW_SPFREC_ANY_MARK) + 16, why,
		    whylen))
			return false;
		ob_str(b, ":");
		if (n > 0)
			ob_put(b, rest + 1, n - 1);
		else
			ob_str(b, "%{d}");
		if (n > 0 && rest[n - 1] != '.')
			ob_str(b, ".");
		else if (n == 0)
			ob_str(b, ".");
		ob_str(b, RW_SPFREC_ANY_MARK);
		return true;
	}
	ob_put(b, rest, n);
	/* libspf2 refuses a "/0" even for the other family: leave it out */
	if (c4 > 0) {
		char	num[16];

		snprintf(num, sizeof(num), "/%d", c4);
		ob_str(b, num);
	}
	if (c6 > 0) {
		char	num[16];

		snprintf(num, sizeof(num), "//%d", c6);
		ob_str(b, num);
	}
	return true;
bad:
	snprintf(why, whylen, "invalid %s mechanism", name);
	return false;
}

/* ip_mech - ip4/ip6; "/0" becomes two halves */
static bool
ip_mech(struct obuf *b, const char *q, enum mech m, const char *rest, size_t n,
    char *why, size_t whylen)
{
	size_t	slash, net = n;
	int	c = -2;

	if (n < 2 || rest[0] != ':')
		goto bad;
	if (trailing_cidr(rest, &net, &slash) == 0) {
		c = cidr_len(rest + slash + 1, n - slash - 1, m == M_IP4 ? 32 : 128);
		if (c < 0)
			goto bad;
		net = slash;
	}
	if (m == M_IP4 ? !ip4_network(rest + 1, net - 1) :
	    !ip6_network(rest + 1, net - 1))
		goto bad;
	if (c == 0) {
		ob_str(b, " ");
		ob_str(b, q);
		ob_str(b, m == M_IP4 ? "ip4:0.0.0.0/1 " : "ip6:::/1 ");
		ob_str(b, q);
		ob_str(b, m == M_IP4 ? "ip4:128.0.0.0/1" : "ip6:8000::/1");
		return true;
	}
	ob_str(b, " ");
	ob_str(b, q);
	ob_str(b, m == M_IP4 ? "ip4" : "ip6");
	ob_put(b, rest, n);
	return true;
bad:
	snprintf(why, whylen, "invalid %s mechanism", m == M_IP4 ? "ip4" : "ip6");
	return false;
}

/* directive - one mechanism with its qualifier */
static bool
directive(struct obuf *b, const char *t, size_t n, int family, char *why,
    size_t whylen)
{
	char	q[2] = { '\0', '\0' };
	size_t	i = 0, compiled;
	enum mech m;

	if (in_set("+-~?", t[0])) {
		q[0] = t[0];
		i = 1;
	}
	while (i < n && (is_alpha(t[i]) || is_digit(t[i])))
		i++;
	m = mech_name(t + (q[0] ? 1 : 0), i - (q[0] ? 1 : 0));
	switch (m) {
	case M_ALL:
		if (i != n)
			break;
		ob_str(b, " ");
		ob_str(b, q);
		ob_str(b, "all");
		return true;
	case M_INCLUDE:
	case M_EXISTS:
		if (i >= n || t[i] != ':' ||
		    !domain_spec(t + i + 1, n - i - 1, &compiled))
			break;
		if (!term_fits(compiled, why, whylen))
			return false;
		ob_str(b, " ");
		ob_put(b, t, n);
		return true;
	case M_PTR:
		compiled = 0;
		if (i != n && (t[i] != ':' ||
		    !domain_spec(t + i + 1, n - i - 1, &compiled)))
			break;
		if (!term_fits(compiled, why, whylen))
			return false;
		ob_str(b, " ");
		ob_put(b, t, n);
		return true;
	case M_A:
	case M_MX:
		return address_mech(b, q, m == M_A ? "a" : "mx", t + i, n - i,
		    family, why, whylen);
	case M_IP4:
	case M_IP6:
		return ip_mech(b, q, m, t + i, n - i, why, whylen);
	case M_NONE:
		snprintf(why, whylen, "unknown mechanism \"%.*s\"",
		    (int)(i < 40 ? i : 40), t);
		return false;
	}
	snprintf(why, whylen, "invalid mechanism \"%.*s\"", (int)(n < 40 ? n : 40), t);
	return false;
}

/* rw_spfrec_rewrite - check, then emit what libspf2 gets */
bool
rw_spfrec_rewrite(const char *rec, size_t len, int family, char **out,
    char *why, size_t whylen)
{
	struct obuf b = { NULL, 0, 0, false }, mods = { NULL, 0, 0, false };
	const char *t, *end = rec + len;
	size_t	 n, name, compiled;
	bool	 redirect = false, exp = false, ends;

	*out = NULL;
	if (len < 6 || strncasecmp(rec, "v=spf1", 6) != 0 ||
	    (len > 6 && rec[6] != ' ')) {
		snprintf(why, whylen, "not an SPF record");
		return false;
	}
	/* RFC 7208 12: no production admits a NUL; libspf2 would stop at it */
	if (memchr(rec, '\0', len) != NULL) {
		snprintf(why, whylen, "NUL byte in the record");
		return false;
	}
	ob_str(&b, "v=spf1");
	for (t = rec + 6; t < end;) {
		if (*t == ' ') {
			t++;
			continue;
		}
		for (n = 0; t + n < end && t[n] != ' '; n++)
			;
		/* modifier: name "=" value (RFC 7208 12, no qualifier) */
		name = 0;
		if (is_alpha(t[0]))
			for (name = 1; name < n && (is_alpha(t[name]) ||
			    is_digit(t[name]) || in_set("-_.", t[name]));
			    name++)
				;
		if (name > 0 && name < n && t[name] == '=') {
			const char *v = t + name + 1;
			size_t	 vn = n - name - 1;

			if ((name == 8 && strncasecmp(t, "redirect", 8) == 0) ||
			    (name == 3 && strncasecmp(t, "exp", 3) == 0)) {
				bool	*seen = name == 3 ? &exp : &redirect;

				if (*seen) {
					snprintf(why, whylen, "%s= given twice",
					    name == 3 ? "exp" : "redirect");
					goto bad;
				}
				*seen = true;
				if (!domain_spec(v, vn, &compiled)) {
					snprintf(why, whylen, "invalid %s= domain",
					    name == 3 ? "exp" : "redirect");
					goto bad;
				}
				if (!term_fits(compiled + 16, why, whylen))
					goto bad;
				ob_str(&mods, " ");
				ob_put(&mods, t, n);
			} else if (!macro_string(v, vn, false, true, &ends,
			    &compiled)) {
				snprintf(why, whylen, "invalid macro in modifier %.*s",
				    (int)(name < 40 ? name : 40), t);
				goto bad;
			}
			/* unknown modifiers are dropped: RFC 7208 6 */
		} else if (!directive(&b, t, n, family, why, whylen))
			goto bad;
		t += n;
	}
	ob_put(&b, mods.p != NULL ? mods.p : "", mods.len);
	if (b.failed || mods.failed) {
		snprintf(why, whylen, "out of memory");
		goto bad;
	}
	free(mods.p);
	*out = b.p;
	return true;
bad:
	free(b.p);
	free(mods.p);
	return false;
}

/* rw_spfrec_explain_valid - explain-string, printable ASCII and SP */
bool
rw_spfrec_explain_valid(const char *s, size_t len)
{
	bool	ends;
	size_t	compiled;

	return macro_string(s, len, true, true, &ends, &compiled);
}

/* macro_value - one macro-expand, transformed (RFC 7208 7.3) */
static bool
macro_value(const char *s, size_t *i, size_t len,
    const struct rw_spfrec_macros *m, struct obuf *o)
{
	static const char hex[] = "0123456789ABCDEF";
	char	 letter, delims[8] = "", *copy, *parts[128], *p, *save;
	const char *v = NULL;
	char	 tbuf[24];
	unsigned long keep = 0;
	bool	 rev = false, url;
	size_t	 np = 0, k, d = 0, first;

	/* "%{" at the very end: no letter to read */
	if (*i >= len)
		return false;
	letter = s[*i];
	url = letter >= 'A' && letter <= 'Z';
	switch (tolower((unsigned char)letter)) {
	case 's': v = m->sender; break;
	case 'l': v = m->local; break;
	case 'o': v = m->sender_domain; break;
	case 'd': v = m->domain; break;
	case 'i': v = m->ip_dotted; break;
	case 'c': v = m->ip_text; break;
	case 'v': v = m->ip_version; break;
	case 'h': v = m->helo; break;
	case 'r': v = m->receiver; break;
	case 'p': v = m->validated != NULL ? m->validated(m->ctx) : NULL; break;
	case 't':
		snprintf(tbuf, sizeof(tbuf), "%lld", (long long)m->now);
		v = tbuf;
		break;
	default:
		return false;
	}
	if (v == NULL)
		v = "unknown";
	(*i)++;
	while (*i < len && is_digit(s[*i]))
		keep = keep * 10 + (unsigned long)(s[(*i)++] - '0');
	if (*i < len && (s[*i] == 'r' || s[*i] == 'R')) {
		rev = true;
		(*i)++;
	}
	while (*i < len && s[*i] != '}' && s[*i] != '\0' &&
	    d + 1 < sizeof(delims))
		delims[d++] = s[(*i)++];
	delims[d] = '\0';
	if (*i >= len || s[*i] != '}')
		return false;
	(*i)++;
	if (d == 0)
		strcpy(delims, ".");
	if ((copy = strdup(v)) == NULL)
		return false;
	/* split on the delimiters, keeping empty parts */
	for (p = copy, save = copy; np < 128; p++) {
		if (*p == '\0' || in_set(delims, *p)) {
			bool	last = *p == '\0';

			*p = '\0';
			parts[np++] = save;
			save = p + 1;
			if (last)
				break;
		}
	}
	if (rev)
		for (k = 0; k < np / 2; k++) {
			char	*x = parts[k];

			parts[k] = parts[np - 1 - k];
			parts[np - 1 - k] = x;
		}
	first = keep > 0 && keep < np ? np - keep : 0;
	for (k = first; k < np; k++) {
		if (k > first)
			ob_str(o, ".");
		for (p = parts[k]; *p != '\0'; p++) {
			unsigned char c = (unsigned char)*p;

			if (!url || is_alpha(c) || is_digit(c) ||
			    in_set("-._~", c)) {
				ob_put(o, p, 1);
			} else {
				char	e[3] = { '%', hex[c >> 4], hex[c & 15] };

				ob_put(o, e, 3);
			}
		}
	}
	free(copy);
	return true;
}

/* rw_spfrec_expand - explanation text with its macros expanded */
bool
rw_spfrec_expand(const char *s, size_t len, const struct rw_spfrec_macros *m,
    char *out, size_t outlen)
{
	struct obuf o = { NULL, 0, 0, false };
	size_t	 i = 0;
	bool	 ok = true;

	/* on its own, without rw_spfrec_explain_valid(): a NUL is refused */
	if (len > 0 && memchr(s, '\0', len) != NULL)
		return false;
	while (i < len && ok) {
		if (s[i] != '%') {
			ob_put(&o, s + i, 1);
			i++;
			continue;
		}
		if (i + 1 >= len) {
			ok = false;
			break;
		}
		switch (s[i + 1]) {
		case '%':
			ob_str(&o, "%");
			i += 2;
			break;
		case '_':
			ob_str(&o, " ");
			i += 2;
			break;
		case '-':
			ob_str(&o, "%20");
			i += 2;
			break;
		case '{':
			i += 2;
			ok = macro_value(s, &i, len, m, &o);
			break;
		default:
			ok = false;
			break;
		}
	}
	ok = ok && !o.failed && o.len < outlen;
	if (ok) {
		memcpy(out, o.p != NULL ? o.p : "", o.len);
		out[o.len] = '\0';
	}
	free(o.p);
	return ok;
}

/* rw_spfrec_query_name - a name fit for a DNS query (RFC 7208 7.3, 4.3) */
bool
rw_spfrec_query_name(const char *in, char *out, size_t outlen)
{
	size_t	len = strlen(in), i, label = 0;

	if (len > 0 && in[len - 1] == '.')
		len--;
	/* too long after expansion: drop labels on the left */
	while (len > 253) {
		const char *dot = memchr(in, '.', len);

		if (dot == NULL)
			return false;
		len -= (size_t)(dot + 1 - in);
		in = dot + 1;
	}
	if (len == 0 || len >= outlen)
		return false;
	for (i = 0; i < len; i++) {
		if (in[i] == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (++label > 63) {
			return false;
		}
	}
	memcpy(out, in, len);
	out[len] = '\0';
	return true;
}
