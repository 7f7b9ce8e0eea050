/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	verdict - fill in a verdict
 * DESCRIPTION
 *	rw_verdict_set() records the action, the deciding check, the SMTP
 *	reply (RFC 5321 code, RFC 3463 enhanced code, text) and the reason
 *	for the log. Texts are bounded. The reply text is reduced to
 *	printable ASCII (anything else becomes '?'), so no CR/LF or control
 *	character from an untrusted address can reach the SMTP dialogue;
 *	the reason is escaped with rw_sanitize() for the log.
 *	rw_verdict_tag() records a TAG: the part of X-Relaywarden-Tag this
 *	check contributes (printable ASCII, no ';' quoting needed: the
 *	session joins parts with "; ") and the reason for the log.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "checks.h"

/* copy_printable - bounded copy, non-printable bytes replaced by '?' */
static void
copy_printable(char *dst, size_t size, const char *src)
{
	size_t	o;

	for (o = 0; src[o] != '\0' && o + 1 < size; o++)
		dst[o] = (src[o] >= 0x20 && src[o] < 0x7f) ? src[o] : '?';
	dst[o] = '\0';
}

/* rw_verdict_set - record a decision; returns its action */
enum rw_action
rw_verdict_set(struct rw_verdict *v, enum rw_action action, const char *check,
    const char *rcode, const char *xcode, const char *text, const char *reason)
{
	v->action = action;
	v->dryrun = false;
	v->check = check;
	if (!rw_strlcpy_ok(v->rcode, rcode, sizeof(v->rcode)))
		v->rcode[0] = '\0';
	if (!rw_strlcpy_ok(v->xcode, xcode, sizeof(v->xcode)))
		v->xcode[0] = '\0';
	copy_printable(v->text, sizeof(v->text), text);
	rw_sanitize(v->reason, sizeof(v->reason), reason);
	return action;
}

/*
 * rw_verdict_action - the verdict of a check whose setting is an action
 * (tag, tempfail or reject; never off): the tag, or the refusal with
 * rcode4 and the 4.x.y twin of xcode5 when tempfailing, 550 and xcode5
 * when rejecting.
 */
enum rw_action
rw_verdict_action(enum rw_check_action act, struct rw_verdict *v,
    const char *check, const char *tag, const char *rcode4,
    const char *xcode5, const char *text, const char *reason)
{
	char	x4[8];

	if (act == RW_CHK_TAG)
		return rw_verdict_tag(v, check, tag, reason);
	if (act == RW_CHK_TEMPFAIL) {
		snprintf(x4, sizeof(x4), "4%s", xcode5 + 1);
		return rw_verdict_set(v, RW_ACT_TEMPFAIL, check, rcode4, x4, text,
		    reason);
	}
	return rw_verdict_set(v, RW_ACT_REJECT, check, "550", xcode5, text,
	    reason);
}

/* rw_verdict_tag - record a TAG outcome; returns RW_ACT_TAG */
enum rw_action
rw_verdict_tag(struct rw_verdict *v, const char *check, const char *tag,
    const char *reason)
{
	v->action = RW_ACT_TAG;
	v->dryrun = false;
	v->check = check;
	v->rcode[0] = '\0';
	v->xcode[0] = '\0';
	v->text[0] = '\0';
	copy_printable(v->tag, sizeof(v->tag), tag);
	rw_sanitize(v->reason, sizeof(v->reason), reason);
	return RW_ACT_TAG;
}
