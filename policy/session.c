/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	session - one SMTP session: recorded facts, the check table, outcomes
 * DESCRIPTION
 *	The milter glue and relaywarden-query both drive a session through
 *	these functions, so the query tool answers with the very code that
 *	decides real mail.
 *
 *	Every stage goes the same way: the glue records what the MTA gave
 *	(rw_session_record_*), starts and awaits the gatherers whose facts
 *	the stage needs, then calls rw_session_decide() once. decide runs
 *	the checks of that stage from the table below, in order, each once:
 *	the first TEMPFAIL or REJECT ends the stage; a TAG is recorded and
 *	the checks after it still run. decide returns what the MTA must be
 *	told (CONTINUE, TEMPFAIL, REJECT); the verdict says what was decided,
 *	TAG included, for the log. Checks marked dns_stage run at
 *	dns_verdict_stage, whichever stage that is.
 *
 *	Outcomes (tags, and in dryrun mode the refusals not enforced) are
 *	recorded as they are decided; the headers at end of message are
 *	built from them and from the gatherers' facts, never re-derived
 *	from the configuration. Outcomes of CONNECT and HELO belong to the
 *	connection and survive a new transaction; the others do not.
 *
 *	Dryrun mode: a TEMPFAIL or REJECT is recorded, the verdict is
 *	marked dryrun, and CONTINUE is returned so the mail flows. A
 *	recipient that would have been refused does not count towards
 *	max_recipients, as it would not have in enforce mode.
 *
 *	End of message (content): before the checks, the message recorded
 *	by rw_session_record_message() is judged by the rules once (hits
 *	kept in the facts, dryrun rules' hits noted with "rule NAME" as
 *	their subject); a message the reader could not hold is an internal
 *	tempfail. QUARANTINE is kept like a tag (later checks still run, a
 *	refusal wins; rw_session_quarantine() reports it), DISCARD ends the
 *	stage like a refusal; in dryrun mode both are notes only.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks.h"

#define AR_HEADER	"Authentication-Results"
#define SPF_HEADER	"Received-SPF"

struct rw_check {
	const char	*name;
	enum rw_stage	 stage;
	bool		 dns_stage;	/* runs at dns_verdict_stage instead */
	rw_check_fn	*fn;
};

/*
 * The check table: adding a check is one file, one row and one test file
 * (doc/DESIGN.md, "Adding a check"). Order matters within a stage: the
 * first refusal decides. Relay control comes before the DNS checks so
 * that a relay attempt is named as such.
 */
static const struct rw_check checks[] = {
	/* rate limits judge the state gatherer's answers (limits.c) */
	{ .name = "rate_limit", .stage = RW_STAGE_CONNECT, .fn = rw_check_rate_limit },
	{ .name = "client_access", .stage = RW_STAGE_MAIL, .fn = rw_check_client_access },
	{ .name = "sender_access", .stage = RW_STAGE_MAIL, .fn = rw_check_sender_access },
	{ .name = "spf", .stage = RW_STAGE_MAIL, .fn = rw_check_spf },
	/* HELO checks decide at MAIL: authentication is known only there */
	{ .name = "helo_names_us", .stage = RW_STAGE_MAIL,
	    .fn = rw_check_helo_names_us },
	{ .name = "helo_foreign_literal", .stage = RW_STAGE_MAIL,
	    .fn = rw_check_helo_foreign_literal },
	{ .name = "helo_syntax", .stage = RW_STAGE_MAIL, .fn = rw_check_helo_syntax },
	{ .name = "helo_fqdn", .stage = RW_STAGE_MAIL, .fn = rw_check_helo_fqdn },
	{ .name = "forged_local_sender", .stage = RW_STAGE_MAIL,
	    .fn = rw_check_forged_local_sender },
	{ .name = "relay", .stage = RW_STAGE_RCPT, .fn = rw_check_relay },
	/* from the second recipient on; after relay, so a relay is named so */
	{ .name = "bounce_multiple_rcpts", .stage = RW_STAGE_RCPT,
	    .fn = rw_check_bounce_multiple_rcpts },
	/* by the verified name: known at the DNS verdict stage only */
	{ .name = "client_access_name", .dns_stage = true,
	    .fn = rw_check_client_access_name },
	{ .name = "rdns", .dns_stage = true, .fn = rw_check_rdns },
	{ .name = "dnsbl", .dns_stage = true, .fn = rw_check_dnsbl },
	{ .name = "max_recipients", .stage = RW_STAGE_RCPT, .fn = rw_check_max_recipients },
	{ .name = "rate_limit", .stage = RW_STAGE_MAIL, .fn = rw_check_rate_limit },
	{ .name = "rate_limit", .stage = RW_STAGE_RCPT, .fn = rw_check_rate_limit },
	/* last: a recipient another check refuses is named for that check */
	{ .name = "greylist", .stage = RW_STAGE_RCPT, .fn = rw_check_greylist },
	/* content, end of message: the rules' hits (rules.c) */
	{ .name = "rules", .stage = RW_STAGE_EOM, .fn = rw_check_rules },
	{ .name = "url_obfuscation", .stage = RW_STAGE_EOM,
	    .fn = rw_check_url_obfuscation },
	/* the URI lists join the connection's list score (uribl.c) */
	{ .name = "uribl", .stage = RW_STAGE_EOM, .fn = rw_check_uribl },
};

