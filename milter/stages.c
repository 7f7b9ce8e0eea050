/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	stages - the per-stage sequence shared by the milter and the query tool
 * DESCRIPTION
 *	See stages.h. Each stage function records its facts, then calls
 *	run(): every gatherer is started for the stage, every gatherer
 *	whose facts the stage's verdict needs is awaited, and the policy
 *	decides once. SPF is evaluated when its identity is known (HELO at
 *	HELO, MAIL FROM at MAIL) and only for clients it applies to: known
 *	address, not an insider, not client_access OK; its verdict is given
 *	at MAIL by the policy (policy/spf.c). DNS facts are gathered at
 *	dns_verdict_stage, bounded by dns_deadline. The state store is asked
 *	last, just before the verdicts of CONNECT, MAIL and RCPT (the plan,
 *	rw_state_plan, may need the DNS facts: an allow list, the verified
 *	PTR name), each op one atomic store call; a failed call is logged,
 *	counted and left to state_failure. A recipient we refuse with a 5xx,
 *	or that the MTA refused itself (rw_stages_rcpt_refused), counts for
 *	the refused limits. The concurrency counts a session raised are
 *	lowered when it is released.
 */
#include "config.h"

#include <string.h>

#include "stages.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "metrics.h"
#include "poolkick.h"
#include "sessions.h"
#include "mime.h"
#include "spf.h"
#include "store.h"
#include "urifacts.h"

/* a crashed daemon's concurrency counts fade after this long */
#define CONC_TTL_S	3600
/* content_scan_max when the configuration leaves it 0: 1 MiB */
#define SCAN_MAX_DEFAULT	(1024U * 1024U)

/*
 * A gatherer collects facts from outside the policy core. start() runs
 * after a stage's facts are recorded (it may begin lookups, or do the
 * whole work when that is cheap or synchronous); await() runs before a
 * stage is decided and must return with every fact that stage's checks
 * need, or with the facts marked as failed (never blocking past its
 * deadline). Either may be NULL.
 */
struct gatherer {
	const char	*name;
	void		(*start)(struct rw_stages *, enum rw_stage);
	void		(*await)(struct rw_stages *, enum rw_stage);
};

static const char *
qid_or_noqueue(const struct rw_stages *st)
{
	return st->qid[0] != '\0' ? st->qid : "NOQUEUE";
}

/* dns_start - begin the lookups the stage's facts make possible */
static void
dns_start(struct rw_stages *st, enum rw_stage stage)
{
	struct rw_facts *f = &st->s.f;

	if (!st->network)
		return;
	switch (stage) {
	case RW_STAGE_CONNECT:
		rw_dnsfacts_connect(&st->ds, st->svc->resolver, st->svc->probes,
		    st->cfg, st->daemon, f,
		    st->mta_resolve,
		    f->client_name);
		break;
	case RW_STAGE_HELO:
		rw_dnsfacts_helo(&st->ds, st->cfg, f);
		break;
	case RW_STAGE_MAIL:
		rw_dnsfacts_mail(&st->ds, st->cfg, f);
		break;
	case RW_STAGE_RCPT:
	case RW_STAGE_EOH:
	case RW_STAGE_EOM:
		break;
	}
}

/*
 * dns_await - DNS facts are due at dns_verdict_stage (bounded wait). A
 * wait that will block first has libmilter's pool start a worker for the
 * sessions queued behind this one (poolkick.c says why); not once the
 * daemon is stopping, when libmilter accepts nothing more.
 */
static void
dns_await(struct rw_stages *st, enum rw_stage stage)
{
	if (!st->network || st->cfg->dns_verdict_stage != stage)
		return;
	if (st->svc->kick != NULL && !rw_sessions_stopping() &&
	    rw_dnsfacts_would_wait(&st->ds, st->cfg, &st->s.f))
		rw_poolkick(st->svc->kick, qid_or_noqueue(st));
	if (!rw_dnsfacts_gather(&st->ds, st->cfg, st->daemon, &st->s.f,
	    qid_or_noqueue(st)))
		st->nomem = true;
}

static bool
spf_applies(const struct rw_stages *st)
{
	return st->network && st->s.f.client_known && !st->s.f.insider &&
	    !st->s.f.client_ok;
}

/* spf_start - evaluate the identity the stage made known (synchronous);
 * the outcome's texts are kept at their length (rw_spf_note) */
