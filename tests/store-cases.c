/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	store-cases - a state store held to the shared case table
 * SYNOPSIS
 *	store-cases [-c] [-p prefix] URL
 *	store-cases -f N [-p prefix] URL
 * DESCRIPTION
 *	Runs tests/state_cases.h through a real store (rw_store_rate,
 *	rw_store_grey) with the same injected times as check_state runs
 *	them through the pure functions, so that every backend (the
 *	embedded one here, Redis's Lua scripts in the Redis tests) gives
 *	the same answers. Then what the table cannot say:
 *	  - one limit held together: 8 threads on one handle and 2
 *	    processes with handles of their own spend exactly the limit;
 *	  - concurrency counts up and down and never below 0;
 *	  - relaywarden-query's calls: show, clear, list auto-allowlisted;
 *	  - with -c (the embedded store): the key cap, in a file of its own
 *	    (URL-cap): a full store fails (never blocks) and has room again
 *	    once records expire.
 *	-f N (for tests/bench/state-bench.sh) only fills the store with N
 *	greylist triplets, as the daemon would write them, and prints the
 *	time it took; the store is opened with room for them.
 *	Every run uses a fresh prefix (-p, default "t<pid>:"), so runs do
 *	not see each other's keys. Prints "ok"/"FAIL" lines and
 *	"N passed, N failed"; exit 0 or 1.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "state_cases.h"

static int pass, failn;

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		pass++;							\
	} else {							\
		failn++;						\
		printf("FAIL ");					\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	}								\
} while (0)

static const char *url;
static struct rw_store_opts opts;

static void
run_rate_cases(struct rw_store *st)
{
	size_t	c, i;
	unsigned int k, rep;
	char	key[64], err[256];
	bool	allowed;
	uint64_t retry;
	int	rc;

	for (c = 0; c < sizeof(rate_cases) / sizeof(rate_cases[0]); c++) {
		const struct rate_case *rc_ = &rate_cases[c];
		int	before = failn;

		snprintf(key, sizeof(key), "rate:case:%zu", c);
		for (i = 0; rc_->steps[i].at != (uint64_t)-1; i++) {
			const struct rate_step *s = &rc_->steps[i];

			rep = s->repeat ? s->repeat : 1;
			for (k = 0; k < rep; k++) {
				rc = rw_store_rate(st, key, &rc_->spec, s->n,
				    T0 + s->at, &allowed, &retry, err, sizeof(err));
				CHECK(rc == RW_STORE_OK, "%s: step %zu: %s",
				    rc_->label, i, err);
				CHECK(allowed == s->allowed && (allowed ||
				    retry == s->retry_ms), "%s: step %zu.%u: got "
				    "%s retry %llu, want %s retry %llu", rc_->label,
				    i, k, allowed ? "allowed" : "refused",
				    (unsigned long long)retry,
				    s->allowed ? "allowed" : "refused",
				    (unsigned long long)s->retry_ms);
			}
		}
		printf("%s rate: %s\n", failn == before ? "ok  " : "FAIL",
		    rc_->label);
	}
}

static void
run_grey_cases(struct rw_store *st)
{
	size_t	c, i;
	char	tk[64], nk[64], err[256];
	enum rw_grey_state g;
	unsigned int wait;
	bool	listed;
	int	rc;

	for (c = 0; c < sizeof(grey_cases) / sizeof(grey_cases[0]); c++) {
		const struct grey_case *gc = &grey_cases[c];
		int	before = failn;

		for (i = 0; gc->steps[i].at != (uint64_t)-1; i++) {
			const struct grey_step *s = &gc->steps[i];

			snprintf(tk, sizeof(tk), "grey:case%zu:%c", c, s->triplet);
			snprintf(nk, sizeof(nk), "greynet:case%zu-%c", c, s->net);
			rc = rw_store_grey(st, tk, nk, &gc->spec, T0 + s->at, &g,
			    &wait, &listed, err, sizeof(err));
			CHECK(rc == RW_STORE_OK, "%s: step %zu: %s", gc->label, i,
			    err);
			CHECK(g == s->state && wait == s->wait_s &&
			    listed == s->allowlisted, "%s: step %zu (%c@%c): got "
			    "%s wait %u listed %d, want %s wait %u listed %d",
			    gc->label, i, s->triplet, s->net,
			    rw_grey_state_name(g), wait, listed,
			    rw_grey_state_name(s->state), s->wait_s,
			    s->allowlisted);
		}
		printf("%s grey: %s\n", failn == before ? "ok  " : "FAIL",
		    gc->label);
	}
}

