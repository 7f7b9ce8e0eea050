/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	session - one SMTP session's facts and the stage-ordered checks
 * DESCRIPTION
 *	The milter glue and relaywarden-query both drive a session through
 *	these functions, so the query tool answers with the very code that
 *	decides real mail.
 *
 *	rw_session_connect() records the client and works out what depends
 *	on it alone: trusted network, client_access OK. rw_session_mail()
 *	starts a transaction: the sender, the authentication identity, and
 *	so whether the client is an insider. rw_session_rcpt() judges one
 *	recipient. Each runs the checks of its stage from the table below,
 *	in order; the first that objects decides. The DNS facts (reverse
 *	DNS, list answers) are filled in by the glue before the stage at
 *	which they are due (dns_verdict_stage), with f.dns_ready set.
 *
 *	Dryrun mode: a TEMPFAIL or REJECT is recorded as a note (reported
 *	in a header at end of message), the verdict is marked dryrun, and
 *	CONTINUE is returned so the mail flows. A recipient that would have
 *	been refused does not count towards max_recipients, as it would
 *	not have in enforce mode.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "checks.h"

struct rw_check {
	const char	*name;
	enum rw_stage	 stage;
	bool		 any_stage;	/* runs at every stage; decides when due */
	rw_check_fn	*fn;
};

/*
 * The check table: adding a check is one file, one row and one test file.
 * Order matters within a stage: the first objection decides. Relay control
 * comes before the DNS checks so that a relay attempt is named as such;
 * the DNS checks (rdns, dnsbl) decide at dns_verdict_stage.
 */
static const struct rw_check checks[] = {
	{ .name = "client_access", .stage = RW_STAGE_MAIL, .fn = rw_check_client_access },
	{ .name = "sender_access", .stage = RW_STAGE_MAIL, .fn = rw_check_sender_access },
	{ .name = "spf", .stage = RW_STAGE_MAIL, .fn = rw_check_spf },
	{ .name = "relay", .stage = RW_STAGE_RCPT, .fn = rw_check_relay },
	{ .name = "rdns", .any_stage = true, .fn = rw_check_rdns },
	{ .name = "dnsbl", .any_stage = true, .fn = rw_check_dnsbl },
	{ .name = "max_recipients", .stage = RW_STAGE_RCPT, .fn = rw_check_max_recipients },
};

static void
verdict_clear(struct rw_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->action = RW_ACT_CONTINUE;
}

static void
add_note(struct rw_session *s, enum rw_stage stage, const char *subject,
    const struct rw_verdict *v)
{
	struct rw_note *n;

	if (s->nnotes >= RW_NOTES_MAX) {
		s->notes_dropped++;
		return;
	}
	n = &s->notes[s->nnotes++];
	n->stage = stage;
	n->v = *v;
	rw_sanitize(n->subject, sizeof(n->subject), subject);
}

/* run_stage - run the stage's checks; apply dryrun */
static enum rw_action
run_stage(struct rw_session *s, enum rw_stage stage, const char *subject,
    struct rw_verdict *v)
{
	size_t	i;
	enum rw_action r;

	verdict_clear(v);
	s->f.stage = stage;
	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		if (!checks[i].any_stage && checks[i].stage != stage)
			continue;
		r = checks[i].fn(s->cfg, &s->f, v);
		if (r == RW_ACT_CONTINUE)
			continue;
		if ((r == RW_ACT_REJECT || r == RW_ACT_TEMPFAIL) &&
		    s->cfg->mode == RW_MODE_DRYRUN) {
			v->dryrun = true;
			add_note(s, stage, subject, v);
			return RW_ACT_CONTINUE;
		}
		return r;
	}
	return RW_ACT_CONTINUE;
}

/* rw_session_init - a new session on a configuration snapshot */
void
rw_session_init(struct rw_session *s, const struct rw_config *cfg)
{
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	rw_strlcpy_ok(s->f.client_addr, "unknown", sizeof(s->f.client_addr));
}

/* rw_session_reset - forget the transaction, keep the connection facts */
void
rw_session_reset(struct rw_session *s)
{
	s->f.authenticated = false;
	s->f.auth_user[0] = '\0';
	s->f.sender[0] = '\0';
	s->f.rcpt[0] = '\0';
	s->f.sender_overlong = false;
	s->f.rcpt_overlong = false;
	memset(&s->f.spf_mail, 0, sizeof(s->f.spf_mail));
	s->f.nrcpt_accepted = 0;
	s->f.insider = s->f.trusted_network;
	s->nnotes = 0;
	s->notes_dropped = 0;
}

/* copy_fact - bounded copy of an untrusted value into a fact field */
static void
copy_fact(char *dst, size_t size, const char *src)
{
	if (src == NULL)
		src = "";
	if (!rw_strlcpy_ok(dst, src, size))
		rw_sanitize(dst, size, src);	/* marked "..." and judged as such */
}

