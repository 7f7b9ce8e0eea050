/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	mime - the message's bytes read as MIME (GMime) into a struct rw_message
 * SYNOPSIS
 *	#include "mime.h"
 * DESCRIPTION
 *	rw_mime_init() initialises GMime once, before any thread reads a
 *	message; rw_mime_shutdown() releases it after the last reader.
 *
 *	rw_mime_read() parses the message in place: GMime reads the
 *	caller's buffer through a memory stream over a borrowed byte array
 *	(never owned, never written), and the parts' contents are
 *	substreams of it, so the message is not copied. It records:
 *	  - every top-level header, unfolded, RFC 2047 words decoded;
 *	  - every leaf part (and every message/rfc822 part, which is also
 *	    walked into): its type, its file name (RFC 2231/2047 decoded)
 *	    and whether it is an attachment (a disposition "attachment" or
 *	    a name);
 *	  - the text of text/plain and text/html parts, and of other "text/..."
 *	    parts shown inline (no name, not an attachment): the transfer
 *	    encoding undone (base64, quoted-printable), converted to UTF-8
 *	    from the declared charset (iso-8859-* holding bytes 0x80-0x9f
 *	    read as the matching windows-* charset, as mail clients and
 *	    HTML5 do; no charset: UTF-8), HTML reduced to its visible text
 *	    (rw_html_reduce);
 *	  - the URLs of that text and of the HTML's links, normalised
 *	    (rw_url_scan_text, rw_url_normalise).
 *
 *	What is wrong with the structure becomes a defect bit, never a
 *	failure:
 *	  RW_MIME_BAD_BOUNDARY  a multipart with no boundary parameter,
 *	      whose boundary never appears, that is never closed (not when
 *	      the message was cut at the scan cap: that is TRUNCATED), or
 *	      that is ended by its parent's boundary;
 *	  RW_MIME_BAD_ENCODING  base64 with a byte outside the alphabet and
 *	      white space, data after the padding, or a length that is not
 *	      a multiple of four (unless cut at the scan cap);
 *	      quoted-printable with "=" followed by neither two hex digits
 *	      nor a line break. GMime's decoders skip such bytes silently,
 *	      so the raw content is checked on the way through the decoder;
 *	  RW_MIME_BAD_CHARSET  a charset iconv does not know, bytes invalid
 *	      in the declared charset (replaced by U+FFFD), or a header in
 *	      raw 8-bit that is not UTF-8;
 *	  RW_MIME_TOO_DEEP  nesting beyond RW_MIME_DEPTH_MAX levels (what
 *	      is deeper is not read), or beyond GMime's own limit;
 *	  RW_MIME_BAD_HEADER  a header line that is not a header, a
 *	      malformed Content-Type, conflicting or invalid parameters,
 *	      a malformed encoded word;
 *	  RW_MIME_TRUNCATED  not all of it was read: the caller cut the
 *	      message at the scan cap, or the text kept reached its cap
 *	      (twice the message, at most RW_MIME_TEXT_MAX), or there were
 *	      more than RW_MIME_PARTS_MAX parts.
 *
 *	Bounds: the text kept is at most twice the message's length and at
 *	most RW_MIME_TEXT_MAX bytes; parts at most RW_MIME_PARTS_MAX; URLs
 *	at most RW_MSG_URLS_MAX (those found after the list is full are
 *	counted in urls_dropped, repeats included, and not normalised).
 *	Every part's content is read once, in chunks: the time is linear
 *	in the message.
 *
 *	Threads: GMime 3 may be used from many threads at once on separate
 *	objects once g_mime_init() has run (its charset and iconv tables
 *	are built there or behind its own locks). Each read has its own
 *	stream, parser, parser options (with this read's warning callback)
 *	and objects; nothing here is shared between reads.
 *
 *	Allocations: ours are checked (false and m->nomem when they fail);
 *	GLib's and GMime's abort the process on failure, as GLib does.
 */
#include "config.h"

#include "mime.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#define RW_MIME_DEPTH_MAX	20		/* nesting levels walked */
#define RW_MIME_PARTS_MAX	1000		/* parts recorded */
#define RW_MIME_TEXT_MAX	(4u << 20)	/* text kept, bytes */
#define MIME_CHUNK		8192		/* raw content read at a time */

static const char mime_replacement[] = "\xef\xbf\xbd";	/* U+FFFD */

/* One read: the message being built and what bounds it. */
struct mime_read {
	struct rw_message *m;
	bool		 truncated;	/* the caller cut the message */
	size_t		 text_left;	/* bytes of text still to keep */
	bool		 stop;		/* a cap reached: walk no further */
};

/* A growable byte buffer with a hard limit. */
struct mime_buf {
	char		*p;
	size_t		 len, cap, limit;
	bool		 cut;		/* more was offered than limit */
	bool		 nomem;
};

/* mime_buf_add - append n bytes, cut at the limit; false: out of memory */
static bool
mime_buf_add(struct mime_buf *b, const char *s, size_t n)
{
	char	*p;
	size_t	 cap;

	if (n > b->limit - b->len) {
		n = b->limit - b->len;
		b->cut = true;
	}
	if (n == 0)
		return true;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap == 0 ? 4096 : b->cap;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			b->nomem = true;
			return false;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return true;
}

/* mime_buf_init - empty, holding at most limit bytes */
static void
mime_buf_init(struct mime_buf *b, size_t limit)
{
	memset(b, 0, sizeof(*b));
	b->limit = limit;
}

/* rw_mime_init - GMime's tables, once per process */
void
rw_mime_init(void)
{
	g_mime_init();
}

/* rw_mime_shutdown - GMime's tables released, after the last reader */
void
rw_mime_shutdown(void)
{
	g_mime_shutdown();
}

/*
 * mime_warn - GMime's parser warnings as defect bits. Duplicated headers
 * (the same value twice), parts without content and the parser's own
 * "truncated" (found by the walk, which knows about the scan cap) are
 * not defects; address lists are judged by the checks that use them.
 */
static void
mime_warn(gint64 offset, GMimeParserWarning code, const gchar *item,
    gpointer ctx)
{
	struct mime_read *r = ctx;

	(void)offset;
	(void)item;
	switch (code) {
	case GMIME_WARN_MALFORMED_MULTIPART:
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
		r->m->defects |= RW_MIME_BAD_BOUNDARY;
		break;
	case GMIME_WARN_UNENCODED_8BIT_HEADER:	/* raw 8-bit, not UTF-8 */
		r->m->defects |= RW_MIME_BAD_CHARSET;
		break;
	case GMIME_CRIT_NESTING_OVERFLOW:
		r->m->defects |= RW_MIME_TOO_DEEP;
		break;
	case GMIME_WARN_DUPLICATED_PARAMETER:
	case GMIME_WARN_INVALID_CONTENT_TYPE:
	case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE:
	case GMIME_WARN_MALFORMED_MESSAGE:
	case GMIME_CRIT_INVALID_HEADER_NAME:
	case GMIME_CRIT_CONFLICTING_HEADER:
	case GMIME_CRIT_CONFLICTING_PARAMETER:
	case GMIME_WARN_INVALID_PARAMETER:
		r->m->defects |= RW_MIME_BAD_HEADER;
		break;
	case GMIME_WARN_DUPLICATED_HEADER:
	case GMIME_WARN_TRUNCATED_MESSAGE:
	case GMIME_WARN_INVALID_ADDRESS_LIST:
	case GMIME_WARN_PART_WITHOUT_CONTENT:
	default:
		break;
	}
}

/*
 * mime_clean - s (n bytes) as valid UTF-8 into out: invalid sequences and
 * NUL bytes become U+FFFD; *invalid tells whether there were invalid
 * sequences (NULs are valid UTF-8, only awkward in a C string).
 */
static bool
mime_clean(const char *s, size_t n, struct mime_buf *out, bool *invalid)
{
	const char *end;

	while (n > 0) {
		if (g_utf8_validate_len(s, n, &end)) {
			end = s + n;
		}
		if (end > s) {
			size_t	k = (size_t)(end - s), i, from = 0;

			for (i = 0; i < k; i++) {	/* NUL: valid, replaced */
				if (s[i] != '\0')
					continue;
				if (!mime_buf_add(out, s + from, i - from) ||
				    !mime_buf_add(out, mime_replacement, 3))
					return false;
				from = i + 1;
			}
			if (!mime_buf_add(out, s + from, k - from))
				return false;
			s += k;
			n -= k;
			continue;
		}
		*invalid = true;	/* s points at an invalid byte */
		if (!mime_buf_add(out, mime_replacement, 3))
			return false;
		s++;
		n--;
	}
	return true;
}

/* mime_is_utf8 - a charset read as UTF-8 (US-ASCII is a subset) */
static bool
mime_is_utf8(const char *cs)
{
	static const char *const names[] = { "utf-8", "utf8", "us-ascii",
	    "ascii", "ansi_x3.4-1968", "iso-ir-6", "646", NULL };
	size_t	i;

	for (i = 0; names[i] != NULL; i++)
		if (g_ascii_strcasecmp(cs, names[i]) == 0)
			return true;
	return false;
}

/* mime_c1 - whether bytes 0x80-0x9f occur (iso-8859-* read as windows-*) */
static bool
mime_c1(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80 && (unsigned char)s[i] <= 0x9f)
			return true;
	return false;
}

