/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	log - syslog (facility mail) and, in the foreground, stderr
 * DESCRIPTION
 *	Each line is formatted once into a bounded buffer and written with a
 *	single write(2) to stderr, so lines from session threads never
 *	interleave. The stderr copy carries a timestamp and the level,
 *	because in the foreground there is no syslog daemon to add them.
 *
 *	Under systemd (relaywarden -f as a service) stderr is a journal
 *	stream, and journald also reads /dev/log: every line would be in
 *	the journal twice, and rsyslog would file the stderr copy outside
 *	mail.log. So the stderr copy is left out when stderr is the journal,
 *	which systemd tells by JOURNAL_STREAM=DEVICE:INODE of that stream
 *	(systemd.exec(5)); syslog keeps the facility and the priority.
 *
 *	With no syslog daemon (no socket at /dev/log: a container, a test
 *	machine, relaywarden -f under a supervisor that reads stderr),
 *	glibc's syslog() tries again for every line: a socket, a connect
 *	that fails and a close, three system calls per line for nothing
 *	(two lines per message, about 4% of the daemon's CPU per message
 *	in the benchmark, issue 11). So syslog() is called only while the
 *	socket is there, which is looked at once a second at most: a syslog
 *	daemon started later gets the lines from the next second on.
 *
 *	The foreground flag is written once, before any other thread
 *	starts. The debug flag changes at every reload while session
 *	threads read it, so it is an atomic (relaxed: it orders nothing),
 *	as are the syslog socket's presence and the second it was looked at.
 */
#include "config.h"

#include <paths.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX	2048

static bool log_stderr;			/* -f, and stderr is not the journal */
static long log_pid;			/* ours, for the stderr copy */
static atomic_bool log_debug;		/* log_level = debug */
static atomic_bool syslog_there;	/* a socket at _PATH_LOG, last we looked */
static atomic_llong syslog_looked;	/* that second (monotonic) + 1; 0: never */

/* syslog_socket_there - /dev/log is a socket; looked at once a second */
static bool
syslog_socket_there(void)
{
	struct timespec ts;
	struct stat st;
	long long now, last;
	bool	there;

	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0)
		return true;			/* let syslog() find out */
	now = (long long)ts.tv_sec + 1;
	last = atomic_load_explicit(&syslog_looked, memory_order_relaxed);
	if (last == now || !atomic_compare_exchange_strong_explicit(&syslog_looked,
	    &last, now, memory_order_relaxed, memory_order_relaxed))
		return atomic_load_explicit(&syslog_there, memory_order_relaxed);
	there = stat(_PATH_LOG, &st) == 0 && S_ISSOCK(st.st_mode);
	atomic_store_explicit(&syslog_there, there, memory_order_relaxed);
	return there;
}

/* stderr_is_journal - systemd connected stderr to the journal */
static bool
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char	end;

	if (js == NULL || sscanf(js, "%llu:%llu%c", &dev, &ino, &end) != 2 ||
	    fstat(STDERR_FILENO, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/* rw_log_set_foreground - also write to stderr, unless it is the journal */
void
rw_log_set_foreground(bool on)
{
	log_stderr = on && !stderr_is_journal();
	log_pid = (long)getpid();	/* -f does not fork */
}

/* rw_log_set_debug - let rw_log_debug() lines through */
void
rw_log_set_debug(bool on)
{
	atomic_store_explicit(&log_debug, on, memory_order_relaxed);
}

/*
 * stderr_head - "2026-12-02T02:46:05 relaywarden[PID]: " into buf; its
 * length. The time is formatted once a second per thread: localtime_r()
 * takes glibc's time zone lock.
 */
static size_t
stderr_head(char *buf, size_t len)
{
	static _Thread_local time_t stamp_sec = -1;
	static _Thread_local char stamp[32];
	struct tm tm;
	time_t	now = time(NULL);
	int	n;

	if (now != stamp_sec) {
		stamp_sec = now;
		if (localtime_r(&now, &tm) == NULL ||
		    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
			stamp[0] = '\0';
	}
	n = snprintf(buf, len, "%s relaywarden[%ld]: ", stamp, log_pid);
	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

/*
 * vlog - one line, formatted once: the stderr copy's head, then the tag
 * and the message (what syslog gets), then a newline. A message longer
 * than LOG_LINE_MAX is cut there, as syslog daemons cut theirs.
 */
static void
vlog(int prio, const char *tag, const char *fmt, va_list ap)
{
	char	line[64 + LOG_LINE_MAX + 1];
	char	*msg;
	size_t	head = 0, len;
	int	n;

	if (log_stderr)
		head = stderr_head(line, 64);
	msg = line + head;
	len = strlen(tag);
	if (len >= LOG_LINE_MAX)
		len = LOG_LINE_MAX - 1;
	memcpy(msg, tag, len);
	n = vsnprintf(msg + len, LOG_LINE_MAX - len, fmt, ap);
	if (n > 0)
		len += (size_t)n < LOG_LINE_MAX - len ? (size_t)n :
		    LOG_LINE_MAX - len - 1;
	msg[len] = '\0';
	if (syslog_socket_there())
		syslog(prio, "%s", msg);
	if (!log_stderr)
		return;
	msg[len] = '\n';
	(void)!write(STDERR_FILENO, line, head + len + 1);
}

/* rw_log_open - connect to syslog, facility mail */
void
rw_log_open(void)
{
	openlog("relaywarden", LOG_PID | LOG_NDELAY, LOG_MAIL);
}

/* rw_log_debug_on - debug lines are written (skip their formatting if not) */
bool
rw_log_debug_on(void)
{
	return atomic_load_explicit(&log_debug, memory_order_relaxed);
}

#define DEFINE_LOG(name, prio, tag, gate)		\
void							\
name(const char *fmt, ...)				\
{							\
	va_list	ap;					\
							\
	if (!(gate))					\
		return;					\
	va_start(ap, fmt);				\
	vlog(prio, tag, fmt, ap);			\
	va_end(ap);					\
}

DEFINE_LOG(rw_log_err, LOG_ERR, "error: ", true)
DEFINE_LOG(rw_log_warn, LOG_WARNING, "warning: ", true)
DEFINE_LOG(rw_log_info, LOG_INFO, "", true)
DEFINE_LOG(rw_log_debug, LOG_DEBUG, "debug: ", rw_log_debug_on())

/* rw_fatal - start-up failure: log, print, exit 1 */
void
rw_fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	if (!log_stderr) {	/* a fatal is seen on stderr always */
		va_list	ap2;

		va_copy(ap2, ap);
		fprintf(stderr, "relaywarden: fatal: ");
		vfprintf(stderr, fmt, ap2);
		fprintf(stderr, "\n");
		va_end(ap2);
	}
	vlog(LOG_CRIT, "fatal: ", fmt, ap);
	va_end(ap);
	exit(1);
}
