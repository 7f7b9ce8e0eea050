/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	log.h - relaywarden's logging ladder
 * DESCRIPTION
 *	rw_fatal() is for start-up and configuration load only, and exits.
 *	rw_log_err() reports an internal failure at run time, rw_log_warn()
 *	bad external input or a misconfigured MTA, rw_log_info() one line
 *	per decision, rw_log_debug() detail when log_level = debug.
 *	Lines go to syslog (facility mail) and, with -f, to stderr.
 *
 *	The two switches are log.c's own state, so that this module, the
 *	lowest in milter/, depends on nothing: rw_log_set_foreground() is
 *	called once at start-up, before any thread exists;
 *	rw_log_set_debug() whenever a configuration is installed, while
 *	session threads log (the flag is an atomic).
 */
#ifndef RW_LOG_H
#define RW_LOG_H

#include <stdbool.h>

#define RW_PRINTF(a, b)	__attribute__((format(printf, a, b)))

void	rw_log_open(void);
/* rw_log_set_foreground - -f: copy every line to stderr, unless stderr is
 * the journal (JOURNAL_STREAM; start-up only) */
void	rw_log_set_foreground(bool);
/* rw_log_set_debug - log_level = debug: rw_log_debug() lines are written */
void	rw_log_set_debug(bool);
/* rw_log_debug_on - log_level = debug is in force */
bool	rw_log_debug_on(void);
void	rw_log_err(const char *fmt, ...) RW_PRINTF(1, 2);
void	rw_log_warn(const char *fmt, ...) RW_PRINTF(1, 2);
void	rw_log_info(const char *fmt, ...) RW_PRINTF(1, 2);
void	rw_log_debug(const char *fmt, ...) RW_PRINTF(1, 2);
void	rw_fatal(const char *fmt, ...) RW_PRINTF(1, 2) __attribute__((noreturn));

#endif /* RW_LOG_H */