/*
 * mime_iconv - s (n bytes in charset cs) to UTF-8 through iconv; bytes
 * invalid in cs become U+FFFD and set *invalid. -1: cs unknown to iconv
 * (nothing written); 0: out of memory; 1: done.
 */
static int
mime_iconv(const char *cs, const char *s, size_t n, struct mime_buf *out,
    bool *invalid)
{
	iconv_t	 cd;
	char	 tmp[4096], *in = (char *)(uintptr_t)s, *op;
	size_t	 inleft = n, opleft, rc;
	int	 ret = 1;

	if ((cd = g_mime_iconv_open("UTF-8", cs)) == (iconv_t)-1)
		return -1;
	(void)iconv(cd, NULL, NULL, NULL, NULL);	/* a clean state */
	while (inleft > 0 && !out->cut) {
		op = tmp;
		opleft = sizeof(tmp);
		rc = iconv(cd, &in, &inleft, &op, &opleft);
		if (!mime_buf_add(out, tmp, sizeof(tmp) - opleft)) {
			ret = 0;
			break;
		}
		if (rc != (size_t)-1 || errno == E2BIG)
			continue;
		/* EILSEQ: an invalid byte; EINVAL: a sequence cut at the end */
		*invalid = true;
		if (!mime_buf_add(out, mime_replacement, 3)) {
			ret = 0;
			break;
		}
		if (errno == EINVAL)
			break;
		in++;
		inleft--;
	}
	if (ret == 1) {
		op = tmp;
		opleft = sizeof(tmp);
		if (iconv(cd, NULL, NULL, &op, &opleft) != (size_t)-1 &&
		    !mime_buf_add(out, tmp, sizeof(tmp) - opleft))
			ret = 0;
	}
	g_mime_iconv_close(cd);
	return ret;
}

