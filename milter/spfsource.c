/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	spfsource - the daemon's answer source for SPF: the c-ares resolver
 * DESCRIPTION
 *	rw_spfsource_resolver() answers the SPF layer's lookups with
 *	rw_dns_lookup() on the resolver it is given: the shared cache,
 *	joined queries, and no wait beyond the evaluation's deadline. It is
 *	the only part of SPF that needs the resolver, kept apart so that
 *	spf.c and spfdns.c link without it (the conformance runner and the
 *	unit tests plug in zone data instead).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "spfsource.h"
#include "dns.h"

/* resolver_lookup - the daemon's source: our cache, our deadline */
static void
resolver_lookup(void *ctx, const char *name, uint16_t type,
    const struct timespec *deadline, struct rw_dns_answer *out)
{
	struct rw_resolver *r = ctx;
	struct rw_dns_lookup *l = rw_dns_lookup(r, name, type);
	const struct rw_dns_rrset *a;
	size_t	i;

	memset(out, 0, sizeof(*out));
	if (l == NULL) {
		out->status = RW_DNS_SERVFAIL;
		return;
	}
	rw_dns_wait(r, &l, 1, deadline);
	a = rw_dns_answer(r, l);
	out->status = a->status;
	out->ttl = a->ttl;
	for (i = 0; i < a->n && i < RW_DNS_RR_MAX; i++) {
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
	rw_dns_release(r, l);
}

/* rw_spfsource_resolver - the daemon's source over this resolver */
struct rw_spf_source
rw_spfsource_resolver(struct rw_resolver *r)
{
	struct rw_spf_source src = { .lookup = resolver_lookup, .ctx = r };

	return src;
}
