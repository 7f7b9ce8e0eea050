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
 *	The foreground flag is written once, before any other thread
 *	starts. The debug flag changes at every reload while session
 *	threads read it, so it is an atomic (relaxed: it orders nothing).
 */
#include "config.h"

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
static atomic_bool log_debug;		/* log_level = debug */

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
}

/* rw_log_set_debug - let rw_log_debug() lines through */
void
rw_log_set_debug(bool on)
{
	atomic_store_explicit(&log_debug, on, memory_order_relaxed);
}

static void
vlog(int prio, const char *tag, const char *fmt, va_list ap)
{
	char	msg[LOG_LINE_MAX], line[LOG_LINE_MAX + 64];
	char	stamp[32];
	struct tm tm;
	time_t	now;
	int	n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	syslog(prio, "%s%s", tag, msg);
	if (!log_stderr)
		return;
	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		stamp[0] = '\0';
	n = snprintf(line, sizeof(line), "%s relaywarden[%ld]: %s%s\n", stamp,
	    (long)getpid(), tag, msg);
	if (n > 0) {
		if ((size_t)n >= sizeof(line))
			n = sizeof(line) - 1;
		(void)!write(STDERR_FILENO, line, (size_t)n);
	}
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