/* ------------------------------------------------------------ together */

#define TOGETHER_LIMIT	1000
#define PER_WORKER	300

static const struct rw_rate_spec together = { TOGETHER_LIMIT, 3600, 0 };

struct worker {
	struct rw_store *st;
	const char *key;
	int	 allowed, failed;
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	char	err[256];
	bool	ok;
	uint64_t retry;
	int	i;

	for (i = 0; i < PER_WORKER; i++) {
		if (rw_store_rate(w->st, w->key, &together, 1, T0, &ok, &retry,
		    err, sizeof(err)) != RW_STORE_OK)
			w->failed++;
		else if (ok)
			w->allowed++;
	}
	return NULL;
}

static void
run_threads(struct rw_store *st)
{
	struct worker w[8];
	pthread_t t[8];
	int	i, total = 0, failed = 0;

	for (i = 0; i < 8; i++) {
		w[i] = (struct worker){ st, "rate:together:threads", 0, 0 };
		pthread_create(&t[i], NULL, worker_run, &w[i]);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		total += w[i].allowed;
		failed += w[i].failed;
	}
	CHECK(failed == 0 && total == TOGETHER_LIMIT, "8 threads x %d on one "
	    "limit of %d: %d allowed, %d failed", PER_WORKER, TOGETHER_LIMIT,
	    total, failed);
	printf("%s together: 8 threads, one handle: %d of %d allowed\n",
	    total == TOGETHER_LIMIT ? "ok  " : "FAIL", total, 8 * PER_WORKER);
}

/* run_processes - 4 processes, each its own handle: one limit */
static void
run_processes(void)
{
	int	fds[2], i, total = 0, status;
	pid_t	pid[4];
	char	err[256];

	if (pipe(fds) != 0)
		return;
	for (i = 0; i < 4; i++) {
		if ((pid[i] = fork()) == 0) {
			struct rw_store *st = rw_store_open(url, &opts, err,
			    sizeof(err));
			struct worker w = { st, "rate:together:procs", 0, 0 };

			if (st != NULL)
				worker_run(&w);
			else
				w.failed = PER_WORKER;
			rw_store_close(st);
			if (write(fds[1], &w.allowed, sizeof(w.allowed)) < 0)
				_exit(2);
			_exit(w.failed ? 1 : 0);
		}
	}
	close(fds[1]);
	for (i = 0; i < 4; i++) {
		int	n = 0;

		if (read(fds[0], &n, sizeof(n)) == (ssize_t)sizeof(n))
			total += n;
	}
	close(fds[0]);
	for (i = 0; i < 4; i++) {
		waitpid(pid[i], &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "process %d failed", i);
	}
	CHECK(total == TOGETHER_LIMIT, "4 processes x %d on one limit of %d: "
	    "%d allowed", PER_WORKER, TOGETHER_LIMIT, total);
	printf("%s together: 4 processes, own handles: %d of %d allowed\n",
	    total == TOGETHER_LIMIT ? "ok  " : "FAIL", total, 4 * PER_WORKER);
}

/* ------------------------------------------------------------ the rest */

static void
run_concurrency(struct rw_store *st)
{
	char	err[256];
	long	n = -1;
	int	i;

	for (i = 1; i <= 3; i++) {
		CHECK(rw_store_concurrency(st, "conc:ip:x", +1, 600, &n, err,
		    sizeof(err)) == RW_STORE_OK && n == i, "conc +1: got %ld, "
		    "want %d (%s)", n, i, err);
	}
	for (i = 2; i >= 0; i--)
		CHECK(rw_store_concurrency(st, "conc:ip:x", -1, 600, &n, err,
		    sizeof(err)) == RW_STORE_OK && n == i, "conc -1: got %ld, "
		    "want %d", n, i);
	CHECK(rw_store_concurrency(st, "conc:ip:x", -1, 600, &n, err,
	    sizeof(err)) == RW_STORE_OK && n == 0, "conc below 0: got %ld", n);
	printf("ok   concurrency: 1 2 3 2 1 0 0\n");
}

