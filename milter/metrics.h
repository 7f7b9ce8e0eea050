/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	metrics.h - the daemon's counters, gauges and histograms
 * DESCRIPTION
 *	What an operator charts (issue 10): sessions, verdicts by stage,
 *	check and action, SPF results by identity, the state store's calls,
 *	rate limit answers and greylist states, DNS queries and answers,
 *	and per configured block list its lookups, cache hits, hits,
 *	timeouts, SERVFAILs, list errors and suspension. Every label set is
 *	fixed and bounded: enums, the checks' static names (at most
 *	RW_METRICS_CHECKS, then "other"), the configured lists' display
 *	names (at most RW_METRICS_LISTS over the process's life, then
 *	"other"), the content rules' names (at most RW_METRICS_RULES, then
 *	"other"). No client address, name or sender is ever a label.
 *
 *	The mail path only adds to C11 atomics (relaxed): no lock is taken
 *	to count, and rw_metrics_render() reads the same atomics without
 *	any lock a session takes. The two tables that grow (check names,
 *	list names) are appended to under a mutex of their own and
 *	published by an atomic count, so readers never take it. Counters
 *	live as long as the process: a reload keeps them and only adds the
 *	lists it brings (rw_metrics_lists()).
 *
 *	The HTTP side is metricshttp.c; this file has no I/O, so the query
 *	tool links it too (its counts are never shown).
 */
#ifndef RW_METRICS_H
#define RW_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "rw_policy.h"

#define RW_METRICS_CHECKS	32	/* distinct check names, then "other" */
#define RW_METRICS_LISTS	64	/* distinct list names, then "other" */

/* why a session was answered 451 4.3.2 at connect (sessions.c's gates) */
enum rw_metrics_refusal { RW_METRICS_REFUSED_BUSY = 0, RW_METRICS_REFUSED_STOPPING };

/* rw_metrics_session - a session was accepted for service */
void	rw_metrics_session(void);
/* rw_metrics_session_refused - a session was refused at connect */
void	rw_metrics_session_refused(enum rw_metrics_refusal);

/*
 * rw_metrics_verdict - one verdict given to the MTA: its stage, check
 * (NULL: none, a plain "continue"), action and dryrun flag, and how long
 * the stage waited for it (from the callback's start, seconds).
 */
void	rw_metrics_verdict(enum rw_stage, const char *check, enum rw_action,
	    bool dryrun, double waited);

/* rw_metrics_spf - an SPF evaluation; helo true: the HELO identity */
void	rw_metrics_spf(bool helo, enum rw_spf_result);

/* resolver (dns.c): a query sent; a lookup answered from the cache or
 * joined to one in flight; an answer of a query sent, with its latency */
void	rw_metrics_dns_query(void);
void	rw_metrics_dns_cache_hit(void);
void	rw_metrics_dns_joined(void);
void	rw_metrics_dns_answer(enum rw_dns_status, double seconds);

/*
 * rw_metrics_lists - make every list of cfg known by its display name
 * (and zone, for the prober's suspensions), so that it is shown from
 * now on even at zero. Called by the one thread that installs
 * configurations (start-up, SIGHUP); lists a reload removes stay, with
 * their counts, until the process ends.
 */
void	rw_metrics_lists(const struct rw_config *cfg);
/* rw_metrics_list_lookup - a session asked list NAME; cached: the
 * answer came from the cache (or a query in flight) */
void	rw_metrics_list_lookup(const char *name, bool cached);
/* rw_metrics_list_answer - what list NAME answered a session: its status
 * (timeouts and SERVFAILs are counted), whether it was a hit (a listing
 * its filter counts) and whether it was a list error (127.255.255.x) */
void	rw_metrics_list_answer(const char *name, enum rw_dns_status,
	    bool hit, bool list_error);
/* rw_metrics_list_suspended - the prober's verdict on ZONE (probe.c) */
void	rw_metrics_list_suspended(const char *zone, bool suspended);

/* the state store's calls (stages.c): a rate limit, a concurrency
 * count, a greylist decision */
enum rw_metrics_state_op {
	RW_METRICS_STATE_RATE = 0,
	RW_METRICS_STATE_CONCURRENCY,
	RW_METRICS_STATE_GREYLIST
};
#define RW_METRICS_STATE_OPS	3
/* rw_metrics_state_call - one store call of op, and whether it failed */
void	rw_metrics_state_call(enum rw_metrics_state_op, bool failed);
/* rw_metrics_state_limit - a rate or concurrency limit's answer for a
 * decision: within the limit (allowed) or over it */
void	rw_metrics_state_limit(enum rw_metrics_state_op, bool allowed);
/* rw_metrics_greylist - a recipient's greylist state */
void	rw_metrics_greylist(enum rw_grey_state);

/* sessions in flight, read at each scrape (sessions.c's counter) */
typedef unsigned int rw_metrics_gauge_fn(void);
void	rw_metrics_set_inflight(rw_metrics_gauge_fn *);

/*
 * The content stage (stages.c): a message read for the content checks,
 * its bytes read and whether it was cut (scan cap or memory budget);
 * the MIME defects found (enum rw_mime_defect bits, one count per
 * kind); a content rule that matched, by its configured name (at most
 * RW_METRICS_RULES names over the process's life, then "other").
 */
#define RW_METRICS_RULES	64
void	rw_metrics_content_message(size_t bytes, bool truncated);
void	rw_metrics_content_defects(unsigned int defects);
void	rw_metrics_rule_hit(const char *rule);
/* the bytes the content buffers hold now, read at each scrape (msgbuf.c) */
typedef size_t rw_metrics_size_fn(void);
void	rw_metrics_set_content_bytes(rw_metrics_size_fn *);

/*
 * rw_metrics_render - the Prometheus text exposition (format 0.0.4) of
 * every metric, in a new NUL-terminated buffer the caller frees; *len
 * gets its length. NULL when out of memory.
 */
char	*rw_metrics_render(size_t *len);

/* rw_metrics_seconds_since - seconds from *t0 to now (CLOCK_MONOTONIC) */
double	rw_metrics_seconds_since(const struct timespec *t0);

#endif /* RW_METRICS_H */
