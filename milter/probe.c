/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	probe - keep a dead or runaway block list from taking the mail down
 * DESCRIPTION
 *	Every dnsbl_probe_interval seconds a thread asks each configured
 *	list for its RFC 5782 5 test points through the same resolver: an
 *	IP list must list 127.0.0.2 and must not list 127.0.0.1; a domain
 *	list must list "test" and must not list "invalid". A list that
 *	answers wrongly (listing the whole world, or nothing at all) is
 *	suspended: its answers count for nothing until a later probe passes.
 *	A probe that fails only temporarily (timeout, SERVFAIL) changes
 *	nothing: a list that cannot be reached already yields temporary
 *	errors, which the policy handles.
 *
 *	rw_probe_list_error() is called for answers in 127.255.255.0/24,
 *	the lists' way of refusing a resolver (public or rate-limited). Each
 *	is logged as an error, with a hint, and counted.
 *
 *	The prober is an object made by main.c with the resolver it asks
 *	through and handed to the session stages, which read the zones'
 *	state. relaywarden-query has none: no list is ever suspended there.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe.h"
#include "conf.h"
#include "deadline.h"
#include "dns.h"
#include "log.h"
#include "metrics.h"

#define PROBE_ZONES	RW_DNSBL_MAX

struct rw_probe_zone {
	char	zone[RW_HOSTNAME_MAX + 1];
	bool	suspended;
};

struct rw_probes {
	struct rw_resolver *resolver;	/* read-only after start */
	pthread_mutex_t	 lock;
	pthread_cond_t	 cv;
	pthread_t	 tid;
	bool		 stop;
	struct rw_probe_zone z[PROBE_ZONES];
	size_t		 n;
	unsigned long	 list_errors;
};

/* rw_probe_suspended - is the zone suspended */
bool
rw_probe_suspended(struct rw_probes *p, const char *zone)
{
	bool	s = false;
	size_t	i;

	if (p == NULL)
		return false;
	pthread_mutex_lock(&p->lock);
	for (i = 0; i < p->n; i++)
		if (strcmp(p->z[i].zone, zone) == 0) {
			s = p->z[i].suspended;
			break;
		}
	pthread_mutex_unlock(&p->lock);
	return s;
}

/* rw_probe_list_error - log and count a 127.255.255.x answer */
void
rw_probe_list_error(struct rw_probes *p, const char *zone, uint32_t a,
    const char *qid, const char *client)
{
	if (p != NULL) {
		pthread_mutex_lock(&p->lock);
		p->list_errors++;
		pthread_mutex_unlock(&p->lock);
	}
	rw_log_err("%s: list %s answered 127.255.255.%u for client %s: the list "
	    "refuses queries from this resolver (public resolver, no account or "
	    "rate limit); the answer is ignored, not a listing - use your own "
	    "recursive resolver or the list's access terms", qid != NULL ? qid :
	    "NOQUEUE", zone, (unsigned int)(a & 0xff), client);
}

/* rw_probe_list_errors - how many so far */
unsigned long
rw_probe_list_errors(struct rw_probes *p)
{
	unsigned long n = 0;

	if (p != NULL) {
		pthread_mutex_lock(&p->lock);
		n = p->list_errors;
		pthread_mutex_unlock(&p->lock);
	}
	return n;
}

