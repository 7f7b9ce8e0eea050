/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	main - relaywarden daemon: options, start-up, signals
 * SYNOPSIS
 *	relaywarden [-c FILE] [-f] [-t] [-V] [-p SOCKET]
 * DESCRIPTION
 *	Start-up order: read and check the configuration (errors as
 *	file:line, exit 1), open the milter socket as the starting user
 *	(so a socket in a root-owned directory works), apply its mode and
 *	group, detach unless -f, write the pidfile, drop privileges, then
 *	serve.
 *
 *	Signals: libmilter's own signal thread sigwait()s for SIGHUP, SIGTERM
 *	and SIGINT and stops the milter on SIGHUP. To make SIGHUP a reload,
 *	smfi_main() runs in a second thread (libmilter blocks the signals
 *	there and in the threads it starts) while the main thread keeps
 *	them unblocked with handlers that only write to a self-pipe. Linux
 *	delivers a process-directed signal to the main thread whenever that
 *	thread does not block it, so libmilter never sees these three. The
 *	main loop reads the pipe: SIGHUP reloads, SIGTERM/SIGINT stop.
 *
 *	Stopping drains first, because smfi_stop() abandons sessions in
 *	flight: with the worker pool, libmilter's pool controller stops
 *	polling at once, so a session waiting for its MTA's next command
 *	is never served again and is reset at exit. So SIGTERM makes new
 *	sessions and new messages answer "451 4.3.2" (sessions.c, mlfi.c), waits until
 *	the sessions open have closed or drain_time has passed (a second
 *	SIGTERM cuts it short), logs how many were drained and how many
 *	cut, and only then stops libmilter. smfi_stop() closes the listening
 *	socket under the lock that libmilter's listener holds across its
 *	poll(), which returns only after up to 5 s (MI_CHK_TIME): so
 *	smfi_stop() runs in a short-lived thread of its own, and the main
 *	thread sends the milter thread a no-op SIGUSR1 every 20 ms until
 *	smfi_main() has returned. The signal ends the listener's poll()
 *	with EINTR, it lets go of the lock, smfi_stop() gets it, and the
 *	listener sees the stop: an idle daemon stops at once. Before
 *	freeing the services, main() waits (briefly) until no callback runs.
 *
 *	An inet socket gets TCP_NODELAY on libmilter's listener right after
 *	smfi_opensocket() (daemon.c says why and how).
 *
 *	At start the soft descriptor limit is raised to the hard one and
 *	the session cap derived from it (daemon.c); session_timeout is
 *	libmilter's read/write timeout (smfi_settimeout()).
 *
 *	main() also makes the services every session uses, after detaching
 *	(fork keeps no threads): the resolver, the SPF server on the
 *	resolver's answer source, the prober. It hands them to mlfi.c
 *	before smfi_main() and frees them after it returned.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "conf.h"
#include "daemon.h"
#include "dns.h"
#include "log.h"
#include "metrics.h"
#include "metricshttp.h"
#include "mimeload.h"
#include "mlfi.h"
#include "msgbuf.h"
#include "sessions.h"
#include "poolkick.h"
#include "sockread.h"
#include "threadreuse.h"
#include "probe.h"
#include "spf.h"
#include "spfsource.h"
#include "stages.h"
#include "store.h"
#include "urifacts.h"

/* signal handler -> main loop; the handler can reach nothing else */
static int sigpipe[2] = { -1, -1 };

static void
usage(void)
{
	fprintf(stderr,
	    "usage: relaywarden [-c FILE] [-f] [-t] [-V] [-p SOCKET]\n"
	    "  -c FILE    configuration file (default %s)\n"
	    "  -f         stay in the foreground, log to stderr too\n"
	    "  -t         check the configuration, print the policy, exit\n"
	    "  -V         print the version and exit\n"
	    "  -p SOCKET  milter socket (unix:/path, inet:PORT@HOST, inet6:PORT@HOST)\n",
	    RW_DEFAULT_CONFIG);
	exit(2);
}

static void
on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int	saved = errno;

	(void)!write(sigpipe[1], &b, 1);
	errno = saved;
}

/* on_wake - SIGUSR1 only interrupts the milter thread's poll() */
static void
on_wake(int sig)
{
	(void)sig;
}

