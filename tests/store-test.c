/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	store-test - drive a state store (milter/store.h) from a test script
 * SYNOPSIS
 *	store-test [-p PREFIX] [-w PASSWORD_FILE] [-t TIMEOUT_MS] URL COMMAND...
 * DESCRIPTION
 *	The store is the one the URL names (lmdb:/path, redis://...,
 *	redis+unix:/path), opened as the daemon opens it.
 *
 *	What tests/store-cases does not: (the shared table of
 *	tests/state_cases.h, show, clear, list, the threads and processes
 *	of one limit):
 *
 *	random SEED N
 *		N random event sequences (fixed by SEED) on a few keys, a
 *		third of the steps landing on an edge the previous answer
 *		named (a retry time, a wait, a TTL); each answer of the store
 *		compared with the pure functions' (rw_gcra(),
 *		rw_grey_decide()) over an in-memory model of a store, where
 *		an entry exists until the expiry the core gave it. Keys
 *		carry a nonce, so runs do not meet.
 *	rate KEY LIMIT WINDOW_S BURST N [NOW_MS]
 *	conc KEY DELTA TTL_S
 *	grey TRIPLET NET NOW_MS DELAY WINDOW PASS_TTL AA_PASSES AA_TTL
 *	show KEY
 *	clear KEY
 *		one call; prints its outputs as key=value, or "fail: reason",
 *		and "ms=" what it took (wall clock, for the scripts'
 *		figures).
 *	threads NT NCALLS KEY LIMIT NOW_MS
 *		NT threads share the store, NCALLS rate calls each on KEY
 *		(LIMIT per hour, no burst, all at NOW_MS); prints the
 *		counts: exactly LIMIT allowed, summed over every process
 *		running this at once on one store.
 *	watch COUNT INTERVAL_MS KEY
 *		COUNT rate calls (limit 1000000 per 60 s), INTERVAL_MS apart,
 *		one line each: "I ok|fail MS [reason]".
 *	Exit status: 0 when every check passed (one call: it succeeded),
 *	1 when not, 2 on a usage error or when the store does not open.
 */
#include "config.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rw_policy.h"
#include "store.h"

#define ERRLEN	512
#define T0		1733000000000ULL	/* 2024-11-30, in ms */
#define DAY_MS		86400000ULL
#define DAYS36_MS	(36 * DAY_MS)

static int npass, nfail;
static char nonce[32];

static uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
result(bool ok, const char *label, const char *why)
{
	if (ok) {
		npass++;
		printf("ok   %s\n", label);
	} else {
		nfail++;
		printf("FAIL %s: %s\n", label, why);
	}
}

/* ------------------------------------------------------------ the model */

/*
 * What a store keeps, as the pure core describes it: a value per key
 * with the expiry the core gave, read as absent from then on.
 */
#define MODEL_KEYS	64

struct model_entry {
	char			 key[RW_STATE_KEY_MAX + 1];
	uint64_t		 tat;
	struct rw_grey_entry	 grey;
	uint64_t		 expire;
};

struct model {
	struct model_entry	 e[MODEL_KEYS];
	size_t			 n;
};

static struct model_entry *
model_get(struct model *m, const char *key, uint64_t now, bool *exists)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->e[i].key, key) == 0) {
			*exists = now < m->e[i].expire;
			return &m->e[i];
		}
	if (m->n == MODEL_KEYS) {
		fprintf(stderr, "store-test: model full\n");
		exit(2);
	}
	memset(&m->e[m->n], 0, sizeof(m->e[0]));
	snprintf(m->e[m->n].key, sizeof(m->e[0].key), "%s", key);
	*exists = false;
	return &m->e[m->n++];
}

static bool
model_rate(struct model *m, const char *key, const struct rw_rate_spec *r,
    unsigned int n, uint64_t now, uint64_t *retry)
{
	bool exists, ok;
	struct model_entry *e = model_get(m, key, now, &exists);
	uint64_t tat = exists ? e->tat : 0, expire;

	ok = rw_gcra(&tat, now, r, n, retry, &expire);
	if (ok && tat != (exists ? e->tat : 0)) {
		e->tat = tat;
		e->expire = expire;
	}
	return ok;
}

static void
model_grey(struct model *m, const char *tkey, const char *nkey,
    const struct rw_grey_spec *g, uint64_t now, enum rw_grey_state *state,
    unsigned int *wait, bool *listed)
{
	struct rw_grey_io io;
	struct model_entry *t, *n;

	memset(&io, 0, sizeof(io));
	t = model_get(m, tkey, now, &io.triplet_exists);
	n = model_get(m, nkey, now, &io.net_exists);
	if (io.triplet_exists)
		io.triplet = t->grey;
	if (io.net_exists)
		io.net = n->grey;
	rw_grey_decide(&io, now, g);
	if (io.triplet_write) {
		t->grey = io.triplet;
		t->expire = io.triplet_expire_ms;
	}
	if (io.net_write) {
		n->grey = io.net;
		n->expire = io.net_expire_ms;
	}
	*state = io.state;
	*wait = io.wait_s;
	*listed = io.net_allowlisted;
}