static void
spf_start(struct rw_stages *st, enum rw_stage stage)
{
	struct rw_facts *f = &st->s.f;
	struct rw_spf_fact out;

	if (!spf_applies(st))
		return;
	if (stage == RW_STAGE_HELO && st->cfg->spf_check_helo && f->helo[0] != '\0') {
		rw_spf_check(st->svc->spf, RW_SPF_ID_HELO, f->client_addr, f->helo, NULL,
		    st->daemon->dns_deadline_ms, &out);
		rw_metrics_spf(true, out.result);
		if (!rw_spf_note_set(&f->spf_helo, &out))
			st->nomem = true;
	}
	if (stage == RW_STAGE_MAIL && st->cfg->spf_check) {
		rw_spf_check(st->svc->spf, RW_SPF_ID_MAILFROM, f->client_addr, f->helo,
		    f->sender, st->daemon->dns_deadline_ms, &out);
		rw_metrics_spf(false, out.result);
		if (!rw_spf_note_set(&f->spf_mail, &out))
			st->nomem = true;
	}
}

/* now_ms - the wall clock: the store's records outlive the process */
static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* state_fail - a store call failed: logged and counted; state_failure decides */
static void
state_fail(struct rw_stages *st, struct rw_store *store, const char *err,
    bool record)
{
	if (record)
		rw_state_record_failure(&st->s.f, err);
	rw_log_err("%s: state store failed: %s (%lu failures since start); "
	    "state_failure = %s", qid_or_noqueue(st), err,
	    store != NULL ? rw_store_failures(store) : 0UL,
	    st->cfg->state_failure == RW_SFAIL_ACCEPT ? "accept" : "tempfail");
}

/*
 * conc_keep - remember a concurrency key this session raised; the room
 * is allocated on first use (most sessions have no concurrency limit)
 */
static void
conc_keep(struct rw_stages *st, const char *key)
{
	if (st->conc == NULL &&
	    (st->conc = calloc(RW_STAGES_CONC_MAX, sizeof(*st->conc))) == NULL) {
		rw_log_err("%s: out of memory: concurrency key %s not lowered "
		    "at close (it fades in %ds)", qid_or_noqueue(st), key,
		    CONC_TTL_S);
		return;
	}
	if (st->nconc < RW_STAGES_CONC_MAX)
		(void)rw_strlcpy_ok(st->conc[st->nconc++], key,
		    sizeof(st->conc[0]));
}

/* metrics_op - the metrics' name for a plan's operation */
static enum rw_metrics_state_op
metrics_op(enum rw_state_op_kind kind)
{
	switch (kind) {
	case RW_SOP_RATE:
		return RW_METRICS_STATE_RATE;
	case RW_SOP_CONCURRENCY:
		return RW_METRICS_STATE_CONCURRENCY;
	case RW_SOP_GREY:
		break;
	}
	return RW_METRICS_STATE_GREYLIST;
}

/* counted_ok - count a concurrency release (close); true when it worked */
static bool
counted_ok(int rc)
{
	rw_metrics_state_call(RW_METRICS_STATE_CONCURRENCY, rc != RW_STORE_OK);
	return rc == RW_STORE_OK;
}

/*
 * state_run - run a plan's ops, one atomic store call each; the answers
 * go into the facts when record is set (a refusal being counted only
 * counts: its answers matter to the next recipient's peek)
 */
