/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	check_mime - unit tests for the MIME reader (milter/mime.c, GMime)
 * DESCRIPTION
 *	The fixtures of tests/data/mime (the .eml files) are read by
 *	rw_mime_read() and the message facts compared with what each row
 *	wants: the defect bits (exactly), the parts (type, decoded name,
 *	attachment), headers (decoded), text the recipient would see (and
 *	text they would not), the URLs found (normalised) with the tricks. Each fixture is read
 *	twice, with LF and with CR LF line ends (as the MTA sends it), and
 *	both must give the same facts. Generated messages test the bounds:
 *	the scan cap (truncated), nesting beyond the depth read and beyond
 *	GMime's own limit, the part cap, the text cap, the URL cap, and
 *	many threads reading at once.
 *
 *	Rows that depend on the HTML reducer and the URL normaliser
 *	(policy/html.c, policy/url.c) are checked when those are the real
 *	ones; built against their skeletons, the test says so on stderr
 *	and checks the rest.
 *
 *	Table-driven, a label per row, "got X, want Y" messages.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw_policy.h"
#include "mime.h"

#define MAXW	6

struct want_url {
	const char	*host;
	unsigned int	 tricks;	/* bits that must be set */
	const char	*text;		/* the normalised URL, if given */
};

struct fixture {
	const char	*file;
	unsigned int	 defects;
	const char	*parts[MAXW];	/* "type|name|1" (1: attachment) */
	size_t		 nparts;
	const char	*headers[MAXW];	/* "Name: value", all present */
	const char	*text[MAXW];	/* in the text */
	const char	*html_text[MAXW];	/* in it, from an HTML part */
	const char	*not_text[MAXW];	/* never in the text */
	struct want_url	 urls[MAXW];	/* hosts found (normaliser) */
};

