/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	dnscache.h - the DNS answer cache, a plain data structure
 * DESCRIPTION
 *	Entries double as lookup handles (struct rw_dns_lookup). The cache
 *	does no locking and reads no clock: dns.c holds its lock around
 *	every call and passes the time in, which is also how the unit tests
 *	drive expiry.
 *
 *	An entry is sized by what it holds, since a busy server keeps one per
 *	client it has seen within the TTLs (up to dns_cache_size of them):
 *	the name is allocated with the entry at its length (a flexible array
 *	member, last), the records at their count (struct rw_dns_rrset).
 */
#ifndef RW_DNSCACHE_H
#define RW_DNSCACHE_H

#include <time.h>

#include "dnsmsg.h"

struct rw_dns_lookup {
	uint16_t		 type;
	bool			 done;
	bool			 in_table;
	unsigned int		 refs;
	struct timespec		 expires;
	struct rw_dns_rrset	 ans;		/* set once done, then immutable */
	unsigned int		 hash;
	struct rw_dns_lookup	*hnext;
	struct rw_dns_lookup	*lru_prev, *lru_next;
	void			*qowner;	/* dns.c: the resolver asking */
	struct timespec		 sent;		/* dns.c: query sent (metrics) */
	char			 name[];	/* lowercased, no trailing dot */
};

struct rw_dns_cache;

struct rw_dns_cache *rw_dns_cache_new(size_t max_entries);
void	rw_dns_cache_free(struct rw_dns_cache *);
void	rw_dns_cache_set_max(struct rw_dns_cache *, size_t max_entries);
size_t	rw_dns_cache_entries(const struct rw_dns_cache *);

/*
 * rw_dns_cache_get - a pending or unexpired entry for (name, type), with a
 * reference for the caller, or a new pending entry (*created set) with
 * references for the caller and for the query to be sent. NULL: no memory
 * or an unusable name. Expired entries are dropped on the way.
 */
struct rw_dns_lookup *rw_dns_cache_get(struct rw_dns_cache *, const char *name,
	    uint16_t type, const struct timespec *now, bool *created);
/*
 * rw_dns_cache_complete - store the answer (takes its records, leaving it
 * empty), expire it after ttl seconds from now (0: never served again),
 * drop the query's reference. With no memory for the records the entry
 * reads as SERVFAIL and is not served again.
 */
void	rw_dns_cache_complete(struct rw_dns_cache *, struct rw_dns_lookup *,
	    struct rw_dns_answer *, uint32_t ttl, const struct timespec *now);
/* rw_dns_cache_unref - drop one reference; frees with the last */
void	rw_dns_cache_unref(struct rw_dns_lookup *);
/* rw_dns_cache_ttl - how long an answer of this kind may be kept */
uint32_t rw_dns_cache_ttl(const struct rw_dns_answer *);

#endif /* RW_DNSCACHE_H */
