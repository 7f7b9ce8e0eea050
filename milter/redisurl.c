/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	redisurl - the syntax of a Redis state_store URL
 * DESCRIPTION
 *	See redisurl.h. Bounded throughout: every part is copied with its
 *	length checked against its field, and an overlong part is an error,
 *	never cut. Numbers are decimal digits only (no sign, no spaces), at
 *	most 10 of them, within their range.
 */
#include "config.h"

#include "redisurl.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

/* parse_uint - all of s[0..len) is a decimal number in [0, max] */
static bool
parse_uint(const char *s, size_t len, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 10)
		return false;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* printable - no control characters, no spaces (it goes into messages) */
static bool
printable(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] > '~')
			return false;
	return true;
}

/* parse_tcp - "[USER@]HOST[:PORT][/DB]" after "redis://" */
static bool
parse_tcp(struct rw_redis_url *u, const char *p, char *err, size_t errlen)
{
	const char *at, *slash, *hs, *he, *ps = NULL, *end;
	unsigned char buf[sizeof(struct in6_addr)];
	unsigned long v;
	size_t alen;

	slash = strchr(p, '/');
	alen = slash != NULL ? (size_t)(slash - p) : strlen(p);
	at = memchr(p, '@', alen);
	if (at != NULL) {
		if (memchr(p, ':', (size_t)(at - p)) != NULL) {
			snprintf(err, errlen, "redis URL: a password does not "
			    "belong in the URL (the configuration is readable); "
			    "put it in the file named by state_password_file");
			return false;
		}
		if (at == p || (size_t)(at - p) > RW_REDISURL_USER_MAX ||
		    !printable(p, (size_t)(at - p))) {
			snprintf(err, errlen, "redis URL: bad user name "
			    "before '@'");
			return false;
		}
		memcpy(u->user, p, (size_t)(at - p));
		u->user[at - p] = '\0';
		alen -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	end = p + alen;
	if (alen > 0 && *p == '[') {
		hs = p + 1;
		he = memchr(hs, ']', alen - 1);
		if (he == NULL) {
			snprintf(err, errlen, "redis URL: '[' without ']'");
			return false;
		}
		u->bracketed = true;
		if (he + 1 < end) {
			if (he[1] != ':') {
				snprintf(err, errlen, "redis URL: junk after "
				    "']'");
				return false;
			}
			ps = he + 2;
		}
	} else {
		hs = p;
		he = memchr(p, ':', alen);
		if (he != NULL && memchr(he + 1, ':', (size_t)(end - he - 1)) !=
		    NULL) {
			snprintf(err, errlen, "redis URL: an IPv6 address goes "
			    "in brackets: redis://[ADDRESS]:PORT/DB");
			return false;
		}
		if (he != NULL)
			ps = he + 1;
		else
			he = end;
	}
	if (he == hs || (size_t)(he - hs) > RW_REDISURL_HOST_MAX ||
	    !printable(hs, (size_t)(he - hs))) {
		snprintf(err, errlen, "redis URL: %s host", he == hs ? "no" :
		    "bad or overlong");
		return false;
	}
	memcpy(u->host, hs, (size_t)(he - hs));
	u->host[he - hs] = '\0';
	if (u->bracketed && inet_pton(AF_INET6, u->host, buf) != 1) {
		snprintf(err, errlen, "redis URL: [%s] is not an IPv6 address",
		    u->host);
		return false;
	}
	u->port = RW_REDISURL_PORT;
	if (ps != NULL) {
		if (!parse_uint(ps, (size_t)(end - ps), 65535, &v) || v == 0) {
			snprintf(err, errlen, "redis URL: bad port \"%.*s\"",
			    (int)(end - ps) > 16 ? 16 : (int)(end - ps), ps);
			return false;
		}
		u->port = (int)v;
	}
	if (slash != NULL && slash[1] != '\0') {
		if (!parse_uint(slash + 1, strlen(slash + 1),
		    RW_REDISURL_DB_MAX, &v)) {
			snprintf(err, errlen, "redis URL: the database after "
			    "'/' must be a number from 0 to %d",
			    RW_REDISURL_DB_MAX);
			return false;
		}
		u->db = (unsigned int)v;
	}
	return true;
}

/* parse_unix - "/PATH[?db=N]" after "redis+unix:" (or "///PATH") */
static bool
parse_unix(struct rw_redis_url *u, const char *p, char *err, size_t errlen)
{
	const char *q;
	unsigned long v;
	size_t len;

	if (strncmp(p, "//", 2) == 0)
		p += 2;
	if (*p != '/') {
		snprintf(err, errlen, "redis URL: redis+unix: needs an absolute "
		    "path (redis+unix:/run/redis/redis.sock)");
		return false;
	}
	q = strchr(p, '?');
	len = q != NULL ? (size_t)(q - p) : strlen(p);
	if (len >= sizeof(u->path)) {
		snprintf(err, errlen, "redis URL: socket path longer than %zu "
		    "bytes", sizeof(u->path) - 1);
		return false;
	}
	memcpy(u->path, p, len);
	u->path[len] = '\0';
	if (q != NULL) {
		if (strncmp(q, "?db=", 4) != 0 || !parse_uint(q + 4,
		    strlen(q + 4), RW_REDISURL_DB_MAX, &v)) {
			snprintf(err, errlen, "redis URL: after the path only "
			    "\"?db=N\" (N from 0 to %d)", RW_REDISURL_DB_MAX);
			return false;
		}
		u->db = (unsigned int)v;
	}
	u->unix_socket = true;
	return true;
}

/* rw_redisurl_parse - a redis:// or redis+unix: URL taken apart */
bool
rw_redisurl_parse(const char *url, struct rw_redis_url *u, char *err,
    size_t errlen)
{
	memset(u, 0, sizeof(*u));
	if (strncmp(url, "redis://", 8) == 0)
		return parse_tcp(u, url + 8, err, errlen);
	if (strncmp(url, "redis+unix:", 11) == 0)
		return parse_unix(u, url + 11, err, errlen);
	snprintf(err, errlen, "redis URL must start with redis:// or "
	    "redis+unix:");
	return false;
}