struct listed {
	char	 nets[8][64];
	int	 n;
};

static void
collect(const char *net, const struct rw_grey_entry *e, void *arg)
{
	struct listed *l = arg;

	(void)e;
	if (l->n < 8)
		snprintf(l->nets[l->n++], sizeof(l->nets[0]), "%s", net);
}

static void
run_query_calls(struct rw_store *st)
{
	struct rw_grey_spec g = { 300, 14400, 36 * 86400, 2, 36 * 86400 };
	struct rw_grey_entry e;
	struct listed l = { .n = 0 };
	enum rw_grey_state s;
	unsigned int wait;
	bool	found, listed;
	char	err[256];
	uint64_t now = (uint64_t)time(NULL) * 1000;
	const char *t1 = "grey:q-198.51.100.0/24:a@x.test:b@y.test";
	const char *t2 = "grey:q-198.51.100.0/24:c@x.test:b@y.test";
	const char *nk = "greynet:q-198.51.100.0/24";

	/* show: absent, then after a first attempt */
	CHECK(rw_store_grey_show(st, t1, &e, &found, err, sizeof(err)) ==
	    RW_STORE_OK && !found, "show before: found");
	(void)rw_store_grey(st, t1, nk, &g, now, &s, &wait, &listed, err,
	    sizeof(err));
	CHECK(rw_store_grey_show(st, t1, &e, &found, err, sizeof(err)) ==
	    RW_STORE_OK && found && e.first_ms == now && e.pass_ms == 0,
	    "show after a first attempt: found %d first %llu", found,
	    (unsigned long long)e.first_ms);
	/* clear: a new attempt is new again */
	CHECK(rw_store_grey_clear(st, t1, err, sizeof(err)) == RW_STORE_OK,
	    "clear: %s", err);
	CHECK(rw_store_grey_show(st, t1, &e, &found, err, sizeof(err)) ==
	    RW_STORE_OK && !found, "show after clear: found");
	/* two passes: the network is listed */
	(void)rw_store_grey(st, t1, nk, &g, now - 600000, &s, &wait, &listed,
	    err, sizeof(err));
	(void)rw_store_grey(st, t2, nk, &g, now - 600000, &s, &wait, &listed,
	    err, sizeof(err));
	(void)rw_store_grey(st, t1, nk, &g, now - 200000, &s, &wait, &listed,
	    err, sizeof(err));
	(void)rw_store_grey(st, t2, nk, &g, now - 200000, &s, &wait, &listed,
	    err, sizeof(err));
	CHECK(rw_store_grey_list_allowed(st, &g, now, collect, &l, err,
	    sizeof(err)) == RW_STORE_OK, "list: %s", err);
	CHECK(l.n == 1 && strcmp(l.nets[0], "q-198.51.100.0/24") == 0,
	    "list: got %d networks, first \"%s\"", l.n, l.n ? l.nets[0] : "");
	printf("%s query calls: show, clear, list auto-allowlisted\n",
	    l.n == 1 ? "ok  " : "FAIL");
}

/* run_cap - the embedded store's key cap: fail, never block; sweep */
static void
run_cap(void)
{
	struct rw_store_opts o = opts;
	struct rw_store *st;
	struct rw_rate_spec r = { 1, 60, 0 };
	char	err[256], key[64], capurl[1100];
	bool	ok;
	uint64_t retry;
	int	i, stored = 0, rc = RW_STORE_OK;

	/* a file of its own: the cap counts every record in the file */
	snprintf(capurl, sizeof(capurl), "%s-cap", url);
	o.max_keys = 100;
	if ((st = rw_store_open(capurl, &o, err, sizeof(err))) == NULL) {
		CHECK(0, "cap: open: %s", err);
		return;
	}
	/* fill up, whatever the other runs left under other prefixes */
	for (i = 0; i < 300 && rc == RW_STORE_OK; i++) {
		snprintf(key, sizeof(key), "rate:cap:%d", i);
		rc = rw_store_rate(st, key, &r, 1, T0 + 86400000ULL * 400, &ok,
		    &retry, err, sizeof(err));
		if (rc == RW_STORE_OK)
			stored++;
	}
	CHECK(rc == RW_STORE_FAIL && strstr(err, "state_max_keys") != NULL &&
	    stored == 100, "cap: failed after %d keys, want 100 (%s)", stored,
	    err);
	/* an existing key is still counted at the cap */
	CHECK(rw_store_rate(st, "rate:cap:0", &r, 1, T0 + 86400000ULL * 400,
	    &ok, &retry, err, sizeof(err)) == RW_STORE_OK && !ok,
	    "cap: an existing key at the cap: %s", err);
	/* a minute later every record has expired: swept, room again */
	CHECK(rw_store_rate(st, "rate:cap:new", &r, 1,
	    T0 + 86400000ULL * 400 + 61000, &ok, &retry, err, sizeof(err)) ==
	    RW_STORE_OK && ok, "cap: no room after expiry: %s", err);
	printf("%s cap: %d keys stored, then \"full\", then room after expiry\n",
	    rc == RW_STORE_FAIL ? "ok  " : "FAIL", stored);
	rw_store_close(st);
}

