/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	mimeload.h - load the MIME reader (relaywarden-mime.so) when a
 *	policy needs the message's content
 * DESCRIPTION
 *	The daemon links neither mime.c nor GMime: GMime brings GLib,
 *	GObject, GIO and their libraries, 3.5 MiB of RSS mapped into every
 *	daemon, content checks or not (issue 11). main.c calls
 *	rw_mimeload_load() when the configuration it is about to install
 *	(at start, or at a reload) has content checks, before any session
 *	can use that policy; never in the middle of a message. A daemon
 *	whose policies have no content checks never maps GLib.
 */
#ifndef RW_MIMELOAD_H
#define RW_MIMELOAD_H

#include <stdbool.h>
#include <stddef.h>

/*
 * rw_mimeload_load - dlopen the module, resolve its entry table, run its
 * init (GMime's, and the charset converters it keeps open); once: later
 * calls find it loaded. Main thread only (start, SIGHUP).
 * @return	false with the module's path and dlerror()'s reason in err
 */
bool	rw_mimeload_load(char *err, size_t errlen);
/* rw_mimeload_path - the module this daemon loads (see mimeload.c) */
const char *rw_mimeload_path(void);
/* rw_mimeload_shutdown - the module's shutdown, after the last reader;
 * nothing when it was never loaded. It stays mapped (GLib is not made
 * to be unloaded). */
void	rw_mimeload_shutdown(void);

#endif /* RW_MIMELOAD_H */
