/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	threadreuse - keep libmilter's exiting workers for its next ones
 * DESCRIPTION
 *	Debian's libmilter runs sessions on a pool (_FFR_WORKERS_POOL;
 *	sendmail's libmilter/worker.c, read for facts) that starts a thread
 *	whenever a command comes in and no worker is idle, and ends a worker
 *	that finds two others idle beside it. Under steady load the two
 *	rules take turns: in the benchmark (20 sessions through Postfix) 1.5
 *	to 2 threads were created and ended per message, each a clone, a
 *	stack set up and given back, and a malloc cache emptied at exit, in
 *	relaywarden as in the null filter (issue 11).
 *
 *	libmilter creates its threads with pthread_create() and nothing else,
 *	so relaywarden defines pthread_create() and pthread_detach() itself;
 *	the dynamic linker binds libmilter's calls to these (the program's
 *	definitions come first), and they reach glibc's through
 *	dlsym(RTLD_NEXT). A thread libmilter asks for (default attributes, a
 *	start routine inside libmilter's own code) runs on a thread of ours:
 *	when its routine returns, the thread waits, parked, for libmilter's
 *	next request instead of exiting, and runs that one. Every other
 *	thread (ours, GLib's) is created as asked.
 *
 *	To libmilter a parked thread has ended: its worker returned, having
 *	counted itself out of the pool; a reused one starts as a new worker
 *	would, from its start routine, on an empty stack. libmilter detaches
 *	each worker itself (pthread_detach(pthread_self())); ours are created
 *	detached, so that call succeeds without doing anything. Nothing of a
 *	worker survives in a reused thread but what any long-lived thread
 *	keeps: its malloc cache, and the thread-local variables relaywarden
 *	sets at every callback's entry (mlfi.c, spfdns.c).
 *
 *	At most RW_REUSE_PARKED (4) threads wait at a time; one more, or one
 *	parked for RW_REUSE_IDLE_S seconds, exits. Under steady load the
 *	pool's turnover is a few threads at a time (libmilter itself keeps
 *	two idle), and a burst of sessions that grew the pool should give
 *	its threads back after it. A thread parked for RW_REUSE_WARM_MS
 *	(200 ms) returns its stack's pages below its frame to the kernel, as
 *	glibc does for a thread that exits, so a quiet daemon's parked
 *	threads hold a few pages of stack each (with 2,000 sessions held
 *	the RSS is what it was without reuse). Not sooner: under load a
 *	parked thread is wanted again within milliseconds, and giving the
 *	pages back at every park made it fault them in again, which cost 6%
 *	of the CPU per message in paired benchmark rounds (issue 11).
 *
 *	rw_threadreuse_enable() turns reuse on, once, before smfi_main();
 *	until then (and in programs that never call it) the two functions
 *	pass every call through. Failures to make a thread are returned to
 *	libmilter as pthread_create()'s would be.
 */
#include "config.h"

#include "threadreuse.h"

#include <sys/mman.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "miltercode.h"

/* threads parked at most; how long one waits before it gives back its
 * stack's pages, and before it exits */
#define RW_REUSE_PARKED		4
#define RW_REUSE_WARM_MS	200
#define RW_REUSE_IDLE_S		30
/* the stack kept under a parked thread's frame, as glibc keeps at exit */
#define RW_REUSE_STACK_KEEP	(16 * 1024)

typedef int	(*create_fn)(pthread_t *, const pthread_attr_t *,
		    void *(*)(void *), void *);
typedef int	(*detach_fn)(pthread_t);

/* a thread of ours, and the routine it is to run next */
struct worker {
	pthread_cond_t	 cv;		/* signalled when given a routine */
	void		*(*routine)(void *);
	void		*arg;
	pthread_t	 tid;		/* written by the thread itself */
	struct worker	*next;		/* in the parked list */
};

static atomic_bool enabled;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct worker *parked;		/* guarded by lock */
static unsigned int nparked;		/* guarded by lock */
static _Thread_local struct worker *self;	/* the thread's own, if ours */

/* glibc's functions (or a sanitizer's in front of them), as found */
static _Atomic(void *) real_create, real_detach;

/* the two found before main(), so that no call of ours runs dlsym() */
__attribute__((constructor)) static void
find_real(void)
{
	(void)rw_miltercode_next(&real_create, "pthread_create");
	(void)rw_miltercode_next(&real_detach, "pthread_detach");
}

static create_fn
glibc_create(void)
{
	return (create_fn)rw_miltercode_next(&real_create, "pthread_create");
}

static detach_fn
glibc_detach(void)
{
	return (detach_fn)rw_miltercode_next(&real_detach, "pthread_detach");
}

/* give_back_stack - the pages under this frame, as glibc does at exit */
static void
give_back_stack(void)
{
	pthread_attr_t attr;
	void	*base;
	size_t	 size;
	uintptr_t low, sp = (uintptr_t)&attr;
	long	 page = sysconf(_SC_PAGESIZE);

	if (page <= 0 || pthread_getattr_np(pthread_self(), &attr) != 0)
		return;
	if (pthread_attr_getstack(&attr, &base, &size) == 0) {
		low = ((uintptr_t)base + (uintptr_t)page - 1) &
		    ~((uintptr_t)page - 1);
		if (sp > low + RW_REUSE_STACK_KEEP)
			(void)madvise((void *)low,
			    (sp - RW_REUSE_STACK_KEEP - low) &
			    ~((uintptr_t)page - 1), MADV_DONTNEED);
	}
	(void)pthread_attr_destroy(&attr);
}

/* unpark - take w out of the parked list (lock held) */
static void
unpark(struct worker *w)
{
	struct worker **pp;

	for (pp = &parked; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			nparked--;
			return;
		}
}

/* park - wait for the next routine; false: none came, the thread ends */
static bool
park(struct worker *w)
{
	struct timespec until;
	bool	given_back = false;

	rw_deadline_set(&until, RW_REUSE_WARM_MS);
	pthread_mutex_lock(&lock);
	if (nparked >= RW_REUSE_PARKED) {
		pthread_mutex_unlock(&lock);
		return false;
	}
	w->routine = NULL;
	w->next = parked;
	parked = w;
	nparked++;
	while (w->routine == NULL) {
		if (pthread_cond_timedwait(&w->cv, &lock, &until) != ETIMEDOUT ||
		    w->routine != NULL)
			continue;
		if (given_back) {
			unpark(w);
			pthread_mutex_unlock(&lock);
			return false;
		}
		pthread_mutex_unlock(&lock);
		give_back_stack();
		given_back = true;
		rw_deadline_set(&until, RW_REUSE_IDLE_S * 1000);
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	return true;
}

/* run - a thread of ours: routine after routine, parked in between */
static void *
run(void *arg)
{
	struct worker *w = arg;

	self = w;
	w->tid = pthread_self();
	do
		(void)w->routine(w->arg);
	while (park(w));
	/* park() returned false with w out of the parked list: no other
	 * thread can find w, let alone signal its condition variable */
	pthread_cond_destroy(&w->cv);	/* tsan.supp: no thread left */
	free(w);
	return NULL;
}

/* start - a new thread of ours, detached, running routine(arg) */
static int
start(pthread_t *tid, void *(*routine)(void *), void *arg)
{
	create_fn create = glibc_create();
	pthread_condattr_t ca;
	pthread_attr_t attr;
	struct worker *w;
	int	rc;

	if (create == NULL || (w = calloc(1, sizeof(*w))) == NULL)
		return EAGAIN;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	rc = pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (rc != 0) {
		free(w);
		return EAGAIN;
	}
	w->routine = routine;
	w->arg = arg;
	if ((rc = pthread_attr_init(&attr)) == 0) {
		rc = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (rc == 0)
			rc = create(tid, &attr, run, w);
		(void)pthread_attr_destroy(&attr);
	}
	if (rc != 0) {		/* w's thread never started, nor was w parked */
		pthread_cond_destroy(&w->cv);	/* tsan.supp: no thread left */
		free(w);
	}
	return rc;
}

int
pthread_create(pthread_t *tid, const pthread_attr_t *attr,
    void *(*routine)(void *), void *arg)
{
	create_fn create;
	struct worker *w;

	if (attr == NULL && atomic_load(&enabled) &&
	    rw_miltercode_has((const void *)(uintptr_t)routine)) {
		pthread_mutex_lock(&lock);
		if ((w = parked) != NULL) {
			parked = w->next;
			nparked--;
			w->routine = routine;
			w->arg = arg;
			*tid = w->tid;
			pthread_cond_signal(&w->cv);
			pthread_mutex_unlock(&lock);
			return 0;
		}
		pthread_mutex_unlock(&lock);
		return start(tid, routine, arg);
	}
	if ((create = glibc_create()) == NULL)
		return EAGAIN;
	return create(tid, attr, routine, arg);
}

int
pthread_detach(pthread_t tid)
{
	detach_fn detach;

	/* ours are detached already: libmilter's worker detaching itself */
	if (self != NULL && pthread_equal(tid, pthread_self()))
		return 0;
	if ((detach = glibc_detach()) == NULL)
		return EINVAL;
	return detach(tid);
}

/* rw_threadreuse_enable - reuse libmilter's threads from now on */
bool
rw_threadreuse_enable(void)
{
	if (!rw_miltercode_find() ||
	    glibc_create() == NULL || glibc_detach() == NULL)
		return false;
	atomic_store(&enabled, true);
	return true;
}