static const struct fixture fixtures[] = {
	{ "b64-html-hexurl.eml", 0, { "text/html||0" }, 1,
	  { "From: \"Bank\" <service@bank.example>",
	    "Subject: Account suspended",
	    "Content-Transfer-Encoding: base64" },
	  { NULL },
	  { "Your account is", "suspended", "Click here to verify",
	    "Pay now" },
	  { "href", "<p>", "%73" },
	  { { "spam.example", RW_URLT_PERCENT_HOST,
	      "http://spam.example/login?id=1" },
	    { "evil.example", 0, "http://evil.example/pay" },
	    { "img.example", 0, "http://img.example/pixel.gif" } } },
	{ "nested.eml", 0,
	  { "text/plain||0", "text/html||0", "image/png||0",
	    "application/pdf|report.pdf|1" }, 4,
	  { "Subject: nested",
	    "Content-Type: multipart/mixed; boundary=\"mixed-1\"" },
	  { "Plain body: see https://docs.example/guide for the guide." },
	  { "HTML body with the guide" },
	  { "prologue", "Epilogue", "JVBERi0", "iVBOR" },
	  { { "docs.example", 0, "https://docs.example/guide" } } },
	{ "rfc822.eml", 0,
	  { "text/plain||0", "message/rfc822|offer.eml|1", "text/plain||0" },
	  3,
	  { "Subject: Fwd: offer", "From: carol@example.org" },
	  { "See the forwarded message.", "Inner text: visit" },
	  { NULL },
	  { "Cheap offer" },	/* the inner headers are not the message's */
	  { { "offer.example", 0, "http://offer.example/buy" } } },
	{ "boundary-missing.eml", RW_MIME_BAD_BOUNDARY, { NULL }, 0,
	  { "Subject: boundary never appears" },
	  { "Hidden text" }, { NULL }, { NULL },
	  { { "hidden.example", 0, "http://hidden.example/" } } },
	{ "boundary-unclosed.eml", RW_MIME_BAD_BOUNDARY,
	  { "text/plain||0", "text/plain||0" }, 2, { NULL },
	  { "First part.", "Second part, no closing boundary follows." },
	  { NULL }, { NULL }, { { NULL, 0, NULL } } },
	{ "boundary-none.eml", RW_MIME_BAD_BOUNDARY, { NULL }, 0, { NULL },
	  { "Text." }, { NULL }, { NULL }, { { NULL, 0, NULL } } },
	/* every byte is valid latin-1: the client shows what we keep */
	{ "charset-latin1-utf8.eml", 0, { "text/plain||0" }, 1, { NULL },
	  { "Menu: caf\xc3\x83\xc2\xa9 cr\xc3\x83\xc2\xa8me" }, { NULL },
	  { NULL }, { { NULL, 0, NULL } } },
	{ "charset-unknown.eml", RW_MIME_BAD_CHARSET, { "text/plain||0" }, 1,
	  { NULL },
	  { "Unknown charset: caf\xef\xbf\xbd and na\xc3\xafve" }, { NULL },
	  { NULL }, { { NULL, 0, NULL } } },
	{ "charset-cp1252.eml", RW_MIME_BAD_CHARSET,
	  { "text/plain||0", "text/plain||0" }, 2, { NULL },
	  { "\xe2\x80\x9cSmart quotes\xe2\x80\x9d cost \xe2\x82\xac 5",
	    "Undefined byte: [\xef\xbf\xbd]" }, { NULL }, { NULL },
	  { { NULL, 0, NULL } } },
	{ "rfc2047-subject.eml", 0, { "text/plain||0" }, 1,
	  { "From: Andr\xc3\xa9 <andre@example.org>",
	    "Subject: Fr\xc3\xbchling im B\xc3\xbcro",
	    "X-Folded: first line\tsecond line" },
	  { "Body." }, { NULL }, { "=?" }, { { NULL, 0, NULL } } },
	{ "rfc2231-filename.eml", 0,
	  { "text/plain||0", "application/pdf|\xe2\x82\xac rates.pdf|1",
	    "application/octet-stream|r\xc3\xa9sum\xc3\xa9.exe|1",
	    "application/zip|\xc3\xbc" "ber.zip|1" }, 4, { NULL },
	  { "See attachments." }, { NULL }, { "AAAA", "UEsDBA" },
	  { { NULL, 0, NULL } } },
	{ "empty-body.eml", 0, { "text/plain||0" }, 1,
	  { "Subject: empty body" }, { NULL }, { NULL }, { NULL },
	  { { NULL, 0, NULL } } },
	{ "headers-only.eml", 0, { "text/plain||0" }, 1,
	  { "From: a@example.org", "To: b@example.org",
	    "Subject: headers only" }, { NULL }, { NULL }, { NULL },
	  { { NULL, 0, NULL } } },
	{ "bad-base64.eml", RW_MIME_BAD_ENCODING, { "text/plain||0" }, 1,
	  { NULL }, { "Hello world!" }, { NULL }, { NULL },
	  { { NULL, 0, NULL } } },
	{ "bad-qp.eml", RW_MIME_BAD_ENCODING, { "text/plain||0" }, 1,
	  { NULL }, { "Good \xc3\xa9 then bad" }, { NULL }, { "=C3" },
	  { { NULL, 0, NULL } } },
	/* a line that is no header, conflicting parameters, raw latin-1 */
	{ "bad-header.eml", RW_MIME_BAD_HEADER | RW_MIME_BAD_CHARSET,
	  { "text/plain||0" }, 1,
	  { "X-Latin1: caf\xc3\xa9", "Subject: bad headers" },
	  { "Body." }, { NULL }, { "Bad header line" }, { { NULL, 0, NULL } } },
	{ "plain-urls.eml", 0, { "text/plain||0" }, 1, { NULL },
	  { "http://0x7f.0.0.1/admin" }, { NULL }, { NULL },
	  { { "127.0.0.1", RW_URLT_NUMERIC_HOST, "http://127.0.0.1/admin" },
	    { "evil.example", RW_URLT_USERINFO, "http://evil.example/login" },
	    { "mixed.example", 0, "http://mixed.example/Path" },
	    { "www.plain.example", 0, "http://www.plain.example/page" } } },
};

static bool real_html, real_url;

/* slurp - a fixture's bytes (NUL ended); crlf: LF line ends to CR LF */
static char *
slurp(const char *name, bool crlf, size_t *lenp)
{
	const char *dir = getenv("RW_SRCDIR");
	char	 path[1024], *buf, *out;
	size_t	 n, i, o;
	long	 sz;
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/tests/data/mime/%s",
	    dir != NULL ? dir : ".", name);
	fp = fopen(path, "rb");
	ck_assert_msg(fp != NULL, "cannot open %s (RW_SRCDIR?)", path);
	ck_assert(fseek(fp, 0, SEEK_END) == 0);
	sz = ftell(fp);
	ck_assert(sz >= 0);
	rewind(fp);
	buf = malloc((size_t)sz + 1);
	ck_assert(buf != NULL);
	n = fread(buf, 1, (size_t)sz, fp);
	fclose(fp);
	ck_assert(n == (size_t)sz);
	buf[n] = '\0';
	if (!crlf) {
		*lenp = n;
		return buf;
	}
	out = malloc(2 * n + 1);
	ck_assert(out != NULL);
	for (i = o = 0; i < n; i++) {
		if (buf[i] == '\n')
			out[o++] = '\r';
		out[o++] = buf[i];
	}
	out[o] = '\0';
	free(buf);
	*lenp = o;
	return out;
}

