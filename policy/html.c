/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	html - an HTML part reduced to its visible text and its links
 * DESCRIPTION
 *	SKELETON: the contract of rw_policy.h (rw_html_reduce) with no
 *	implementation yet; the URL work replaces this file.
 */
#include "config.h"

#include "rw_policy.h"

size_t
rw_html_reduce(const char *html, size_t len, char *out, size_t outlen,
    bool *truncated, rw_url_sink *sink, void *ctx)
{
	(void)html;
	(void)len;
	(void)sink;
	(void)ctx;
	*truncated = false;
	if (outlen > 0)
		out[0] = '\0';
	return 0;
}
