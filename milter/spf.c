/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	spf - evaluate SPF with libspf2 on our DNS layer
 * DESCRIPTION
 *	One SPF_server_t is made at start-up and shared (STYLE: never one
 *	per message); each check makes an SPF_request_t. The result libspf2
 *	gives is then corrected with what the DNS layer saw (spfdns.c):
 *	an unset result (SPF_RESULT_INVALID) becomes temperror when a lookup
 *	failed temporarily, permerror otherwise; a void-lookup overflow or a
 *	refused record is permerror; a temporary failure outranks a result
 *	computed from partial data only where libspf2 had no result.
 *	IPv4-mapped IPv6 clients are checked as IPv4 (RFC 7208 5.6 ip4
 *	matching, and what the MTA meant).
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "spfdns.h"

struct rw_spf_state {
	SPF_server_t		*server;
	SPF_dns_server_t	*dns;
};


/* resolver_lookup - the daemon's source: our cache, our deadline */
static void
resolver_lookup(void *ctx, const char *name, uint16_t type,
    const struct timespec *deadline, struct rw_dns_answer *out)
{
	struct rw_dns_lookup *l = rw_dns_lookup(name, type);
	const struct rw_dns_answer *a;
	size_t	i;

	(void)ctx;
	memset(out, 0, sizeof(*out));
	if (l == NULL) {
		out->status = RW_DNS_SERVFAIL;
		return;
	}
	rw_dns_wait(&l, 1, deadline);
	a = rw_dns_answer(l);
	out->status = a->status;
	out->ttl = a->ttl;
	for (i = 0; i < a->n; i++) {
		out->rr[i] = a->rr[i];
		if (a->rr[i].text != NULL &&
		    (out->rr[i].text = malloc(a->rr[i].textlen + 1)) != NULL) {
			memcpy(out->rr[i].text, a->rr[i].text, a->rr[i].textlen + 1);
		} else if (a->rr[i].text != NULL) {
			out->status = RW_DNS_SERVFAIL;	/* out of memory: try later */
			break;
		}
		out->n = i + 1;
	}
	rw_dns_release(l);
}

const struct rw_spf_source rw_spf_resolver_source = {
	.lookup = resolver_lookup,
	.ctx = NULL,
};

/* rw_spf_init - the shared server on our DNS layer, set once at start-up */
bool
rw_spf_init(const struct rw_spf_source *src, char *err, size_t errlen)
{
	struct rw_spf_state *st = calloc(1, sizeof(*st));
	SPF_response_t *resp;

	if (st == NULL || (st->dns = rw_spfdns_new(src)) == NULL) {
		free(st);
		snprintf(err, errlen, "out of memory");
		return false;
	}
	if ((st->server = SPF_server_new_dns(st->dns, 0)) == NULL) {
		snprintf(err, errlen, "libspf2: cannot create a server");
		rw_spfdns_free(st->dns);
		free(st);
		return false;
	}
	/* No default explanation: a reply carries the domain's own exp= text
	 * or our standard text, never libspf2's obsolete openspf.org link. */
	resp = NULL;
	if (SPF_server_set_explanation(st->server, "", &resp) != SPF_E_SUCCESS)
		rw_log_warn("libspf2: could not clear the default explanation");
	if (resp != NULL)
		SPF_response_free(resp);
	rw_daemon.spf = st;
	return true;
}

void
rw_spf_shutdown(void)
{
	struct rw_spf_state *st = rw_daemon.spf;

	if (st == NULL)
		return;
	SPF_server_free(st->server);
	rw_spfdns_free(st->dns);
	free(st);
	rw_daemon.spf = NULL;
}

static enum rw_spf_result
map_result(SPF_result_t r)
{
	switch (r) {
	case SPF_RESULT_PASS:
		return RW_SPF_PASS;
	case SPF_RESULT_FAIL:
		return RW_SPF_FAIL;
	case SPF_RESULT_SOFTFAIL:
		return RW_SPF_SOFTFAIL;
	case SPF_RESULT_NEUTRAL:
		return RW_SPF_NEUTRAL;
	case SPF_RESULT_NONE:
		return RW_SPF_NONE;
	case SPF_RESULT_TEMPERROR:
		return RW_SPF_TEMPERROR;
	case SPF_RESULT_PERMERROR:
		return RW_SPF_PERMERROR;
	case SPF_RESULT_INVALID:
		break;
	}
	return RW_SPF_NOT_CHECKED;
}

/* set_client - the client address; IPv4-mapped IPv6 as IPv4 */
static bool
set_client(SPF_request_t *req, const char *ip)
{
	struct rw_ip a;
	struct in_addr v4;
	struct in6_addr v6;

	if (!rw_ip_parse(ip, &a))
		return false;
	if (a.family == AF_INET) {
		memcpy(&v4, a.b, 4);
		return SPF_request_set_ipv4(req, v4) == SPF_E_SUCCESS;
	}
	memcpy(&v6, a.b, 16);
	return SPF_request_set_ipv6(req, v6) == SPF_E_SUCCESS;
}

