/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	mime.h - the message's bytes read as MIME (GMime) into a struct rw_message
 * DESCRIPTION
 *	mime.c is linked into relaywarden-query, tests/check_mime and the
 *	fuzz target as it is. The daemon does not link it (nor GMime): it is
 *	built, with mime_module.c, into the module relaywarden-mime.so, which
 *	the daemon's mimeload.c dlopen()s when a policy has content checks
 *	(issue 11: GMime, GLib and GIO cost every daemon 3.5 MiB of RSS).
 *	The module exports one object, rw_mime_module, the table of the three
 *	functions below; in the daemon, rw_mime_read() is mimeload.c's,
 *	which calls the module's through that table.
 */
#ifndef RW_MIME_H
#define RW_MIME_H

#include <stdbool.h>
#include <stddef.h>

#include "rw_policy.h"

/* rw_mime_init - once per process, before any thread reads a message */
void	rw_mime_init(void);
/* rw_mime_shutdown - at exit, after the last reader */
void	rw_mime_shutdown(void);
/*
 * rw_mime_read - read buf (the message as the MTA sent it: header lines,
 * an empty line, the body; only its first len bytes when truncated, the
 * scan cap reached) into m (rw_message_init'ed by the caller): headers,
 * decoded text with HTML reduced, URLs normalised, parts, defects.
 * Never fails on bad input (that is a defect fact); false only when
 * out of memory (m->nomem).
 */
bool	rw_mime_read(const char *buf, size_t len, bool truncated,
	    struct rw_message *m);

/*
 * The module's entry table (mime_module.c): the only symbol
 * relaywarden-mime.so exports (milter/mime_module.map). abi is
 * RW_MIME_ABI, raised whenever this table or struct rw_message changes,
 * so a daemon never calls a module built from other sources.
 */
#define RW_MIME_ABI	1
struct rw_mime_api {
	unsigned int	 abi;
	void		(*init)(void);
	bool		(*read)(const char *, size_t, bool, struct rw_message *);
	void		(*shutdown)(void);
};
extern const struct rw_mime_api rw_mime_module;

#endif /* RW_MIME_H */
