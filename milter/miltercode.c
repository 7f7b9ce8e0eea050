/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	miltercode - libmilter's code range, and the functions behind ours
 * DESCRIPTION
 *	The executable (PF_X) PT_LOAD segments of the object that holds
 *	smfi_main(), found with dl_iterate_phdr() once, at start-up. A
 *	range test per call: dladdr() searched the symbol tables at every
 *	call, 2% of the daemon's CPU per message when threadreuse.c asked
 *	it for every worker libmilter started (issue 11).
 *
 *	The range is written once before libmilter starts any thread and
 *	only read afterwards (pthread_create() orders the two).
 *
 *	rw_miltercode_next() finds the definition after the program's own
 *	with dlsym(RTLD_NEXT): glibc's, or a sanitizer's interceptor in
 *	front of it. A slot per function keeps what was found, so each
 *	call of an interposed function costs one atomic load.
 */
#include "config.h"

#include "miltercode.h"

#include <dlfcn.h>
#include <link.h>
#include <stddef.h>
#include <stdint.h>

#include <libmilter/mfapi.h>

static uintptr_t code_lo, code_hi;	/* [lo, hi); both 0: not found */

/* find_code - the executable segments of the object holding *data */
static int
find_code(struct dl_phdr_info *info, size_t size, void *data)
{
	uintptr_t want = *(const uintptr_t *)data, lo = UINTPTR_MAX, hi = 0;
	uintptr_t start;
	ElfW(Half) i;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		if (info->dlpi_phdr[i].p_type != PT_LOAD ||
		    (info->dlpi_phdr[i].p_flags & PF_X) == 0)
			continue;
		start = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
		if (start < lo)
			lo = start;
		if (start + info->dlpi_phdr[i].p_memsz > hi)
			hi = start + info->dlpi_phdr[i].p_memsz;
	}
	if (want < lo || want >= hi)
		return 0;
	code_lo = lo;
	code_hi = hi;
	return 1;
}

bool
rw_miltercode_find(void)
{
	uintptr_t main_addr = (uintptr_t)smfi_main;

	if (code_hi != 0)
		return true;
	return dl_iterate_phdr(find_code, &main_addr) == 1;
}

bool
rw_miltercode_has(const void *addr)
{
	uintptr_t a = (uintptr_t)addr;

	return a >= code_lo && a < code_hi;
}

void *
rw_miltercode_next(_Atomic(void *) *slot, const char *name)
{
	void	*fn = atomic_load_explicit(slot, memory_order_acquire);

	if (fn == NULL) {
		fn = dlsym(RTLD_NEXT, name);
		atomic_store_explicit(slot, fn, memory_order_release);
	}
	return fn;
}