/* probe_zone - 1 healthy, 0 broken, -1 no verdict (temporary failure) */
static int
probe_zone(struct rw_resolver *r, const struct rw_dnsbl_zone *z,
    unsigned int deadline_ms, char *why, size_t len)
{
	char	 yes[RW_HOSTNAME_MAX + 2], no[RW_HOSTNAME_MAX + 2];
	struct rw_dns_lookup *l[2];
	const struct rw_dns_rrset *ay, *an;
	struct timespec deadline;
	bool	 listed = false;
	size_t	 i;
	int	 rc;

	if (z->kind == RW_BL_CLIENT) {
		snprintf(yes, sizeof(yes), "2.0.0.127.%s", z->zone);
		snprintf(no, sizeof(no), "1.0.0.127.%s", z->zone);
	} else {
		snprintf(yes, sizeof(yes), "test.%s", z->zone);
		snprintf(no, sizeof(no), "invalid.%s", z->zone);
	}
	l[0] = rw_dns_lookup(r, yes, RW_T_A);
	l[1] = rw_dns_lookup(r, no, RW_T_A);
	rw_deadline_set(&deadline, deadline_ms);
	rw_dns_wait(r, l, 2, &deadline);
	ay = rw_dns_answer(r, l[0]);
	an = rw_dns_answer(r, l[1]);
	if (rw_dns_temporary(ay->status) || rw_dns_temporary(an->status)) {
		rc = -1;
	} else {
		for (i = 0; i < ay->n; i++)
			if (ay->rr[i].addr[0] == 127)
				listed = true;
		if (!listed) {
			snprintf(why, len, "%s is not listed (%s)", yes,
			    rw_dns_status_name(ay->status));
			rc = 0;
		} else if (an->status == RW_DNS_OK) {
			snprintf(why, len, "%s is listed: the list answers for everything", no);
			rc = 0;
		} else {
			rc = 1;
		}
	}
	rw_dns_release(r, l[0]);
	rw_dns_release(r, l[1]);
	return rc;
}

static void
set_state(struct rw_probes *p, const char *zone, bool suspended, const char *why)
{
	size_t	i;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < p->n; i++)
		if (strcmp(p->z[i].zone, zone) == 0)
			break;
	if (i == p->n && p->n < PROBE_ZONES) {
		rw_strlcpy_ok(p->z[i].zone, zone, sizeof(p->z[i].zone));
		p->z[i].suspended = false;
		p->n++;
	}
	if (i < p->n && p->z[i].suspended != suspended) {
		p->z[i].suspended = suspended;
		pthread_mutex_unlock(&p->lock);
		rw_metrics_list_suspended(zone, suspended);
		if (suspended)
			rw_log_err("list %s suspended: failed its RFC 5782 probe: %s; "
			    "its answers are ignored until it passes again", zone, why);
		else
			rw_log_info("list %s passed its probe again; resumed", zone);
		return;
	}
	pthread_mutex_unlock(&p->lock);
}

static void *
probe_loop(void *arg)
{
	struct rw_probes *p = arg;
	struct rw_snapshot *snap;
	const struct rw_config *cfg;
	const struct rw_daemon_conf *dc;
	struct timespec until;
	unsigned int interval;
	char	why[300];
	size_t	i;
	int	rc;

	for (;;) {
		interval = 300;
		if ((snap = rw_conf_acquire()) != NULL) {
			cfg = snap->cfg;
			dc = &snap->daemon;
			interval = dc->dnsbl_probe_interval;
			for (i = 0; interval > 0 && i < cfg->ndnsbl; i++) {
				why[0] = '\0';
				rc = probe_zone(p->resolver, &cfg->dnsbl[i],
				    dc->dns_deadline_ms, why, sizeof(why));
				if (rc >= 0)
					set_state(p, cfg->dnsbl[i].zone, rc == 0, why);
			}
			rw_conf_release(snap);
		}
		if (interval == 0)
			interval = 60;	/* look again later: a reload may enable it */
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += interval;
		pthread_mutex_lock(&p->lock);
		while (!p->stop && pthread_cond_timedwait(&p->cv, &p->lock, &until) == 0)
			;
		if (p->stop) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		pthread_mutex_unlock(&p->lock);
	}
}

/* rw_probe_start - create the state and the thread */
struct rw_probes *
rw_probe_start(struct rw_resolver *r)
{
	struct rw_probes *p = calloc(1, sizeof(*p));
	pthread_condattr_t ca;

	if (p == NULL)
		return NULL;
	p->resolver = r;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&p->tid, NULL, probe_loop, p) != 0) {
		pthread_cond_destroy(&p->cv);	/* tsan.supp: no thread left */
		pthread_mutex_destroy(&p->lock);	/* tsan.supp: no thread left */
		free(p);
		return NULL;
	}
	return p;
}

/* rw_probe_stop - end the thread, free the prober */
void
rw_probe_stop(struct rw_probes *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->tid, NULL);
	pthread_cond_destroy(&p->cv);	/* tsan.supp: no thread left */
	pthread_mutex_destroy(&p->lock);	/* tsan.supp: no thread left */
	free(p);
}
