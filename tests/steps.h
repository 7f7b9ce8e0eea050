/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	steps.h - one SMTP stage as the glue drives it, for the unit tests
 * DESCRIPTION
 *	The glue (milter/stages.c) records a stage's facts, gathers, and
 *	decides once. The unit tests have no gatherers: they set DNS and SPF
 *	facts by hand where a case needs them, so each step here is the
 *	record call followed by rw_session_decide().
 */
#ifndef RW_TEST_STEPS_H
#define RW_TEST_STEPS_H

#include "rw_policy.h"

static inline enum rw_action
step_connect(struct rw_session *s, const char *addr, const char *name,
    struct rw_verdict *v)
{
	rw_session_record_connect(s, addr, name, NULL);
	return rw_session_decide(s, RW_STAGE_CONNECT, v);
}

static inline enum rw_action
step_helo(struct rw_session *s, const char *helo, struct rw_verdict *v)
{
	rw_session_record_helo(s, helo);
	return rw_session_decide(s, RW_STAGE_HELO, v);
}

static inline enum rw_action
step_mail(struct rw_session *s, const char *sender, const char *auth,
    struct rw_verdict *v)
{
	rw_session_record_mail(s, sender, auth);
	return rw_session_decide(s, RW_STAGE_MAIL, v);
}

static inline enum rw_action
step_rcpt(struct rw_session *s, const char *rcpt, struct rw_verdict *v)
{
	rw_session_record_rcpt(s, rcpt);
	return rw_session_decide(s, RW_STAGE_RCPT, v);
}

#endif /* RW_TEST_STEPS_H */