/*
 * mime_utf8 - decoded content (n bytes, declared charset cs or NULL) to
 * clean UTF-8 in out (limited by the caller). False: out of memory.
 */
static bool
mime_utf8(struct mime_read *r, const char *cs, const char *s, size_t n,
    struct mime_buf *out)
{
	struct mime_buf conv;
	const char *win;
	bool	 invalid = false, ok = true;
	int	 rc;

	if (cs == NULL || *cs == '\0' || mime_is_utf8(cs)) {
		ok = mime_clean(s, n, out, &invalid);
		goto done;
	}
	if (g_ascii_strncasecmp(cs, "iso-8859-", 9) == 0 && mime_c1(s, n) &&
	    (win = g_mime_charset_iso_to_windows(cs)) != NULL &&
	    g_ascii_strcasecmp(win, cs) != 0)
		cs = win;
	mime_buf_init(&conv, out->limit);
	rc = mime_iconv(cs, s, n, &conv, &invalid);
	if (rc < 0) {			/* unknown: best effort as UTF-8 */
		invalid = true;
		ok = mime_clean(s, n, out, &invalid);
	} else if (rc == 0) {
		ok = false;
	} else {			/* iconv's UTF-8 is valid; NULs go */
		ok = mime_clean(conv.p != NULL ? conv.p : "", conv.len, out,
		    &invalid);
		if (conv.cut)
			out->cut = true;
	}
	free(conv.p);
done:
	if (invalid)
		r->m->defects |= RW_MIME_BAD_CHARSET;
	return ok;
}