/* check_stage - the stage at which a check runs under this configuration */
static enum rw_stage
check_stage(const struct rw_config *cfg, const struct rw_check *c)
{
	return c->dns_stage ? cfg->dns_verdict_stage : c->stage;
}

/* rw_session_record_message - the message for the end of message checks */
void
rw_session_record_message(struct rw_session *s, const struct rw_message *m)
{
	s->f.msg = m;
}

/* rw_session_rule_hits - the rules' hits at end of message, file order */
const struct rw_rule_hit *
rw_session_rule_hits(const struct rw_session *s, size_t *n)
{
	*n = s->f.rules != NULL ? s->f.rules->nhits : 0;
	return s->f.rules != NULL ? s->f.rules->hits : NULL;
}

/* rw_session_rule_errors - rules not matched for an error (limits) */
const struct rw_rule_error *
rw_session_rule_errors(const struct rw_session *s, size_t *n)
{
	*n = s->f.rules != NULL ? s->f.rules->nerrors : 0;
	return s->f.rules != NULL ? s->f.rules->errors : NULL;
}

/*
 * rw_session_quarantine - a QUARANTINE outcome not in dryrun (mode or
 * rule): the reason for the hold queue ("rule NAME (file:LINE)")
 */
bool
rw_session_quarantine(const struct rw_session *s, char *buf, size_t len)
{
	size_t	i;

	if (len > 0)
		buf[0] = '\0';
	for (i = 0; i < s->noutcomes; i++)
		if (s->outcomes[i].v.action == RW_ACT_QUARANTINE &&
		    !s->outcomes[i].v.dryrun) {
			if (len > 0)
				rw_sanitize(buf, len, s->outcomes[i].v.text);
			return true;
		}
	return false;
}

/* rules_free - forget the rules' hits and errors (a new message) */
static void
rules_free(struct rw_facts *f)
{
	if (f->rules != NULL) {
		free(f->rules->hits);
		free(f->rules->errors);
		free(f->rules);
		f->rules = NULL;
	}
	f->rules_done = false;
}

/* rw_session_stage_used - does any check run at this stage */
bool
rw_session_stage_used(const struct rw_config *cfg, enum rw_stage stage)
{
	size_t	i;

	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if (check_stage(cfg, &checks[i]) == stage)
			return true;
	return false;
}

/* rw_session_wants_headers - Authentication-Results is written (reverse
 * DNS or SPF on), so forged ones must be found among the headers */
bool
rw_session_wants_headers(const struct rw_config *cfg)
{
	return cfg->rdns_check != RW_RDNS_OFF || cfg->spf_check ||
	    cfg->spf_check_helo;
}

static void
verdict_clear(struct rw_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->action = RW_ACT_CONTINUE;
}