static void
state_run(struct rw_stages *st, const struct rw_state_plan *p, bool record)
{
	struct rw_store *store = st->svc != NULL ?
	    __atomic_load_n(&st->svc->store, __ATOMIC_ACQUIRE) : NULL;
	struct rw_facts *f = &st->s.f;
	const struct rw_state_op *op;
	enum rw_grey_state g;
	char	err[RW_REASON_MAX];
	uint64_t now = now_ms(), retry;
	unsigned int wait;
	bool	allowed, listed;
	long	count;
	size_t	i;
	int	rc = RW_STORE_OK;

	if (p->n == 0 || st->svc == NULL)
		return;		/* the query tool without a store: not consulted */
	if (store == NULL) {
		for (i = 0; i < p->n; i++)	/* each call that could not be made */
			rw_metrics_state_call(metrics_op(p->op[i].kind), true);
		state_fail(st, NULL, "no state store open (see the log: it could "
		    "not be opened)", record);
		return;
	}
	for (i = 0; i < p->n && rc == RW_STORE_OK; i++) {
		op = &p->op[i];
		err[0] = '\0';
		switch (op->kind) {
		case RW_SOP_RATE:
			rc = rw_store_rate(store, op->key, &op->spec, op->n, now,
			    &allowed, &retry, err, sizeof(err));
			rw_metrics_state_call(RW_METRICS_STATE_RATE,
			    rc != RW_STORE_OK);
			if (rc == RW_STORE_OK && record) {
				rw_state_record_rate(f, op, allowed, retry, 0);
				rw_metrics_state_limit(RW_METRICS_STATE_RATE,
				    allowed);
			}
			break;
		case RW_SOP_CONCURRENCY:
			rc = rw_store_concurrency(store, op->key, +1, CONC_TTL_S,
			    &count, err, sizeof(err));
			rw_metrics_state_call(RW_METRICS_STATE_CONCURRENCY,
			    rc != RW_STORE_OK);
			if (rc != RW_STORE_OK)
				break;
			conc_keep(st, op->key);
			if (record) {
				rw_state_record_rate(f, op,
				    count <= (long)op->spec.limit, 0, count);
				rw_metrics_state_limit(
				    RW_METRICS_STATE_CONCURRENCY,
				    count <= (long)op->spec.limit);
			}
			break;
		case RW_SOP_GREY:
			rc = rw_store_grey(store, op->key, op->net_key, &p->grey,
			    now, &g, &wait, &listed, err, sizeof(err));
			rw_metrics_state_call(RW_METRICS_STATE_GREYLIST,
			    rc != RW_STORE_OK);
			if (rc == RW_STORE_OK && record) {
				rw_state_record_grey(f, op, g, wait, listed);
				rw_metrics_greylist(g);
			}
			break;
		}
	}
	if (rc != RW_STORE_OK)
		state_fail(st, store, err, record);
}

/* state_await - ask the store what the stage's verdict needs */
static void
state_await(struct rw_stages *st, enum rw_stage stage)
{
	struct rw_state_plan p;

	if (!rw_state_used(st->cfg))
		return;		/* no state facts: none allocated */
	if (!rw_state_begin(&st->s.f)) {
		st->nomem = true;
		return;
	}
	rw_state_plan(st->cfg, &st->s.f, stage, &p);
	state_run(st, &p, true);
}

/* state_refused - count a refused recipient (by us or by the MTA) */
static void
state_refused(struct rw_stages *st)
{
	struct rw_state_plan p;

	if (!rw_state_used(st->cfg))
		return;
	rw_state_plan_refused(st->cfg, &st->s.f, &p);
	state_run(st, &p, false);	/* counted for the next recipients */
}

/* a message's bytes and its reading (rw_stages.content) */
struct rw_stages_content {
	struct rw_msgbuf	 mb;		/* the bytes the MTA sent */
	struct rw_message	 msg;		/* as read at end of message */
	bool			 msg_held;	/* msg is filled: release it */
};

/* collecting - the message's buffer while it keeps bytes; NULL: none */
static struct rw_msgbuf *
collecting(const struct rw_stages *st)
{
	return st->content != NULL && st->content->mb.active ?
	    &st->content->mb : NULL;
}

/*
 * kept - what a msgbuf call reported: the scan cap and the budget are
 * logged once per message (info, warning), a failed allocation marks
 * the message (its verdict is on_internal_error)
 */
static void
kept(struct rw_stages *st, enum rw_msgbuf_status ms)
{
	switch (ms) {
	case RW_MSGBUF_OK:
		break;
	case RW_MSGBUF_CAPPED:
		rw_log_info("%s: content_scan_max %zu bytes reached: the content "
		    "checks read that much of the message", qid_or_noqueue(st),
		    st->content->mb.limit);
		break;
	case RW_MSGBUF_BUDGET:
		rw_log_warn("%s: content_memory_max reached (all sessions' "
		    "messages): the content checks read the first %zu bytes "
		    "of the message", qid_or_noqueue(st), st->content->mb.len);
		break;
	case RW_MSGBUF_NOMEM:
		rw_log_err("%s: out of memory keeping the message (%zu bytes "
		    "kept)", qid_or_noqueue(st), st->content->mb.len);
		st->msg_nomem = true;
		break;
	}
}

