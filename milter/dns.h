/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	dns.h - relaywarden's DNS layer over c-ares
 * DESCRIPTION
 *	The one c-ares channel is used under one lock (c-ares 1.18 is not
 *	thread-safe across a shared channel and has no event thread of its
 *	own), and one resolver thread sleeps on its sockets. Session threads
 *	ask for (name, type) and get a lookup handle at once; a new query is
 *	sent then and there, many in flight at a time. A session waits only
 *	when it needs an answer, and never longer than its deadline; a
 *	lookup still unanswered then counts as a timeout for that session
 *	and completes in the background.
 *
 *	Answers land in a cache shared by all sessions, bounded in entries,
 *	honouring record TTLs and, for NXDOMAIN and NODATA, the negative TTL
 *	of RFC 2308 (the SOA's TTL capped by its MINIMUM). Concurrent asks
 *	for the same name share one query. This interface, a name and type
 *	in, records with TTLs or an error class out, is what the SPF layer
 *	uses too (through spfsource.c).
 *
 *	The resolver is an object, made once by the program and passed to
 *	every call; dns.h declares only what dns.c defines (the answer type
 *	is dnsmsg.h's, deadlines are deadline.h's).
 */
#ifndef RW_DNS_H
#define RW_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dnsmsg.h"

struct rw_dns_settings {
	const char	*servers;	/* c-ares CSV, NULL: resolv.conf */
	unsigned int	 timeout_ms;
	unsigned int	 tries;
	unsigned int	 cache_size;
};

struct rw_resolver;
struct rw_dns_lookup;

/* rw_dns_start_resolver - channel, cache and thread; NULL with a reason */
struct rw_resolver *rw_dns_start_resolver(const struct rw_dns_settings *,
	    char *err, size_t errlen);
/* rw_dns_stop_resolver - end the thread and free the resolver; NULL: none */
void	rw_dns_stop_resolver(struct rw_resolver *);
/* rw_dns_configure - reload: new servers and cache size (the thread
 * applies them) */
bool	rw_dns_configure(struct rw_resolver *, const struct rw_dns_settings *,
	    char *err, size_t errlen);

/*
 * The lookup functions take the resolver the lookup belongs to. A NULL
 * resolver (or a NULL lookup) is allowed: lookups are then never
 * started, read as RW_DNS_TIMEOUT, and waiting returns at once.
 */
/* rw_dns_lookup - start (or join, or find cached) a lookup; NULL: out of memory */
struct rw_dns_lookup *rw_dns_lookup(struct rw_resolver *, const char *name,
	    uint16_t type);
/* rw_dns_wait - until all are done or the deadline (CLOCK_MONOTONIC) passes */
void	rw_dns_wait(struct rw_resolver *, struct rw_dns_lookup *const *,
	    size_t n, const struct timespec *deadline);
/* rw_dns_done - answered (or failed) already, without waiting */
bool	rw_dns_done(struct rw_resolver *, const struct rw_dns_lookup *);
/* rw_dns_answer - the answer; a pending lookup reads as RW_DNS_TIMEOUT */
const struct rw_dns_rrset *rw_dns_answer(struct rw_resolver *,
	    const struct rw_dns_lookup *);
/* rw_dns_lookup_cached - rw_dns_lookup(); *cached: answered from the
 * cache or joined to a query in flight (no query of its own) */
struct rw_dns_lookup *rw_dns_lookup_cached(struct rw_resolver *,
	    const char *name, uint16_t type, bool *cached);
void	rw_dns_release(struct rw_resolver *, struct rw_dns_lookup *);
/* rw_dns_lookup_name - the name a lookup asks for (immutable); "" for NULL */
const char *rw_dns_lookup_name(const struct rw_dns_lookup *);

/* counters, for logs and the benchmark */
struct rw_dns_stats {
	unsigned long	 queries;	/* sent to servers */
	unsigned long	 cache_hits;
	unsigned long	 joined;	/* shared an in-flight query */
	unsigned long	 entries;
};
void	rw_dns_get_stats(struct rw_resolver *, struct rw_dns_stats *);

#endif /* RW_DNS_H */
