/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	miltercode.h - what the interposers of libmilter's calls share
 * DESCRIPTION
 *	threadreuse.c and sockread.c define functions of glibc's for the
 *	whole program, act on the calls libmilter makes to them and pass
 *	every other caller's through. Both tell libmilter's calls by an
 *	address (a thread's start routine, a return address) in the range
 *	of libmilter's executable segments, found once, and both reach the
 *	function behind theirs (glibc's, or a sanitizer's in front of it)
 *	through rw_miltercode_next().
 */
#ifndef RW_MILTERCODE_H
#define RW_MILTERCODE_H

#include <stdatomic.h>
#include <stdbool.h>

/*
 * rw_miltercode_find - find libmilter's code; before any thread starts
 * (smfi_main()). False when it cannot be found.
 */
bool	rw_miltercode_find(void);
/* rw_miltercode_has - addr is in libmilter's code (false before found) */
bool	rw_miltercode_has(const void *addr);
/*
 * rw_miltercode_next - the definition of name after the program's own,
 * looked up on the first call and kept in *slot; NULL when there is none
 */
void	*rw_miltercode_next(_Atomic(void *) *slot, const char *name);

#endif