static bool
setup_signals(void)
{
	struct sigaction sa;
	int	i;

	if (pipe(sigpipe) != 0)
		return false;
	for (i = 0; i < 2; i++)
		if (fcntl(sigpipe[i], F_SETFD, FD_CLOEXEC) != 0)
			return false;
	if (fcntl(sigpipe[1], F_SETFL, O_NONBLOCK) != 0)
		return false;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/*
	 * No SA_RESTART: serve()'s read() returns EINTR and loops. Under
	 * ThreadSanitizer the handler only runs when read() returns; with
	 * SA_RESTART it never would, and no signal would be acted on.
	 */
	sa.sa_flags = 0;
	if (sigaction(SIGHUP, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGINT, &sa, NULL) != 0)
		return false;
	sa.sa_handler = on_wake;
	if (sigaction(SIGUSR1, &sa, NULL) != 0)
		return false;
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL) == 0;
}

static void *
milter_thread(void *arg)
{
	int	*rc = arg;

	*rc = smfi_main();
	/* wake the main loop if libmilter stopped on its own */
	on_signal(0);
	return NULL;
}

/* stopper - smfi_stop(), which waits for the listener's lock (see above) */
static void *
stopper(void *arg)
{
	(void)arg;
	smfi_stop();
	return NULL;
}

/* ms_since - milliseconds from *t0 to now, CLOCK_MONOTONIC */
static long
ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* drain_time_ms - the drain time of the configuration in force */
static unsigned int
drain_time_ms(void)
{
	struct rw_snapshot *s = rw_conf_acquire();
	unsigned int ms = s != NULL ? s->daemon.drain_time_ms : 0;

	rw_conf_release(s);
	return ms;
}

enum serve_state { SERVING, DRAINING, STOPPING };

/*
 * open_store - the state store, after the privileges are dropped (the
 * file belongs to the daemon's user) and after detaching (no LMDB
 * environment may cross a fork). A store that cannot be opened is no
 * reason to refuse mail: every stateful check then meets state_failure.
 * It is opened when the first configuration that uses it is installed,
 * at start or by a reload (store_for_reload); a changed state_store
 * needs a restart.
 */
static struct rw_store *
open_store(const struct rw_daemon_conf *dc)
{
	struct rw_store_opts o = { NULL, 0, NULL, 0 };
	struct rw_store *st;
	char	err[512];

	o.prefix = dc->state_prefix;
	o.timeout_ms = dc->state_timeout_ms;
	o.password_file = dc->state_password_file[0] != '\0' ?
	    dc->state_password_file : NULL;
	o.max_keys = dc->state_max_keys;
	if ((st = rw_store_open(dc->state_store, &o, err, sizeof(err))) == NULL)
		rw_log_err("state store %s: %s: rate limits and greylisting "
		    "meet state_failure until it is fixed (a reload or restart "
		    "tries again)", dc->state_store, err);
	else
		rw_log_info("state store %s (%s), prefix %s", dc->state_store,
		    rw_store_backend_name(st), dc->state_prefix);
	return st;
}

/* content_checked - the policy reads the message (headers, body, MIME) */
static bool
content_checked(const struct rw_config *cfg)
{
	return rw_content_needs(cfg) != 0;
}

/*
 * admit_mime - a configuration about to be installed (at start, by a
 * reload) that has content checks gets the MIME module first
 * (mimeload.h); false with the reason in err: at start the daemon does
 * not start, a reload keeps the old policy. Main thread only.
 */
static bool
admit_mime(const struct rw_snapshot *snap, char *err, size_t errlen)
{
	if (!rw_conf_any(snap, content_checked))
		return true;
	return rw_mimeload_load(err, errlen);
}

/*
 * store_for_reload - a reload enabled rate limits or greylisting and no
 * store is open yet: open it now. Sessions read svc->store with an
 * atomic load; only this thread (and main before serving) writes it.
 */
static void
store_for_reload(struct rw_services *svc)
{
	struct rw_snapshot *snap = rw_conf_acquire();

	if (snap != NULL && rw_conf_any(snap, rw_state_used) &&
	    __atomic_load_n(&svc->store, __ATOMIC_ACQUIRE) == NULL)
		__atomic_store_n(&svc->store, open_store(&snap->daemon),
		    __ATOMIC_RELEASE);
	rw_conf_release(snap);
}

