/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	fuzz.h - what every libFuzzer target in tests/fuzz shares
 * DESCRIPTION
 *	fuzz_str() copies the input into a NUL-terminated buffer of its own
 *	(malloc'd to the exact size, so that ASan sees any overread);
 *	fuzz_field() cuts the next '\n'-separated field out of it.
 */
#ifndef RW_FUZZ_H
#define RW_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

/* fuzz_str - data as a C string (NUL bytes inside cut it, as C would) */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char	*s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* fuzz_field - the next field of *p up to '\n' (or the end); NULL at end */
static inline char *
fuzz_field(char **p)
{
	char	*f = *p, *nl;

	if (f == NULL)
		return NULL;
	if ((nl = strchr(f, '\n')) != NULL) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = NULL;
	}
	return f;
}

#endif /* RW_FUZZ_H */
