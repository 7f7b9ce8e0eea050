/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	metrics - lock-free counters for the Prometheus endpoint
 * SYNOPSIS
 *	#include "metrics.h"
 * DESCRIPTION
 *	See metrics.h. Every count is a _Atomic uint64_t bumped with a
 *	relaxed fetch-add: the counts are independent and a scrape needs no
 *	ordering among them, only no torn value. A histogram keeps one
 *	counter per bucket (not cumulative: one add per observation), its
 *	count and its sum in microseconds; rw_metrics_render() makes the
 *	buckets cumulative. The sum is rendered in seconds.
 *
 *	Check names and list names are the two growing label sets. A
 *	new name is appended under names_lock (a session sees a check name
 *	first only once per process; list names come from the thread that
 *	installs configurations) and published by a release store of the
 *	table's count; readers scan the published entries after an acquire
 *	load and never take the lock. Entries are never removed or changed
 *	once published, which is what lets a reader use them unlocked.
 *	A table that is full counts into its "other" row.
 *
 *	The text follows the exposition format 0.0.4: HELP and TYPE once per
 *	family, label values escaped (backslash, quote, newline), counters
 *	named _total, times in seconds. Rows whose labels come from enums
 *	and checks are shown once they are non-zero (a combination never
 *	seen is absent, as in any Prometheus client); configured lists
 *	are shown from the start, at zero.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

typedef _Atomic uint64_t counter;

#define NACTIONS	7		/* enum rw_action */
#define NDNS		6		/* enum rw_dns_status */

/* the latency buckets (seconds): Prometheus' client defaults */
static const double buckets[] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};
#define NBUCKETS	(sizeof(buckets) / sizeof(buckets[0]))

struct histogram {
	counter		 le[NBUCKETS + 1];	/* the last: above every bucket */
	counter		 count;
	counter		 sum_us;
};

/* a configured block list, by display name; name and zone immutable once
 * published */
struct list_row {
	char		 name[RW_HOSTNAME_MAX + 1];
	char		 zone[RW_HOSTNAME_MAX + 1];
	counter		 lookups, cached, hits, timeouts, servfails, errors;
	_Atomic int	 suspended;
};

static counter sessions, refused[2];
static counter verdicts[RW_NSTAGES][RW_METRICS_CHECKS + 1][NACTIONS][2];
static struct histogram verdict_wait[RW_NSTAGES];
static counter spf[2][RW_SPF_NRESULTS];
static counter dns_queries, dns_cache_hits, dns_joined, dns_answers[NDNS];
static struct histogram dns_latency;
#define NGREY		4		/* enum rw_grey_state */
static counter state_calls[RW_METRICS_STATE_OPS][2];	/* [op][failed] */
static counter state_limits[2][2];	/* [concurrency][exceeded] */
static counter greylist[NGREY];

static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *check_names[RW_METRICS_CHECKS];	/* static strings */
static _Atomic size_t ncheck_names;
static struct list_row lists[RW_METRICS_LISTS + 1];	/* last: "other" */
static _Atomic size_t nlists;

static _Atomic(rw_metrics_gauge_fn *) inflight_fn;

/* the content stage; a rule row's name is immutable once published */
#define NDEFECTS	6		/* enum rw_mime_defect bits */
#define RULE_NAME_MAX	128
static const char *const defect_name[NDEFECTS] = {
	"bad_boundary", "bad_encoding", "bad_charset", "too_deep",
	"bad_header", "truncated"
};
struct rule_row {
	char		 name[RULE_NAME_MAX];
	counter		 hits;
};
static counter content_messages, content_bytes, content_truncated;
static counter mime_defects[NDEFECTS];
static struct rule_row rules[RW_METRICS_RULES + 1];	/* last: "other" */
static _Atomic size_t nrules;
static _Atomic(rw_metrics_size_fn *) content_bytes_fn;

#define INC(c)		atomic_fetch_add_explicit(&(c), 1, memory_order_relaxed)
#define LOAD(c)		atomic_load_explicit(&(c), memory_order_relaxed)

