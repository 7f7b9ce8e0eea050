/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	access - client and sender access lists
 * DESCRIPTION
 *	rw_access_client_lookup() finds the client_access rule with the
 *	longest prefix containing the client, so a narrow exception inside
 *	a wide block works whatever the order of the lines.
 *	rw_check_client_access() gives a REJECT or TEMPFAIL rule's verdict;
 *	the session calls it at MAIL so that both sendmail and Postfix pass
 *	the reply text on (a connect-stage refusal loses it on some MTAs).
 *	rw_check_sender_access() looks the envelope sender up, most specific
 *	key first: the whole address, then "@domain", then the longest
 *	"domain" suffix (which covers subdomains), or "<>" for the null
 *	sender. Clients with client_access OK skip it.
 *	Replies: REJECT 550 5.7.1, TEMPFAIL 450 4.7.1 (RFC 3463).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "checks.h"

/* rw_access_client_lookup - longest-prefix client_access rule */
const struct rw_client_rule *
rw_access_client_lookup(const struct rw_config *cfg, const struct rw_ip *ip)
{
	const struct rw_client_rule *best = NULL;
	size_t	i;

	for (i = 0; i < cfg->nclient_access; i++) {
		const struct rw_client_rule *r = &cfg->client_access[i];

		if (rw_cidr_match(&r->cidr, ip) &&
		    (best == NULL || r->cidr.prefix > best->cidr.prefix))
			best = r;
	}
	return best;
}

static enum rw_action
access_verdict(struct rw_verdict *v, const char *check,
    enum rw_access_action action, const char *text, const char *reason)
{
	if (action == RW_ACCESS_REJECT)
		return rw_verdict_set(v, RW_ACT_REJECT, check, "550", "5.7.1",
		    text != NULL ? text : "Access denied", reason);
	if (action == RW_ACCESS_TEMPFAIL)
		return rw_verdict_set(v, RW_ACT_TEMPFAIL, check, "450", "4.7.1",
		    text != NULL ? text : "Access temporarily denied", reason);
	return RW_ACT_CONTINUE;
}

/* rw_check_client_access - REJECT/TEMPFAIL rules for the client */
enum rw_action
rw_check_client_access(const struct rw_config *cfg, const struct rw_facts *f,
    struct rw_verdict *v)
{
	const struct rw_client_rule *r;
	char	net[RW_IPTEXT_MAX], reason[RW_REASON_MAX];

	if (!f->client_known)
		return RW_ACT_CONTINUE;
	r = rw_access_client_lookup(cfg, &f->client_ip);
	if (r == NULL || r->action == RW_ACCESS_OK)
		return RW_ACT_CONTINUE;
	rw_ip_format(&r->cidr.net, net, sizeof(net));
	snprintf(reason, sizeof(reason), "client_access %s/%u line %u", net,
	    r->cidr.prefix, r->line);
	return access_verdict(v, "client_access", r->action, r->text, reason);
}

static const struct rw_sender_rule *
sender_lookup(const struct rw_config *cfg, const struct rw_address *a)
{
	const struct rw_sender_rule *best = NULL;
	char	 full[RW_ADDR_MAX + RW_HOSTNAME_MAX + 2];
	size_t	 i, dl, kl, bestlen = 0;
	int	 rank, bestrank = 0;

	snprintf(full, sizeof(full), "%s@%s", a->local, a->domain);
	rw_lowercase(full);
	dl = strlen(a->domain);
	for (i = 0; i < cfg->nsender_access; i++) {
		const struct rw_sender_rule *r = &cfg->sender_access[i];

		rank = 0;
		kl = strlen(r->key);
		switch (r->kind) {
		case RW_SKEY_NULL:
			rank = a->cls == RW_ADDR_NULL ? 4 : 0;
			break;
		case RW_SKEY_ADDRESS:
			if (a->domain[0] != '\0' && strcmp(r->key, full) == 0)
				rank = 3;
			break;
		case RW_SKEY_ATDOMAIN:
			if (a->domain[0] != '\0' && strcmp(r->key, a->domain) == 0)
				rank = 2;
			break;
		case RW_SKEY_DOMAIN:
			if (a->domain[0] == '\0' || a->domain[0] == '[')
				break;
			if (strcmp(r->key, a->domain) == 0 ||
			    (dl > kl + 1 && a->domain[dl - kl - 1] == '.' &&
			    strcmp(a->domain + dl - kl, r->key) == 0))
				rank = 1;
			break;
		}
		if (rank > bestrank || (rank == 1 && bestrank == 1 && kl > bestlen)) {
			best = r;
			bestrank = rank;
			bestlen = kl;
		}
	}
	return best;
}

/* rw_check_sender_access - REJECT/TEMPFAIL rules for the envelope sender */
enum rw_action
rw_check_sender_access(const struct rw_config *cfg, const struct rw_facts *f,
    struct rw_verdict *v)
{
	const struct rw_sender_rule *r;
	struct rw_address a;
	char	reason[RW_REASON_MAX];

	if (f->client_ok || cfg->nsender_access == 0 || f->sender_overlong)
		return RW_ACT_CONTINUE;
	rw_address_parse(f->sender, &a);
	if (a.cls != RW_ADDR_NULL && a.domain[0] == '\0')
		return RW_ACT_CONTINUE;
	r = sender_lookup(cfg, &a);
	if (r == NULL || r->action == RW_ACCESS_OK)
		return RW_ACT_CONTINUE;
	snprintf(reason, sizeof(reason), "sender_access %s%s line %u",
	    r->kind == RW_SKEY_ATDOMAIN ? "@" : "", r->key, r->line);
	return access_verdict(v, "sender_access", r->action, r->text, reason);
}
