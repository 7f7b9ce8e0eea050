/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	url - URLs in text, normalised as a mail client would follow them
 * DESCRIPTION
 *	SKELETON: the contract of rw_policy.h ("content: URLs") with no
 *	implementation yet; the URL work replaces this file.
 */
#include "config.h"

#include <string.h>

#include "rw_policy.h"

bool
rw_url_normalise(const char *raw, size_t len, struct rw_url *out)
{
	(void)raw;
	(void)len;
	memset(out, 0, sizeof(*out));
	return false;
}

bool
rw_url_obfuscated(const struct rw_url *u)
{
	(void)u;
	return false;
}

void
rw_url_trick_text(unsigned int tricks, char *buf, size_t len)
{
	(void)tricks;
	if (len > 0)
		buf[0] = '\0';
}

void
rw_url_scan_text(const char *text, size_t len, rw_url_sink *sink, void *ctx)
{
	(void)text;
	(void)len;
	(void)sink;
	(void)ctx;
}
