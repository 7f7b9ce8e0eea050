/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	str - bounded string helpers
 * DESCRIPTION
 *	rw_strlcpy_ok() copies and reports truncation instead of hiding it:
 *	a truncated value is bad input, and the caller must treat it so.
 *	rw_sanitize() makes untrusted text safe for a log line or a reply:
 *	control characters, quotes, backslashes and non-ASCII bytes are
 *	escaped, and the result is bounded (truncation is marked "...").
 *	rw_lowercase() and rw_strieq() are ASCII-only, locale-free.
 */
#include "config.h"

#include <string.h>

#include "checks.h"

/* rw_strlcpy_ok - copy, false and empty dst on truncation */
bool
rw_strlcpy_ok(char *dst, const char *src, size_t size)
{
	size_t	len;

	if (size == 0)
		return false;
	len = strlen(src);
	if (len >= size) {
		dst[0] = '\0';
		return false;
	}
	memcpy(dst, src, len + 1);
	return true;
}

/* rw_sanitize - escape unsafe bytes, bounded, marks truncation */
void
rw_sanitize(char *dst, size_t size, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t	o = 0;
	unsigned char c;

	if (size == 0)
		return;
	for (; *src != '\0'; src++) {
		c = (unsigned char)*src;
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			if (o + 1 >= size)
				goto truncated;
			dst[o++] = (char)c;
		} else {
			if (o + 4 >= size)
				goto truncated;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 0xf];
		}
	}
	dst[o] = '\0';
	return;
truncated:
	if (size > 4) {
		if (o > size - 4)
			o = size - 4;
		memcpy(dst + o, "...", 4);
	} else {
		dst[0] = '\0';
	}
}

/* rw_lowercase - ASCII lowercase in place */
void
rw_lowercase(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)rw_tolower((unsigned char)*s);
}

/* rw_strieq - ASCII case-insensitive equality */
bool
rw_strieq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (rw_tolower((unsigned char)*a) != rw_tolower((unsigned char)*b))
			return false;
	return *a == *b;
}

/* rw_action_name - the log word of an action */
const char *
rw_action_name(enum rw_action a)
{
	switch (a) {
	case RW_ACT_CONTINUE:
		return "continue";
	case RW_ACT_ACCEPT:
		return "accept";
	case RW_ACT_TAG:
		return "tag";
	case RW_ACT_TEMPFAIL:
		return "tempfail";
	case RW_ACT_REJECT:
		return "reject";
	case RW_ACT_QUARANTINE:
		return "quarantine";
	case RW_ACT_DISCARD:
		return "discard";
	}
	return "unknown";
}

/* rw_stage_name - the log word of a stage */
const char *
rw_stage_name(enum rw_stage s)
{
	switch (s) {
	case RW_STAGE_CONNECT:
		return "connect";
	case RW_STAGE_HELO:
		return "helo";
	case RW_STAGE_MAIL:
		return "mail";
	case RW_STAGE_RCPT:
		return "rcpt";
	case RW_STAGE_EOH:
		return "eoh";
	case RW_STAGE_EOM:
		return "eom";
	}
	return "unknown";
}
