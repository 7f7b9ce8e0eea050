/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	sockread.h - libmilter's reads of the MTA's sockets, a block at a time
 * DESCRIPTION
 *	sockread.c defines accept(), read(), poll() and close() for the
 *	whole program (libmilter's calls bind to them). After
 *	rw_sockread_enable(), the sockets libmilter accepts are read a
 *	block at a time: its small reads and its readiness polls are served
 *	from what one read(2) brought in. Every other descriptor, and every
 *	other caller's, is passed through. Only the daemon links it.
 */
#ifndef RW_SOCKREAD_H
#define RW_SOCKREAD_H

#include <stdbool.h>

/*
 * rw_sockread_enable - read libmilter's sockets by blocks from now on;
 * once, before smfi_main(). False (every read passed through) when
 * libmilter or glibc's functions cannot be found.
 */
bool	rw_sockread_enable(void);

#endif