/* subject_of - what a stage judges, for notes */
static const char *
subject_of(const struct rw_session *s, enum rw_stage stage)
{
	switch (stage) {
	case RW_STAGE_CONNECT:
		return s->f.client_addr;
	case RW_STAGE_HELO:
		return s->f.helo;
	case RW_STAGE_MAIL:
		return s->f.sender;
	case RW_STAGE_RCPT:
		return s->f.rcpt;
	case RW_STAGE_EOH:
	case RW_STAGE_EOM:
		break;
	}
	return "";
}

/* same_tag - this check already recorded this tag (DNS checks run per rcpt) */
static bool
same_tag(const struct rw_session *s, const struct rw_verdict *v)
{
	size_t	i;

	for (i = 0; i < s->noutcomes; i++)
		if (s->outcomes[i].v.action == RW_ACT_TAG &&
		    s->outcomes[i].v.check == v->check &&
		    strcmp(s->outcomes[i].v.tag, v->tag) == 0)
			return true;
	return false;
}

/* record_outcome - keep a tag or dryrun note; false when out of memory */
static bool
record_outcome_on(struct rw_session *s, enum rw_stage stage,
    const struct rw_verdict *v, const char *subject)
{
	struct rw_outcome *o;

	if (v->action == RW_ACT_TAG && same_tag(s, v))
		return true;
	if (s->noutcomes >= RW_OUTCOMES_MAX) {
		s->outcomes_dropped++;
		return true;
	}
	if (s->noutcomes == s->outcomes_cap) {
		/* grow 2, 4, 8, 16: a few tags are the common case */
		size_t cap = s->outcomes_cap == 0 ? 2 : 2 * s->outcomes_cap;

		if (cap > RW_OUTCOMES_MAX)
			cap = RW_OUTCOMES_MAX;
		o = reallocarray(s->outcomes, cap, sizeof(*o));
		if (o == NULL) {
			s->nomem = true;
			return false;
		}
		s->outcomes = o;
		s->outcomes_cap = cap;
	}
	o = &s->outcomes[s->noutcomes++];
	o->stage = stage;
	o->v = *v;
	rw_sanitize(o->subject, sizeof(o->subject), subject);
	return true;
}

static bool
record_outcome(struct rw_session *s, enum rw_stage stage,
    const struct rw_verdict *v)
{
	return record_outcome_on(s, stage, v, subject_of(s, stage));
}

/* forget_outcomes - drop the outcomes of stage `from` and later ones */
static void
forget_outcomes(struct rw_session *s, enum rw_stage from)
{
	size_t	i, o = 0;

	for (i = 0; i < s->noutcomes; i++)
		if (s->outcomes[i].stage < from)
			s->outcomes[o++] = s->outcomes[i];
	s->noutcomes = o;
	s->outcomes_dropped = 0;
}

/* nomem_verdict - an outcome could not be kept: tempfail, never a 5xx */
static enum rw_action
nomem_verdict(struct rw_verdict *v)
{
	verdict_clear(v);
	return rw_verdict_set(v, RW_ACT_TEMPFAIL, "internal", "451", "4.3.0",
	    "Internal error, try again later", "out of memory");
}

/* rw_session_nomem - an allocation failed in this session */
bool
rw_session_nomem(const struct rw_session *s)
{
	return s->nomem;
}

/*
 * name_access - client_access by the verified name, once the DNS facts are
 * in: an OK entry makes the client client_ok (as an address entry would
 * have at connect), so the DNS checks after it skip it; a REJECT or
 * TEMPFAIL entry is kept for the client_access_name check. Only a
 * forward-confirmed name counts. False when out of memory.
 */
static bool
name_access(struct rw_session *s)
{
	struct rw_facts *f = &s->f;
	bool	nomem;

	if (f->name_checked || !f->dns_ready || s->cfg->nclient_names == 0 ||
	    f->insider || f->client_ok || f->rdns != RW_RDNS_PASS ||
	    f->ptr_name[0] == '\0')
		return true;
	f->name_checked = true;
	f->name_rule = rw_access_name_lookup(s->cfg, f->ptr_name, &nomem);
	if (nomem) {
		s->nomem = true;
		return false;
	}
	if (f->name_rule != NULL && f->name_rule->action == RW_ACCESS_OK)
		f->client_ok = true;
	return true;
}

