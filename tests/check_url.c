/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	check_url - unit tests of URL extraction and normalisation
 *	(policy/url.c, policy/html.c) and of url_obfuscation (urlcheck.c)
 * DESCRIPTION
 *	A table of raw URLs, each with the normal form, host, tricks and
 *	verdict (obfuscated or not) it must give, among them the seeds'
 *	hex-encoded host, userinfo tricks, hex, octal, dword and short IPv4
 *	hosts, IDNs, IPv6 literals, escaped paths, ports, overlong URLs and
 *	things that are not URLs. Then HTML reduced to text and links
 *	(references, script and style, comments, unclosed tags, quoting
 *	styles, meta refresh, an entity-encoded href), URLs found in plain
 *	text (punctuation, brackets, many, none), and the check itself
 *	through the session at end of message: reject, tempfail, tag, off,
 *	insiders.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw_policy.h"
#include "steps.h"

#define PH	RW_URLT_PERCENT_HOST
#define NH	RW_URLT_NUMERIC_HOST
#define UI	RW_URLT_USERINFO
#define EH	RW_URLT_ENTITY_HOST
#define PP	RW_URLT_PERCENT_PATH
#define BH	RW_URLT_BAD_HOST

struct norm_case {
	const char	*raw;
	bool		 ok;		/* rw_url_normalise's answer */
	const char	*text;		/* when ok */
	const char	*host;
	bool		 ip;		/* host_ip */
	unsigned int	 tricks;
	bool		 obfuscated;
};