/* fill - n triplets, 100 per /24, for the memory benchmark */
static int
fill(unsigned long n)
{
	struct rw_grey_spec g = { 300, 14400, 36 * 86400, 0, 36 * 86400 };
	struct rw_store *st;
	enum rw_grey_state s;
	unsigned int wait;
	bool	listed;
	char	err[256], tk[RW_STATE_KEY_MAX + 1], nk[RW_STATE_KEY_MAX + 1];
	uint64_t now = (uint64_t)time(NULL) * 1000;
	struct timespec t0, t1;
	unsigned long i;

	opts.max_keys = n + n / 10 + 1000;
	if ((st = rw_store_open(url, &opts, err, sizeof(err))) == NULL) {
		printf("FAIL open %s: %s\n", url, err);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		snprintf(nk, sizeof(nk), "greynet:10.%lu.%lu.0/24", (i / 100) >> 8 & 255,
		    (i / 100) & 255);
		snprintf(tk, sizeof(tk), "grey:10.%lu.%lu.0/24:sender%lu@example.org:"
		    "rcpt%lu@example.net", (i / 100) >> 8 & 255, (i / 100) & 255, i,
		    i % 1000);
		if (rw_store_grey(st, tk, nk, &g, now, &s, &wait, &listed, err,
		    sizeof(err)) != RW_STORE_OK) {
			printf("FAIL after %lu triplets: %s\n", i, err);
			rw_store_close(st);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("filled %lu triplets in %.1f s (%.1f us each)\n", n,
	    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	    ((double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec -
	    t0.tv_nsec) / 1e3) / (double)n);
	rw_store_close(st);
	return 0;
}

int
main(int argc, char **argv)
{
	struct rw_store *st;
	char	err[256], prefix[64];
	bool	cap = false;
	unsigned long nfill = 0;
	int	ch;

	snprintf(prefix, sizeof(prefix), "t%ld:", (long)getpid());
	opts.prefix = prefix;
	opts.timeout_ms = 2000;
	while ((ch = getopt(argc, argv, "cf:p:")) != -1) {
		switch (ch) {
		case 'f':
			nfill = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			cap = true;
			break;
		case 'p':
			snprintf(prefix, sizeof(prefix), "%s", optarg);
			break;
		default:
			fprintf(stderr, "usage: store-cases [-c] [-p prefix] URL\n");
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: store-cases [-c] [-p prefix] URL\n");
		return 2;
	}
	url = argv[optind];
	rw_log_set_foreground(true);	/* the store's log lines on stderr */
	if (nfill > 0)
		return fill(nfill);
	if ((st = rw_store_open(url, &opts, err, sizeof(err))) == NULL) {
		printf("FAIL open %s: %s\n0 passed, 1 failed\n", url, err);
		return 1;
	}
	printf("store %s (%s), prefix %s\n", url, rw_store_backend_name(st),
	    prefix);
	run_rate_cases(st);
	run_grey_cases(st);
	run_threads(st);
	run_concurrency(st);
	run_query_calls(st);
	rw_store_close(st);
	run_processes();
	if (cap)
		run_cap();
	printf("%d passed, %d failed\n", pass, failn);
	return failn == 0 ? 0 : 1;
}
