/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	fuzz_mime - libFuzzer target: the MIME reader and the URL path
 * DESCRIPTION
 *	The input is a message as the MTA would send it. rw_mime_read()
 *	reads it (said to be cut at the scan cap when its length is odd,
 *	so both ways are taken), which runs GMime's parser, the transfer
 *	decoders and charset conversion, rw_html_reduce(),
 *	rw_url_scan_text() and rw_url_normalise() over what it finds.
 *	Then what must hold: the bytes counted, every text valid UTF-8
 *	with no NUL or CR LF inside, the text within twice the input, the
 *	caps on parts and URLs, every URL with a host, and no leak (the
 *	message released, every GObject unreferenced).
 */
#include "config.h"

#include <assert.h>
#include <string.h>

#include <glib.h>

#include "mime.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	rw_mime_init();
	return 0;
}

/* utf8 - s is valid UTF-8 with no NUL inside its n bytes */
static void
utf8(const char *s, size_t n)
{
	assert(s != NULL);
	assert(g_utf8_validate_len(s, n, NULL));
	assert(strlen(s) == n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rw_message m;
	char	*buf;
	size_t	 i;

	/* a buffer of its own, exactly sized: ASan sees any overread */
	if ((buf = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	memcpy(buf, data, size);
	rw_message_init(&m);
	if (!rw_mime_read(buf, size, size % 2 == 1, &m))
		assert(m.nomem);
	assert(m.bytes == size);
	if (size % 2 == 1)
		assert(m.defects & RW_MIME_TRUNCATED);
	for (i = 0; i < m.nheaders; i++) {
		assert(m.headers[i].name != NULL);
		utf8(m.headers[i].value, strlen(m.headers[i].value));
	}
	if (m.text != NULL) {
		utf8(m.text, m.textlen);
		assert(strstr(m.text, "\r\n") == NULL);
	}
	assert(m.textlen <= 2 * size);
	assert(m.nparts <= 1000);
	for (i = 0; i < m.nparts; i++) {
		assert(m.parts[i].type != NULL);
		utf8(m.parts[i].filename, strlen(m.parts[i].filename));
	}
	assert(m.nurls <= RW_MSG_URLS_MAX);
	for (i = 0; i < m.nurls; i++)
		assert(m.urls[i].text[0] != '\0' && m.urls[i].host != NULL);
	rw_message_release(&m);
	free(buf);
	return 0;
}
