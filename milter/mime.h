/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	mime.h - the message's bytes read as MIME (GMime) into a struct rw_message
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

#endif /* RW_MIME_H */