static const struct norm_case norms[] = {
	/* plain, case, default and other ports */
	{ "http://example.com/", true, "http://example.com/", "example.com", false, 0, false },
	{ "HTTP://EXAMPLE.COM/Path", true, "http://example.com/Path", "example.com", false, 0, false },
	{ "hTtPs://Example.com/Index.HTML", true, "https://example.com/Index.HTML", "example.com", false, 0, false },
	{ "http://example.com", true, "http://example.com/", "example.com", false, 0, false },
	{ "https://example.com:443/x", true, "https://example.com/x", "example.com", false, 0, false },
	{ "https://EXAMPLE.com:0443/", true, "https://example.com/", "example.com", false, 0, false },
	{ "http://example.com:8080/x", true, "http://example.com:8080/x", "example.com", false, 0, false },
	{ "http://example.com:80/", true, "http://example.com/", "example.com", false, 0, false },
	{ "http://example.com:/", true, "http://example.com/", "example.com", false, 0, false },
	{ "ftp://ftp.example.org:21/pub", true, "ftp://ftp.example.org/pub", "ftp.example.org", false, 0, false },
	{ "https://example.com:80/", true, "https://example.com:80/", "example.com", false, 0, false },
	{ "http://example.com:99999/", false, NULL, NULL, false, BH, false },
	{ "http://example.com:8x/", false, NULL, NULL, false, BH, false },
	/* the seeds' example: a percent-encoded host */
	{ "http://%73%70%61%6d%2e%65%78%61%6d%70%6c%65/", true, "http://spam.example/", "spam.example", false, PH, true },
	{ "http://%73%70%61%6d.example/offer", true, "http://spam.example/offer", "spam.example", false, PH, true },
	{ "http://%57%57%57.EXAMPLE.com/", true, "http://www.example.com/", "www.example.com", false, PH, true },
	{ "http://example.com%2e/", true, "http://example.com/", "example.com", false, PH, true },
	{ "http://paypal.com%40evil.example/", false, NULL, NULL, false, PH | BH, false },
	{ "http://%00evil.example/", false, NULL, NULL, false, PH | BH, false },
	/* numeric hosts */
	{ "http://127.0.0.1/", true, "http://127.0.0.1/", "127.0.0.1", true, 0, false },
	{ "http://192.0.2.1:8080/a", true, "http://192.0.2.1:8080/a", "192.0.2.1", true, 0, false },
	{ "http://0x7f.0.0.1/", true, "http://127.0.0.1/", "127.0.0.1", true, NH, true },
	{ "http://0X7F.0.0.1/", true, "http://127.0.0.1/", "127.0.0.1", true, NH, true },
	{ "http://2130706433/", true, "http://127.0.0.1/", "127.0.0.1", true, NH, true },
	{ "http://0177.0.0.1/", true, "http://127.0.0.1/", "127.0.0.1", true, NH, true },
	{ "http://127.1/", true, "http://127.0.0.1/", "127.0.0.1", true, NH, true },
	{ "http://0x7f000001/x", true, "http://127.0.0.1/x", "127.0.0.1", true, NH, true },
	{ "http://0x7f.1/", true, "http://127.0.0.1/", "127.0.0.1", true, NH, true },
	{ "http://0300.0250.0.1/", true, "http://192.168.0.1/", "192.168.0.1", true, NH, true },
	{ "http://192.168.0x1.010/", true, "http://192.168.1.8/", "192.168.1.8", true, NH, true },
	{ "http://4294967295/", true, "http://255.255.255.255/", "255.255.255.255", true, NH, true },
	{ "http://0x/", true, "http://0.0.0.0/", "0.0.0.0", true, NH, true },
	{ "http://%31%32%37.0.0.1/", true, "http://127.0.0.1/", "127.0.0.1", true, PH, true },
	{ "http://\xef\xbc\x91\xef\xbc\x92\xef\xbc\x97.0.0.1/", true, "http://127.0.0.1/", "127.0.0.1", true, NH, true },
	{ "http://4294967296/", false, NULL, NULL, false, BH, false },
	{ "http://256.1.1.1/", false, NULL, NULL, false, BH, false },
	{ "http://1.2.3.4.5/", false, NULL, NULL, false, BH, false },
	{ "http://1.2.3.09/", false, NULL, NULL, false, BH, false },
	{ "http://1abc/", true, "http://1abc/", "1abc", false, 0, false },
	/* userinfo */
	{ "http://bank.example@evil.example/", true, "http://evil.example/", "evil.example", false, UI, true },
	{ "http://www.bank.example:secure@evil.example/login", true, "http://evil.example/login", "evil.example", false, UI, true },
	{ "http://www@evil.example/", true, "http://evil.example/", "evil.example", false, UI, true },
	{ "http://192.168.1.1@evil.example/", true, "http://evil.example/", "evil.example", false, UI, true },
	{ "http://user:pass@example.com/", true, "http://example.com/", "example.com", false, 0, false },
	{ "ftp://anonymous@ftp.example.org/", true, "ftp://ftp.example.org/", "ftp.example.org", false, 0, false },
	{ "http://a@b@evil.example/", true, "http://evil.example/", "evil.example", false, 0, false },
	{ "http://evil.example#@bank.example/", true, "http://evil.example/#@bank.example/", "evil.example", false, 0, false },
	/* trailing dots, white space */
	{ "http://Example.COM./", true, "http://example.com/", "example.com", false, 0, false },
	{ "http://example.com../", true, "http://example.com/", "example.com", false, 0, false },
	{ "  http://example.com/  ", true, "http://example.com/", "example.com", false, 0, false },
	{ "http://exa\nmple.com/a\tb", true, "http://example.com/ab", "example.com", false, 0, false },
	/* IDN */
	{ "http://b\xc3\xbc" "cher.example/", true, "http://xn--bcher-kva.example/", "xn--bcher-kva.example", false, 0, false },
	{ "http://B\xc3\x9c" "CHER.example/", true, "http://xn--bcher-kva.example/", "xn--bcher-kva.example", false, 0, false },
	{ "http://xn--bcher-kva.example/", true, "http://xn--bcher-kva.example/", "xn--bcher-kva.example", false, 0, false },
	{ "http://fa\xc3\x9f.example/", true, "http://xn--fa-hia.example/", "xn--fa-hia.example", false, 0, false },
	{ "http://b%C3%BCcher.example/", true, "http://xn--bcher-kva.example/", "xn--bcher-kva.example", false, PH, true },
	/* IPv6 */
	{ "http://[2001:DB8::1]/", true, "http://[2001:db8::1]/", "2001:db8::1", true, 0, false },
	{ "http://[2001:db8:0:0:0:0:0:1]:8080/x", true, "http://[2001:db8::1]:8080/x", "2001:db8::1", true, 0, false },
	{ "http://[::ffff:127.0.0.1]/", true, "http://127.0.0.1/", "127.0.0.1", true, NH, true },
	{ "http://[2001:db8::1/", false, NULL, NULL, false, BH, false },
	{ "http://[192.0.2.1]/", false, NULL, NULL, false, BH, false },
	{ "http://[fe80::1%25eth0]/", false, NULL, NULL, false, BH, false },
	/* paths */
	{ "http://example.com/%41%42c", true, "http://example.com/ABc", "example.com", false, PP, false },
	{ "http://example.com/%61%6f%6c", true, "http://example.com/aol", "example.com", false, PP, false },
	{ "http://example.com/a%2fb", true, "http://example.com/a%2Fb", "example.com", false, 0, false },
	{ "http://example.com/%7euser%2D", true, "http://example.com/~user-", "example.com", false, 0, false },
	{ "http://example.com/a b", true, "http://example.com/a%20b", "example.com", false, 0, false },
	{ "http://example.com/?q=%e2%82%ac", true, "http://example.com/?q=%E2%82%AC", "example.com", false, 0, false },
	{ "http://example.com/\xe2\x82\xac", true, "http://example.com/%E2%82%AC", "example.com", false, 0, false },
	{ "http://example.com/100%", true, "http://example.com/100%", "example.com", false, 0, false },
	{ "http://example.com/a\\b?c\\d", true, "http://example.com/a/b?c\\d", "example.com", false, 0, false },
	{ "http://example.com/#frag", true, "http://example.com/#frag", "example.com", false, 0, false },
	{ "http://example.com?x=1", true, "http://example.com/?x=1", "example.com", false, 0, false },
	/* what browsers make of slashes */
	{ "http:\\\\evil.example\\x", true, "http://evil.example/x", "evil.example", false, 0, false },
	{ "http:///evil.example/", true, "http://evil.example/", "evil.example", false, 0, false },
	/* www. without a scheme */
	{ "www.example.com/x", true, "http://www.example.com/x", "www.example.com", false, 0, false },
	{ "WWW.Example.com", true, "http://www.example.com/", "www.example.com", false, 0, false },
	/* character references left in the host */
	{ "http://&#101;vil.example/", true, "http://evil.example/", "evil.example", false, EH, true },
	{ "http://&#x65;vil.example/", true, "http://evil.example/", "evil.example", false, EH, true },
	{ "http://ex&#97mple.com/", true, "http://example.com/", "example.com", false, EH, true },
	/* not URLs, or no host a client could use */
	{ "mailto:a@example.com", false, NULL, NULL, false, 0, false },
	{ "javascript:alert(1)", false, NULL, NULL, false, 0, false },
	{ "/relative/path", false, NULL, NULL, false, 0, false },
	{ "not a url", false, NULL, NULL, false, 0, false },
	{ "", false, NULL, NULL, false, 0, false },
	{ "http://", false, NULL, NULL, false, BH, false },
	{ "http://exa mple.com/", false, NULL, NULL, false, BH, false },
	{ "http://a..b.example/", false, NULL, NULL, false, BH, false },
	{ "http://ex<am>ple.com/", false, NULL, NULL, false, BH, false },
	{ "http://:80/", false, NULL, NULL, false, BH, false },
};