/* rw_session_connect - record the client; nothing is refused here yet */
enum rw_action
rw_session_connect(struct rw_session *s, const char *addr, const char *name,
    struct rw_verdict *v)
{
	const struct rw_client_rule *r;

	verdict_clear(v);
	copy_fact(s->f.client_name, sizeof(s->f.client_name), name);
	s->f.client_known = addr != NULL && rw_ip_parse(addr, &s->f.client_ip);
	if (s->f.client_known) {
		rw_ip_format(&s->f.client_ip, s->f.client_addr,
		    sizeof(s->f.client_addr));
		s->f.trusted_network = rw_cidr_list_match(
		    &s->cfg->trusted_networks, &s->f.client_ip);
		r = rw_access_client_lookup(s->cfg, &s->f.client_ip);
		s->f.client_ok = r != NULL && r->action == RW_ACCESS_OK;
	} else {
		rw_strlcpy_ok(s->f.client_addr, "unknown",
		    sizeof(s->f.client_addr));
		s->f.trusted_network = false;
		s->f.client_ok = false;
	}
	s->f.insider = s->f.trusted_network;
	return run_stage(s, RW_STAGE_CONNECT, s->f.client_addr, v);
}

/* rw_session_helo - record the HELO name */
enum rw_action
rw_session_helo(struct rw_session *s, const char *helo, struct rw_verdict *v)
{
	copy_fact(s->f.helo, sizeof(s->f.helo), helo);
	return run_stage(s, RW_STAGE_HELO, s->f.helo, v);
}

/* copy_address - "<a@b>" to "a@b" for the facts; false when overlong */
static bool
copy_address(char *dst, size_t size, const char *src)
{
	size_t	len;

	if (src == NULL)
		src = "";
	while (*src == ' ')
		src++;
	len = strlen(src);
	if (len >= 2 && src[0] == '<' && src[len - 1] == '>') {
		src++;
		len -= 2;
	}
	if (len >= size) {
		/* keep a bounded prefix for the log; the caller flags it */
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return false;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
	return true;
}

/* rw_session_decide - run a stage's checks again, now that DNS facts are in */
enum rw_action
rw_session_decide(struct rw_session *s, enum rw_stage stage,
    struct rw_verdict *v)
{
	const char *subject = stage == RW_STAGE_MAIL ? s->f.sender :
	    stage == RW_STAGE_HELO ? s->f.helo : s->f.client_addr;

	return run_stage(s, stage, subject, v);
}

/* rw_session_begin_mail - record a new transaction, decide nothing yet */
void
rw_session_begin_mail(struct rw_session *s, const char *sender,
    const char *auth_user)
{
	rw_session_reset(s);
	s->f.sender_overlong = !copy_address(s->f.sender, sizeof(s->f.sender),
	    sender);
	if (auth_user != NULL && auth_user[0] != '\0') {
		s->f.authenticated = true;
		copy_fact(s->f.auth_user, sizeof(s->f.auth_user), auth_user);
	}
	s->f.insider = s->f.trusted_network ||
	    (s->f.authenticated && s->cfg->trust_authenticated);
}

/* rw_session_mail - start a transaction and judge the sender */
enum rw_action
rw_session_mail(struct rw_session *s, const char *sender,
    const char *auth_user, struct rw_verdict *v)
{
	rw_session_begin_mail(s, sender, auth_user);
	return run_stage(s, RW_STAGE_MAIL, s->f.sender, v);
}

/* rw_session_rcpt - judge one recipient */
enum rw_action
rw_session_rcpt(struct rw_session *s, const char *rcpt, struct rw_verdict *v)
{
	enum rw_action r;

	s->f.rcpt_overlong = !copy_address(s->f.rcpt, sizeof(s->f.rcpt), rcpt);
	r = run_stage(s, RW_STAGE_RCPT, s->f.rcpt, v);
	if (r == RW_ACT_CONTINUE && !v->dryrun)
		s->f.nrcpt_accepted++;
	return r;
}

/* rw_session_dryrun_header - what dryrun let through, as a header value */
bool
rw_session_dryrun_header(const struct rw_session *s, char *buf, size_t len)
{
	size_t	i, o = 0;
	int	n;

	if (len == 0 || s->nnotes == 0)
		return false;
	buf[0] = '\0';
	for (i = 0; i < s->nnotes; i++) {
		const struct rw_note *note = &s->notes[i];

		n = snprintf(buf + o, len - o, "%s%s <%s>: would %s (%s): %s %s %s",
		    i > 0 ? ";\n\t" : "", rw_stage_name(note->stage),
		    note->subject, rw_action_name(note->v.action),
		    note->v.check != NULL ? note->v.check : "policy",
		    note->v.rcode, note->v.xcode, note->v.text);
		if (n < 0 || (size_t)n >= len - o) {
			buf[o] = '\0';	/* drop the entry that did not fit */
			return o > 0;
		}
		o += (size_t)n;
	}
	if (s->notes_dropped > 0)
		snprintf(buf + o, len - o, ";\n\tand %zu more", s->notes_dropped);
	return true;
}
