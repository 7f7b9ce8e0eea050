/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	config-keys - list the configuration keys and their words
 * SYNOPSIS
 *	tests/config-keys
 * DESCRIPTION
 *	Prints, from the core key table (rw_config_keys()), one line
 *	"key NAME" per key and, for the first key that uses each word list,
 *	one line "word NAME WORD" per word (the list of the access tables'
 *	actions included). tests/check-doc.sh checks these against the
 *	manual page, so a key or word that is added without documentation
 *	fails "make check".
 */
#include <stdio.h>
#include <stdlib.h>

#include "rw_policy.h"

int
main(void)
{
	const struct rw_config_keytab *t = rw_config_keys();
	const struct rw_config_word *w;
	size_t	i, j;
	int	first;

	for (i = 0; i < t->nkeys; i++) {
		printf("key %s\n", t->keys[i].name);
		if ((w = t->keys[i].words) == NULL)
			continue;
		/* a list shared by several keys is documented at the first */
		first = 1;
		for (j = 0; j < i; j++)
			if (t->keys[j].words == w)
				first = 0;
		for (; first && w->word != NULL; w++)
			printf("word %s %s\n", t->keys[i].name, w->word);
	}
	return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