START_TEST(normalise)
{
	const struct norm_case *c = &norms[_i];
	struct rw_url u;
	bool	ok;

	memset(&u, 0x5a, sizeof(u));
	ok = rw_url_normalise(c->raw, strlen(c->raw), &u);
	ck_assert_msg(ok == c->ok, "\"%s\": got %s, want %s (text \"%s\")",
	    c->raw, ok ? "true" : "false", c->ok ? "true" : "false",
	    ok ? u.text : "");
	ck_assert_msg(u.tricks == c->tricks, "\"%s\": tricks 0x%x, want 0x%x",
	    c->raw, u.tricks, c->tricks);
	ck_assert_msg(rw_url_obfuscated(&u) == c->obfuscated, "\"%s\": "
	    "obfuscated %d, want %d", c->raw, rw_url_obfuscated(&u),
	    c->obfuscated);
	if (!c->ok) {
		ck_assert_msg(u.text[0] == '\0' && u.host[0] == '\0',
		    "\"%s\": refused but text \"%.40s\"", c->raw, u.text);
		return;
	}
	ck_assert_msg(strcmp(u.text, c->text) == 0, "\"%s\": text \"%s\", want "
	    "\"%s\"", c->raw, u.text, c->text);
	ck_assert_msg(strcmp(u.host, c->host) == 0, "\"%s\": host \"%s\", want "
	    "\"%s\"", c->raw, u.host, c->host);
	ck_assert_msg(u.host_ip == c->ip, "\"%s\": host_ip %d", c->raw, u.host_ip);
	ck_assert_msg(!u.truncated, "\"%s\": truncated", c->raw);
	if (c->ip) {
		char	ipt[RW_IPTEXT_MAX];

		rw_ip_format(&u.ip, ipt, sizeof(ipt));
		ck_assert_msg(strcmp(ipt, c->host) == 0, "\"%s\": ip %s", c->raw,
		    ipt);
	}
}
END_TEST