/*
 * content - before the end of message checks: a message the reader could
 * not hold is an internal error (tempfail, never a 5xx); else the rules
 * are evaluated once, and the hits of dryrun rules become notes ("rule
 * NAME" as their subject). CONTINUE, or the TEMPFAIL to answer.
 */
static enum rw_action
content(struct rw_session *s, struct rw_verdict *v)
{
	const struct rw_rule_hit *h;
	struct rw_verdict nv;
	char	subject[96];
	size_t	i;

	if (s->f.msg == NULL || s->f.rules_done)
		return RW_ACT_CONTINUE;
	if (s->f.msg->nomem) {
		s->nomem = true;
		(void)nomem_verdict(v);
		rw_strlcpy_ok(v->reason, "the message could not be read: out of "
		    "memory", sizeof(v->reason));
		return RW_ACT_TEMPFAIL;
	}
	if (!rw_rules_eval(s->cfg->rules, &s->f)) {
		s->nomem = true;
		return nomem_verdict(v);
	}
	for (i = 0; s->f.rules != NULL && i < s->f.rules->nhits; i++) {
		h = &s->f.rules->hits[i];
		if (!h->dryrun)
			continue;
		verdict_clear(&nv);
		(void)rw_rule_verdict(h, &nv);
		nv.dryrun = true;
		nv.tag[0] = '\0';	/* a dryrun rule never tags */
		snprintf(subject, sizeof(subject), "rule %s", h->rule);
		if (!record_outcome_on(s, RW_STAGE_EOM, &nv, subject))
			return nomem_verdict(v);
	}
	return RW_ACT_CONTINUE;
}

/* rw_session_decide - run the stage's checks, once each; apply dryrun */
enum rw_action
rw_session_decide(struct rw_session *s, enum rw_stage stage,
    struct rw_verdict *v)
{
	struct rw_verdict cv;
	enum rw_action r;
	size_t	i;

	verdict_clear(v);
	s->f.stage = stage;
	if (stage == s->cfg->dns_verdict_stage && !name_access(s))
		return nomem_verdict(v);
	if (stage == RW_STAGE_EOM && content(s, v) != RW_ACT_CONTINUE)
		return RW_ACT_TEMPFAIL;
	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		if (check_stage(s->cfg, &checks[i]) != stage)
			continue;
		verdict_clear(&cv);
		r = checks[i].fn(s->cfg, &s->f, &cv);
		cv.action = r;
		if (r == RW_ACT_CONTINUE)
			continue;
		if (r == RW_ACT_TAG || r == RW_ACT_QUARANTINE) {
			/* a quarantine is kept like a tag; a note in dryrun */
			cv.dryrun = r == RW_ACT_QUARANTINE &&
			    s->cfg->mode == RW_MODE_DRYRUN;
			if (!record_outcome(s, stage, &cv))
				return nomem_verdict(v);
			/* the log names the first tag, or a quarantine */
			if (v->action == RW_ACT_CONTINUE ||
			    (v->action == RW_ACT_TAG && r == RW_ACT_QUARANTINE))
				*v = cv;
			continue;
		}
		*v = cv;
		if ((rw_action_refuses(r) || r == RW_ACT_DISCARD) &&
		    s->cfg->mode == RW_MODE_DRYRUN) {
			v->dryrun = true;
			if (!record_outcome(s, stage, v))
				return nomem_verdict(v);
			break;
		}
		return r;
	}
	if (stage == RW_STAGE_RCPT && !v->dryrun)
		s->f.nrcpt_accepted++;
	return RW_ACT_CONTINUE;	/* v->action says whether it was tagged */
}

/* rw_session_init - a new session on a configuration snapshot */
void
rw_session_init(struct rw_session *s, const struct rw_config *cfg)
{
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	rw_facts_init(&s->f);
	s->authserv_id = rw_fact_empty;
	rw_strlcpy_ok(s->f.client_addr, "unknown", sizeof(s->f.client_addr));
}

/* rw_session_release - free the outcomes and the list facts */
void
rw_session_release(struct rw_session *s)
{
	free(s->outcomes);
	s->outcomes = NULL;
	s->noutcomes = s->outcomes_cap = 0;
	free(s->ar_forged);
	s->ar_forged = NULL;
	s->nar_forged = 0;
	rw_fact_clear(&s->authserv_id);
	rw_facts_release(&s->f);
}

