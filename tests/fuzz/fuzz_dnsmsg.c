/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	fuzz_dnsmsg - libFuzzer target: the DNS message parser and the cache
 * DESCRIPTION
 *	The first input byte picks the query type (A, AAAA, PTR, TXT, MX,
 *	CNAME, SOA, or a type taken from the next byte), the rest is a DNS
 *	response as a resolver would hand it over. rw_dnsmsg_parse() reads
 *	it; a parsed answer is stored in a small shared cache (8 entries,
 *	so that entries are evicted and expire as the clock moves) under
 *	one of 16 names, served back, and every record is read. Names must
 *	be terminated and as long as their length says; addresses are only
 *	in A/AAAA records.
 */
#include "config.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dnscache.h"
#include "dnsmsg.h"
#include "fuzz.h"

static struct rw_dns_cache *cache;
static unsigned int round_;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((cache = rw_dns_cache_new(8)) == NULL)
		abort();
	return 0;
}

/* touch - read every byte of n records (a parsed answer's, or the set
 * the cache keeps), check what must hold */
static size_t
touch(const struct rw_dns_rr *rrs, size_t n)
{
	size_t	i, j, sum = 0;

	assert(n <= RW_DNS_RR_MAX);
	assert(n == 0 || rrs != NULL);
	for (i = 0; i < n; i++) {
		const struct rw_dns_rr *rr = &rrs[i];

		if (rr->text == NULL)
			continue;
		for (j = 0; j < rr->textlen; j++)
			sum += (unsigned char)rr->text[j];
		assert(rr->text[rr->textlen] == '\0');
		if (rr->type != RW_T_TXT)	/* names: escaped, no NUL */
			assert(strlen(rr->text) == rr->textlen);
	}
	return sum;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = { RW_T_A, RW_T_AAAA, RW_T_PTR,
	    RW_T_TXT, RW_T_MX, RW_T_CNAME, RW_T_SOA };
	struct rw_dns_answer a;
	struct rw_dns_lookup *l;
	struct timespec now;
	unsigned char *msg;
	uint16_t qtype;
	char	 name[32];
	bool	 created;

	if (size < 1)
		return 0;
	if (data[0] < 7 * 32) {
		qtype = types[data[0] % 7];
		data++, size--;
	} else {
		if (size < 2)
			return 0;
		qtype = data[1];
		data += 2, size -= 2;
	}
	/* an exact-size copy: ASan sees a read past the message */
	if ((msg = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	memcpy(msg, data, size);
	memset(&a, 0, sizeof(a));
	if (!rw_dnsmsg_parse(msg, size, qtype, &a)) {
		rw_dnsmsg_clear(&a);
		free(msg);
		return 0;
	}
	free(msg);
	(void)touch(a.rr, a.n);
	(void)rw_dns_cache_ttl(&a);

	round_++;
	now.tv_sec = 1000000 + round_ * 7;
	now.tv_nsec = 0;
	snprintf(name, sizeof(name), "q%u.example.test", round_ % 16);
	l = rw_dns_cache_get(cache, name, qtype, &now, &created);
	if (l == NULL) {
		rw_dnsmsg_clear(&a);
		return 0;
	}
	if (created)
		rw_dns_cache_complete(cache, l, &a, rw_dns_cache_ttl(&a), &now);
	else
		rw_dnsmsg_clear(&a);
	if (l->done)
		(void)touch(l->ans.rr, l->ans.n);
	rw_dns_cache_unref(l);
	return 0;
}
