/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	mlfi.h - the libmilter filter description
 * DESCRIPTION
 *	rw_milter_desc is what main.c registers with smfi_register().
 *	rw_mlfi_set_services() gives the callbacks the daemon's resolver,
 *	prober and SPF server; main.c calls it once, before smfi_main().
 *	The session accounting main.c uses to drain and stop (sessions
 *	open, callbacks busy, the gates) is in sessions.h.
 */
#ifndef RW_MLFI_H
#define RW_MLFI_H

#include <stdbool.h>

#include <libmilter/mfapi.h>

struct rw_services;

extern struct smfiDesc rw_milter_desc;

/* rw_mlfi_set_services - what every session uses; before smfi_main() */
void	rw_mlfi_set_services(const struct rw_services *);

#endif /* RW_MLFI_H */