/* overlong: the text is cut and says so; the host never overflows */
START_TEST(normalise_overlong)
{
	static char raw[3 * RW_URL_MAX];
	struct rw_url u;
	size_t	n;

	n = (size_t)snprintf(raw, sizeof(raw), "http://example.com/");
	memset(raw + n, 'a', sizeof(raw) - n - 1);
	raw[sizeof(raw) - 1] = '\0';
	ck_assert(rw_url_normalise(raw, strlen(raw), &u));
	ck_assert(u.truncated);
	ck_assert_uint_eq(strlen(u.text), RW_URL_MAX - 1);
	ck_assert(strncmp(u.text, "http://example.com/aaa", 22) == 0);
	ck_assert_str_eq(u.host, "example.com");

	/* escapes are written whole or not at all */
	n = (size_t)snprintf(raw, sizeof(raw), "http://example.com/");
	while (n + 2 < sizeof(raw) - 1) {
		memcpy(raw + n, "%2F", 3);
		n += 3;
	}
	raw[n] = '\0';
	ck_assert(rw_url_normalise(raw, n, &u));
	ck_assert(u.truncated);
	n = strlen(u.text);
	ck_assert_msg(u.text[n - 3] == '%' && u.text[n - 1] == 'F',
	    "cut inside an escape: \"...%s\"", u.text + n - 6);

	/* a host longer than any DNS name: refused */
	n = (size_t)snprintf(raw, sizeof(raw), "http://");
	memset(raw + n, 'a', 300);
	snprintf(raw + n + 300, sizeof(raw) - n - 300, ".example/");
	ck_assert(!rw_url_normalise(raw, strlen(raw), &u));
	ck_assert(u.tricks & RW_URLT_BAD_HOST);
	/* a long label */
	n = (size_t)snprintf(raw, sizeof(raw), "http://");
	memset(raw + n, 'a', 64);
	snprintf(raw + n + 64, sizeof(raw) - n - 64, ".example/");
	ck_assert(!rw_url_normalise(raw, strlen(raw), &u));

	/* a raw length that stops short of the NUL is honoured */
	ck_assert(rw_url_normalise("http://example.com/abcdef", 22, &u));
	ck_assert_str_eq(u.text, "http://example.com/abc");
}
END_TEST