/*
 * Transfer-encoding check: GMime's decoders skip what they cannot read,
 * so the raw bytes are checked as they pass (see DESCRIPTION).
 */
struct mime_enc_check {
	GMimeContentEncoding enc;
	size_t		 n;		/* base64: alphabet characters */
	unsigned int	 pad;		/* base64: '=' seen */
	int		 qp;		/* qp: 0 text, 1 "=", 2 "=X", 3 "= " */
	bool		 bad;
};

static bool
mime_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') ||
	    (c >= 'a' && c <= 'f');
}

/* mime_enc_step - check n raw bytes */
static void
mime_enc_step(struct mime_enc_check *k, const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n && !k->bad; i++) {
		unsigned char c = (unsigned char)s[i];

		if (k->enc == GMIME_CONTENT_ENCODING_BASE64) {
			if (g_ascii_isalnum(c) || c == '+' || c == '/') {
				if (k->pad > 0)
					k->bad = true;	/* data after '=' */
				k->n++;
			} else if (c == '=') {
				if (++k->pad > 2)
					k->bad = true;
			} else if (c != ' ' && c != '\t' && c != '\r' &&
			    c != '\n') {
				k->bad = true;
			}
			continue;
		}
		switch (k->qp) {	/* quoted-printable */
		case 0:
			if (c == '=')
				k->qp = 1;
			break;
		case 1:
			if (mime_hex(c))
				k->qp = 2;
			else if (c == '\r' || c == '\n')
				k->qp = 0;		/* soft line break */
			else if (c == ' ' || c == '\t')
				k->qp = 3;
			else
				k->bad = true;
			break;
		case 2:
			if (mime_hex(c))
				k->qp = 0;
			else
				k->bad = true;
			break;
		default:		/* "=" then blanks: a line break must follow */
			if (c == '\r' || c == '\n')
				k->qp = 0;
			else if (c != ' ' && c != '\t')
				k->bad = true;
			break;
		}
	}
}

/* mime_enc_end - the content's end: a base64 length, a "=X" left open */
static bool
mime_enc_bad(const struct mime_enc_check *k, bool truncated)
{
	if (k->bad)
		return true;
	if (truncated)		/* the end may be the scan cap's */
		return false;
	if (k->enc == GMIME_CONTENT_ENCODING_BASE64)
		return (k->n + k->pad) % 4 != 0;
	return k->qp == 2;
}

/*
 * mime_decode - a part's content, transfer encoding undone, into out
 * (its limit the text still to keep). False: out of memory.
 */
static bool
mime_decode(struct mime_read *r, GMimeDataWrapper *w, struct mime_buf *out)
{
	GMimeStream	*st = g_mime_data_wrapper_get_stream(w);
	GMimeContentEncoding enc = g_mime_data_wrapper_get_encoding(w);
	GMimeEncoding	 state;
	struct mime_enc_check k;
	char		 raw[MIME_CHUNK], dec[MIME_CHUNK + 64];
	ssize_t		 n;
	size_t		 d;
	bool		 decode;

	if (st == NULL)
		return true;
	decode = enc == GMIME_CONTENT_ENCODING_BASE64 ||
	    enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
	memset(&k, 0, sizeof(k));
	k.enc = enc;
	if (decode)
		g_mime_encoding_init_decode(&state, enc);
	if (g_mime_stream_reset(st) == -1)
		return true;
	while (!out->cut && (n = g_mime_stream_read(st, raw, sizeof(raw))) > 0) {
		if (!decode) {
			if (!mime_buf_add(out, raw, (size_t)n))
				return false;
			continue;
		}
		mime_enc_step(&k, raw, (size_t)n);
		/* GMime's bound for n bytes in: at most n + a few */
		if (g_mime_encoding_outlen(&state, (size_t)n) > sizeof(dec))
			return true;	/* cannot happen: n <= MIME_CHUNK */
		d = g_mime_encoding_step(&state, raw, (size_t)n, dec);
		if (!mime_buf_add(out, dec, d))
			return false;
	}
	if (decode && !out->cut) {
		d = g_mime_encoding_flush(&state, "", 0, dec);
		if (!mime_buf_add(out, dec, d))
			return false;
	}
	if (decode && mime_enc_bad(&k, r->truncated || out->cut))
		r->m->defects |= RW_MIME_BAD_ENCODING;
	return true;
}

