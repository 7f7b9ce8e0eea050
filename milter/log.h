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
 */
#ifndef RW_LOG_H
#define RW_LOG_H

#define RW_PRINTF(a, b)	__attribute__((format(printf, a, b)))

void	rw_log_open(void);
void	rw_log_err(const char *fmt, ...) RW_PRINTF(1, 2);
void	rw_log_warn(const char *fmt, ...) RW_PRINTF(1, 2);
void	rw_log_info(const char *fmt, ...) RW_PRINTF(1, 2);
void	rw_log_debug(const char *fmt, ...) RW_PRINTF(1, 2);
void	rw_fatal(const char *fmt, ...) RW_PRINTF(1, 2) __attribute__((noreturn));

#endif /* RW_LOG_H */