/* sender_domain - the domain an identity checks */
static void
identity_domain(enum rw_spf_identity id, const char *helo, const char *sender,
    char *out, size_t len)
{
	const char *at;

	if (id == RW_SPF_ID_MAILFROM && sender != NULL && sender[0] != '\0' &&
	    (at = strrchr(sender, '@')) != NULL)
		snprintf(out, len, "%s", at + 1);
	else
		snprintf(out, len, "%s", helo != NULL ? helo : "");
	if (out[0] != '\0' && out[strlen(out) - 1] == '.')
		out[strlen(out) - 1] = '\0';
}

/* valid_identity - a domain SPF can be checked for (RFC 7208 4.3) */
static bool
valid_identity(const char *d)
{
	char	norm[RW_HOSTNAME_MAX + 1], err[64];
	const char *dot;

	if (!rw_domain_normalize(d, norm, sizeof(norm), err, sizeof(err)) ||
	    norm[0] == '[' || (dot = strrchr(norm, '.')) == NULL)
		return false;
	/* a numeric top-level label is an address, not a domain */
	return strspn(dot + 1, "0123456789") != strlen(dot + 1);
}

/* rw_spf_check - one identity, corrected result */
void
rw_spf_check(enum rw_spf_identity id, const char *ip, const char *helo,
    const char *sender, unsigned int deadline_ms, struct rw_spf_fact *out)
{
	struct rw_spf_eval e;
	struct rw_spf_state *st;
	SPF_request_t *req = NULL;
	SPF_response_t *resp = NULL;
	const char *s;
	enum rw_spf_result r;

	st = rw_daemon.spf;
	memset(out, 0, sizeof(*out));
	memset(&e, 0, sizeof(e));
	identity_domain(id, helo, sender, out->domain, sizeof(out->domain));
	rw_strlcpy_ok(e.top_domain, out->domain, sizeof(e.top_domain));
	if (!valid_identity(out->domain)) {
		/* RFC 7208 4.3: a malformed or single-label domain gives none,
		 * without a single lookup */
		out->result = RW_SPF_NONE;
		rw_strlcpy_ok(out->reason, "not a fully qualified domain name",
		    sizeof(out->reason));
		return;
	}
	if (st == NULL) {
		out->result = RW_SPF_TEMPERROR;
		rw_strlcpy_ok(out->reason, "SPF is not initialised", sizeof(out->reason));
		return;
	}
	if ((req = SPF_request_new(st->server)) == NULL) {
		out->result = RW_SPF_TEMPERROR;
		rw_strlcpy_ok(out->reason, "out of memory", sizeof(out->reason));
		return;
	}
	if (!set_client(req, ip)) {
		out->result = RW_SPF_PERMERROR;
		snprintf(out->reason, sizeof(out->reason), "bad client address");
		goto done;
	}
	if (helo != NULL && helo[0] != '\0')
		SPF_request_set_helo_dom(req, helo);
	if (id == RW_SPF_ID_MAILFROM && sender != NULL && sender[0] != '\0')
		SPF_request_set_env_from(req, sender);
	rw_dns_deadline(&e.deadline, deadline_ms);
	rw_spfdns_begin(&e);
	(void)SPF_request_query_mailfrom(req, &resp);
	rw_spfdns_end();
	r = resp != NULL ? map_result(SPF_response_result(resp)) : RW_SPF_NOT_CHECKED;
	if (e.permerror) {
		r = RW_SPF_PERMERROR;
		rw_strlcpy_ok(out->reason, e.why, sizeof(out->reason));
	} else if (r == RW_SPF_NOT_CHECKED) {
		/* libspf2 1.2.10 leaves the result unset on fetch/compile errors */
		r = e.temperror ? RW_SPF_TEMPERROR : RW_SPF_PERMERROR;
		snprintf(out->reason, sizeof(out->reason), "%s",
		    e.temperror ? "DNS lookup failed" : "record could not be used");
	}
	out->result = r;
	if (resp != NULL && out->reason[0] == '\0' &&
	    (s = SPF_response_get_header_comment(resp)) != NULL)
		rw_txt_sanitize(out->reason, sizeof(out->reason), s, strlen(s));
	if (resp != NULL && r == RW_SPF_FAIL &&
	    (s = SPF_response_get_explanation(resp)) != NULL)
		rw_txt_sanitize(out->explanation, sizeof(out->explanation), s,
		    strlen(s));
done:
	if (resp != NULL)
		SPF_response_free(resp);
	SPF_request_free(req);
}