/* mime_url - one raw URL found: normalised into the message */
static bool
mime_url(void *ctx, const char *raw, size_t len)
{
	struct mime_read *r = ctx;
	struct rw_url	 u;

	if (r->m->nurls >= RW_MSG_URLS_MAX) {
		r->m->urls_dropped++;	/* not normalised: the list is full */
		return true;
	}
	if (!rw_url_normalise(raw, len, &u))
		return true;
	return rw_message_add_url(r->m, &u);
}

/*
 * mime_text_add - decoded content (n bytes in charset cs, or NULL) as
 * UTF-8 text (HTML reduced) into the message, its URLs with it. False:
 * out of memory.
 */
static bool
mime_text_add(struct mime_read *r, const char *cs, const char *s, size_t n,
    bool html)
{
	struct mime_buf	 utf;
	char		*red = NULL, *text;
	size_t		 len;
	bool		 ok = false, cut = false;

	mime_buf_init(&utf, r->text_left);
	if (n == 0 || r->text_left == 0) {
		ok = true;
		goto done;
	}
	if (!mime_utf8(r, cs, s, n, &utf))
		goto done;
	if (utf.len == 0) {
		ok = true;
		goto done;
	}
	text = utf.p;
	len = utf.len;
	if (html) {
		if ((red = malloc(utf.len + 1)) == NULL)
			goto done;
		len = rw_html_reduce(utf.p, utf.len, red, utf.len + 1, &cut,
		    mime_url, r);
		text = red;
	}
	if (r->m->nomem)
		goto done;
	rw_url_scan_text(text, len, mime_url, r);
	if (r->m->nomem || !rw_message_add_text(r->m, text, len))
		goto done;
	r->text_left -= len < r->text_left ? len : r->text_left;
	r->text_left -= r->text_left > 0 ? 1 : 0;	/* the "\n" between */
	ok = true;
done:
	if (utf.cut || cut || (n > 0 && r->text_left == 0 && !ok))
		r->m->defects |= RW_MIME_TRUNCATED;
	if (!ok)
		r->m->nomem = true;
	free(utf.p);
	free(red);
	return ok;
}

/*
 * mime_text - a text part's content, transfer encoding undone, into the
 * message. False: out of memory.
 */
static bool
mime_text(struct mime_read *r, GMimeObject *obj, GMimeDataWrapper *w,
    bool html)
{
	struct mime_buf	 dec;
	bool		 ok;

	if (r->text_left == 0) {
		r->m->defects |= RW_MIME_TRUNCATED;
		return true;
	}
	mime_buf_init(&dec, r->text_left);
	ok = mime_decode(r, w, &dec) && mime_text_add(r,
	    g_mime_object_get_content_type_parameter(obj, "charset"),
	    dec.p, dec.len, html);
	if (dec.cut)
		r->m->defects |= RW_MIME_TRUNCATED;
	if (dec.nomem)
		r->m->nomem = true;
	free(dec.p);
	return ok;
}

/*
 * mime_name - a part's file name (RFC 2231/2047 decoded by GMime): the
 * disposition's filename, else the type's name; as clean UTF-8, or NULL
 * when out of memory. The caller frees it.
 */