START_TEST(trick_text)
{
	char	buf[128];

	rw_url_trick_text(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
	rw_url_trick_text(RW_URLT_PERCENT_HOST | RW_URLT_NUMERIC_HOST, buf,
	    sizeof(buf));
	ck_assert_str_eq(buf, "percent-host,numeric-host");
	rw_url_trick_text(RW_URLT_USERINFO | RW_URLT_ENTITY_HOST |
	    RW_URLT_PERCENT_PATH | RW_URLT_BAD_HOST, buf, sizeof(buf));
	ck_assert_str_eq(buf, "userinfo,entity-host,percent-path,bad-host");
	rw_url_trick_text(RW_URLT_PERCENT_HOST | RW_URLT_NUMERIC_HOST, buf, 10);
	ck_assert_uint_lt(strlen(buf), 10);
}
END_TEST

/* ------------------------------------------------------------ sinks */

struct found {
	char	all[4096];	/* "a|b|c" */
	size_t	n, stop_after;	/* 0: never stop */
};

static bool
collect(void *ctx, const char *raw, size_t len)
{
	struct found *f = ctx;
	size_t	used = strlen(f->all);

	ck_assert_msg(len > 0, "empty URL given to the sink");
	if (f->n > 0 && used + 1 < sizeof(f->all))
		f->all[used++] = '|';
	if (used + len < sizeof(f->all)) {
		memcpy(f->all + used, raw, len);
		f->all[used + len] = '\0';
	}
	f->n++;
	return f->stop_after == 0 || f->n < f->stop_after;
}

/* ------------------------------------------------------------ HTML */

struct html_case {
	const char	*label;
	const char	*html;
	const char	*text;
	const char	*links;		/* "a|b" */
};

static const struct html_case htmls[] = {
	{ "named references", "<p>Tom &amp; Jerry &lt;3&gt; &quot;x&quot; &apos;y&apos;</p>",
	    "Tom & Jerry <3> \"x\" 'y'\n", "" },
	{ "numeric references", "&#72;&#x65;&#X6C;lo", "Hello", "" },
	{ "references without ;", "&#72&#x65llo &amp more &copy 2024", "Hello & more \xc2\xa9 2024", "" },
	{ "windows-1252 range", "a&#150;b", "a\xe2\x80\x93" "b", "" },
	{ "bad code points", "&#0;&#xD800;&#1114112;", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "" },
	{ "invisible references split no words", "sp&shy;a&#8203;m", "spam", "" },
	{ "nbsp is a space", "a&nbsp;&nbsp;b", "a b", "" },
	{ "unknown reference kept", "&bogus; &", "&bogus; &", "" },
	{ "script and style dropped", "a<script>var x='<b>http://js.example/</b>';</script>b<style>p{}</style>c",
	    "abc", "" },
	{ "script ends only at its end tag", "<script>a</scriptx>b</SCRIPT >c", "c", "" },
	{ "comments dropped", "a<!-- <a href=http://hidden.example/>x</a> -->b<!-->c<!--->d",
	    "abcd", "" },
	{ "unclosed comment", "a<!-- b <a href=http://x.example/>", "a", "" },
	{ "declarations dropped", "<!DOCTYPE html><?xml version=1?>x", "x", "" },
	{ "blocks and breaks", "line1<br>line2<br/>line3<div>line4</div><p>5</p>",
	    "line1\nline2\nline3\nline4\n5\n", "" },
	{ "white space collapsed", "  a \n\t b  ", "a b ", "" },
	{ "cells spaced", "<table><tr><td>a</td><td>b</td></tr></table>", "a b\n", "" },
	{ "a lone < is text", "a < b and c>d", "a < b and c>d", "" },
	{ "end tag junk", "x</ y>z</>w", "xzw", "" },
	{ "three quoting styles",
	    "<a href=\"http://one.example/\">one</a> <a href='http://two.example/'>two</a> "
	    "<a href=http://three.example/>three</a>",
	    "one two three", "http://one.example/|http://two.example/|http://three.example/" },
	{ "upper case", "<A HREF=\"http://up.example/\">X</A>", "X", "http://up.example/" },
	{ "entity-encoded href", "<a href=\"&#104;ttp://evil.example/\">x</a>", "x",
	    "http://evil.example/" },
	{ "hex-entity href", "<a href='&#x68;&#x74;&#x74;&#x70;://evil.example/'>x</a>", "x",
	    "http://evil.example/" },
	{ "white space trimmed", "<a href=\"\n  http://sp.example/  \">", "", "http://sp.example/" },
	{ "legacy names in a query", "<a href=\"http://q.example/?a=1&copy=2&amp;b=3\">",
	    "", "http://q.example/?a=1&copy=2&b=3" },
	{ "other link attributes",
	    "<img src=http://img.example/a.png><form action=\"http://form.example/\">"
	    "<td background=x.png><button formaction=http://fa.example/>",
	    "", "http://img.example/a.png|http://form.example/|x.png|http://fa.example/" },
	{ "other attributes are not links", "<a title=\"http://title.example/\" href=h>t</a>",
	    "t", "h" },
	{ "meta refresh", "<meta http-equiv=\"refresh\" content=\"0;url=http://refresh.example/\">",
	    "", "http://refresh.example/" },
	{ "meta refresh quoted", "<META HTTP-EQUIV=Refresh CONTENT=\"5; URL='http://r2.example/'\">",
	    "", "http://r2.example/" },
	{ "meta refresh, content first", "<meta content='0; url=http://r3.example/' http-equiv='refresh'>",
	    "", "http://r3.example/" },
	{ "other meta", "<meta name=x content=\"0;url=http://no.example/\">", "", "" },
	{ "unclosed tag", "text <a href=\"http://unclosed.example/", "text ",
	    "http://unclosed.example/" },
	{ "unclosed tag, unquoted", "text <a href=http://u2.example/", "text ",
	    "http://u2.example/" },
	{ "bare URL stays text", "see http://bare.example/ now", "see http://bare.example/ now", "" },
	{ "empty", "", "", "" },
};

START_TEST(html_reduce)
{
	const struct html_case *c = &htmls[_i];
	struct found f;
	char	out[1024];
	bool	trunc = true;
	size_t	n;

	memset(&f, 0, sizeof(f));
	n = rw_html_reduce(c->html, strlen(c->html), out, sizeof(out), &trunc,
	    collect, &f);
	ck_assert_msg(strcmp(out, c->text) == 0, "%s: text \"%s\", want \"%s\"",
	    c->label, out, c->text);
	ck_assert_msg(n == strlen(out), "%s: length %zu", c->label, n);
	ck_assert_msg(!trunc, "%s: truncated", c->label);
	ck_assert_msg(strcmp(f.all, c->links) == 0, "%s: links \"%s\", want "
	    "\"%s\"", c->label, f.all, c->links);
}
END_TEST

START_TEST(html_bounds)
{
	struct found f;
	char	out[8];
	bool	trunc = false;
	size_t	n;
	char	*big;
	size_t	i, len = 200000;

	n = rw_html_reduce("<p>0123456789</p>", 17, out, sizeof(out), &trunc,
	    NULL, NULL);
	ck_assert(trunc);
	ck_assert_uint_eq(n, 7);
	ck_assert_str_eq(out, "0123456");
	/* never half a character */
	n = rw_html_reduce("a\xc3\xa9\xe2\x82\xac", 6, out, 4, &trunc, NULL, NULL);
	ck_assert(trunc);
	ck_assert_str_eq(out, "a\xc3\xa9");
	n = rw_html_reduce("a\xc3\xa9", 3, out, 3, &trunc, NULL, NULL);
	ck_assert(trunc);
	ck_assert_str_eq(out, "a");
	/* links past the cut are still reported; the sink can stop them */
	memset(&f, 0, sizeof(f));
	(void)rw_html_reduce("0123456789<a href=a>x</a><a href=b>", 35, out,
	    sizeof(out), &trunc, collect, &f);
	ck_assert_str_eq(f.all, "a|b");
	memset(&f, 0, sizeof(f));
	f.stop_after = 1;
	(void)rw_html_reduce("<a href=a><a href=b><a href=c>", 30, out,
	    sizeof(out), &trunc, collect, &f);
	ck_assert_str_eq(f.all, "a");
	/* hostile shapes: unclosed comments, tags, quotes; many '<' */
	big = malloc(len + 1);
	ck_assert_ptr_nonnull(big);
	for (i = 0; i < len; i++)
		big[i] = "<!-'\"&#<a=/>"[i % 12];
	big[len] = '\0';
	(void)rw_html_reduce(big, len, out, sizeof(out), &trunc, NULL, NULL);
	memset(big, '<', len);
	(void)rw_html_reduce(big, len, out, sizeof(out), &trunc, NULL, NULL);
	ck_assert(trunc);
	memcpy(big, "<a href='", 9);
	memset(big + 9, 'x', len - 9);
	memset(&f, 0, sizeof(f));
	(void)rw_html_reduce(big, len, out, sizeof(out), &trunc, collect, &f);
	ck_assert_uint_eq(f.n, 1);
	free(big);
}
END_TEST

/* ------------------------------------------------------------ text */

struct text_case {
	const char	*label;
	const char	*text;
	const char	*urls;		/* "a|b" */
};

static const struct text_case texts[] = {
	{ "full stop after", "see http://example.com/.", "http://example.com/" },
	{ "in parentheses", "(see http://example.com/a)", "http://example.com/a" },
	{ "balanced parentheses kept", "http://en.example/wiki/Foo_(bar) ok",
	    "http://en.example/wiki/Foo_(bar)" },
	{ "balanced, then closed", "(http://en.example/wiki/Foo_(bar))",
	    "http://en.example/wiki/Foo_(bar)" },
	{ "punctuation run", "http://x.example/?a=1!?\"", "http://x.example/?a=1" },
	{ "comma and colon", "at www.example.com, or ftp://f.example:",
	    "www.example.com|ftp://f.example" },
	{ "angle brackets", "<http://example.com/x>", "http://example.com/x" },
	{ "quotes", "\"http://q.example/\" and 'https://r.example/'",
	    "http://q.example/|https://r.example/" },
	{ "no URL", "no url here, not even www or http:", "" },
	{ "scheme alone", "a http:// b www. c", "" },
	{ "many", "one http://a.example/ two HTTPS://B.example/x three "
	    "ftp://c.example/ four www.d.example",
	    "http://a.example/|HTTPS://B.example/x|ftp://c.example/|www.d.example" },
	{ "inside an address", "mail bob@www.example.com", "" },
	{ "inside a word", "xhttp://no.example/ wwwx.example", "" },
	{ "IDN", "http://b\xc3\xbc" "cher.example/ ok", "http://b\xc3\xbc" "cher.example/" },
	{ "no-break spaces", "text\xc2\xa0http://nbsp.example/\xc2\xa0more",
	    "http://nbsp.example/" },
	{ "line ends", "http://a.example/\r\nhttp://b.example/\n",
	    "http://a.example/|http://b.example/" },
	{ "escaped host", "click http://%73%70%61%6d.example/ now",
	    "http://%73%70%61%6d.example/" },
};

START_TEST(scan_text)
{
	const struct text_case *c = &texts[_i];
	struct found f;

	memset(&f, 0, sizeof(f));
	rw_url_scan_text(c->text, strlen(c->text), collect, &f);
	ck_assert_msg(strcmp(f.all, c->urls) == 0, "%s: got \"%s\", want \"%s\"",
	    c->label, f.all, c->urls);
}
END_TEST

START_TEST(scan_text_many)
{
	struct found f;
	size_t	i, len = 0, n = 1000;
	char	*t = malloc(n * 20 + 1);

	ck_assert_ptr_nonnull(t);
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(t + len, "http://h%zu.example/ ", i % 10);
	memset(&f, 0, sizeof(f));
	rw_url_scan_text(t, len, collect, &f);
	ck_assert_uint_eq(f.n, n);
	memset(&f, 0, sizeof(f));
	f.stop_after = 3;
	rw_url_scan_text(t, len, collect, &f);
	ck_assert_uint_eq(f.n, 3);
	/* a length short of the text is honoured */
	memset(&f, 0, sizeof(f));
	rw_url_scan_text("http://abc.example/", 14, collect, &f);
	ck_assert_str_eq(f.all, "http://abc.exa");
	/* a long run of closers stays linear and is all trimmed */
	memset(t, ')', n * 20);
	memcpy(t, "http://x.example/", 17);
	memset(&f, 0, sizeof(f));
	rw_url_scan_text(t, n * 20, collect, &f);
	ck_assert_str_eq(f.all, "http://x.example/");
	free(t);
}
END_TEST

/* ------------------------------------------------------------ the check */

#define BASE	"local_domains = ours.test\nspf_check = no\nspf_check_helo = no\n" \
		"rdns_check = off\ntrusted_networks = 127.0.0.0/8\n" \
		"helo_names_us = off\nhelo_syntax = off\nhelo_fqdn = off\n" \
		"forged_local_sender = off\n"

struct check_case {
	const char	*label;
	const char	*setting;	/* url_obfuscation = ; NULL: default */
	const char	*client;
	const char	*auth;
	const char	*url;		/* the message's one URL; NULL: none recorded */
	enum rw_action	 want;		/* what the MTA is told at EOM */
	enum rw_action	 verdict;
	const char	*reply;		/* "550 5.7.1" */
};

static const struct check_case checks[] = {
	{ "hex host refused", "reject", "192.0.2.10", NULL,
	    "http://%73%70%61%6d.example/", RW_ACT_REJECT, RW_ACT_REJECT, "550 5.7.1" },
	{ "dword host tempfailed", "tempfail", "192.0.2.10", NULL,
	    "http://2130706433/", RW_ACT_TEMPFAIL, RW_ACT_TEMPFAIL, "451 4.7.1" },
	{ "userinfo tagged", "tag", "192.0.2.10", NULL,
	    "http://bank.example@evil.example/", RW_ACT_CONTINUE, RW_ACT_TAG, NULL },
	{ "off", "off", "192.0.2.10", NULL,
	    "http://%73%70%61%6d.example/", RW_ACT_CONTINUE, RW_ACT_CONTINUE, NULL },
	{ "off by default", NULL, "192.0.2.10", NULL,
	    "http://%73%70%61%6d.example/", RW_ACT_CONTINUE, RW_ACT_CONTINUE, NULL },
	{ "insider not judged", "reject", "127.0.0.1", NULL,
	    "http://%73%70%61%6d.example/", RW_ACT_CONTINUE, RW_ACT_CONTINUE, NULL },
	{ "authenticated not judged", "reject", "192.0.2.10", "alice",
	    "http://%73%70%61%6d.example/", RW_ACT_CONTINUE, RW_ACT_CONTINUE, NULL },
	{ "clean link", "reject", "192.0.2.10", NULL,
	    "http://example.com/%61%6f%6c", RW_ACT_CONTINUE, RW_ACT_CONTINUE, NULL },
	{ "no message", "reject", "192.0.2.10", NULL,
	    NULL, RW_ACT_CONTINUE, RW_ACT_CONTINUE, NULL },
};

START_TEST(check_obfuscation)
{
	const struct check_case *c = &checks[_i];
	struct rw_config *cfg;
	struct rw_session s;
	struct rw_verdict v;
	struct rw_message m;
	struct rw_url u;
	char	text[1024], err[RW_ERR_MAX] = "", rcode[16], hdr[RW_HEADER_MAX];
	enum rw_action a;

	snprintf(text, sizeof(text), BASE "%s%s%s", c->setting ? "url_obfuscation = " : "",
	    c->setting ? c->setting : "", c->setting ? "\n" : "");
	cfg = rw_config_parse(text, "url.conf", NULL, NULL, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s: configuration: %s", c->label, err);
	rw_message_init(&m);
	if (c->url != NULL) {
		ck_assert(rw_url_normalise("http://example.org/", 19, &u));
		ck_assert(rw_message_add_url(&m, &u));
		ck_assert(rw_url_normalise(c->url, strlen(c->url), &u));
		ck_assert(rw_message_add_url(&m, &u));
	}
	rw_session_init(&s, cfg);
	ck_assert(step_connect(&s, c->client, "client.example", &v) == RW_ACT_CONTINUE);
	ck_assert(step_helo(&s, "client.example", &v) == RW_ACT_CONTINUE);
	ck_assert(step_mail(&s, "a@b.test", c->auth, &v) == RW_ACT_CONTINUE);
	ck_assert(step_rcpt(&s, "u@ours.test", &v) == RW_ACT_CONTINUE);
	if (c->url != NULL)
		rw_session_record_message(&s, &m);
	a = rw_session_decide(&s, RW_STAGE_EOM, &v);
	ck_assert_msg(a == c->want, "%s: got %s, want %s (%s)", c->label,
	    rw_action_name(a), rw_action_name(c->want), v.reason);
	ck_assert_msg(v.action == c->verdict, "%s: verdict %s, want %s",
	    c->label, rw_action_name(v.action), rw_action_name(c->verdict));
	if (c->verdict != RW_ACT_CONTINUE) {
		ck_assert_msg(v.check != NULL && strcmp(v.check,
		    "url_obfuscation") == 0, "%s: check %s", c->label,
		    v.check ? v.check : "none");
		ck_assert_msg(strstr(v.reason, u.host) != NULL, "%s: reason \"%s\" "
		    "does not name %s", c->label, v.reason, u.host);
	}
	if (c->reply != NULL) {
		snprintf(rcode, sizeof(rcode), "%s %s", v.rcode, v.xcode);
		ck_assert_msg(strcmp(rcode, c->reply) == 0, "%s: reply %s, want %s",
		    c->label, rcode, c->reply);
		ck_assert_str_eq(v.text,
		    "Message refused: a link in it hides where it points");
	}
	if (c->verdict == RW_ACT_TAG) {
		ck_assert(rw_session_tags(&s, hdr, sizeof(hdr)));
		ck_assert_str_eq(hdr, "url_obfuscation=evil.example");
	}
	rw_session_release(&s);
	rw_message_release(&m);
	rw_config_free(cfg);
}
END_TEST

/* a bad word is a file:line error */
START_TEST(check_config_word)
{
	char	err[RW_ERR_MAX] = "";

	ck_assert(rw_config_parse("\nurl_obfuscation = maybe\n", "u.conf", NULL,
	    NULL, err, sizeof(err)) == NULL);
	ck_assert_msg(strstr(err, "u.conf:2") != NULL, "error: %s", err);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("url");
	TCase	*tc = tcase_create("url");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, normalise, 0, sizeof(norms) / sizeof(norms[0]));
	tcase_add_test(tc, normalise_overlong);
	tcase_add_test(tc, trick_text);
	tcase_add_loop_test(tc, html_reduce, 0, sizeof(htmls) / sizeof(htmls[0]));
	tcase_add_test(tc, html_bounds);
	tcase_add_loop_test(tc, scan_text, 0, sizeof(texts) / sizeof(texts[0]));
	tcase_add_test(tc, scan_text_many);
	tcase_add_loop_test(tc, check_obfuscation, 0,
	    sizeof(checks) / sizeof(checks[0]));
	tcase_add_test(tc, check_config_word);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
