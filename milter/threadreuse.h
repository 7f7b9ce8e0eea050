/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	threadreuse.h - keep libmilter's exiting workers for its next ones
 * DESCRIPTION
 *	threadreuse.c defines pthread_create() and pthread_detach() for the
 *	whole program (libmilter's calls bind to them); after
 *	rw_threadreuse_enable() the threads libmilter starts are reused
 *	instead of created and ended. Only the daemon links it.
 */
#ifndef RW_THREADREUSE_H
#define RW_THREADREUSE_H

#include <stdbool.h>

/*
 * rw_threadreuse_enable - from now on, a thread libmilter asks for runs on
 * a parked thread of ours when there is one; once, before smfi_main().
 * False (reuse stays off) when libmilter or glibc's functions cannot be
 * found.
 */
bool	rw_threadreuse_enable(void);

#endif