/*
 * content_start - end of message: the bytes kept are read as MIME into
 * the session's message and recorded for the content checks; counted
 * (messages, bytes, truncated ones, MIME defects by kind)
 */
static void
content_start(struct rw_stages *st, enum rw_stage stage)
{
	struct rw_stages_content *ct = st->content;
	struct rw_msgbuf *mb;

	if (stage != RW_STAGE_EOM || !st->collect ||
	    (mb = collecting(st)) == NULL)
		return;
	kept(st, rw_msgbuf_finish(mb));
	if (st->msg_nomem)	/* bytes lost: the verdict is internal */
		return;
	rw_message_init(&ct->msg);
	ct->msg_held = true;
	if (!rw_mime_read(mb->buf, mb->len, mb->truncated, &ct->msg) ||
	    ct->msg.nomem) {
		rw_log_err("%s: out of memory reading the message as MIME",
		    qid_or_noqueue(st));
		st->msg_nomem = true;
		return;
	}
	rw_metrics_content_message(mb->len, mb->truncated);
	rw_metrics_content_defects(ct->msg.defects);
	rw_session_record_message(&st->s, &ct->msg);
	/* the bytes are read: give their room back before the verdict waits */
	rw_msgbuf_release(mb);
}

/*
 * uri_await - the URI block list lookups (milter/urifacts.c) for the URL
 * hosts of the message recorded by content_start: all started and
 * awaited together (bounded by dns_deadline) before the end of message
 * verdict. Nothing to start earlier: the hosts are known only now.
 */
static void
uri_await(struct rw_stages *st, enum rw_stage stage)
{
	if (stage == RW_STAGE_EOM && st->network &&
	    !rw_urifacts_gather(st->svc->resolver, st->svc->probes,
	    st->svc->psl, st->cfg, st->daemon->dns_deadline_ms, &st->s.f,
	    qid_or_noqueue(st)))
		st->nomem = true;
}

/*
 * The order matters: the state gatherer may need the DNS facts; the URI
 * lookups need the message the content gatherer read.
 */
static const struct gatherer gatherers[] = {
	{ .name = "dns", .start = dns_start, .await = dns_await },
	{ .name = "spf", .start = spf_start, .await = NULL },
	{ .name = "content", .start = content_start, .await = NULL },
	{ .name = "uri", .start = NULL, .await = uri_await },
	{ .name = "state", .start = NULL, .await = state_await },
};
#define NGATHERERS	(sizeof(gatherers) / sizeof(gatherers[0]))

/* decide - await what the stage's verdict needs, then decide once */
static enum rw_action
decide(struct rw_stages *st, enum rw_stage stage, struct rw_verdict *v)
{
	enum rw_action r = RW_ACT_CONTINUE;
	size_t	i;

	for (i = 0; i < NGATHERERS; i++)
		if (gatherers[i].await != NULL)
			gatherers[i].await(st, stage);
	if (!rw_stages_nomem(st))
		r = rw_session_decide(&st->s, stage, v);
	if (rw_stages_nomem(st)) {	/* facts or outcomes lost: no verdict */
		memset(v, 0, sizeof(*v));
		v->action = RW_ACT_TEMPFAIL;
		v->check = "internal";
		memcpy(v->rcode, "451", 4);
		memcpy(v->xcode, "4.3.0", 6);
		rw_strlcpy_ok(v->text, "Internal error, try again later",
		    sizeof(v->text));
		rw_strlcpy_ok(v->reason, "out of memory", sizeof(v->reason));
		return RW_ACT_TEMPFAIL;
	}
	return r;
}

/* rw_stages_nomem - an allocation failed: every stage tempfails */
bool
rw_stages_nomem(const struct rw_stages *st)
{
	return st->nomem || st->msg_nomem || rw_session_nomem(&st->s);
}

/* start_gatherers - the stage's facts are recorded: start the lookups */
static void
start_gatherers(struct rw_stages *st, enum rw_stage stage)
{
	size_t	i;

	for (i = 0; i < NGATHERERS; i++)
		if (gatherers[i].start != NULL)
			gatherers[i].start(st, stage);
}

/* run - the stage's facts are recorded: start the gatherers, decide */
static enum rw_action
run(struct rw_stages *st, enum rw_stage stage, struct rw_verdict *v)
{
	start_gatherers(st, stage);
	return decide(st, stage, v);
}

