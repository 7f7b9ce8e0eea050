/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	miltercode.h - is this address in libmilter's code
 * DESCRIPTION
 *	threadreuse.c and sockread.c act on some calls libmilter makes to
 *	glibc and pass every other caller's through; both tell libmilter's
 *	by an address (a thread's start routine, a return address) in the
 *	range of libmilter's executable segments, found once.
 */
#ifndef RW_MILTERCODE_H
#define RW_MILTERCODE_H

#include <stdbool.h>

/*
 * rw_miltercode_find - find libmilter's code; before any thread starts
 * (smfi_main()). False when it cannot be found.
 */
bool	rw_miltercode_find(void);
/* rw_miltercode_has - addr is in libmilter's code (false before found) */
bool	rw_miltercode_has(const void *addr);

#endif