const char rw_fact_empty[1] = "";

/* rw_fact_set - the field holds its own copy of value */
bool
rw_fact_set(const char **field, const char *value)
{
	char	*copy = NULL;

	if (value != NULL && value[0] != '\0' && (copy = strdup(value)) == NULL) {
		rw_fact_clear(field);
		return false;
	}
	rw_fact_clear(field);
	if (copy != NULL)
		*field = copy;
	return true;
}

/* rw_fact_clear - the field is "" again */
void
rw_fact_clear(const char **field)
{
	if (*field != NULL && *field != rw_fact_empty)
		free((char *)*field);
	*field = rw_fact_empty;
}

/* rw_spf_note_clear - not checked */
void
rw_spf_note_clear(struct rw_spf_note *n)
{
	n->result = RW_SPF_NOT_CHECKED;
	rw_fact_clear(&n->domain);
	rw_fact_clear(&n->explanation);
	rw_fact_clear(&n->reason);
}

/* rw_spf_note_set - the texts copied, then the result */
bool
rw_spf_note_set(struct rw_spf_note *n, const struct rw_spf_fact *sf)
{
	if (!rw_fact_set(&n->domain, sf->domain) ||
	    !rw_fact_set(&n->explanation, sf->explanation) ||
	    !rw_fact_set(&n->reason, sf->reason)) {
		rw_spf_note_clear(n);
		return false;
	}
	n->result = sf->result;
	return true;
}

/* rw_facts_init - no texts, no lists */
void
rw_facts_init(struct rw_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->client_name = f->helo = f->auth_user = f->mta_host = rw_fact_empty;
	f->sender = f->rcpt = f->ptr_name = rw_fact_empty;
	rw_spf_note_clear(&f->spf_helo);
	rw_spf_note_clear(&f->spf_mail);
}

/* rw_facts_lists - room for n list facts, all "not asked" */
bool
rw_facts_lists(struct rw_facts *f, size_t n)
{
	size_t	i;

	if (f->bl != NULL || n == 0)
		return true;
	if ((f->bl = calloc(n, sizeof(*f->bl))) == NULL)
		return false;
	for (i = 0; i < n; i++)
		rw_dnsbl_fact_reset(&f->bl[i]);
	f->nbl = n;
	return true;
}

/* rw_dnsbl_fact_reset - not asked, txt "" again (freed, never NULL) */
void
rw_dnsbl_fact_reset(struct rw_dnsbl_fact *bf)
{
	rw_fact_clear(&bf->txt);
	memset(bf, 0, sizeof(*bf));
	bf->status = RW_DNS_NOT_ASKED;
	bf->txt = rw_fact_empty;
}

/* rw_dnsbl_fact_txt - the TXT answer as the fact's sanitised reason */
bool
rw_dnsbl_fact_txt(struct rw_dnsbl_fact *bf, const char *text, size_t len)
{
	char	reason[RW_TXT_MAX];

	rw_txt_sanitize(reason, sizeof(reason), text, len);
	return rw_fact_set(&bf->txt, reason);
}

/* rw_facts_release - free the texts and the list facts */
void
rw_facts_release(struct rw_facts *f)
{
	size_t	i;

	for (i = 0; f->bl != NULL && i < f->nbl; i++)
		rw_fact_clear(&f->bl[i].txt);
	free(f->bl);
	f->bl = NULL;
	f->nbl = 0;
	rules_free(f);
	rw_uribl_facts_release(f);
	rw_fact_clear(&f->client_name);
	rw_fact_clear(&f->helo);
	rw_fact_clear(&f->mta_host);
	rw_fact_clear(&f->auth_user);
	rw_fact_clear(&f->sender);
	rw_fact_clear(&f->rcpt);
	rw_fact_clear(&f->ptr_name);
	rw_spf_note_clear(&f->spf_helo);
	rw_spf_note_clear(&f->spf_mail);
	if (f->state != NULL) {
		rw_state_fact_clear(f->state);
		free(f->state);
		f->state = NULL;
	}
}