/*
 * content_begin - MAIL: keep the message's bytes from here (the content
 * state is allocated for the first message of the session; a failure
 * makes the message's verdict on_internal_error)
 */
static void
content_begin(struct rw_stages *st)
{
	if (st->content == NULL) {
		if ((st->content = calloc(1, sizeof(*st->content))) == NULL) {
			rw_log_err("%s: out of memory for the message's content",
			    qid_or_noqueue(st));
			st->msg_nomem = true;
			return;
		}
		rw_msgbuf_init(&st->content->mb);
		rw_message_init(&st->content->msg);
	}
	rw_msgbuf_begin(&st->content->mb, st->cfg->content_scan_max > 0 ?
	    st->cfg->content_scan_max : SCAN_MAX_DEFAULT);
}

void
rw_stages_init(struct rw_stages *st, const struct rw_config *cfg,
    const struct rw_daemon_conf *daemon, const struct rw_services *svc)
{
	memset(st, 0, sizeof(*st));
	st->cfg = cfg;
	st->daemon = daemon;
	st->svc = svc;
	st->network = svc != NULL;
	st->collect = rw_content_needs(cfg) != 0;
	rw_session_init(&st->s, cfg);
}

enum rw_action
rw_stages_connect(struct rw_stages *st, const char *addr, const char *name,
    const char *mta_host, const char *mta_resolve, const char *server,
    struct rw_verdict *v)
{
	enum rw_action a;

	rw_session_record_connect(&st->s, addr, name, mta_host);
	rw_session_record_server(&st->s, server);
	st->helo_decided = false;
	st->mta_resolve = mta_resolve != NULL && mta_resolve[0] != '\0' ?
	    mta_resolve : NULL;
	a = run(st, RW_STAGE_CONNECT, v);
	st->mta_resolve = NULL;	/* libmilter's: valid during the call only */
	return a;
}

void
rw_stages_helo_record(struct rw_stages *st, const char *helo)
{
	rw_session_record_helo(&st->s, helo);
	st->helo_decided = false;	/* rw_stages_mail() decides it */
	start_gatherers(st, RW_STAGE_HELO);
}

enum rw_action
rw_stages_helo(struct rw_stages *st, const char *helo, struct rw_verdict *v)
{
	rw_session_record_helo(&st->s, helo);
	st->helo_decided = true;
	return run(st, RW_STAGE_HELO, v);
}

enum rw_action
rw_stages_mail(struct rw_stages *st, const char *sender, const char *auth_user,
    struct rw_verdict *v)
{
	enum rw_action r;

	/* a client that skips HELO must not skip the HELO stage's verdict */
	if (!st->helo_decided) {
		st->helo_decided = true;
		if (rw_session_stage_used(st->cfg, RW_STAGE_HELO) &&
		    rw_action_refuses(r = decide(st, RW_STAGE_HELO, v)))
			return r;
	}
	rw_session_record_mail(&st->s, sender, auth_user);
	if (st->collect)	/* a new message */
		content_begin(st);
	return run(st, RW_STAGE_MAIL, v);
}

enum rw_action
rw_stages_rcpt(struct rw_stages *st, const char *rcpt, struct rw_verdict *v)
{
	enum rw_action r;

	rw_session_record_rcpt(&st->s, rcpt);
	r = run(st, RW_STAGE_RCPT, v);
	/* a recipient we refuse for good (5xx) counts as refused */
	if (r == RW_ACT_REJECT)
		state_refused(st);
	return r;
}

void
rw_stages_rcpt_refused(struct rw_stages *st, const char *rcpt)
{
	rw_session_record_rcpt(&st->s, rcpt);
	state_refused(st);
}

void
rw_stages_header(struct rw_stages *st, const char *name, const char *value)
{
	struct rw_msgbuf *mb = collecting(st);

	rw_session_record_header(&st->s, name, value);
	if (mb != NULL && name != NULL)
		kept(st, rw_msgbuf_header(mb, name, value != NULL ? value : ""));
}

void
rw_stages_body(struct rw_stages *st, const void *chunk, size_t len)
{
	struct rw_msgbuf *mb = collecting(st);

	if (mb != NULL)
		kept(st, rw_msgbuf_body(mb, chunk, len));
}

bool
rw_stages_collecting(const struct rw_stages *st)
{
	return collecting(st) != NULL;
}

