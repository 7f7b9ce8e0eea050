/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	authres - the Authentication-Results header value (RFC 8601)
 * DESCRIPTION
 *	rw_auth_results() writes "authserv-id; method=result ..." for what
 *	this session checked. iprev (RFC 8601 2.7.3): pass, fail (names,
 *	none resolving back), permerror (no PTR), temperror. Nothing is
 *	written (false) when no method was checked. It reports the facts
 *	the gatherers recorded (what was checked and what came of it); what
 *	the checks made of them is in the session's outcomes.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "checks.h"

static const char *
iprev_result(enum rw_rdns_result r)
{
	switch (r) {
	case RW_RDNS_PASS:
		return "pass";
	case RW_RDNS_MISMATCH:
		return "fail";
	case RW_RDNS_NONE:
		return "permerror";
	case RW_RDNS_TEMPERROR:
		return "temperror";
	case RW_RDNS_NOT_CHECKED:
		break;
	}
	return NULL;
}

/* pvalue - an RFC 8601 pvalue: no spaces, ';', '(' or quotes; else dropped */
static void
pvalue(char *dst, size_t size, const char *src)
{
	size_t	o = 0;

	for (; *src != '\0' && o + 1 < size; src++)
		if (*src > 0x20 && *src < 0x7f && strchr(";()\"\\", *src) == NULL)
			dst[o++] = *src;
	dst[o] = '\0';
}

struct out {
	char	*buf;
	size_t	 len, used;
	bool	 overflow;
};

static void put(struct out *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
put(struct out *o, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->used)
		o->overflow = true;
	else
		o->used += (size_t)n;
}

/* rw_auth_results - header value; false when there is nothing to say */
bool
rw_auth_results(const struct rw_config *cfg, const struct rw_facts *f,
    const char *authserv_id, char *buf, size_t len)
{
	const char *iprev = iprev_result(f->rdns);
	char	id[RW_HOSTNAME_MAX + 1], name[RW_HOSTNAME_MAX + 1];
	char	from[RW_ADDR_MAX + 1], helo[RW_HOSTNAME_MAX + 1];
	struct out o = { buf, len, 0, false };
	bool	any = false;

	(void)cfg;
	if (!f->client_known || len == 0)
		return false;
	rw_txt_sanitize(id, sizeof(id), authserv_id, strlen(authserv_id));
	if (id[0] == '\0' || strchr(id, ' ') != NULL || strchr(id, ';') != NULL)
		rw_strlcpy_ok(id, "localhost", sizeof(id));
	put(&o, "%s", id);
	if (f->spf_mail.result != RW_SPF_NOT_CHECKED) {
		if (f->sender[0] != '\0')
			pvalue(from, sizeof(from), f->sender);
		else	/* the null sender was checked as postmaster@HELO */
			pvalue(from, sizeof(from), f->spf_mail.domain[0] != '\0' ?
			    f->spf_mail.domain : "");
		if (f->sender[0] == '\0' && from[0] != '\0' &&
		    strlen(from) + 12 < sizeof(from)) {
			memmove(from + 11, from, strlen(from) + 1);
			memcpy(from, "postmaster@", 11);
		}
		put(&o, "; spf=%s smtp.mailfrom=%s",
		    rw_spf_result_name(f->spf_mail.result), from);
		any = true;
	}
	if (f->spf_helo.result != RW_SPF_NOT_CHECKED) {
		pvalue(helo, sizeof(helo), f->helo);
		put(&o, "; spf=%s smtp.helo=%s",
		    rw_spf_result_name(f->spf_helo.result), helo);
		any = true;
	}
	if (iprev != NULL) {
		put(&o, "; iprev=%s policy.iprev=%s", iprev, f->client_addr);
		if (f->ptr_name[0] != '\0') {
			pvalue(name, sizeof(name), f->ptr_name);
			put(&o, " (%s)", name);
		}
		any = true;
	}
	return any && !o.overflow;
}
