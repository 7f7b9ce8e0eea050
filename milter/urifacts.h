/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	urifacts.h - the URI list lookups of a message, turned into facts
 */
#ifndef RW_URIFACTS_H
#define RW_URIFACTS_H

#include <stdbool.h>

#include "dns.h"
#include "rw_policy.h"

struct rw_probes;

/*
 * struct rw_psl_lazy - the Public Suffix List, the newer of libpsl's
 * built-in copy and the system's file (package publicsuffix), made the
 * first time a URI list needs it and then shared read-only by every
 * session. Loading it touches about 60 KB of memory, which a daemon
 * without URI lists does without (issue 11). A NULL one, or a failed
 * load, reads as the built-in copy (the policy core's default).
 */
struct rw_psl_lazy;

/* rw_urifacts_psl_new - nothing loaded yet; NULL: out of memory */
struct rw_psl_lazy *rw_urifacts_psl_new(void);
/* rw_urifacts_psl_free - at exit; NULL: nothing */
void	rw_urifacts_psl_free(struct rw_psl_lazy *);

/*
 * rw_urifacts_gather - at end of message: look up every subject of
 * f->msg in every URI list, all at once, through the resolver (its
 * cache), waiting at most deadline_ms; fill f->uri. Nothing is asked
 * without URI lists, a message, or for insiders and client_access OK
 * clients. An answer still missing at the deadline is a timeout.
 * @param psl	the list, made on first use (NULL: the built-in one)
 * @param probes suspended lists are not asked (NULL: none suspended)
 * @return	false when out of memory (the stage must tempfail)
 */
bool	rw_urifacts_gather(struct rw_resolver *, struct rw_probes *,
	    struct rw_psl_lazy *psl, const struct rw_config *,
	    unsigned int deadline_ms, struct rw_facts *, const char *qid);

#endif /* RW_URIFACTS_H */
