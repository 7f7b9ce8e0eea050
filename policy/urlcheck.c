/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	urlcheck - url_obfuscation: a link that hides where it points
 * DESCRIPTION
 *	rw_check_url_obfuscation() applies url_obfuscation at end of
 *	message: an outsider's message with a link whose host is written to
 *	hide it (rw_url_obfuscated's tricks: percent-encoded, hex, octal,
 *	dword or short IP, a host-like user part, character references in
 *	the host) is tagged "url_obfuscation=HOST", or refused with 550
 *	5.7.1 (451 4.7.1 when tempfailing) "Message refused: a link in it
 *	hides where it points"; the reason names the URL's host and its
 *	tricks. The first such link decides. This is the big receivers'
 *	rule against hex-encoded links (http://%73%70%61%6d...): no honest
 *	sender writes a host that way.
 *
 *	Outsiders only, like the HELO checks: insiders and client_access
 *	OK clients are not judged. No message read (none recorded): not
 *	this check's business.
 */
#include "config.h"

#include <stdio.h>

#include "checks.h"

/* rw_check_url_obfuscation - url_obfuscation, outsiders only */
enum rw_action
rw_check_url_obfuscation(const struct rw_config *cfg,
    const struct rw_facts *f, struct rw_verdict *v)
{
	const struct rw_msg_url *u;
	char	tricks[128], tag[RW_HOSTNAME_MAX + 32], reason[RW_REASON_MAX];
	size_t	i;

	if (cfg->url_obfuscation == RW_CHK_OFF || f->msg == NULL ||
	    f->insider || f->client_ok)
		return RW_ACT_CONTINUE;
	for (i = 0; i < f->msg->nurls; i++) {
		u = &f->msg->urls[i];
		if (!rw_url_tricks_hiding(u->tricks))
			continue;
		rw_url_trick_text(u->tricks, tricks, sizeof(tricks));
		snprintf(tag, sizeof(tag), "url_obfuscation=%s", u->host);
		/* cut to fit: the host in full, the URL as far as it goes */
		if (snprintf(reason, sizeof(reason), "link to %s hides its "
		    "host (%s): %s", u->host, tricks, u->text) < 0)
			reason[0] = '\0';
		return rw_verdict_action(cfg->url_obfuscation, v,
		    "url_obfuscation", tag, "451", "5.7.1",
		    "Message refused: a link in it hides where it points",
		    reason);
	}
	return RW_ACT_CONTINUE;
}