static char *
mime_name(GMimeObject *obj)
{
	struct mime_buf	 b;
	const char	*name;
	bool		 invalid = false;

	if (GMIME_IS_PART(obj))
		name = g_mime_part_get_filename(GMIME_PART(obj));
	else if ((name = g_mime_object_get_content_disposition_parameter(obj,
	    "filename")) == NULL)
		name = g_mime_object_get_content_type_parameter(obj, "name");
	mime_buf_init(&b, SIZE_MAX);
	if (name != NULL && !mime_clean(name, strlen(name), &b, &invalid)) {
		free(b.p);
		return NULL;
	}
	if (b.p == NULL && (b.p = strdup("")) == NULL)
		return NULL;
	return b.p;
}

/* mime_part - record one part (a leaf or message/rfc822); false: no memory */
static bool
mime_part(struct mime_read *r, GMimeObject *obj, bool *attachment,
    char **typep)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *disp = g_mime_object_get_disposition(obj);
	char	*type, *name;
	bool	 ok;

	*typep = NULL;
	if (r->m->nparts >= RW_MIME_PARTS_MAX) {
		r->m->defects |= RW_MIME_TRUNCATED;
		r->stop = true;
		return true;
	}
	type = ct != NULL ? g_mime_content_type_get_mime_type(ct) :
	    g_strdup("text/plain");
	if ((name = mime_name(obj)) == NULL) {
		g_free(type);
		r->m->nomem = true;
		return false;
	}
	*attachment = (disp != NULL &&
	    g_ascii_strcasecmp(disp, "attachment") == 0) || *name != '\0';
	ok = rw_message_add_part(r->m, type, name, *attachment);
	free(name);
	if (ok)
		*typep = type;
	else
		g_free(type);
	return ok;
}

/* mime_walk - one object of the tree, and what it holds; false: no memory */
static bool
mime_walk(struct mime_read *r, GMimeObject *obj, int depth)
{
	GMimeDataWrapper *w;
	char	*type;
	bool	 attachment = false, ok = true, html;
	int	 i, n;

	if (obj == NULL || r->stop)
		return true;
	if (depth > RW_MIME_DEPTH_MAX) {
		r->m->defects |= RW_MIME_TOO_DEEP;
		return true;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		const char *pro;

		/*
		 * GMime leaves write_end_boundary unset when the closing
		 * boundary was not found: never closed, or never there
		 */
		if (!mp->write_end_boundary && !r->truncated &&
		    g_mime_object_get_content_type_parameter(obj,
		    "boundary") != NULL)
			r->m->defects |= RW_MIME_BAD_BOUNDARY;
		n = g_mime_multipart_get_count(mp);
		/*
		 * No part found (the boundary is missing or never appears):
		 * some clients show the body as it is, so its text is read
		 */
		if (n == 0 && (pro = g_mime_multipart_get_prologue(mp)) != NULL)
			return mime_text_add(r, NULL, pro, strlen(pro), false);
		for (i = 0; i < n && ok && !r->stop; i++)
			ok = mime_walk(r, g_mime_multipart_get_part(mp, i),
			    depth + 1);
		return ok;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner;

		if (!mime_part(r, obj, &attachment, &type))
			return false;
		g_free(type);
		inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (inner != NULL)
			ok = mime_walk(r, g_mime_message_get_mime_part(inner),
			    depth + 1);
		return ok;
	}
	if (!GMIME_IS_PART(obj))
		return true;
	if (!mime_part(r, obj, &attachment, &type))
		return false;
	if (type == NULL)		/* the part cap */
		return true;
	html = g_ascii_strcasecmp(type, "text/html") == 0;
	if ((html || g_ascii_strcasecmp(type, "text/plain") == 0 ||
	    (g_ascii_strncasecmp(type, "text/", 5) == 0 && !attachment)) &&
	    (w = g_mime_part_get_content(GMIME_PART(obj))) != NULL)
		ok = mime_text(r, obj, w, html);
	g_free(type);
	return ok;
}