static bool
has_header(const struct rw_message *m, const char *want)
{
	size_t	i, nl;
	const char *colon = strstr(want, ": ");

	nl = (size_t)(colon - want);
	for (i = 0; i < m->nheaders; i++)
		if (strlen(m->headers[i].name) == nl &&
		    strncasecmp(m->headers[i].name, want, nl) == 0 &&
		    strcmp(m->headers[i].value, colon + 2) == 0)
			return true;
	return false;
}

/* find_host - the first URL with that host, or with that text too */
static const struct rw_msg_url *
find_host(const struct rw_message *m, const char *host, const char *text)
{
	size_t	i;

	for (i = 0; i < m->nurls; i++)
		if (strcmp(m->urls[i].host, host) == 0 && (text == NULL ||
		    strcmp(m->urls[i].text, text) == 0))
			return &m->urls[i];
	return NULL;
}

/* check_fixture - one row against a message read from it */
static void
check_fixture(const struct fixture *fx, const struct rw_message *m,
    const char *how, size_t len)
{
	const char *text = m->text != NULL ? m->text : "";
	char	 got[512];
	size_t	 i;

	ck_assert_msg(!m->nomem, "%s %s: nomem", fx->file, how);
	ck_assert_msg(m->bytes == len, "%s %s: bytes got %zu, want %zu",
	    fx->file, how, m->bytes, len);
	ck_assert_msg(m->defects == fx->defects,
	    "%s %s: defects got 0x%x, want 0x%x", fx->file, how, m->defects,
	    fx->defects);
	ck_assert_msg(m->nparts == fx->nparts, "%s %s: parts got %zu, want %zu",
	    fx->file, how, m->nparts, fx->nparts);
	for (i = 0; i < fx->nparts; i++) {
		snprintf(got, sizeof(got), "%s|%s|%d", m->parts[i].type,
		    m->parts[i].filename, m->parts[i].attachment ? 1 : 0);
		ck_assert_msg(strcmp(got, fx->parts[i]) == 0,
		    "%s %s: part %zu got \"%s\", want \"%s\"", fx->file, how, i,
		    got, fx->parts[i]);
	}
	for (i = 0; i < MAXW && fx->headers[i] != NULL; i++)
		ck_assert_msg(has_header(m, fx->headers[i]),
		    "%s %s: no header \"%s\"", fx->file, how, fx->headers[i]);
	for (i = 0; i < MAXW && fx->text[i] != NULL; i++)
		ck_assert_msg(strstr(text, fx->text[i]) != NULL,
		    "%s %s: text \"%s\" lacks \"%s\"", fx->file, how, text,
		    fx->text[i]);
	for (i = 0; i < MAXW && fx->not_text[i] != NULL; i++)
		ck_assert_msg(strstr(text, fx->not_text[i]) == NULL,
		    "%s %s: text \"%s\" has \"%s\"", fx->file, how, text,
		    fx->not_text[i]);
	ck_assert_msg(strchr(text, '\r') == NULL, "%s %s: a CR in the text",
	    fx->file, how);
	ck_assert_msg(strlen(text) == m->textlen, "%s %s: a NUL in the text",
	    fx->file, how);
	if (real_html)
		for (i = 0; i < MAXW && fx->html_text[i] != NULL; i++)
			ck_assert_msg(strstr(text, fx->html_text[i]) != NULL,
			    "%s %s: text \"%s\" lacks \"%s\"", fx->file, how,
			    text, fx->html_text[i]);
	if (real_url && real_html)
		for (i = 0; i < MAXW && fx->urls[i].host != NULL; i++) {
			const struct rw_msg_url *u = find_host(m,
			    fx->urls[i].host, fx->urls[i].text);

			ck_assert_msg(u != NULL, "%s %s: no URL %s (host %s)",
			    fx->file, how, fx->urls[i].text != NULL ?
			    fx->urls[i].text : "", fx->urls[i].host);
			ck_assert_msg((u->tricks & fx->urls[i].tricks) ==
			    fx->urls[i].tricks, "%s %s: %s tricks got 0x%x, "
			    "want 0x%x set", fx->file, how, u->text, u->tricks,
			    fx->urls[i].tricks);
		}
}

