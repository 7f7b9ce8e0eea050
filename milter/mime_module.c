/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	mime_module - the entry table of relaywarden-mime.so
 * SYNOPSIS
 *	#include "mime.h"
 * DESCRIPTION
 *	Built only into the module (with mime.c and GMime), never into a
 *	program: rw_mime_module is the one symbol the module exports
 *	(mime_module.map), found by the daemon's mimeload.c with dlsym().
 *	Everything else of the module is local to it, so its rw_mime_read()
 *	never meets the daemon's forwarder of the same name; the policy
 *	functions mime.c calls are left undefined here and bound to the
 *	daemon's own copies when it is loaded (mime_module.dynlist).
 */
#include "config.h"

#include "mime.h"

const struct rw_mime_api rw_mime_module = {
	.abi = RW_MIME_ABI,
	.init = rw_mime_init,
	.read = rw_mime_read,
	.shutdown = rw_mime_shutdown,
};
