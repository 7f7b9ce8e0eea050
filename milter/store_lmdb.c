/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	store_lmdb - the embedded state store (LMDB): one file, no server
 * DESCRIPTION
 *	Not yet implemented: every call fails (state_failure applies).
 */
#include "config.h"

#include "store.h"

#include <stdio.h>

static void *
lmdb_open(const char *url, const struct rw_store_opts *o, char *err,
    size_t errlen)
{
	snprintf(err, errlen, "lmdb: not implemented yet");
	return NULL;
}

const struct rw_store_backend rw_store_lmdb = {
	.name = "lmdb",
	.open = lmdb_open,
};