/* observe - one value into a histogram */
static void
observe(struct histogram *h, double seconds)
{
	size_t	i;

	if (!(seconds >= 0))		/* NaN or a clock step: count as 0 */
		seconds = 0;
	for (i = 0; i < NBUCKETS && seconds > buckets[i]; i++)
		;
	INC(h->le[i]);
	INC(h->count);
	atomic_fetch_add_explicit(&h->sum_us, (uint64_t)(seconds * 1e6 + 0.5),
	    memory_order_relaxed);
}

/* rw_metrics_seconds_since - seconds from *t0, CLOCK_MONOTONIC */
double
rw_metrics_seconds_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	    (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

void
rw_metrics_session(void)
{
	INC(sessions);
}

void
rw_metrics_session_refused(enum rw_metrics_refusal why)
{
	INC(refused[why == RW_METRICS_REFUSED_STOPPING]);
}

/* check_index - the row of a check name; appended the first time */
static size_t
check_index(const char *name)
{
	size_t	i, n = atomic_load_explicit(&ncheck_names, memory_order_acquire);

	for (i = 0; i < n; i++)
		if (check_names[i] == name || strcmp(check_names[i], name) == 0)
			return i;
	pthread_mutex_lock(&names_lock);
	n = atomic_load_explicit(&ncheck_names, memory_order_relaxed);
	for (i = 0; i < n; i++)		/* another thread may have added it */
		if (strcmp(check_names[i], name) == 0)
			break;
	if (i == n && n < RW_METRICS_CHECKS) {
		check_names[n] = name;
		atomic_store_explicit(&ncheck_names, n + 1, memory_order_release);
	}
	pthread_mutex_unlock(&names_lock);
	return i;			/* RW_METRICS_CHECKS: "other" */
}

/* rw_metrics_verdict - count a verdict and observe its wait */
void
rw_metrics_verdict(enum rw_stage stage, const char *check,
    enum rw_action action, bool dryrun, double waited)
{
	if ((unsigned int)stage >= RW_NSTAGES || (unsigned int)action >= NACTIONS)
		return;
	INC(verdicts[stage][check_index(check != NULL ? check : "none")]
	    [action][dryrun]);
	observe(&verdict_wait[stage], waited);
}

void
rw_metrics_spf(bool helo, enum rw_spf_result r)
{
	if ((unsigned int)r < RW_SPF_NRESULTS)
		INC(spf[helo][r]);
}

void
rw_metrics_state_call(enum rw_metrics_state_op op, bool failed)
{
	if ((unsigned int)op < RW_METRICS_STATE_OPS)
		INC(state_calls[op][failed]);
}

void
rw_metrics_state_limit(enum rw_metrics_state_op op, bool allowed)
{
	if (op == RW_METRICS_STATE_RATE || op == RW_METRICS_STATE_CONCURRENCY)
		INC(state_limits[op == RW_METRICS_STATE_CONCURRENCY][!allowed]);
}

void
rw_metrics_greylist(enum rw_grey_state g)
{
	if ((unsigned int)g < NGREY)
		INC(greylist[g]);
}

void
rw_metrics_dns_query(void)
{
	INC(dns_queries);
}

void
rw_metrics_dns_cache_hit(void)
{
	INC(dns_cache_hits);
}

void
rw_metrics_dns_joined(void)
{
	INC(dns_joined);
}

void
rw_metrics_dns_answer(enum rw_dns_status st, double seconds)
{
	if ((unsigned int)st < NDNS)
		INC(dns_answers[st]);
	observe(&dns_latency, seconds);
}

/* list_find - the published row of a list name; the "other" row if none */
static struct list_row *
list_find(const char *name)
{
	size_t	i, n = atomic_load_explicit(&nlists, memory_order_acquire);

	for (i = 0; i < n; i++)
		if (strcmp(lists[i].name, name) == 0)
			return &lists[i];
	return &lists[RW_METRICS_LISTS];
}

/* rw_metrics_lists - publish the configuration's lists not yet known */
void
rw_metrics_lists(const struct rw_config *cfg)
{
	size_t	i, j, n;
	const char *name;

	pthread_mutex_lock(&names_lock);
	n = atomic_load_explicit(&nlists, memory_order_relaxed);
	for (i = 0; i < cfg->ndnsbl && i < RW_DNSBL_MAX; i++) {
		name = cfg->dnsbl[i].name;
		for (j = 0; j < n; j++)
			if (strcmp(lists[j].name, name) == 0)
				break;
		if (j < n || n == RW_METRICS_LISTS)
			continue;	/* known, or full: counted as "other" */
		/* both fit: the configuration holds them in buffers this size */
		(void)rw_strlcpy_ok(lists[n].name, name, sizeof(lists[n].name));
		(void)rw_strlcpy_ok(lists[n].zone, cfg->dnsbl[i].zone,
		    sizeof(lists[n].zone));
		n++;
		atomic_store_explicit(&nlists, n, memory_order_release);
	}
	pthread_mutex_unlock(&names_lock);
}

void
rw_metrics_list_lookup(const char *name, bool cached)
{
	struct list_row *l = list_find(name);

	INC(l->lookups);
	if (cached)
		INC(l->cached);
}

void
rw_metrics_list_answer(const char *name, enum rw_dns_status st, bool hit,
    bool list_error)
{
	struct list_row *l = list_find(name);

	if (st == RW_DNS_TIMEOUT)
		INC(l->timeouts);
	else if (st == RW_DNS_SERVFAIL)
		INC(l->servfails);
	if (hit)
		INC(l->hits);
	if (list_error)
		INC(l->errors);
}

void
rw_metrics_list_suspended(const char *zone, bool suspended)
{
	size_t	i, n = atomic_load_explicit(&nlists, memory_order_acquire);

	for (i = 0; i < n; i++)
		if (strcmp(lists[i].zone, zone) == 0)
			atomic_store_explicit(&lists[i].suspended, suspended,
			    memory_order_relaxed);
}

void
rw_metrics_set_inflight(rw_metrics_gauge_fn *fn)
{
	atomic_store(&inflight_fn, fn);
}

/* rw_metrics_content_message - a message read for the content checks */
void
rw_metrics_content_message(size_t bytes, bool truncated)
{
	INC(content_messages);
	atomic_fetch_add_explicit(&content_bytes, (uint64_t)bytes,
	    memory_order_relaxed);
	if (truncated)
		INC(content_truncated);
}

/* rw_metrics_content_defects - one count per defect kind found */
void
rw_metrics_content_defects(unsigned int defects)
{
	size_t	i;

	for (i = 0; i < NDEFECTS; i++)
		if (defects & (1u << i))
			INC(mime_defects[i]);
}

/* rule_index - the row of a rule name; appended the first time (a name
 * too long for a row counts as "other") */
static size_t
rule_index(const char *name)
{
	size_t	i, n = atomic_load_explicit(&nrules, memory_order_acquire);

	if (strlen(name) >= RULE_NAME_MAX)
		return RW_METRICS_RULES;
	for (i = 0; i < n; i++)
		if (strcmp(rules[i].name, name) == 0)
			return i;
	pthread_mutex_lock(&names_lock);
	n = atomic_load_explicit(&nrules, memory_order_relaxed);
	for (i = 0; i < n; i++)		/* another thread may have added it */
		if (strcmp(rules[i].name, name) == 0)
			break;
	if (i == n && n < RW_METRICS_RULES) {
		(void)rw_strlcpy_ok(rules[n].name, name, sizeof(rules[n].name));
		atomic_store_explicit(&nrules, n + 1, memory_order_release);
	}
	pthread_mutex_unlock(&names_lock);
	return i;			/* RW_METRICS_RULES: "other" */
}

/* rw_metrics_rule_hit - a content rule matched */
void
rw_metrics_rule_hit(const char *rule)
{
	INC(rules[rule_index(rule != NULL ? rule : "")].hits);
}

/* rw_metrics_set_content_bytes - the content buffers' gauge */
void
rw_metrics_set_content_bytes(rw_metrics_size_fn *fn)
{
	atomic_store(&content_bytes_fn, fn);
}

/* ------------------------------------------------------------ rendering */

static const char *const state_op_name[RW_METRICS_STATE_OPS] = {
	"rate", "concurrency", "greylist"
};

struct out {
	char	*p;
	size_t	 len, cap;
	bool	 nomem;
};

/* put - append printf-style; on failure the output is marked and dropped */
static void
put(struct out *o, const char *fmt, ...)
{
	va_list	ap;
	int	n;
	char	*np;
	size_t	ncap;

	for (;;) {
		if (o->nomem)
			return;
		va_start(ap, fmt);
		n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->nomem = true;
			return;
		}
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		ncap = o->cap * 2 + (size_t)n;
		if ((np = realloc(o->p, ncap)) == NULL) {
			o->nomem = true;
			return;
		}
		o->p = np;
		o->cap = ncap;
	}
}