/* read_fixture - read a fixture (LF or CR LF) and check its row */
static void
read_fixture(const struct fixture *fx, bool crlf)
{
	struct rw_message m;
	size_t	 len;
	char	*buf = slurp(fx->file, crlf, &len);

	rw_message_init(&m);
	ck_assert(rw_mime_read(buf, len, false, &m));
	check_fixture(fx, &m, crlf ? "(CR LF)" : "(LF)", len);
	rw_message_release(&m);
	free(buf);
}

START_TEST(test_fixtures_lf)
{
	read_fixture(&fixtures[_i], false);
}
END_TEST

START_TEST(test_fixtures_crlf)
{
	read_fixture(&fixtures[_i], true);
}
END_TEST

/* the seeds' example, end to end: the hex-encoded host is seen through */
START_TEST(test_hex_url)
{
	struct rw_message m;
	const struct rw_msg_url *u;
	size_t	 len;
	char	*buf = slurp("b64-html-hexurl.eml", false, &len);

	if (!real_url || !real_html) {
		free(buf);
		return;
	}
	rw_message_init(&m);
	ck_assert(rw_mime_read(buf, len, false, &m));
	u = find_host(&m, "spam.example", NULL);
	ck_assert_msg(u != NULL, "no URL for spam.example");
	ck_assert_msg(strncmp(u->text, "http://spam.example/", 20) == 0,
	    "got %s, want http://spam.example/...", u->text);
	ck_assert(rw_url_obfuscated(&(struct rw_url){ .tricks = u->tricks }));
	rw_message_release(&m);
	free(buf);
}
END_TEST

/*
 * the scan cap: a message cut inside its attachment and said to be cut is
 * TRUNCATED, not a bad boundary or encoding; the same bytes not said to
 * be cut are a multipart never closed
 */
START_TEST(test_truncated)
{
	struct rw_message m;
	size_t	 len, cut;
	char	*buf = slurp("nested.eml", false, &len);
	char	*p = strstr(buf, "JVBERi0");

	ck_assert(p != NULL);
	cut = (size_t)(p - buf) + 5;	/* "JVBER": base64 of odd length */
	rw_message_init(&m);
	ck_assert(rw_mime_read(buf, cut, true, &m));
	ck_assert_msg(m.defects == RW_MIME_TRUNCATED, "got 0x%x, want 0x%x",
	    m.defects, RW_MIME_TRUNCATED);
	ck_assert_uint_eq(m.bytes, cut);
	ck_assert_uint_eq(m.nparts, 4);
	ck_assert(strstr(m.text, "Plain body") != NULL);
	rw_message_release(&m);

	rw_message_init(&m);
	ck_assert(rw_mime_read(buf, cut, false, &m));
	ck_assert_msg(m.defects ==
	    (RW_MIME_BAD_BOUNDARY | RW_MIME_BAD_ENCODING),
	    "got 0x%x, want 0x%x", m.defects,
	    RW_MIME_BAD_BOUNDARY | RW_MIME_BAD_ENCODING);
	rw_message_release(&m);
	free(buf);
}
END_TEST

/* the empty message, and one byte */
START_TEST(test_empty)
{
	struct rw_message m;

	rw_message_init(&m);
	ck_assert(rw_mime_read("", 0, false, &m));
	ck_assert_uint_eq(m.nheaders + m.nparts + m.nurls + m.textlen, 0);
	ck_assert_uint_eq(m.defects, 0);
	rw_message_release(&m);
	rw_message_init(&m);
	ck_assert(rw_mime_read("\n", 1, false, &m));
	ck_assert_uint_eq(m.nheaders, 0);
	ck_assert_uint_eq(m.bytes, 1);
	rw_message_release(&m);
}
END_TEST

/* a NUL in text (RFC 2045 forbids it) is replaced and is a charset defect */
START_TEST(test_nul)
{
	static const char msg[] = "Subject: nul\n\nab\0cd http://n.example/\n";
	struct rw_message m;

	rw_message_init(&m);
	ck_assert(rw_mime_read(msg, sizeof(msg) - 1, false, &m));
	ck_assert_uint_eq(m.defects, RW_MIME_BAD_CHARSET);
	ck_assert_str_eq(m.text, "ab\xef\xbf\xbd" "cd http://n.example/\n");
	ck_assert_uint_eq(m.textlen, strlen(m.text));
	rw_message_release(&m);
}
END_TEST

