/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	fuzz_url - libFuzzer target: URL extraction and normalisation
 * DESCRIPTION
 *	The input (its exact bytes, so ASan sees any overread) goes through
 *	rw_url_normalise() directly, through rw_url_scan_text() as plain
 *	text, and through rw_html_reduce() into text buffers of several
 *	sizes, whose text is scanned again. Every URL found is normalised;
 *	a normal form must be bounded, lowercase in its host, start with
 *	its scheme, and be its own normal form with no tricks left.
 *	The MIME path (GMime) has its own target, fuzz_mime.
 */
#include "config.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "rw_policy.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* one URL: its normal form holds what the contract says */
static bool
judge(void *ctx, const char *raw, size_t len)
{
	struct rw_url u, again;
	size_t	*n = ctx, i;
	char	tricks[128];

	assert(len > 0);
	if (n != NULL)
		(*n)++;
	if (!rw_url_normalise(raw, len, &u)) {
		assert(u.text[0] == '\0' && u.host[0] == '\0');
		assert(!rw_url_obfuscated(&u));
		return true;
	}
	assert(strlen(u.text) < sizeof(u.text));
	assert(strlen(u.host) < sizeof(u.host) && u.host[0] != '\0');
	assert(strncmp(u.text, "http://", 7) == 0 ||
	    strncmp(u.text, "https://", 8) == 0 ||
	    strncmp(u.text, "ftp://", 6) == 0);
	for (i = 0; u.host[i] != '\0'; i++)
		assert(!(u.host[i] >= 'A' && u.host[i] <= 'Z') &&
		    (unsigned char)u.host[i] < 0x80);
	for (i = 0; u.text[i] != '\0'; i++)
		assert((unsigned char)u.text[i] > ' ' &&
		    (unsigned char)u.text[i] < 0x7f);
	assert(!(u.tricks & RW_URLT_BAD_HOST));
	rw_url_trick_text(u.tricks, tricks, sizeof(tricks));
	if (!u.truncated) {
		assert(rw_url_normalise(u.text, strlen(u.text), &again));
		assert(strcmp(again.text, u.text) == 0);
		assert(strcmp(again.host, u.host) == 0);
		assert(again.tricks == 0);
	}
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t sizes[] = { 1, 7, 256, 65536 };
	static char out[65536 + 1];
	const char *s = (const char *)data;
	size_t	i, n, found = 0;
	bool	trunc;

	if (size > 0)
		(void)judge(NULL, s, size);
	rw_url_scan_text(s, size, judge, &found);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		out[sizes[i]] = 'X';
		n = rw_html_reduce(s, size, out, sizes[i], &trunc, judge, NULL);
		assert(n < sizes[i] && out[n] == '\0' && strlen(out) == n);
		assert(out[sizes[i]] == 'X');
		rw_url_scan_text(out, n, judge, NULL);
	}
	return 0;
}