/* mime_header - one header, decoded, into the message; false: no memory */
static bool
mime_header(struct mime_read *r, GMimeHeader *h, bool *invalid)
{
	struct mime_buf	 b;
	const char	*name = g_mime_header_get_name(h);
	const char	*value = g_mime_header_get_value(h);
	bool		 ok;

	if (value == NULL)
		value = "";
	while (*value == ' ' || *value == '\t')
		value++;
	mime_buf_init(&b, SIZE_MAX);
	ok = mime_clean(value, strlen(value), &b, invalid) &&
	    rw_message_add_header(r->m, name != NULL ? name : "",
	    b.p != NULL ? b.p : "");
	free(b.p);
	if (!ok)
		r->m->nomem = true;
	return ok;
}

/*
 * mime_headers - the top-level headers, decoded, in message order. GMime
 * keeps the Content-* headers with the body part, the others with the
 * message: both lists are in order, merged by their offsets.
 */
static bool
mime_headers(struct mime_read *r, GMimeMessage *msg)
{
	GMimeHeaderList	*a = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	GMimeHeaderList	*b = NULL;
	GMimeObject	*body = g_mime_message_get_mime_part(msg);
	GMimeHeader	*ha, *hb;
	bool		 invalid = false, ok = true;
	int		 i = 0, j = 0, na, nb;

	if (body != NULL)
		b = g_mime_object_get_header_list(body);
	na = a != NULL ? g_mime_header_list_get_count(a) : 0;
	nb = b != NULL ? g_mime_header_list_get_count(b) : 0;
	while (ok && (i < na || j < nb)) {
		ha = i < na ? g_mime_header_list_get_header_at(a, i) : NULL;
		hb = j < nb ? g_mime_header_list_get_header_at(b, j) : NULL;
		if (ha != NULL && (hb == NULL ||
		    g_mime_header_get_offset(ha) <= g_mime_header_get_offset(hb))) {
			ok = mime_header(r, ha, &invalid);
			i++;
		} else if (hb != NULL) {
			ok = mime_header(r, hb, &invalid);
			j++;
		} else if (i < na) {	/* holes GMime should not leave */
			i++;
		} else {
			j++;
		}
	}
	if (invalid)
		r->m->defects |= RW_MIME_BAD_CHARSET;
	return ok;
}

/* rw_mime_read - the message as the recipient's client will read it */
bool
rw_mime_read(const char *buf, size_t len, bool truncated, struct rw_message *m)
{
	struct mime_read	 r;
	GByteArray		*ba;
	GMimeStream		*st;
	GMimeParser		*p;
	GMimeParserOptions	*opt;
	GMimeMessage		*msg;

	m->bytes = len;
	if (len > G_MAXUINT) {		/* a GByteArray's length is a guint */
		len = G_MAXUINT;
		truncated = true;
	}
	if (truncated)
		m->defects |= RW_MIME_TRUNCATED;
	memset(&r, 0, sizeof(r));
	r.m = m;
	r.truncated = truncated;
	r.text_left = len < RW_MIME_TEXT_MAX / 2 ? 2 * len : RW_MIME_TEXT_MAX;
	if (len == 0)
		return true;

	/*
	 * A byte array borrowing the caller's buffer: the stream does not
	 * own it (set_owner FALSE), and GMime only reads a stream it parses;
	 * the array gives the buffer back (data NULL) before it is freed.
	 */
	ba = g_byte_array_new();
	ba->data = (guint8 *)(uintptr_t)buf;
	ba->len = (guint)len;
	st = g_mime_stream_mem_new_with_byte_array(ba);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(st), FALSE);
	opt = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(opt, mime_warn, &r);
	p = g_mime_parser_new_with_stream(st);
	g_mime_parser_set_format(p, GMIME_FORMAT_MESSAGE);
	g_mime_parser_set_persist_stream(p, TRUE);	/* contents: substreams */
	msg = g_mime_parser_construct_message(p, opt);
	if (msg != NULL && mime_headers(&r, msg))
		(void)mime_walk(&r, g_mime_message_get_mime_part(msg), 0);
	/* headers decode lazily with opt: it goes after the message */
	if (msg != NULL)
		g_object_unref(msg);
	g_object_unref(p);
	g_object_unref(st);
	g_mime_parser_options_free(opt);
	ba->data = NULL;
	ba->len = 0;
	g_byte_array_unref(ba);
	return !m->nomem;
}
