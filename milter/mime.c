/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	mime - the message's bytes read as MIME into a struct rw_message
 * DESCRIPTION
 *	SKELETON: the contract of mime.h with no implementation yet; the
 *	MIME work replaces this file (GMime).
 */
#include "config.h"

#include "mime.h"

void
rw_mime_init(void)
{
}

void
rw_mime_shutdown(void)
{
}

bool
rw_mime_read(const char *buf, size_t len, bool truncated, struct rw_message *m)
{
	(void)buf;
	m->bytes = len;
	if (truncated)
		m->defects |= RW_MIME_TRUNCATED;
	return true;
}