enum rw_action
rw_stages_eoh(struct rw_stages *st, struct rw_verdict *v)
{
	struct rw_msgbuf *mb = collecting(st);

	if (mb != NULL)
		kept(st, rw_msgbuf_end_header(mb));
	return run(st, RW_STAGE_EOH, v);
}

enum rw_action
rw_stages_eom(struct rw_stages *st, struct rw_verdict *v)
{
	const struct rw_rule_hit *hits;
	enum rw_action r;
	size_t	n, i;

	r = run(st, RW_STAGE_EOM, v);
	hits = rw_session_rule_hits(&st->s, &n);
	for (i = 0; i < n; i++)
		rw_metrics_rule_hit(hits[i].rule);
	return r;
}

const struct rw_rule_hit *
rw_stages_rule_hits(const struct rw_stages *st, size_t *n)
{
	return rw_session_rule_hits(&st->s, n);
}

void
rw_stages_hitline(const struct rw_stages *st, const struct rw_rule_hit *h,
    char *buf, size_t len)
{
	/*
	 * rules.c hands where and matched over sanitised (rw_sanitize) and
	 * a rule's name is letters, digits and "-_." (name_ok): printed as
	 * they are, so an escaped byte is not escaped twice in the log
	 */
	snprintf(buf, len, "rule=%s line=%u where=\"%s\" action=%s dryrun=%s "
	    "matched=\"%s\"", h->rule != NULL ? h->rule : "-", h->line, h->where,
	    rw_action_name(h->action),
	    h->dryrun || st->cfg->mode == RW_MODE_DRYRUN ? "yes" : "no",
	    h->matched);
}

bool
rw_stages_quarantine(const struct rw_stages *st, char *buf, size_t len)
{
	return rw_session_quarantine(&st->s, buf, len);
}

const struct rw_message *
rw_stages_message(const struct rw_stages *st)
{
	return st->content != NULL && st->content->msg_held ?
	    &st->content->msg : NULL;
}

/* content_end - the message's bytes and its reading are released */
static void
content_end(struct rw_stages *st)
{
	struct rw_stages_content *ct = st->content;

	st->content = NULL;
	st->msg_nomem = false;
	if (ct == NULL)
		return;
	rw_msgbuf_release(&ct->mb);
	if (ct->msg_held)
		rw_message_release(&ct->msg);
	free(ct);
}

bool
rw_stages_header_next(const struct rw_stages *st, size_t *cursor,
    struct rw_header_edit *e)
{
	return rw_session_header_next(&st->s, cursor, e);
}

void
rw_stages_end(struct rw_stages *st)
{
	rw_session_reset(&st->s);	/* forgets the message first */
	content_end(st);
	st->qid[0] = '\0';
}

void
rw_stages_set_qid(struct rw_stages *st, const char *qid)
{
	if (qid != NULL && qid[0] != '\0')
		rw_sanitize(st->qid, sizeof(st->qid), qid);
	else
		st->qid[0] = '\0';
}

const char *
rw_stages_qid(const struct rw_stages *st)
{
	return qid_or_noqueue(st);
}

const struct rw_facts *
rw_stages_facts(const struct rw_stages *st)
{
	return &st->s.f;
}

void
rw_stages_logline(const struct rw_stages *st, enum rw_stage stage,
    const struct rw_verdict *v, char *buf, size_t len)
{
	rw_session_logline(&st->s, stage, v, buf, len);
}

void
rw_stages_release(struct rw_stages *st)
{
	struct rw_store *store = st->svc != NULL ?
	    __atomic_load_n(&st->svc->store, __ATOMIC_ACQUIRE) : NULL;
	char	err[RW_REASON_MAX];
	long	count;
	size_t	i;

	rw_dnsfacts_release(&st->ds);
	for (i = 0; i < st->nconc; i++)
		if (store != NULL &&
		    !counted_ok(rw_store_concurrency(store, st->conc[i], -1,
		    CONC_TTL_S, &count, err, sizeof(err))))
			rw_log_err("%s: state store failed lowering %s: %s "
			    "(the count fades in %ds)", qid_or_noqueue(st),
			    st->conc[i], err, CONC_TTL_S);
	st->nconc = 0;
	free(st->conc);
	st->conc = NULL;
	rw_session_release(&st->s);
	content_end(st);
}