/* serve - run libmilter in its thread; handle signals here */
static int
serve(const char *config_path, struct rw_services *svc)
{
	pthread_t tid, stop_tid;
	bool	stopper_started = false;
	int	milter_rc = MI_SUCCESS;
	unsigned char sig;
	ssize_t	n;
	enum serve_state state = SERVING;
	struct pollfd pfd;
	struct timespec t0;
	unsigned int drain_ms = 0, open0 = 0, closed0 = 0, open = 0;

	/* libmilter's workers run on threads kept for reuse (threadreuse.c) */
	if (!rw_threadreuse_enable())
		rw_log_warn("cannot find libmilter or glibc's pthread_create(): "
		    "libmilter's threads are created and ended as it asks");
	/* and read the MTA's sockets a block at a time (sockread.c) */
	if (!rw_sockread_enable())
		rw_log_warn("cannot find libmilter or glibc's read(): libmilter "
		    "reads the MTA's sockets as it asks");
	if (pthread_create(&tid, NULL, milter_thread, &milter_rc) != 0) {
		rw_log_err("cannot start the milter thread");
		return 1;
	}
	pfd.fd = sigpipe[0];
	pfd.events = POLLIN;
	for (;;) {
		/* serving: over-cap refusals not yet reported, every 2 s; draining:
		 * look at the sessions every 50 ms; stopping: send the milter
		 * thread SIGUSR1 every 20 ms */
		if (poll(&pfd, 1, state == SERVING ? 2000 : state == DRAINING ?
		    50 : 20) > 0) {
			n = read(sigpipe[0], &sig, 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0 || sig == 0)
				break;		/* smfi_main() returned */
			if (sig == SIGHUP && state == SERVING) {
				rw_conf_reload(config_path, svc->resolver,
				    admit_mime);
				store_for_reload(svc);
			} else if ((sig == SIGTERM || sig == SIGINT) &&
			    state == SERVING) {
				rw_sessions_stop_accepting();
				clock_gettime(CLOCK_MONOTONIC, &t0);
				drain_ms = drain_time_ms();
				open0 = rw_sessions_open();
				closed0 = rw_sessions_closed();
				rw_log_info("signal %d: stopping; new sessions get 451 "
				    "4.3.2; %u session%s in flight, waiting up to "
				    "%ums (drain_time)", sig, open0,
				    open0 == 1 ? "" : "s", drain_ms);
				state = DRAINING;
			} else if (sig == SIGTERM || sig == SIGINT) {
				if (state == DRAINING)
					rw_log_info("signal %d again: not waiting for "
					    "the sessions in flight", sig);
				drain_ms = 0;
			}
		}
		rw_sessions_log_refusals(false);	/* over-cap counts, <= 1 per 10 s */
		if (state == DRAINING && ((open = rw_sessions_open()) == 0 ||
		    ms_since(&t0) >= (long)drain_ms)) {
			if (open == 0)
				rw_log_info("drained: %u session%s finished in "
				    "%ldms, 0 cut; %u new refused", rw_sessions_closed() -
				    closed0, rw_sessions_closed() - closed0 == 1 ? "" :
				    "s", ms_since(&t0), rw_sessions_refused_at_stop());
			else
				rw_log_warn("drain_time over: %u session%s finished, "
				    "%u cut (their MTA applies its milter default "
				    "action); %u new refused", rw_sessions_closed() -
				    closed0, rw_sessions_closed() - closed0 == 1 ? "" :
				    "s", open, rw_sessions_refused_at_stop());
			if (pthread_create(&stop_tid, NULL, stopper, NULL) == 0)
				stopper_started = true;
			else
				smfi_stop();	/* returns within MI_CHK_TIME */
			state = STOPPING;
		}
		if (state == STOPPING)
			(void)pthread_kill(tid, SIGUSR1);	/* end its poll() */
	}
	pthread_join(tid, NULL);
	rw_sessions_log_refusals(true);
	if (stopper_started)
		pthread_join(stop_tid, NULL);
	if (milter_rc != MI_SUCCESS && state == SERVING) {
		rw_log_err("libmilter stopped with an error");
		return 1;
	}
	return 0;
}

/* wait_idle - until no callback runs, for at most ms; true if none does */
static bool
wait_idle(unsigned int ms)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (rw_sessions_busy() > 0) {
		if (ms_since(&t0) >= (long)ms)
			return false;
		(void)poll(NULL, 0, 10);
	}
	return true;
}

/* cleanup_files - our unix socket, and the pidfile if it is still ours */
static void
cleanup_files(const char *sock)
{
	struct rw_snapshot *s = rw_conf_acquire();
	char	buf[32];
	FILE	*fp;

	if (strncmp(sock, "unix:", 5) == 0 || strncmp(sock, "local:", 6) == 0)
		(void)unlink(strchr(sock, ':') + 1);
	if (s != NULL && s->daemon.pidfile != NULL &&
	    s->daemon.pidfile[0] != '\0' &&
	    (fp = fopen(s->daemon.pidfile, "r")) != NULL) {
		/* another instance may have taken the pidfile over meanwhile */
		if (fgets(buf, sizeof(buf), fp) != NULL && atol(buf) == (long)getpid())
			(void)unlink(s->daemon.pidfile);
		fclose(fp);
	}
	rw_conf_release(s);
}