/* ------------------------------------------------------------ random */

static uint64_t rng;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/*
 * run_random - sequences of events on 3 rate keys and 4 triplets over 2
 * networks, random specs and steps from 0 to beyond every window; each
 * answer of the store against the model's. The windows are 60 s or
 * more, so no key expires in the server's real time during a run.
 */
static void
run_random(struct rw_store *st, unsigned long seed, int nseq)
{
	static const uint64_t gaps[] = { 0, 0, 0, 0, 1, 999, 1000, 1999, 5000, 60000,
		299999, 300000, 3600000, 14400000, DAY_MS, DAYS36_MS };
	char key[RW_STATE_KEY_MAX + 1], nkey[RW_STATE_KEY_MAX + 1];
	char err[ERRLEN], why[ERRLEN + 200], label[300];
	struct rw_rate_spec rs[3];
	struct rw_grey_spec gs;
	struct model m;
	enum rw_grey_state ms, ss;
	uint64_t now, mretry, sretry, edge = 0;
	unsigned int mw, sw, n;
	bool mok, sok, ml, sl;
	int q, i, k, events = 0;
	int seen[7] = { 0 };	/* allowed refused new early pass known listed */

	rng = seed * 2654435761u + 1;
	for (q = 0; q < nseq; q++) {
		memset(&m, 0, sizeof(m));
		for (k = 0; k < 3; k++) {
			rs[k].limit = rnd(4) == 0 ? 0 : 1 + rnd(50);
			rs[k].window_s = 60 + rnd(3600);
			rs[k].burst = rnd(3) == 0 ? 0 : rnd(20);
		}
		gs.delay_s = rnd(5) == 0 ? 0 : 1 + rnd(600);
		gs.retry_window_s = gs.delay_s + 60 + rnd(20000);
		gs.pass_ttl_s = 60 + rnd(40 * 86400);
		gs.autoallow_passes = rnd(4);
		gs.autoallow_ttl_s = 60 + rnd(2 * 86400);
		now = T0 + rnd(1000000);
		why[0] = '\0';
		for (i = 0; why[0] == '\0' && i < 60; i++, events++) {
			/* a third of the steps land on an edge just seen */
			switch (rnd(6)) {
			case 0:
				now += edge;
				break;
			case 1:
				now += edge > 0 ? edge - 1 : 0;
				break;
			default:
				now += gaps[rnd(sizeof(gaps) /
				    sizeof(gaps[0]))];
			}
			if (rnd(2) == 0) {
				k = (int)rnd(3);
				/* a peek, a cost of a few, mostly 1 */
				n = rnd(8) == 0 ? rnd(70) : rnd(10) == 0 ? 0 : 1;
				snprintf(key, sizeof(key), "rate:rnd:t%s:%d:%d",
				    nonce, q, k);
				mok = model_rate(&m, key, &rs[k], n, now,
				    &mretry);
				if (rw_store_rate(st, key, &rs[k], n, now, &sok,
				    &sretry, err, sizeof(err)) != RW_STORE_OK)
					snprintf(why, sizeof(why), "event %d: "
					    "%s", i, err);
				else if (mok != sok || mretry != sretry)
					snprintf(why, sizeof(why), "event %d "
					    "(rate %u/%us burst %u, n %u): store "
					    "%d/%" PRIu64 ", pure %d/%" PRIu64,
					    i, rs[k].limit, rs[k].window_s,
					    rs[k].burst, n, sok, sretry, mok,
					    mretry);
				else
					seen[sok ? 0 : 1]++;
				if (!mok)
					edge = mretry;
			} else {
				k = (int)rnd(4);
				snprintf(key, sizeof(key), "grey:rnd:t%s:%d:%d",
				    nonce, q, k);
				snprintf(nkey, sizeof(nkey),
				    "greynet:rnd:t%s:%d:%d", nonce, q, k % 2);
				model_grey(&m, key, nkey, &gs, now, &ms, &mw,
				    &ml);
				if (rw_store_grey(st, key, nkey, &gs, now, &ss,
				    &sw, &sl, err, sizeof(err)) != RW_STORE_OK)
					snprintf(why, sizeof(why), "event %d: "
					    "%s", i, err);
				else if (ms != ss || mw != sw || ml != sl)
					snprintf(why, sizeof(why), "event %d: "
					    "store %s/%u/%d, pure %s/%u/%d", i,
					    rw_grey_state_name(ss), sw, sl,
					    rw_grey_state_name(ms), mw, ml);
				else
					seen[sl ? 6 : 2 + (int)ss]++;
				if (ms == RW_GREY_EARLY || ms == RW_GREY_NEW)
					edge = (uint64_t)mw * 1000;
				else if (rnd(2) == 0)
					edge = (uint64_t)gs.pass_ttl_s * 1000;
				else
					edge = (uint64_t)gs.autoallow_ttl_s * 1000;
			}
		}
		if (why[0] != '\0') {
			snprintf(label, sizeof(label), "random sequence %d "
			    "(seed %lu)", q, seed);
			result(false, label, why);
		}
	}
	snprintf(label, sizeof(label), "%d random sequences, %d events: "
	    "store and pure core agree (rate: %d allowed, %d refused; "
	    "greylist: %d new, %d early, %d pass, %d known, %d allowlisted)",
	    nseq, events, seen[0], seen[1], seen[2], seen[3], seen[4],
	    seen[5], seen[6]);
	if (nfail == 0)
		result(true, label, "");
}