/* rw_session_reset - forget the transaction, keep the connection facts */
void
rw_session_reset(struct rw_session *s)
{
	s->f.authenticated = false;
	rw_fact_clear(&s->f.auth_user);
	rw_fact_clear(&s->f.sender);
	rw_fact_clear(&s->f.rcpt);
	s->f.sender_overlong = false;
	s->f.rcpt_overlong = false;
	rw_spf_note_clear(&s->f.spf_mail);
	s->f.nrcpt_accepted = 0;
	s->f.msg = NULL;
	rules_free(&s->f);
	rw_uribl_facts_release(&s->f);
	s->f.insider = s->f.trusted_network;
	forget_outcomes(s, RW_STAGE_MAIL);
	s->ar_seen = 0;
	s->nar_forged = 0;
}

/* keep - store a fact text; an allocation failure marks the session */
static void
keep(struct rw_session *s, const char **field, const char *value)
{
	if (!rw_fact_set(field, value))
		s->nomem = true;
}

/* copy_fact - bounded copy of an untrusted value into a fact text of at
 * most size - 1 characters */
static void
copy_fact(struct rw_session *s, const char **field, size_t size,
    const char *src)
{
	char	buf[RW_ADDR_MAX + 1];

	if (size > sizeof(buf))
		size = sizeof(buf);
	if (src == NULL)
		src = "";
	if (!rw_strlcpy_ok(buf, src, size))
		rw_sanitize(buf, size, src);	/* marked "..." and judged as such */
	keep(s, field, buf);
}

/* authserv_ok - usable as an RFC 8601 authserv-id: a non-empty token */
static bool
authserv_ok(const char *id)
{
	return id[0] != '\0' && strpbrk(id, " \t;()\"\\") == NULL;
}

/* rw_session_record_connect - the client; what depends on it alone */
void
rw_session_record_connect(struct rw_session *s, const char *addr,
    const char *name, const char *mta_host)
{
	const struct rw_client_rule *r;
	char	id[RW_HOSTNAME_MAX + 1];

	copy_fact(s, &s->f.client_name, RW_HOSTNAME_MAX + 1, name);
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
	s->f.name_checked = false;
	s->f.name_rule = NULL;
	s->f.server_known = false;
	copy_fact(s, &s->f.mta_host, RW_HOSTNAME_MAX + 1, mta_host);
	/* the configured authserv-id (checked at load), else the MTA's name */
	id[0] = '\0';
	if (s->cfg->authserv_id != NULL && s->cfg->authserv_id[0] != '\0')
		(void)rw_strlcpy_ok(id, s->cfg->authserv_id, sizeof(id));
	else if (mta_host != NULL)
		rw_txt_sanitize(id, sizeof(id), mta_host, strlen(mta_host));
	if (!authserv_ok(id))
		id[0] = '\0';	/* headers say "localhost"; nothing is removed */
	keep(s, &s->authserv_id, id);
	forget_outcomes(s, RW_STAGE_CONNECT);
}

/* rw_session_record_server - where the client reached us, if the MTA said */
void
rw_session_record_server(struct rw_session *s, const char *addr)
{
	s->f.server_known = addr != NULL && rw_ip_parse(addr, &s->f.server_ip);
}

/* rw_session_record_helo - the HELO name (again: its outcomes start over) */
void
rw_session_record_helo(struct rw_session *s, const char *helo)
{
	copy_fact(s, &s->f.helo, RW_HOSTNAME_MAX + 1, helo);
	forget_outcomes(s, RW_STAGE_HELO);
}

/* copy_address - "<a@b>" to "a@b" for the facts; false when overlong */
static bool
copy_address(struct rw_session *s, const char **field, const char *src)
{
	char	dst[RW_ADDR_MAX + 1];
	size_t	len, size = sizeof(dst);

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
		keep(s, field, dst);
		return false;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
	keep(s, field, dst);
	return true;
}