/* escape - a label value per the exposition format */
static const char *
escape(char *buf, size_t len, const char *s)
{
	size_t	o = 0;

	for (; *s != '\0' && o + 3 < len; s++) {
		if (*s == '\\' || *s == '"') {
			buf[o++] = '\\';
			buf[o++] = *s;
		} else if (*s == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else
			buf[o++] = *s;
	}
	buf[o] = '\0';
	return buf;
}

static void
family(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* histogram_rows - the _bucket, _sum and _count rows; labels "" or "k=\"v\"" */
static void
histogram_rows(struct out *o, const char *name, const char *labels,
    struct histogram *h)
{
	uint64_t cum = 0;
	size_t	i;
	const char *sep = labels[0] != '\0' ? "," : "";

	for (i = 0; i < NBUCKETS; i++) {
		cum += LOAD(h->le[i]);
		put(o, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep,
		    buckets[i], (unsigned long long)cum);
	}
	cum += LOAD(h->le[NBUCKETS]);
	/* count read apart from the buckets: a scrape during an observation
	 * may see them differ by one, so +Inf is the buckets' own total */
	put(o, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
	    (unsigned long long)cum);
	put(o, "%s_sum%s%s%s %.6f\n", name, labels[0] ? "{" : "", labels,
	    labels[0] ? "}" : "", (double)LOAD(h->sum_us) / 1e6);
	put(o, "%s_count%s%s%s %llu\n", name, labels[0] ? "{" : "", labels,
	    labels[0] ? "}" : "", (unsigned long long)cum);
}

/* list_family - one per-list counter family, every known list shown */
static void
list_family(struct out *o, size_t n, const char *name, const char *help,
    size_t field)
{
	char	esc[2 * RW_HOSTNAME_MAX + 4];
	size_t	i;

	family(o, name, "counter", help);
	for (i = 0; i <= n; i++) {
		struct list_row *l = &lists[i == n ? RW_METRICS_LISTS : i];
		counter *c = (counter *)(void *)((char *)l + field);

		if (i == n && LOAD(l->lookups) == 0 && LOAD(*c) == 0)
			continue;	/* "other" only when used */
		put(o, "%s{list=\"%s\"} %llu\n", name, i == n ? "other" :
		    escape(esc, sizeof(esc), l->name),
		    (unsigned long long)LOAD(*c));
	}
}

/* content_rows - the content stage's families */
static void
content_rows(struct out *o)
{
	rw_metrics_size_fn *fn = atomic_load(&content_bytes_fn);
	size_t	i, n = atomic_load_explicit(&nrules, memory_order_acquire);
	char	esc[2 * RULE_NAME_MAX + 4];
	uint64_t v;

	family(o, "relaywarden_content_messages_total", "counter",
	    "Messages read for the content checks.");
	put(o, "relaywarden_content_messages_total %llu\n",
	    (unsigned long long)LOAD(content_messages));
	family(o, "relaywarden_content_bytes_total", "counter",
	    "Message bytes read for the content checks.");
	put(o, "relaywarden_content_bytes_total %llu\n",
	    (unsigned long long)LOAD(content_bytes));
	family(o, "relaywarden_content_truncated_total", "counter",
	    "Messages judged on a prefix (content_scan_max or "
	    "content_memory_max reached).");
	put(o, "relaywarden_content_truncated_total %llu\n",
	    (unsigned long long)LOAD(content_truncated));
	family(o, "relaywarden_content_buffer_bytes", "gauge",
	    "Bytes the sessions' message buffers hold now.");
	put(o, "relaywarden_content_buffer_bytes %zu\n", fn != NULL ? fn() : 0);
	family(o, "relaywarden_mime_defects_total", "counter",
	    "Malformed MIME found in messages read, by kind.");
	for (i = 0; i < NDEFECTS; i++)
		put(o, "relaywarden_mime_defects_total{kind=\"%s\"} %llu\n",
		    defect_name[i], (unsigned long long)LOAD(mime_defects[i]));
	family(o, "relaywarden_rule_hits_total", "counter",
	    "Content rules that matched, by rule name.");
	for (i = 0; i < n; i++)
		put(o, "relaywarden_rule_hits_total{rule=\"%s\"} %llu\n",
		    escape(esc, sizeof(esc), rules[i].name),
		    (unsigned long long)LOAD(rules[i].hits));
	if ((v = LOAD(rules[RW_METRICS_RULES].hits)) != 0)
		put(o, "relaywarden_rule_hits_total{rule=\"other\"} %llu\n",
		    (unsigned long long)v);
}

/* rw_metrics_render - every family as exposition text */
char *
rw_metrics_render(size_t *len)
{
	struct out o = { NULL, 0, 0, false };
	rw_metrics_gauge_fn *fn = atomic_load(&inflight_fn);
	size_t	s, c, a, d, nc, nl, i;
	char	labels[128];
	uint64_t v;

	if ((o.p = malloc(o.cap = 16384)) == NULL)
		return NULL;
	o.p[0] = '\0';
	nc = atomic_load_explicit(&ncheck_names, memory_order_acquire);
	nl = atomic_load_explicit(&nlists, memory_order_acquire);

	family(&o, "relaywarden_sessions_total", "counter",
	    "Milter sessions accepted for service.");
	put(&o, "relaywarden_sessions_total %llu\n",
	    (unsigned long long)LOAD(sessions));
	family(&o, "relaywarden_sessions_refused_total", "counter",
	    "Sessions answered 451 4.3.2 at connect, by reason.");
	put(&o, "relaywarden_sessions_refused_total{reason=\"busy\"} %llu\n"
	    "relaywarden_sessions_refused_total{reason=\"stopping\"} %llu\n",
	    (unsigned long long)LOAD(refused[0]),
	    (unsigned long long)LOAD(refused[1]));
	family(&o, "relaywarden_sessions_in_flight", "gauge",
	    "Milter sessions open now.");
	put(&o, "relaywarden_sessions_in_flight %u\n", fn != NULL ? fn() : 0);

	family(&o, "relaywarden_verdicts_total", "counter",
	    "Verdicts given to the MTA, by stage, check, action and mode "
	    "(dryrun: decided, not enforced).");
	for (s = 0; s < RW_NSTAGES; s++)
		for (c = 0; c <= RW_METRICS_CHECKS; c++)
			for (a = 0; a < NACTIONS; a++)
				for (d = 0; d < 2; d++) {
					if ((v = LOAD(verdicts[s][c][a][d])) == 0)
						continue;
					put(&o, "relaywarden_verdicts_total{stage=\"%s\","
					    "check=\"%s\",action=\"%s\",mode=\"%s\"} "
					    "%llu\n", rw_stage_name((enum rw_stage)s),
					    c < nc ? check_names[c] : "other",
					    rw_action_name((enum rw_action)a),
					    d ? "dryrun" : "enforce",
					    (unsigned long long)v);
				}
	family(&o, "relaywarden_verdict_wait_seconds", "histogram",
	    "Time from the MTA's command to the verdict, by stage.");
	for (s = 0; s < RW_NSTAGES; s++) {
		if (LOAD(verdict_wait[s].count) == 0)
			continue;
		snprintf(labels, sizeof(labels), "stage=\"%s\"",
		    rw_stage_name((enum rw_stage)s));
		histogram_rows(&o, "relaywarden_verdict_wait_seconds", labels,
		    &verdict_wait[s]);
	}

	family(&o, "relaywarden_spf_results_total", "counter",
	    "SPF evaluations, by identity (helo, mailfrom) and result.");
	for (i = 0; i < 2; i++)
		for (s = 0; s < RW_SPF_NRESULTS; s++)
			if ((v = LOAD(spf[i][s])) != 0)
				put(&o, "relaywarden_spf_results_total{identity="
				    "\"%s\",result=\"%s\"} %llu\n", i ? "helo" :
				    "mailfrom", rw_spf_result_name(
				    (enum rw_spf_result)s), (unsigned long long)v);

	family(&o, "relaywarden_state_calls_total", "counter",
	    "State store calls, by operation and result (failed: the store "
	    "answered nothing; state_failure decided).");
	for (i = 0; i < RW_METRICS_STATE_OPS; i++)
		for (s = 0; s < 2; s++)
			put(&o, "relaywarden_state_calls_total{op=\"%s\","
			    "result=\"%s\"} %llu\n", state_op_name[i],
			    s ? "failed" : "ok",
			    (unsigned long long)LOAD(state_calls[i][s]));
	family(&o, "relaywarden_rate_limit_checks_total", "counter",
	    "Rate and concurrency limit answers for a decision.");
	for (i = 0; i < 2; i++)
		for (s = 0; s < 2; s++)
			put(&o, "relaywarden_rate_limit_checks_total{kind=\"%s\","
			    "result=\"%s\"} %llu\n", i ? "concurrency" : "rate",
			    s ? "exceeded" : "allowed",
			    (unsigned long long)LOAD(state_limits[i][s]));
	family(&o, "relaywarden_greylist_total", "counter",
	    "Greylist decisions per recipient, by the triplet's state.");
	for (i = 0; i < NGREY; i++)
		put(&o, "relaywarden_greylist_total{state=\"%s\"} %llu\n",
		    rw_grey_state_name((enum rw_grey_state)i),
		    (unsigned long long)LOAD(greylist[i]));

	family(&o, "relaywarden_dns_queries_total", "counter",
	    "DNS queries sent to the servers.");
	put(&o, "relaywarden_dns_queries_total %llu\n",
	    (unsigned long long)LOAD(dns_queries));
	family(&o, "relaywarden_dns_cache_hits_total", "counter",
	    "DNS lookups answered from the cache.");
	put(&o, "relaywarden_dns_cache_hits_total %llu\n",
	    (unsigned long long)LOAD(dns_cache_hits));
	family(&o, "relaywarden_dns_joined_total", "counter",
	    "DNS lookups that shared a query already in flight.");
	put(&o, "relaywarden_dns_joined_total %llu\n",
	    (unsigned long long)LOAD(dns_joined));
	family(&o, "relaywarden_dns_answers_total", "counter",
	    "Answers to the DNS queries sent, by status.");
	for (s = RW_DNS_OK; s < NDNS; s++)
		put(&o, "relaywarden_dns_answers_total{status=\"%s\"} %llu\n",
		    rw_dns_status_name((enum rw_dns_status)s),
		    (unsigned long long)LOAD(dns_answers[s]));
	family(&o, "relaywarden_dns_answer_seconds", "histogram",
	    "Time from sending a DNS query to its answer (or timeout).");
	histogram_rows(&o, "relaywarden_dns_answer_seconds", "", &dns_latency);

	list_family(&o, nl, "relaywarden_dnsbl_lookups_total",
	    "Lookups of a client, HELO or sender in a list, by display name.",
	    offsetof(struct list_row, lookups));
	list_family(&o, nl, "relaywarden_dnsbl_cache_hits_total",
	    "List lookups answered from the cache or a query in flight.",
	    offsetof(struct list_row, cached));
	list_family(&o, nl, "relaywarden_dnsbl_hits_total",
	    "List answers that were a listing the list's filter counts.",
	    offsetof(struct list_row, hits));
	list_family(&o, nl, "relaywarden_dnsbl_timeouts_total",
	    "List lookups unanswered by the deadline.",
	    offsetof(struct list_row, timeouts));
	list_family(&o, nl, "relaywarden_dnsbl_servfails_total",
	    "List lookups answered SERVFAIL or REFUSED (or unreachable).",
	    offsetof(struct list_row, servfails));
	list_family(&o, nl, "relaywarden_dnsbl_list_errors_total",
	    "List answers 127.255.255.x: the list refuses our queries.",
	    offsetof(struct list_row, errors));
	family(&o, "relaywarden_dnsbl_suspended", "gauge",
	    "1 while a list is suspended after failing its RFC 5782 probe.");
	for (i = 0; i < nl; i++) {
		char	esc[2 * RW_HOSTNAME_MAX + 4];

		put(&o, "relaywarden_dnsbl_suspended{list=\"%s\"} %d\n",
		    escape(esc, sizeof(esc), lists[i].name),
		    atomic_load_explicit(&lists[i].suspended,
		    memory_order_relaxed) ? 1 : 0);
	}
	content_rows(&o);
	if (o.nomem) {
		free(o.p);
		return NULL;
	}
	*len = o.len;
	return o.p;
}