/* gen - a growing string for generated messages */
struct gen {
	char	*p;
	size_t	 len, cap;
};

static void
gen_add(struct gen *g, const char *s)
{
	size_t	n = strlen(s);

	if (g->len + n + 1 > g->cap) {
		g->cap = (g->len + n + 1) * 2;
		g->p = realloc(g->p, g->cap);
		ck_assert(g->p != NULL);
	}
	memcpy(g->p + g->len, s, n + 1);
	g->len += n;
}

/* nested - depth multiparts (or message/rfc822 parts), a text leaf */
static void
nested(struct gen *g, int depth, bool rfc822)
{
	char	line[128];
	int	i;

	gen_add(g, "From: a@example.org\nSubject: deep\nMIME-Version: 1.0\n");
	for (i = 0; i < depth; i++) {
		if (rfc822) {
			gen_add(g, "Content-Type: message/rfc822\n\n"
			    "From: b@example.org\nSubject: inner\n");
			continue;
		}
		snprintf(line, sizeof(line), "Content-Type: multipart/mixed; "
		    "boundary=\"b%d\"\n\n--b%d\n", i, i);
		gen_add(g, line);
	}
	gen_add(g, "Content-Type: text/plain\n\n"
	    "the bottom http://deep.example/\n");
	for (i = rfc822 ? -1 : depth - 1; i >= 0; i--) {
		snprintf(line, sizeof(line), "--b%d--\n", i);
		gen_add(g, line);
	}
}

/* deep nesting: what is deeper than the depth read is not read */
START_TEST(test_deep)
{
	static const struct {
		int	 depth;
		bool	 rfc822;
		unsigned int defects;
		bool	 bottom;	/* the leaf's text read */
	} rows[] = {
		{ 5, false, 0, true },
		{ 19, false, 0, true },		/* the leaf at depth 19 */
		{ 30, false, RW_MIME_TOO_DEEP, false },
		{ 5, true, 0, true },
		{ 30, true, RW_MIME_TOO_DEEP, false },
		{ 2000, false, RW_MIME_TOO_DEEP, false }, /* past GMime's */
		{ 2000, true, RW_MIME_TOO_DEEP, false },
	};
	struct rw_message m;
	struct gen g = { NULL, 0, 0 };
	bool	 bottom;

	nested(&g, rows[_i].depth, rows[_i].rfc822);
	rw_message_init(&m);
	ck_assert(rw_mime_read(g.p, g.len, false, &m));
	ck_assert_msg(m.defects == rows[_i].defects,
	    "depth %d%s: defects got 0x%x, want 0x%x", rows[_i].depth,
	    rows[_i].rfc822 ? " rfc822" : "", m.defects, rows[_i].defects);
	bottom = m.text != NULL && strstr(m.text, "the bottom") != NULL;
	ck_assert_msg(bottom == rows[_i].bottom, "depth %d%s: bottom got %d, "
	    "want %d", rows[_i].depth, rows[_i].rfc822 ? " rfc822" : "",
	    bottom, rows[_i].bottom);
	rw_message_release(&m);
	free(g.p);
}
END_TEST

/* the part cap: 1100 parts, 1000 recorded, the rest said */
START_TEST(test_many_parts)
{
	struct rw_message m;
	struct gen g = { NULL, 0, 0 };
	int	 i;

	gen_add(&g, "Subject: parts\nContent-Type: multipart/mixed; "
	    "boundary=\"p\"\n\n");
	for (i = 0; i < 1100; i++)
		gen_add(&g, "--p\nContent-Type: image/gif\n\nR0lGOD\n");
	gen_add(&g, "--p--\n");
	rw_message_init(&m);
	ck_assert(rw_mime_read(g.p, g.len, false, &m));
	ck_assert_uint_eq(m.nparts, 1000);
	ck_assert_uint_eq(m.defects, RW_MIME_TRUNCATED);
	rw_message_release(&m);
	free(g.p);
}
END_TEST

/*
 * the text cap: windows-1252 0x80 is the euro sign, three bytes in UTF-8:
 * the text would be three times the message; it is cut at twice
 */