/* rw_session_record_mail - a new transaction */
void
rw_session_record_mail(struct rw_session *s, const char *sender,
    const char *auth_user)
{
	rw_session_reset(s);
	s->f.sender_overlong = !copy_address(s, &s->f.sender, sender);
	if (auth_user != NULL && auth_user[0] != '\0') {
		s->f.authenticated = true;
		copy_fact(s, &s->f.auth_user, RW_ADDR_MAX + 1, auth_user);
	}
	s->f.insider = s->f.trusted_network ||
	    (s->f.authenticated && s->cfg->trust_authenticated);
}

/* rw_session_record_rcpt - the recipient to be judged */
void
rw_session_record_rcpt(struct rw_session *s, const char *rcpt)
{
	s->f.rcpt_overlong = !copy_address(s, &s->f.rcpt, rcpt);
}

/* authserv_matches - the header's authserv-id (RFC 8601 2.2) is ours */
static bool
authserv_matches(const char *value, const char *ours)
{
	size_t	n;

	while (*value == ' ' || *value == '\t' || *value == '\r' || *value == '\n')
		value++;
	n = strcspn(value, "; \t\r\n(");
	return n > 0 && n == strlen(ours) && strncasecmp(value, ours, n) == 0;
}

/* rw_session_record_header - note incoming Authentication-Results in our name */
void
rw_session_record_header(struct rw_session *s, const char *name,
    const char *value)
{
	if (name == NULL || value == NULL || strcasecmp(name, AR_HEADER) != 0)
		return;
	s->ar_seen++;
	if (s->authserv_id[0] == '\0' || !authserv_matches(value, s->authserv_id) ||
	    s->nar_forged >= RW_AR_FORGED_MAX)
		return;
	/* forged ones are rare: their list is allocated at the first */
	if (s->ar_forged == NULL &&
	    (s->ar_forged = calloc(RW_AR_FORGED_MAX, sizeof(*s->ar_forged))) == NULL) {
		s->nomem = true;	/* it must be removed: the stage tempfails */
		return;
	}
	s->ar_forged[s->nar_forged++] = s->ar_seen;
}

/* rw_session_dryrun_header - what dryrun let through, as a header value */
bool
rw_session_dryrun_header(const struct rw_session *s, char *buf, size_t len)
{
	size_t	i, o = 0, dropped = s->outcomes_dropped;
	bool	any = false;
	int	n;

	if (len == 0)
		return false;
	buf[0] = '\0';
	for (i = 0; i < s->noutcomes; i++) {
		const struct rw_outcome *note = &s->outcomes[i];

		if (!note->v.dryrun)
			continue;
		if (note->v.rcode[0] == '\0')	/* tag, quarantine, discard */
			n = snprintf(buf + o, len - o, "%s%s <%s>: would %s (%s)%s%s",
			    any ? ";\n\t" : "", rw_stage_name(note->stage),
			    note->subject, rw_action_name(note->v.action),
			    note->v.check != NULL ? note->v.check : "policy",
			    note->v.text[0] ? ": " : "", note->v.text);
		else
			n = snprintf(buf + o, len - o, "%s%s <%s>: would %s (%s): "
			    "%s %s %s", any ? ";\n\t" : "",
			    rw_stage_name(note->stage), note->subject,
			    rw_action_name(note->v.action),
			    note->v.check != NULL ? note->v.check : "policy",
			    note->v.rcode, note->v.xcode, note->v.text);
		if (n < 0 || (size_t)n >= len - o) {
			buf[o] = '\0';	/* drop the entry that did not fit */
			return any;
		}
		o += (size_t)n;
		any = true;
	}
	if (any && dropped > 0)
		snprintf(buf + o, len - o, ";\n\tand %zu more", dropped);
	return any;
}