/* ------------------------------------------------------------ one call */

static int
one_call(struct rw_store *st, int argc, char **argv)
{
	char err[ERRLEN];
	double t0 = mono_s();
	int rc = RW_STORE_FAIL;

	err[0] = '\0';
	if (strcmp(argv[0], "rate") == 0 && (argc == 6 || argc == 7)) {
		struct rw_rate_spec r = { (unsigned)atoi(argv[2]),
			(unsigned)atoi(argv[3]), (unsigned)atoi(argv[4]) };
		uint64_t retry, now = argc == 7 ?
		    strtoull(argv[6], NULL, 10) : wall_ms();
		bool ok;

		rc = rw_store_rate(st, argv[1], &r, (unsigned)atoi(argv[5]),
		    now, &ok, &retry, err, sizeof(err));
		if (rc == RW_STORE_OK)
			printf("allowed=%d retry_ms=%" PRIu64 "\n", ok, retry);
	} else if (strcmp(argv[0], "conc") == 0 && argc == 4) {
		long count;

		rc = rw_store_concurrency(st, argv[1], atoi(argv[2]),
		    (unsigned)atoi(argv[3]), &count, err, sizeof(err));
		if (rc == RW_STORE_OK)
			printf("count=%ld\n", count);
	} else if (strcmp(argv[0], "grey") == 0 && argc == 9) {
		struct rw_grey_spec g = { (unsigned)atoi(argv[4]),
			(unsigned)atoi(argv[5]), (unsigned)atoi(argv[6]),
			(unsigned)atoi(argv[7]), (unsigned)atoi(argv[8]) };
		enum rw_grey_state s;
		unsigned int wait;
		bool listed;

		rc = rw_store_grey(st, argv[1], argv[2], &g,
		    strtoull(argv[3], NULL, 10), &s, &wait, &listed, err,
		    sizeof(err));
		if (rc == RW_STORE_OK)
			printf("state=%s wait_s=%u allowlisted=%d\n",
			    rw_grey_state_name(s), wait, listed);
	} else if (strcmp(argv[0], "show") == 0 && argc == 2) {
		struct rw_grey_entry e;
		bool found;

		rc = rw_store_grey_show(st, argv[1], &e, &found, err,
		    sizeof(err));
		if (rc == RW_STORE_OK)
			printf("found=%d first_ms=%" PRIu64 " pass_ms=%" PRIu64
			    " passes=%" PRIu32 "\n", found, e.first_ms,
			    e.pass_ms, e.passes);
	} else if (strcmp(argv[0], "clear") == 0 && argc == 2) {
		rc = rw_store_grey_clear(st, argv[1], err, sizeof(err));
		if (rc == RW_STORE_OK)
			printf("cleared\n");
	} else {
		fprintf(stderr, "store-test: bad command\n");
		return 2;
	}
	if (rc != RW_STORE_OK)
		printf("fail: %s\n", err);
	printf("ms=%.1f\n", (mono_s() - t0) * 1000);
	return rc == RW_STORE_OK ? 0 : 1;
}

/* watch - a steady stream of decisions, for the outage tests */
static int
watch(struct rw_store *st, int count, int interval_ms, const char *key)
{
	const struct rw_rate_spec r = { 1000000, 60, 0 };
	char err[ERRLEN];
	uint64_t retry;
	double t0;
	bool ok;
	int i, rc, bad = 0;

	for (i = 0; i < count; i++) {
		t0 = mono_s();
		rc = rw_store_rate(st, key, &r, 1, wall_ms(), &ok, &retry, err,
		    sizeof(err));
		if (rc == RW_STORE_OK)
			printf("%d ok %.1f\n", i, (mono_s() - t0) * 1000);
		else {
			printf("%d fail %.1f %s\n", i, (mono_s() - t0) * 1000,
			    err);
			bad++;
		}
		fflush(stdout);
		usleep((useconds_t)interval_ms * 1000);
	}
	return bad == count ? 1 : 0;
}

