/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	config-keys - list the configuration keys and their words
 * SYNOPSIS
 *	tests/config-keys
 * DESCRIPTION
 *	Prints, from the core key table (rw_config_keys()) and then the
 *	daemon's (rw_daemon_conf_keys(), milter/daemonconf.c), one line
 *	"key NAME" per key and, for the first key that uses each word list,
 *	one line "word NAME WORD" per word (the list of the access tables'
 *	actions included). tests/check-doc.sh checks these against the
 *	manual page, so a key or word that is added without documentation
 *	fails "make check".
 */
#include <stdio.h>
#include <stdlib.h>

#include "daemonconf.h"
#include "rw_policy.h"

#define NTABLES	2

int
main(void)
{
	const struct rw_config_keytab *t[NTABLES];
	const struct rw_config_word *w;
	size_t	i, j, u, v;
	int	first;

	t[0] = rw_config_keys();
	t[1] = rw_daemon_conf_keys();
	for (u = 0; u < NTABLES; u++)
		for (i = 0; i < t[u]->nkeys; i++) {
			printf("key %s\n", t[u]->keys[i].name);
			if ((w = t[u]->keys[i].words) == NULL)
				continue;
			/* a list shared by several keys is documented at the
			 * first, in whichever table */
			first = 1;
			for (v = 0; v <= u; v++)
				for (j = 0; j < (v < u ? t[v]->nkeys : i); j++)
					if (t[v]->keys[j].words == w)
						first = 0;
			for (; first && w->word != NULL; w++)
				printf("word %s %s\n", t[u]->keys[i].name,
				    w->word);
		}
	return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