START_TEST(test_text_cap)
{
	struct rw_message m;
	struct gen g = { NULL, 0, 0 };
	char	 euros[1025];

	memset(euros, 0x80, 1024);
	euros[1024] = '\0';
	gen_add(&g, "Subject: euros\nContent-Type: text/plain; "
	    "charset=windows-1252\n\n");
	while (g.len < 64 * 1024)
		gen_add(&g, euros);
	rw_message_init(&m);
	ck_assert(rw_mime_read(g.p, g.len, false, &m));
	ck_assert_msg(m.textlen <= 2 * g.len && m.textlen > g.len,
	    "text %zu for %zu bytes", m.textlen, g.len);
	ck_assert_uint_eq(m.defects, RW_MIME_TRUNCATED);
	ck_assert(strncmp(m.text, "\xe2\x82\xac\xe2\x82\xac", 6) == 0);
	rw_message_release(&m);
	free(g.p);
}
END_TEST

/* the URL cap: 600 distinct URLs, RW_MSG_URLS_MAX kept, the rest counted */
START_TEST(test_url_cap)
{
	struct rw_message m;
	struct gen g = { NULL, 0, 0 };
	char	 line[64];
	int	 i;

	if (!real_url)
		return;
	gen_add(&g, "Subject: urls\n\n");
	for (i = 0; i < 600; i++) {
		snprintf(line, sizeof(line), "http://h%d.example/\n", i);
		gen_add(&g, line);
	}
	rw_message_init(&m);
	ck_assert(rw_mime_read(g.p, g.len, false, &m));
	ck_assert_uint_eq(m.nurls, RW_MSG_URLS_MAX);
	ck_assert_uint_eq(m.urls_dropped, 600 - RW_MSG_URLS_MAX);
	rw_message_release(&m);
	free(g.p);
}
END_TEST

/*
 * threads: many sessions read messages at once; each thread reads every
 * fixture (CR LF) several times and must find the same facts as the
 * table says
 */
#define NTHREADS	8
#define ROUNDS		5

struct sample {
	char	*buf;
	size_t	 len;
};

static struct sample samples[sizeof(fixtures) / sizeof(fixtures[0])];

static void *
reader(void *arg)
{
	size_t	 i, bad = 0;
	int	 r;

	(void)arg;
	for (r = 0; r < ROUNDS; r++)
		for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
			struct rw_message m;

			rw_message_init(&m);
			if (!rw_mime_read(samples[i].buf, samples[i].len, false,
			    &m) || m.defects != fixtures[i].defects ||
			    m.nparts != fixtures[i].nparts)
				bad++;
			rw_message_release(&m);
		}
	return (void *)bad;
}

START_TEST(test_threads)
{
	pthread_t t[NTHREADS];
	size_t	  i;
	void	 *bad;

	for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++)
		samples[i].buf = slurp(fixtures[i].file, true, &samples[i].len);
	for (i = 0; i < NTHREADS; i++)
		ck_assert(pthread_create(&t[i], NULL, reader, NULL) == 0);
	for (i = 0; i < NTHREADS; i++) {
		ck_assert(pthread_join(t[i], &bad) == 0);
		ck_assert_msg(bad == NULL, "thread %zu: %zu reads differ", i,
		    (size_t)bad);
	}
	for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++)
		free(samples[i].buf);
}
END_TEST

/* probe - whether policy/html.c and policy/url.c are the real ones */
static bool
probe_sink(void *ctx, const char *raw, size_t len)
{
	(void)raw;
	(void)len;
	(void)ctx;
	return true;
}

static void
probe(void)
{
	struct rw_url u;
	char	 out[16];
	bool	 cut;

	real_url = rw_url_normalise("http://a.example/", 17, &u);
	real_html = rw_html_reduce("<b>x</b>", 8, out, sizeof(out), &cut,
	    probe_sink, NULL) == 1;
	if (!real_url || !real_html)
		fprintf(stderr, "check_mime: policy/html.c %s, policy/url.c "
		    "%s: the rows that need the real ones are not checked\n",
		    real_html ? "real" : "a skeleton",
		    real_url ? "real" : "a skeleton");
}

static Suite *
mime_suite(void)
{
	Suite	*s = suite_create("mime");
	TCase	*tc = tcase_create("mime");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_fixtures_lf, 0,
	    sizeof(fixtures) / sizeof(fixtures[0]));
	tcase_add_loop_test(tc, test_fixtures_crlf, 0,
	    sizeof(fixtures) / sizeof(fixtures[0]));
	tcase_add_test(tc, test_hex_url);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_nul);
	tcase_add_loop_test(tc, test_deep, 0, 7);
	tcase_add_test(tc, test_many_parts);
	tcase_add_test(tc, test_text_cap);
	tcase_add_test(tc, test_url_cap);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	rw_mime_init();
	probe();
	sr = srunner_create(mime_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	rw_mime_shutdown();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