/* rw_session_tags - the recorded tags; false when nothing (or an insider) */
bool
rw_session_tags(const struct rw_session *s, char *buf, size_t len)
{
	size_t	i, o = 0;
	int	n;

	if (len == 0)
		return false;
	buf[0] = '\0';
	/*
	 * a connection-stage tag does not mark an authenticated user's mail;
	 * a content rule the admin applied to insiders does. A quarantine is
	 * a tag as well (in dryrun too: tags are never held back).
	 */
	for (i = 0; i < s->noutcomes; i++) {
		if (s->outcomes[i].v.action != RW_ACT_TAG &&
		    s->outcomes[i].v.action != RW_ACT_QUARANTINE)
			continue;
		if (s->outcomes[i].v.tag[0] == '\0' || (s->outcomes[i].v.dryrun &&
		    s->outcomes[i].v.action == RW_ACT_TAG))
			continue;
		if ((s->f.insider || s->f.client_ok) &&
		    s->outcomes[i].stage != RW_STAGE_EOM)
			continue;
		n = snprintf(buf + o, len - o, "%s%s", o ? "; " : "",
		    s->outcomes[i].v.tag);
		if (n < 0 || (size_t)n >= len - o) {
			buf[o] = '\0';	/* drop the part that did not fit */
			break;
		}
		o += (size_t)n;
	}
	return o > 0;
}

/* rw_session_header_next - the next header edit at end of message */
bool
rw_session_header_next(const struct rw_session *s, size_t *cursor,
    struct rw_header_edit *e)
{
	const char *id = s->authserv_id[0] != '\0' ? s->authserv_id : "localhost";
	size_t	i;
	bool	have;

	for (;;) {
		i = (*cursor)++;
		e->index = 0;
		e->value[0] = '\0';
		if (i < s->nar_forged) {
			e->op = RW_HDR_DELETE;
			e->name = AR_HEADER;
			e->index = s->ar_forged[s->nar_forged - 1 - i];
			snprintf(e->value, sizeof(e->value),
			    "carrying our authserv-id %s", s->authserv_id);
			return true;
		}
		switch (i - s->nar_forged) {
		case 0:
			e->op = RW_HDR_INSERT_TOP;
			e->name = SPF_HEADER;
			have = rw_spf_received(&s->f, id, e->value,
			    sizeof(e->value));
			break;
		case 1:
			e->op = RW_HDR_INSERT_TOP;
			e->name = AR_HEADER;
			have = rw_auth_results(s->cfg, &s->f, id,
			    e->value, sizeof(e->value));
			break;
		case 2:
			e->op = RW_HDR_APPEND;
			e->name = RW_HEADER_TAG;
			have = rw_session_tags(s, e->value, sizeof(e->value));
			break;
		case 3:
			e->op = RW_HDR_APPEND;
			e->name = RW_HEADER_DRYRUN;
			have = rw_session_dryrun_header(s, e->value,
			    sizeof(e->value));
			break;
		default:
			return false;
		}
		if (have)
			return true;
	}
}

/* rw_session_logline - the one log line per verdict */
void
rw_session_logline(const struct rw_session *s, enum rw_stage stage,
    const struct rw_verdict *v, char *buf, size_t len)
{
	const struct rw_facts *f = &s->f;
	char	name[128], helo[128], from[300], rcpt[300];
	char	reply[RW_REPLY_MAX + 32];
	bool	rcpt_stage = stage == RW_STAGE_RCPT;
	int	n;

	rw_sanitize(name, sizeof(name), f->client_name[0] ? f->client_name : "unknown");
	rw_sanitize(helo, sizeof(helo), f->helo);
	rw_sanitize(from, sizeof(from), f->sender);
	rw_sanitize(rcpt, sizeof(rcpt), f->rcpt);
	if (rw_action_refuses(v->action))
		snprintf(reply, sizeof(reply), " reply=\"%s %s %s\"", v->rcode,
		    v->xcode, v->text);
	else
		reply[0] = '\0';
	if (len == 0)
		return;
	n = snprintf(buf, len, "stage=%s action=%s%s check=%s client=%s[%s] "
	    "helo=<%s> from=<%s>%s%s%s%s reason=\"%s\"%s",
	    rw_stage_name(stage), rw_action_name(v->action),
	    v->dryrun ? " dryrun=yes" : "",
	    v->check != NULL ? v->check : "none", name, f->client_addr, helo,
	    from, rcpt_stage ? " rcpt=<" : "", rcpt_stage ? rcpt : "",
	    rcpt_stage ? ">" : "",
	    f->insider ? " insider=yes" : (f->client_ok ? " client_ok=yes" : ""),
	    v->reason[0] ? v->reason : (f->insider ? "insider" : "no objection"),
	    reply);
	if (n >= 0 && (size_t)n >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);	/* cut, and says so */
}
