/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	mlfi.h - the libmilter filter description
 * DESCRIPTION
 *	rw_milter_desc is what main.c registers with smfi_register().
 *	rw_mlfi_set_services() gives the callbacks the daemon's resolver,
 *	prober and SPF server; main.c calls it once, before smfi_main().
 *	rw_mlfi_set_session_cap() sets the session cap that applies when
 *	max_sessions is 0 (derived from the descriptor limit), also once
 *	before smfi_main(). At SIGTERM main.c calls rw_mlfi_stop_accepting()
 *	(new sessions and new messages get 451 4.3.2), waits for
 *	rw_mlfi_sessions() to reach 0 (or drain_time), and after
 *	smfi_main() returned for rw_mlfi_busy() to reach 0.
 */
#ifndef RW_MLFI_H
#define RW_MLFI_H

#include <stdbool.h>

#include <libmilter/mfapi.h>

struct rw_services;

extern struct smfiDesc rw_milter_desc;

/* rw_mlfi_set_services - what every session uses; before smfi_main() */
void	rw_mlfi_set_services(const struct rw_services *);

/* rw_mlfi_set_session_cap - cap when max_sessions = 0; 0: none */
void	rw_mlfi_set_session_cap(unsigned int cap);

/* rw_mlfi_log_refusals - log over-cap refusals still unreported (the
 * callbacks log at most once per 10 s; main.c calls this every 10 s and,
 * final, at exit) */
void	rw_mlfi_log_refusals(bool final);

/* rw_mlfi_stop_accepting - new sessions and messages get 451 4.3.2 */
void	rw_mlfi_stop_accepting(void);

/* rw_mlfi_sessions - sessions being served (negotiated, not closed) */
unsigned int rw_mlfi_sessions(void);

/* rw_mlfi_closed - served sessions closed since start */
unsigned int rw_mlfi_closed(void);

/* rw_mlfi_busy - libmilter callbacks running now */
unsigned int rw_mlfi_busy(void);

/* rw_mlfi_refused_at_stop - sessions and messages refused while stopping */
unsigned int rw_mlfi_refused_at_stop(void);

#endif /* RW_MLFI_H */