/*
 * threads - NT threads share the store and make NCALLS rate calls each
 * on one key (LIMIT per hour, no burst, one clock): every call must be
 * answered, and exactly LIMIT allowed however the calls interleave (or
 * however many processes run this at once: then the sum is LIMIT).
 */
struct hammer {
	struct rw_store	*st;
	const char	*key;
	struct rw_rate_spec spec;
	uint64_t	 now;
	int		 ncalls;
	atomic_int	 allowed, refused, failed;
	char		 err[ERRLEN];
	pthread_mutex_t	 lock;
};

static void *
hammer_run(void *arg)
{
	struct hammer *h = arg;
	char err[ERRLEN];
	uint64_t retry;
	bool ok;
	int i;

	for (i = 0; i < h->ncalls; i++) {
		if (rw_store_rate(h->st, h->key, &h->spec, 1, h->now, &ok,
		    &retry, err, sizeof(err)) != RW_STORE_OK) {
			atomic_fetch_add(&h->failed, 1);
			pthread_mutex_lock(&h->lock);
			snprintf(h->err, sizeof(h->err), "%s", err);
			pthread_mutex_unlock(&h->lock);
		} else if (ok)
			atomic_fetch_add(&h->allowed, 1);
		else
			atomic_fetch_add(&h->refused, 1);
	}
	return NULL;
}

static int
threads(struct rw_store *st, int nt, int ncalls, const char *key,
    unsigned int limit, uint64_t now)
{
	pthread_t tid[64];
	struct hammer h;
	int i, n = 0;

	memset(&h, 0, sizeof(h));
	pthread_mutex_init(&h.lock, NULL);
	h.st = st;
	h.key = key;
	h.spec.limit = limit;
	h.spec.window_s = 3600;
	h.now = now;
	h.ncalls = ncalls;
	if (nt > 64)
		nt = 64;
	for (i = 0; i < nt; i++)
		if (pthread_create(&tid[n], NULL, hammer_run, &h) == 0)
			n++;
	for (i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	printf("threads=%d calls=%d allowed=%d refused=%d failed=%d%s%s\n", n,
	    n * ncalls, atomic_load(&h.allowed), atomic_load(&h.refused),
	    atomic_load(&h.failed), h.err[0] != '\0' ? " last_error=" : "",
	    h.err);
	pthread_mutex_destroy(&h.lock);
	return atomic_load(&h.failed) == 0 ? 0 : 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: store-test [-p PREFIX] [-w PASSWORD_FILE] "
	    "[-t TIMEOUT_MS] URL random SEED N|rate ...|conc ...|"
	    "grey ...|show KEY|clear KEY|threads NT NCALLS KEY LIMIT NOW_MS|"
	    "watch COUNT INTERVAL_MS KEY\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct rw_store_opts o;
	struct rw_store *st;
	char err[ERRLEN];
	int ch, rc;

	memset(&o, 0, sizeof(o));
	o.prefix = "rwt:";
	o.max_keys = 100000;
	while ((ch = getopt(argc, argv, "+p:t:w:")) != -1) {
		switch (ch) {
		case 'p':
			o.prefix = optarg;
			break;
		case 't':
			o.timeout_ms = (unsigned int)atoi(optarg);
			break;
		case 'w':
			o.password_file = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	st = rw_store_open(argv[0], &o, err, sizeof(err));
	if (st == NULL) {
		printf("open failed: %s\n", err);
		return 2;
	}
	snprintf(nonce, sizeof(nonce), "%ld.%" PRIu64, (long)getpid(),
	    wall_ms());
	if (strcmp(argv[1], "random") == 0 && argc == 4) {
		run_random(st, strtoul(argv[2], NULL, 10), atoi(argv[3]));
		printf("%d passed, %d failed\n", npass, nfail);
		rc = nfail == 0 ? 0 : 1;
	} else if (strcmp(argv[1], "threads") == 0 && argc == 7)
		rc = threads(st, atoi(argv[2]), atoi(argv[3]), argv[4],
		    (unsigned int)atoi(argv[5]), strtoull(argv[6], NULL, 10));
	else if (strcmp(argv[1], "watch") == 0 && argc == 5)
		rc = watch(st, atoi(argv[2]), atoi(argv[3]), argv[4]);
	else
		rc = one_call(st, argc - 1, argv + 1);
	rw_store_close(st);
	return rc;
}