int
main(int argc, char **argv)
{
	char	 err[RW_ERR_MAX];
	char	 summary[RW_SUMMARY_MAX];
	struct rw_snapshot *snap;
	const struct rw_daemon_conf *dc;
	struct rw_dns_settings settings;
	struct rw_spf_source spf_source;
	struct rw_services svc = { 0 };
	struct sockaddr_storage kick_addr;
	socklen_t kick_len = 0;
	struct rw_metrics_http *metrics = NULL;
	const char *config_path = RW_DEFAULT_CONFIG, *socket_override = NULL;
	char	*sock;
	bool	 test_only = false, foreground = false;
	unsigned long nofile_before = 0, nofile = 0, nofile_hard = 0;
	int	 ch, rc;

	/* before any thread (libmilter's, the resolver's) exists */
	(void)rw_daemon_malloc_arenas();
	while ((ch = getopt(argc, argv, "c:fp:tV")) != -1) {
		switch (ch) {
		case 'c':
			config_path = optarg;
			break;
		case 'f':
			foreground = true;
			rw_log_set_foreground(true);
			break;
		case 'p':
			socket_override = optarg;
			break;
		case 't':
			test_only = true;
			break;
		case 'V':
			printf("relaywarden %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	if ((snap = rw_conf_read(config_path, err, sizeof(err))) == NULL) {
		fputs(err, stderr);
		fprintf(stderr, "relaywarden: %s: configuration has errors\n",
		    config_path);
		return 1;
	}
	dc = &snap->daemon;
	rw_conf_summary(snap, summary, sizeof(summary));
	if (test_only) {
		/* the start would fail without the MIME module: say so now
		 * (its file only; it is loaded at start) */
		if (rw_conf_any(snap, content_checked) &&
		    access(rw_mimeload_path(), R_OK) != 0) {
			fprintf(stderr, "relaywarden: content checks are "
			    "configured but the MIME module %s cannot be read: "
			    "%s\n", rw_mimeload_path(), strerror(errno));
			rw_conf_release(snap);
			return 1;
		}
		printf("%s: configuration OK\n%s", config_path, summary);
		rw_conf_release(snap);
		return 0;
	}
	/* a copy: a reload frees snap, and cleanup_files() needs it at exit */
	if ((sock = strdup(socket_override != NULL ? socket_override :
	    dc->socket)) == NULL) {
		fprintf(stderr, "relaywarden: out of memory\n");
		rw_conf_release(snap);
		return 1;
	}

	rw_log_open();
	rw_log_set_debug(dc->log_debug);
	rw_log_info("relaywarden %s starting with %s", PACKAGE_VERSION,
	    config_path);
	rw_conf_log_report(summary, false);

	if (!rw_daemon_raise_nofile(&nofile_before, &nofile, &nofile_hard))
		rw_log_warn("cannot raise the descriptor limit: %s",
		    strerror(errno));
	rw_sessions_set_cap(rw_daemon_session_cap(nofile));
	if (dc->max_sessions > rw_daemon_session_cap(nofile))
		rw_log_warn("max_sessions %u is too close to the descriptor "
		    "limit %lu: using %u (raise LimitNOFILE / ulimit -Hn)",
		    dc->max_sessions, nofile, rw_daemon_session_cap(nofile));
	rw_log_info("descriptor limit %lu (soft was %lu, hard %lu); sessions "
	    "at most %u%s, timeout %us", nofile, nofile_before, nofile_hard,
	    dc->max_sessions > 0 && dc->max_sessions <
	    rw_daemon_session_cap(nofile) ? dc->max_sessions :
	    rw_daemon_session_cap(nofile), dc->max_sessions > 0 ? "" :
	    " (max_sessions = 0: from the descriptor limit)",
	    (dc->session_timeout_ms + 999) / 1000);
	/* the MIME module, when the policy reads messages: before the socket
	 * and detaching, so that a module that cannot be loaded fails the
	 * start, on stderr, leaving no socket behind */
	if (!admit_mime(snap, err, sizeof(err)))
		rw_fatal("%s", err);
	if (rw_daemon_socket_busy(sock))
		rw_fatal("%s: another process is listening on this socket", sock);
	if (smfi_setconn(sock) != MI_SUCCESS)
		rw_fatal("%s: bad milter socket", sock);
	if (smfi_register(rw_milter_desc) != MI_SUCCESS)
		rw_fatal("smfi_register failed");
	/* libmilter's default read/write timeout is 7210 s (MI_TIMEOUT) */
	if (smfi_settimeout((int)((dc->session_timeout_ms + 999) / 1000)) !=
	    MI_SUCCESS)
		rw_fatal("smfi_settimeout failed");
	if (smfi_opensocket(true) != MI_SUCCESS)
		rw_fatal("cannot open milter socket %s (does its directory exist, "
		    "is the port free?)", sock);
	if (!rw_daemon_socket_perms(dc, sock))
		rw_fatal("cannot set permissions on %s", sock);
	/* inherited by every accepted socket: no Nagle/delayed-ACK stalls */
	(void)rw_daemon_tcp_nodelay(sock);
	/* our own socket's address, for libmilter's pool (poolkick.c) */
	if (!rw_daemon_listen_addr(sock, &kick_addr, &kick_len, err,
	    sizeof(err)))
		rw_log_warn("%s: %s: libmilter's worker pool may keep sessions "
		    "queued behind DNS waits", sock, err);
	else if ((svc.kick = rw_poolkick_new(&kick_addr, kick_len)) == NULL)
		rw_fatal("out of memory");
	if (!foreground && !rw_daemon_detach())
		rw_fatal("cannot detach: %s", strerror(errno));
	if (!rw_daemon_write_pidfile(dc->pidfile))
		rw_fatal("cannot write pidfile %s", dc->pidfile);
	if (!rw_daemon_drop_privileges(dc->user))
		rw_fatal("cannot run as user %s", dc->user);
	if (!setup_signals())
		rw_fatal("cannot set up signal handling: %s", strerror(errno));

	settings.servers = dc->dns_servers;
	settings.timeout_ms = dc->dns_timeout_ms;
	settings.tries = dc->dns_retries + 1;
	settings.cache_size = dc->dns_cache_size;
	if ((svc.resolver = rw_dns_start_resolver(&settings, err,
	    sizeof(err))) == NULL)
		rw_fatal("DNS: %s", err);
	spf_source = rw_spfsource_resolver(svc.resolver);
	if ((svc.spf = rw_spf_new(&spf_source, err, sizeof(err))) == NULL)
		rw_fatal("SPF: %s", err);
	rw_conf_install(snap);
	if (rw_conf_any(snap, rw_state_used))
		__atomic_store_n(&svc.store, open_store(dc), __ATOMIC_RELEASE);
	/* the Public Suffix List of the URI lists, made when first needed */
	if ((svc.psl = rw_urifacts_psl_new()) == NULL)
		rw_fatal("out of memory");
	if ((svc.probes = rw_probe_start(svc.resolver)) == NULL)
		rw_fatal("cannot start the block list prober");
	rw_mlfi_set_services(&svc);
	rw_metrics_set_inflight(rw_sessions_open);
	rw_metrics_set_content_bytes(rw_msgbuf_budget_used);
	if (dc->metrics_listen != NULL && dc->metrics_listen[0] != '\0') {
		if ((metrics = rw_metrics_http_start(dc->metrics_listen, err,
		    sizeof(err))) == NULL)
			rw_fatal("%s", err);
		rw_log_info("metrics on http://%s/metrics", dc->metrics_listen);
	}
	rw_log_info("listening on %s (mode %s)", sock,
	    snap->cfg->mode == RW_MODE_DRYRUN ? "dryrun" : "enforce");
	rc = serve(config_path, &svc);
	rw_metrics_http_stop(metrics);
	/* a callback of a cut session may still use them: wait, or leave
	 * them to the exit */
	if (wait_idle(2000)) {
		rw_probe_stop(svc.probes);
		rw_dns_stop_resolver(svc.resolver);
		rw_spf_free(svc.spf);
		rw_store_close(svc.store);
		rw_mimeload_shutdown();
		rw_urifacts_psl_free(svc.psl);
		rw_poolkick_free(svc.kick);
	} else {
		rw_log_warn("%u callback%s still running: exiting without "
		    "freeing the resolver", rw_sessions_busy(),
		    rw_sessions_busy() == 1 ? "" : "s");
	}
	rw_log_info("stopped");
	cleanup_files(sock);
	free(sock);
	return rc;
}
