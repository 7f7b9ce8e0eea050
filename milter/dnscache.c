/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	dnscache - bounded, TTL-honouring DNS cache with negative caching
 * DESCRIPTION
 *	A hash table with an LRU list, bounded in entries. The table holds
 *	one reference to each entry it contains; eviction and expiry only
 *	unlink, so a session still holding an entry keeps reading it.
 *	Answers are kept for their TTL (capped at a day); NXDOMAIN and
 *	NODATA for the negative TTL of RFC 2308 (capped at an hour);
 *	SERVFAIL for 5 seconds (RFC 2308 7.1 allows up to five minutes);
 *	timeouts not at all. A pending entry is shared by every session that
 *	asks for the same name meanwhile: one query, many readers.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dnscache.h"

#define NBUCKETS	4096
#define MAX_TTL		86400
#define MAX_NEG_TTL	3600
#define SERVFAIL_TTL	5

struct rw_dns_cache {
	struct rw_dns_lookup	*table[NBUCKETS];
	size_t			 nentries;
	size_t			 max_entries;
	struct rw_dns_lookup	*lru_head, *lru_tail;
};

/* rw_dns_cache_new - an empty cache of at most max_entries (0: no caching) */
struct rw_dns_cache *
rw_dns_cache_new(size_t max_entries)
{
	struct rw_dns_cache *c = calloc(1, sizeof(*c));

	if (c != NULL)
		c->max_entries = max_entries;
	return c;
}

void
rw_dns_cache_set_max(struct rw_dns_cache *c, size_t max_entries)
{
	c->max_entries = max_entries;
}

size_t
rw_dns_cache_entries(const struct rw_dns_cache *c)
{
	return c->nentries;
}

static unsigned int
hash_key(const char *name, uint16_t type)
{
	unsigned int h = 2166136261u ^ type;

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h;
}

static bool
expired(const struct rw_dns_lookup *e, const struct timespec *now)
{
	return now->tv_sec > e->expires.tv_sec ||
	    (now->tv_sec == e->expires.tv_sec && now->tv_nsec >= e->expires.tv_nsec);
}

/* rw_dns_cache_unref - drop a reference */
void
rw_dns_cache_unref(struct rw_dns_lookup *e)
{
	if (e != NULL && --e->refs == 0) {
		rw_dnsmsg_drop(&e->ans);
		free(e);
	}
}

static void
lru_unlink(struct rw_dns_cache *c, struct rw_dns_lookup *e)
{
	if (e->lru_prev != NULL)
		e->lru_prev->lru_next = e->lru_next;
	else
		c->lru_head = e->lru_next;
	if (e->lru_next != NULL)
		e->lru_next->lru_prev = e->lru_prev;
	else
		c->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = NULL;
}

static void
lru_push_front(struct rw_dns_cache *c, struct rw_dns_lookup *e)
{
	e->lru_prev = NULL;
	e->lru_next = c->lru_head;
	if (c->lru_head != NULL)
		c->lru_head->lru_prev = e;
	c->lru_head = e;
	if (c->lru_tail == NULL)
		c->lru_tail = e;
}

/* table_remove - unlink, drop the table's reference */
static void
table_remove(struct rw_dns_cache *c, struct rw_dns_lookup *e)
{
	struct rw_dns_lookup **pp;

	if (!e->in_table)
		return;
	for (pp = &c->table[e->hash % NBUCKETS]; *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == e) {
			*pp = e->hnext;
			break;
		}
	lru_unlink(c, e);
	e->in_table = false;
	c->nentries--;
	rw_dns_cache_unref(e);
}

/* normalize - lowercase, no trailing dot */
static bool
normalize(const char *name, char *out, size_t len)
{
	size_t	n = strlen(name);

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || n >= len || n > 253)
		return false;
	memcpy(out, name, n);
	out[n] = '\0';
	rw_lowercase(out);
	return true;
}

/* rw_dns_cache_get - find or create */
struct rw_dns_lookup *
rw_dns_cache_get(struct rw_dns_cache *c, const char *name, uint16_t type,
    const struct timespec *now, bool *created)
{
	struct rw_dns_lookup *e;
	char	key[RW_HOSTNAME_MAX + 1];
	size_t	keylen;
	unsigned int h;

	*created = false;
	if (!normalize(name, key, sizeof(key)))
		return NULL;
	h = hash_key(key, type);
	for (e = c->table[h % NBUCKETS]; e != NULL; e = e->hnext)
		if (e->hash == h && e->type == type && strcmp(e->name, key) == 0)
			break;
	if (e != NULL && (!e->done || !expired(e, now))) {
		e->refs++;
		lru_unlink(c, e);
		lru_push_front(c, e);
		return e;
	}
	if (e != NULL)
		table_remove(c, e);
	keylen = strlen(key);
	if ((e = calloc(1, sizeof(*e) + keylen + 1)) == NULL)
		return NULL;
	memcpy(e->name, key, keylen + 1);
	e->type = type;
	e->hash = h;
	e->refs = 2;		/* the caller, the query in flight */
	if (c->max_entries > 0) {
		while (c->nentries >= c->max_entries && c->lru_tail != NULL)
			table_remove(c, c->lru_tail);
		e->hnext = c->table[h % NBUCKETS];
		c->table[h % NBUCKETS] = e;
		lru_push_front(c, e);
		e->in_table = true;
		e->refs++;
		c->nentries++;
	}
	*created = true;
	return e;
}

/* rw_dns_cache_ttl - how long to keep an answer */
uint32_t
rw_dns_cache_ttl(const struct rw_dns_answer *a)
{
	switch (a->status) {
	case RW_DNS_OK:
		return a->ttl < MAX_TTL ? a->ttl : MAX_TTL;
	case RW_DNS_NXDOMAIN:
	case RW_DNS_NODATA:
		return a->ttl < MAX_NEG_TTL ? a->ttl : MAX_NEG_TTL;
	case RW_DNS_SERVFAIL:
		return SERVFAIL_TTL;
	default:
		return 0;
	}
}

/* rw_dns_cache_complete - the answer arrived */
void
rw_dns_cache_complete(struct rw_dns_cache *c, struct rw_dns_lookup *e,
    struct rw_dns_answer *a, uint32_t ttl, const struct timespec *now)
{
	if (!rw_dnsmsg_keep(&e->ans, a))
		ttl = 0;	/* no memory: a temporary failure, not kept */
	e->expires = *now;
	e->expires.tv_sec += ttl;
	e->done = true;
	if (ttl == 0)
		table_remove(c, e);	/* never served from the cache */
	rw_dns_cache_unref(e);		/* the query's reference */
}

/* rw_dns_cache_free - drop every table reference and the table */
void
rw_dns_cache_free(struct rw_dns_cache *c)
{
	if (c == NULL)
		return;
	while (c->lru_tail != NULL)
		table_remove(c, c->lru_tail);
	free(c);
}
