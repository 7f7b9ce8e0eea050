/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	authres - the Authentication-Results header value (RFC 8601)
 * DESCRIPTION
 *	rw_auth_results() writes "authserv-id; method=result ..." for what
 *	this session checked. iprev (RFC 8601 2.7.3): pass, fail (names,
 *	none resolving back), permerror (no PTR), temperror. Nothing is
 *	written (false) when no method was checked. rw_session_tags()
 *	lists what a "tag" action noted, for the X-Relaywarden-Tag header.
 */
#include "config.h"

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

/* rw_auth_results - header value; false when there is nothing to say */
bool
rw_auth_results(const struct rw_config *cfg, const struct rw_facts *f,
    const char *authserv_id, char *buf, size_t len)
{
	const char *iprev = iprev_result(f->rdns);
	char	id[RW_HOSTNAME_MAX + 1], name[RW_HOSTNAME_MAX + 1];
	int	n;

	(void)cfg;
	if (iprev == NULL || !f->client_known || len == 0)
		return false;
	rw_txt_sanitize(id, sizeof(id), authserv_id, strlen(authserv_id));
	if (id[0] == '\0' || strchr(id, ' ') != NULL || strchr(id, ';') != NULL)
		rw_strlcpy_ok(id, "localhost", sizeof(id));
	if (f->ptr_name[0] != '\0') {
		rw_txt_sanitize(name, sizeof(name), f->ptr_name, strlen(f->ptr_name));
		n = snprintf(buf, len, "%s; iprev=%s policy.iprev=%s (%s)", id,
		    iprev, f->client_addr, name);
	} else {
		n = snprintf(buf, len, "%s; iprev=%s policy.iprev=%s", id, iprev,
		    f->client_addr);
	}
	return n > 0 && (size_t)n < len;
}

/* rw_session_tags - what tag actions noted; false when nothing */
bool
rw_session_tags(const struct rw_session *s, char *buf, size_t len)
{
	const struct rw_config *cfg = s->cfg;
	char	names[256];
	int	score;
	size_t	o = 0;
	int	n;

	if (len == 0 || s->f.insider || s->f.client_ok)
		return false;
	buf[0] = '\0';
	if (cfg->rdns_check == RW_RDNS_TAG && (s->f.rdns == RW_RDNS_NONE ||
	    (s->f.rdns == RW_RDNS_MISMATCH && cfg->rdns_require_forward))) {
		n = snprintf(buf, len, "rdns=%s", rw_rdns_result_name(s->f.rdns));
		if (n > 0 && (size_t)n < len)
			o = (size_t)n;
	}
	if (cfg->dnsbl_action == RW_DNSACT_TAG && cfg->ndnsbl > 0) {
		score = rw_dnsbl_score(cfg, &s->f, names, sizeof(names));
		if (score >= cfg->dnsbl_threshold && o < len) {
			n = snprintf(buf + o, len - o, "%sdnsbl=%d (%s)",
			    o ? "; " : "", score, names);
			if (n > 0 && (size_t)n < len - o)
				o += (size_t)n;
		}
	}
	return o > 0;
}
