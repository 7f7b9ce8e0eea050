/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	mlfi - libmilter callbacks: milter data in, policy verdicts out
 * DESCRIPTION
 *	Each callback translates one libmilter call into one stage call
 *	(milter/stages.c: record, gather, decide) and the verdict into a
 *	libmilter reply: one log line, smfi_setreply() and an SMFIS_* code.
 *	At end of message it logs one line per content rule that matched,
 *	then the verdict, applies the header edits the session lists and
 *	asks the MTA to quarantine (hold) the message when a rule said so.
 *	No policy decision is made here and no session internals are read.
 *
 *	Negotiation asks only for the protocol steps and macros relaywarden
 *	uses: headers only when Authentication-Results is written (forged
 *	ones must be found and removed) or a content check reads the
 *	message, with no reply to each, end of header only when a check
 *	runs there, the body only when a content check needs it (with no
 *	reply to each chunk: a site without content checks is sent no
 *	body at all), no reply to HELO unless a check decides there (only
 *	dns_verdict_stage = helo does; HELO is then recorded and its lookups
 *	started, and MAIL decides the HELO stage should a reload have put a
 *	check there since), never unknown commands; per stage the macros below (smfi_setsymlist), so the MTA
 *	sends nothing we ignore. DATA is asked for although no check runs
 *	there (libmilter answers it "continue" without a callback): with
 *	SMFIP_NODATA Postfix still sends the DATA macros, alone, as its
 *	smtpd hands the message over to its cleanup, and cleanup's next
 *	write (the headers, end of message) waits behind that unanswered
 *	packet for our delayed ACK (Nagle on Postfix's side, 40 ms on
 *	Linux). Answering DATA acknowledges it at once. Measured through
 *	Postfix 3.7 over TCP (tests/bench/eom-latency.sh): end of message
 *	44 ms with NODATA, 0.6 ms with DATA; a reply per header instead of
 *	SMFIP_NR_HDR costs 1.0 ms. On a unix socket both take 0.6 ms.
 *
 *	libmilter gives the callbacks no user pointer, only the per-connection
 *	private pointer, which exists from negotiation on. So the one piece
 *	of daemon state they need, the services (resolver, prober, SPF
 *	server), is reached through a single static pointer that main.c
 *	sets with rw_mlfi_set_services() before smfi_main() starts the
 *	threads, and that no one writes afterwards.
 *
 *	Sessions are counted (sessions.c): one from the callback that
 *	creates its state (negotiation, or connect for an MTA that does not
 *	negotiate) to close, and every entry point counts itself busy while
 *	it runs. At connect the sessions gate may say the daemon is
 *	stopping or the cap is reached: the session is answered "451 4.3.2"
 *	at once and not counted; while stopping, a new MAIL FROM in an old
 *	session gets the same answer, so sessions drain.
 *
 *	A session holds a configuration snapshot from connect to close.
 *	An MTA holds many sessions idle (waiting for their SMTP clients), so
 *	a session holds only what it uses: the fixed state is allocated at
 *	connect, the list facts when gathered, tags and dryrun notes as they
 *	come, the header edit buffer only while the edits are applied. Any
 *	allocation failure, or an internal failure, gives the configured
 *	on_internal_error (tempfail by default), never a 5xx.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>

#include "mlfi.h"
#include "conf.h"
#include "log.h"
#include "metrics.h"
#include "sessions.h"
#include "stages.h"

/* Macros we ask the MTA for, per stage (sendmail 8.14+, Postfix 2.5+). */
/* {daemon_name}, {daemon_port}, {daemon_addr}, {if_addr}: the listener
 * the client reached, which selects the policy profile (profile.c);
 * {daemon_addr} (Postfix 3.2+, sendmail) or {if_addr} is also the address
 * a HELO must not claim (helo_names_us) */
#define MACROS_LISTENER	"{daemon_name} {daemon_port} {daemon_addr} {if_addr}"
#define MACROS_CONNECT	"j " MACROS_LISTENER
#define MACROS_CONNECT_PTR "j " MACROS_LISTENER " {client_resolve} {client_ptr}"
#define MACROS_MAIL	"i {auth_type} {auth_authen} {mail_addr}"
#define MACROS_RCPT	"i {rcpt_mailer}"
#define MACROS_EOM	"i"

/* Set once by main.c before smfi_main() (see DESCRIPTION); read-only after. */
static const struct rw_services *mlfi_services;

/* A misconfigured MTA is reported once per daemon lifetime, not per mail. */
enum mlfi_warning {
	WARN_AUTH_AUTHEN = 1u << 0,	/* {auth_type} but no {auth_authen} */
	WARN_MAIL_MACROS = 1u << 1,	/* no MAIL-stage macro at all */
	WARN_QUEUE_ID = 1u << 2,	/* no "i" at end of message */
	WARN_CONNECT_ADDR = 1u << 3	/* connect without a client address */
};
static atomic_uint mlfi_warned;		/* enum mlfi_warning bits */

/* warn_once - claim a warning kind; true the first time */
static bool
warn_once(enum mlfi_warning kind)
{
	return (atomic_fetch_or(&mlfi_warned, (unsigned int)kind) & kind) == 0;
}

struct rw_conn {
	struct rw_snapshot	*snap;
	struct rw_stages	 st;		/* the session and its lookups */
	bool			 counted;	/* in the open sessions (sessions.c) */
	bool			 nr_helo;	/* the MTA wants no reply to HELO */
	bool			 nr_hdr;	/* ... nor to headers */
	bool			 nr_body;	/* ... nor to body chunks */
};

/* rw_mlfi_set_services - the daemon's services for every session */
void
rw_mlfi_set_services(const struct rw_services *svc)
{
	mlfi_services = svc;
}

/* conn_new - a session's state, counted; NULL when out of memory */
static struct rw_conn *
conn_new(void)
{
	struct rw_conn *c = calloc(1, sizeof(*c));

	if (c != NULL) {
		c->counted = true;
		rw_sessions_count();
	}
	return c;
}

/* conn_uncount - the session no longer counts as open */
static void
conn_uncount(struct rw_conn *c)
{
	if (!c->counted)
		return;
	c->counted = false;
	rw_sessions_uncount(true);
}

/* conn_free - release a session's state */
static void
conn_free(struct rw_conn *c)
{
	conn_uncount(c);
	free(c);
}

static struct rw_conn *
conn_get(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

/* conn_ready - the connection's state, once connect has set it up */
static struct rw_conn *
conn_ready(SMFICTX *ctx)
{
	struct rw_conn *c = smfi_getpriv(ctx);

	return c != NULL && c->snap != NULL ? c : NULL;
}

/* qid - the queue id for log lines, once the MTA has given one */
static const char *
qid(const struct rw_conn *c)
{
	return rw_stages_qid(&c->st);
}

/* remember_qid - the "i" macro, when the MTA has given it */
static void
remember_qid(SMFICTX *ctx, struct rw_conn *c)
{
	const char *i = smfi_getsymval(ctx, "i");

	if (i != NULL && i[0] != '\0')
		rw_stages_set_qid(&c->st, i);
}

/* reply_escape - smfi_setreply() treats '%' as a format character */
static void
reply_escape(char *dst, size_t size, const char *src)
{
	size_t	o = 0;

	for (; *src != '\0' && o + 2 < size; src++) {
		if (*src == '%')
			dst[o++] = '%';
		dst[o++] = *src;
	}
	dst[o] = '\0';
}

/* log_verdict - the one line per verdict */
static void
log_verdict(const struct rw_conn *c, enum rw_stage stage,
    const struct rw_verdict *v)
{
	char	line[RW_LOGLINE_MAX];

	rw_stages_logline(&c->st, stage, v, line, sizeof(line));
	rw_log_info("%s: %s", qid(c), line);
}

/* internal_error - the configured answer when we cannot decide */
static sfsistat
internal_error(SMFICTX *ctx, const struct rw_daemon_conf *dc, const char *what)
{
	enum rw_action a = dc != NULL ? dc->on_internal_error : RW_ACT_TEMPFAIL;

	rw_log_err("%s; answering %s (on_internal_error)", what,
	    a == RW_ACT_ACCEPT ? "accept" : "tempfail");
	if (a == RW_ACT_ACCEPT)
		return SMFIS_ACCEPT;
	(void)smfi_setreply(ctx, "451", "4.3.0", "Internal error, try again later");
	return SMFIS_TEMPFAIL;
}

/*
 * When the running callback began (CLOCK_MONOTONIC), set by ENTRY():
 * a verdict's wait for the metrics is measured from there. One per
 * thread, as libmilter runs one callback per thread at a time.
 */
static _Thread_local struct timespec entry_t0;

/* waited - seconds since the running callback began */
static double
waited(void)
{
	return rw_metrics_seconds_since(&entry_t0);
}

/* apply - log the verdict and turn the action into an SMFIS code */
static sfsistat
apply(SMFICTX *ctx, struct rw_conn *c, enum rw_stage stage,
    enum rw_action action, const struct rw_verdict *v)
{
	char	text[2 * RW_REPLY_MAX];

	if (rw_stages_nomem(&c->st) && rw_action_refuses(action)) {
		rw_metrics_verdict(stage, "internal",
		    c->snap->daemon.on_internal_error, false, waited());
		return internal_error(ctx, &c->snap->daemon, "out of memory");
	}
	log_verdict(c, stage, v);
	rw_metrics_verdict(stage, v->check, v->action, v->dryrun, waited());
	switch (action) {
	case RW_ACT_CONTINUE:
		return SMFIS_CONTINUE;
	case RW_ACT_ACCEPT:
		return SMFIS_ACCEPT;
	case RW_ACT_TAG:
	case RW_ACT_QUARANTINE:	/* recorded; applied at end of message */
		return SMFIS_CONTINUE;
	case RW_ACT_DISCARD:
		return SMFIS_DISCARD;
	case RW_ACT_TEMPFAIL:
	case RW_ACT_REJECT:
		reply_escape(text, sizeof(text), v->text);
		if (smfi_setreply(ctx, (char *)v->rcode, (char *)v->xcode, text) !=
		    MI_SUCCESS)
			rw_log_warn("%s: smfi_setreply failed; the MTA uses its default text",
			    qid(c));
		return action == RW_ACT_REJECT ? SMFIS_REJECT : SMFIS_TEMPFAIL;
	}
	return SMFIS_CONTINUE;
}

#define REPLY_STOPPING	"Service shutting down, try again later"
#define REPLY_BUSY	"Too many concurrent sessions, try again later"

/* monotonic_secs - seconds on CLOCK_MONOTONIC */
/* refuse_session - the connect gates (sessions.c): stopping, or over the
 * session cap. True when the session was answered 451 4.3.2 and no
 * longer counts. */
static bool
refuse_session(SMFICTX *ctx, struct rw_conn *c, const struct rw_daemon_conf *dc)
{
	enum rw_gate g = rw_sessions_gate(dc->max_sessions);

	if (g == RW_GATE_OPEN)
		return false;
	rw_metrics_session_refused(g == RW_GATE_STOPPING ?
	    RW_METRICS_REFUSED_STOPPING : RW_METRICS_REFUSED_BUSY);
	if (c->counted) {		/* a refused session is not served */
		c->counted = false;
		rw_sessions_uncount(false);
	}
	(void)smfi_setreply(ctx, "451", "4.3.2", g == RW_GATE_STOPPING ?
	    REPLY_STOPPING : REPLY_BUSY);
	return true;
}

/* refused_limits - a rate_limit counts refused recipients */
static bool
refused_limits(const struct rw_config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->nrate_limit; i++)
		if (cfg->rate_limit[i].counter == RW_RC_REFUSED)
			return true;
	return false;
}

/* needs_body - a content check of this policy reads the body */
static bool
needs_body(const struct rw_config *cfg)
{
	return (rw_content_needs(cfg) & RW_NEED_BODY) != 0;
}

/* needs_headers - the header step: forged A-R removal or content checks
 * (the MIME reader needs the header to find the body's parts) */
static bool
needs_headers(const struct rw_config *cfg)
{
	return rw_session_wants_headers(cfg) || rw_content_needs(cfg) != 0;
}

/* uses_eoh - a check of this policy runs at the end of the header */
static bool
uses_eoh(const struct rw_config *cfg)
{
	return rw_session_stage_used(cfg, RW_STAGE_EOH);
}

/* uses_helo - a check of this policy decides at HELO (dns_verdict_stage) */
static bool
uses_helo(const struct rw_config *cfg)
{
	return rw_session_stage_used(cfg, RW_STAGE_HELO);
}

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	/* headers are needed to remove forged Authentication-Results (RFC 8601
	 * 5) and by content checks; they need no reply, which saves a round
	 * trip each, nor do body chunks. No SMFIP_NODATA: the reply to DATA
	 * spares Postfix a delayed-ACK wait (see DESCRIPTION). */
	unsigned long unwanted = SMFIP_NOUNKNOWN | SMFIP_NR_HDR | SMFIP_NR_BODY;
	struct rw_snapshot *snap = rw_conf_acquire();
	bool	mta_ptr = snap != NULL && snap->daemon.use_mta_ptr;
	/* the listener is known only at connect: ask for what any profile needs */
	bool	headers = snap == NULL || rw_conf_any(snap, needs_headers);
	bool	eoh = snap == NULL || rw_conf_any(snap, uses_eoh);
	bool	helo_reply = snap == NULL || rw_conf_any(snap, uses_helo);
	/* the body only for content checks: a site with none is sent none */
	bool	body = snap != NULL && rw_conf_any(snap, needs_body);
	bool	rejected = snap != NULL && rw_conf_any(snap, refused_limits);
	struct rw_conn *c;

	(void)f2;
	(void)f3;
	rw_conf_release(snap);
	/* the connection's state starts here: it must know what was agreed */
	if ((c = conn_new()) == NULL || smfi_setpriv(ctx, c) != MI_SUCCESS) {
		if (c != NULL)
			conn_free(c);
		rw_log_err("out of memory at negotiation");
		return SMFIS_TEMPFAIL;
	}
	c->nr_helo = !helo_reply && (f1 & SMFIP_NR_HELO) != 0;
	c->nr_hdr = (f1 & SMFIP_NR_HDR) != 0;
	c->nr_body = body && (f1 & SMFIP_NR_BODY) != 0;
	*pf0 = (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE) & f0;
	if (f0 & SMFIF_SETSYMLIST) {
		*pf0 |= SMFIF_SETSYMLIST;
		if (smfi_setsymlist(ctx, SMFIM_CONNECT, mta_ptr ? MACROS_CONNECT_PTR :
		    MACROS_CONNECT) != MI_SUCCESS ||
		    smfi_setsymlist(ctx, SMFIM_ENVFROM, MACROS_MAIL) != MI_SUCCESS ||
		    smfi_setsymlist(ctx, SMFIM_ENVRCPT, MACROS_RCPT) != MI_SUCCESS ||
		    smfi_setsymlist(ctx, SMFIM_EOM, MACROS_EOM) != MI_SUCCESS)
			rw_log_warn("could not request macros from the MTA; "
			    "relying on its milter macro settings");
	}
	if (!headers)
		unwanted |= SMFIP_NOHDRS;
	if (!eoh)
		unwanted |= SMFIP_NOEOH;
	if (!body)
		unwanted |= SMFIP_NOBODY;
	if (!helo_reply)
		unwanted |= SMFIP_NR_HELO;
	*pf1 = f1 & unwanted;
	rw_log_debug("negotiated: headers %s, body %s, end of header %s, "
	    "reply to HELO %s",
	    (*pf1 & SMFIP_NOHDRS) ? "no" : "yes",
	    (*pf1 & SMFIP_NOBODY) ? "no" : "yes",
	    (*pf1 & SMFIP_NOEOH) ? "no" : "yes",
	    (*pf1 & SMFIP_NR_HELO) ? "no" : "yes");
	/* the recipients the MTA refused itself count for the refused limits */
	if (rejected && (f1 & SMFIP_RCPT_REJ))
		*pf1 |= SMFIP_RCPT_REJ;
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

/* addr_text - the client address from the connect callback */
static const char *
addr_text(const _SOCK_ADDR *sa, char *buf, size_t len)
{
	if (sa == NULL)
		return NULL;
	if (sa->sa_family == AF_INET)
		return inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    buf, (socklen_t)len);
	if (sa->sa_family == AF_INET6)
		return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    buf, (socklen_t)len);
	return NULL;
}

static sfsistat
cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	struct rw_snapshot *snap;
	struct rw_conn *c;
	struct rw_verdict v;
	char	addr[RW_IPTEXT_MAX];
	const char *a, *server;
	const struct rw_facts *f;
	char	safe[RW_HOSTNAME_MAX + 1];
	enum rw_action r;
	struct rw_listener li;
	const struct rw_config *cfg;
	const char *profile;

	if ((snap = rw_conf_acquire()) == NULL)
		return internal_error(ctx, NULL, "no configuration snapshot");
	if ((c = conn_get(ctx)) == NULL) {	/* no negotiation (old MTA) */
		if ((c = conn_new()) == NULL) {
			sfsistat rc = internal_error(ctx, &snap->daemon,
			    "out of memory at connect");
			rw_conf_release(snap);
			return rc;
		}
		if (smfi_setpriv(ctx, c) != MI_SUCCESS) {
			sfsistat rc = internal_error(ctx, &snap->daemon,
			    "smfi_setpriv failed");
			rw_conf_release(snap);
			conn_free(c);
			return rc;
		}
	}
	if (refuse_session(ctx, c, &snap->daemon)) {
		rw_conf_release(snap);
		return SMFIS_TEMPFAIL;
	}
	rw_metrics_session();
	if (c->snap != NULL) {		/* a second connect on one context */
		rw_stages_release(&c->st);
		rw_conf_release(c->snap);
	}
	c->snap = snap;
	li.name = smfi_getsymval(ctx, "{daemon_name}");
	li.port = smfi_getsymval(ctx, "{daemon_port}");
	li.addr = smfi_getsymval(ctx, "{daemon_addr}");
	if (li.addr == NULL)
		li.addr = smfi_getsymval(ctx, "{if_addr}");
	cfg = rw_conf_select(snap, &li, &profile);
	if (profile != NULL)
		rw_log_debug("listener %s port %s: profile %s",
		    li.name != NULL ? li.name : "-",
		    li.port != NULL ? li.port : "-", profile);
	rw_stages_init(&c->st, cfg, &snap->daemon, mlfi_services);
	a = addr_text(hostaddr, addr, sizeof(addr));
	if (a == NULL && warn_once(WARN_CONNECT_ADDR))
		rw_log_warn("the MTA gave no client address (local submission or a "
		    "non-IP connection): such clients are outsiders");
	if (hostname != NULL && hostname[0] == '[')
		hostname = NULL;	/* "[addr]": the MTA found no name */
	server = smfi_getsymval(ctx, "{daemon_addr}");
	if (server == NULL)
		server = smfi_getsymval(ctx, "{if_addr}");
	r = rw_stages_connect(&c->st, a, hostname != NULL ? hostname : "unknown",
	    smfi_getsymval(ctx, "j"), smfi_getsymval(ctx, "{client_resolve}"),
	    server, &v);
	f = rw_stages_facts(&c->st);
	if (rw_log_debug_on()) {	/* client text escaped: no forged lines */
		rw_sanitize(safe, sizeof(safe), f->client_name);
		rw_log_debug("connect from %s[%s]%s", safe, f->client_addr,
		    f->trusted_network ? " (trusted network)" : "");
	}
	if (r != RW_ACT_CONTINUE || v.check != NULL)
		return apply(ctx, c, RW_STAGE_CONNECT, r, &v);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_helo(SMFICTX *ctx, char *helo)
{
	struct rw_conn *c = conn_ready(ctx);
	struct rw_verdict v;
	enum rw_action r;

	if (c == NULL)
		return internal_error(ctx, NULL, "HELO without a session");
	if (c->nr_helo) {	/* nothing to decide now: MAIL decides */
		rw_stages_helo_record(&c->st, helo);
		return SMFIS_NOREPLY;
	}
	r = rw_stages_helo(&c->st, helo, &v);
	if (r != RW_ACT_CONTINUE || v.check != NULL)
		return apply(ctx, c, RW_STAGE_HELO, r, &v);
	return SMFIS_CONTINUE;
}

/* check_mail_macros - warn once when the MTA withholds what we rely on */
static void
check_mail_macros(SMFICTX *ctx, const char *auth)
{
	const char *type = smfi_getsymval(ctx, "{auth_type}");

	if (auth == NULL && type != NULL && type[0] != '\0' &&
	    warn_once(WARN_AUTH_AUTHEN))
		rw_log_warn("macro {auth_authen} not sent by the MTA although "
		    "{auth_type} was: authenticated clients are treated as "
		    "outsiders; add {auth_authen} to milter_mail_macros (Postfix) "
		    "or confMILTER_MACROS_ENVFROM (sendmail)");
	if (auth == NULL && type == NULL &&
	    smfi_getsymval(ctx, "{mail_addr}") == NULL &&
	    smfi_getsymval(ctx, "i") == NULL &&
	    warn_once(WARN_MAIL_MACROS))
		rw_log_warn("the MTA sends no MAIL FROM macros, so {auth_authen} "
		    "never arrives and authenticated clients are treated as "
		    "outsiders; set milter_mail_macros = i {auth_type} "
		    "{auth_authen} {mail_addr} (Postfix) or "
		    "confMILTER_MACROS_ENVFROM (sendmail)");
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct rw_conn *c = conn_ready(ctx);
	struct rw_verdict v;
	const struct rw_facts *f;
	char	safe[RW_ADDR_MAX + 1];
	const char *auth;
	enum rw_action r;

	if (c == NULL)
		return internal_error(ctx, NULL, "MAIL without a session");
	if (rw_sessions_stopping()) {	/* drain: no new message */
		rw_sessions_refuse_message();
		rw_metrics_verdict(RW_STAGE_MAIL, "stopping", RW_ACT_TEMPFAIL,
		    false, waited());
		(void)smfi_setreply(ctx, "451", "4.3.2", REPLY_STOPPING);
		return SMFIS_TEMPFAIL;
	}
	rw_stages_set_qid(&c->st, smfi_getsymval(ctx, "i"));
	auth = smfi_getsymval(ctx, "{auth_authen}");
	check_mail_macros(ctx, auth);
	r = rw_stages_mail(&c->st, argv != NULL ? argv[0] : NULL, auth, &v);
	if (r != RW_ACT_CONTINUE || v.check != NULL)
		return apply(ctx, c, RW_STAGE_MAIL, r, &v);
	f = rw_stages_facts(&c->st);
	if (rw_log_debug_on()) {	/* client text escaped: no forged lines */
		rw_sanitize(safe, sizeof(safe), f->sender);
		rw_log_debug("%s: mail from=<%s>%s", qid(c), safe,
		    f->authenticated ? " authenticated" : "");
	}
	return SMFIS_CONTINUE;
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct rw_conn *c = conn_ready(ctx);
	struct rw_verdict v;
	enum rw_action r;

	const char *mailer = smfi_getsymval(ctx, "{rcpt_mailer}");

	if (c == NULL)
		return internal_error(ctx, NULL, "RCPT without a session");
	remember_qid(ctx, c);
	/* SMFIP_RCPT_REJ: a recipient the MTA refused, shown to us to count */
	if (mailer != NULL && strcmp(mailer, "error") == 0) {
		rw_stages_rcpt_refused(&c->st, argv != NULL ? argv[0] : NULL);
		return SMFIS_CONTINUE;
	}
	r = rw_stages_rcpt(&c->st, argv != NULL ? argv[0] : NULL, &v);
	return apply(ctx, c, RW_STAGE_RCPT, r, &v);
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct rw_conn *c = conn_ready(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	/* Postfix gives the queue id first with DATA (its queue file is
	 * opened after the first recipient): the content logs need it */
	remember_qid(ctx, c);
	rw_stages_header(&c->st, name, value);
	return c->nr_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* cb_body - a chunk of the body, kept for the content checks */
static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct rw_conn *c = conn_ready(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	remember_qid(ctx, c);	/* see cb_header */
	rw_stages_body(&c->st, chunk, len);
	return c->nr_body ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
cb_eoh(SMFICTX *ctx)
{
	struct rw_conn *c = conn_ready(ctx);
	struct rw_verdict v;
	enum rw_action r;

	if (c == NULL)
		return internal_error(ctx, NULL, "end of header without a session");
	r = rw_stages_eoh(&c->st, &v);
	if (r != RW_ACT_CONTINUE || v.check != NULL)
		return apply(ctx, c, RW_STAGE_EOH, r, &v);
	return SMFIS_CONTINUE;
}

/* edit_header - apply one header edit the session listed; failures logged */
static bool
edit_header(SMFICTX *ctx, const struct rw_conn *c, const struct rw_header_edit *e)
{
	char	*name = (char *)e->name, *value = (char *)e->value;
	int	 rc;

	switch (e->op) {
	case RW_HDR_DELETE:
		rc = smfi_chgheader(ctx, name, (int)e->index, NULL);
		if (rc == MI_SUCCESS)
			rw_log_info("%s: removed an incoming %s header %s", qid(c),
			    e->name, e->value);
		else
			rw_log_err("%s: could not remove an incoming %s header %s",
			    qid(c), e->name, e->value);
		return rc == MI_SUCCESS;
	case RW_HDR_INSERT_TOP:
		rc = smfi_insheader(ctx, 0, name, value);
		break;
	case RW_HDR_APPEND:
	default:
		rc = smfi_addheader(ctx, name, value);
		break;
	}
	if (rc != MI_SUCCESS)
		rw_log_err("%s: could not add the %s header", qid(c), e->name);
	return rc == MI_SUCCESS;
}

/*
 * log_rule_errors - one error line per rule that could not be matched
 * (its match limit reached): counted as no match, never a refusal; the
 * texts are sanitised by the rules code, the name is the admin's
 */
static void
log_rule_errors(const struct rw_conn *c)
{
	const struct rw_rule_error *e;
	size_t	n, i;

	e = rw_session_rule_errors(&c->st.s, &n);
	for (i = 0; i < n; i++)
		rw_log_err("%s: rule=%s line=%u where=\"%s\" error=\"%s\" "
		    "(counted as no match)", qid(c), e[i].rule, e[i].line,
		    e[i].where, e[i].why);
}

/* log_rule_hits - one line per content rule that matched */
static void
log_rule_hits(const struct rw_conn *c)
{
	const struct rw_rule_hit *hits;
	char	line[RW_LOGLINE_MAX];
	size_t	n, i;

	hits = rw_stages_rule_hits(&c->st, &n);
	for (i = 0; i < n; i++) {
		rw_stages_hitline(&c->st, &hits[i], line, sizeof(line));
		rw_log_info("%s: %s", qid(c), line);
	}
	log_rule_errors(c);
}

/*
 * quarantine - a content rule put the message on hold: the MTA keeps it
 * in its hold queue (Postfix: postqueue -p shows it with "!"). When the
 * MTA does not allow it, the message is delivered and the failure
 * logged: a hold we cannot place is no reason to lose or refuse mail.
 */
static void
quarantine(SMFICTX *ctx, const struct rw_conn *c)
{
	char	reason[RW_REASON_MAX], safe[RW_REASON_MAX];

	if (!rw_stages_quarantine(&c->st, reason, sizeof(reason)))
		return;
	/* the MTA writes it into its queue file: one line, no control bytes */
	rw_sanitize(safe, sizeof(safe), reason[0] != '\0' ? reason :
	    "relaywarden content rule");
	if (smfi_quarantine(ctx, safe) == MI_SUCCESS)
		rw_log_info("%s: quarantined: %s", qid(c), safe);
	else
		rw_log_err("%s: the MTA refused to quarantine the message (%s); "
		    "it is delivered", qid(c), safe);
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct rw_conn *c = conn_ready(ctx);
	struct rw_verdict v;
	enum rw_action r;
	sfsistat rc = SMFIS_CONTINUE;
	size_t	cursor = 0;

	if (c == NULL)
		return internal_error(ctx, NULL, "end of message without a session");
	if (smfi_getsymval(ctx, "i") == NULL &&
	    warn_once(WARN_QUEUE_ID))
		rw_log_warn("the MTA sends no queue id (macro i) at end of message: "
		    "log lines cannot name the message; set milter_end_of_data_macros "
		    "= i (Postfix) or confMILTER_MACROS_EOM (sendmail)");
	remember_qid(ctx, c);
	r = rw_stages_eom(&c->st, &v);
	log_rule_hits(c);
	if (r != RW_ACT_CONTINUE || v.check != NULL)
		rc = apply(ctx, c, RW_STAGE_EOM, r, &v);
	if (!rw_action_refuses(r) && rc != SMFIS_TEMPFAIL && r != RW_ACT_DISCARD) {
		/* one edit's room (RW_HEADER_MAX) on this thread's stack: a
		 * block that size from malloc is not served by the thread's
		 * cache but by the arena, under its lock, and first makes it
		 * consolidate its small free blocks */
		struct rw_header_edit e;

		quarantine(ctx, c);
		while (rw_stages_header_next(&c->st, &cursor, &e))
			if (edit_header(ctx, c, &e) &&
			    strcmp(e.name, RW_HEADER_DRYRUN) == 0)
				rw_log_info("%s: stage=eom action=continue dryrun=yes "
				    "header=%s", qid(c), e.name);
	}
	rw_stages_end(&c->st);
	return rc;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	struct rw_conn *c = conn_ready(ctx);

	if (c != NULL)
		rw_stages_end(&c->st);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	struct rw_conn *c = conn_get(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	(void)smfi_setpriv(ctx, NULL);
	if (c->snap != NULL) {
		rw_stages_release(&c->st);
		rw_conf_release(c->snap);
	}
	conn_free(c);
	return SMFIS_CONTINUE;
}

/*
 * The entry points libmilter calls: each counts itself busy while the
 * callback runs (rw_sessions_busy()), so that main.c never frees the
 * services under a callback of a session cut at the end of a drain.
 */
#define ENTRY(name, params, args)					\
static sfsistat								\
mlfi_##name params							\
{									\
	sfsistat rc;							\
									\
	rw_sessions_enter();						\
	clock_gettime(CLOCK_MONOTONIC, &entry_t0);			\
	rc = cb_##name args;						\
	rw_sessions_leave();						\
	return rc;							\
}

ENTRY(negotiate, (SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3),
    (ctx, f0, f1, f2, f3, pf0, pf1, pf2, pf3))
ENTRY(connect, (SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr),
    (ctx, hostname, hostaddr))
ENTRY(helo, (SMFICTX *ctx, char *helo), (ctx, helo))
ENTRY(envfrom, (SMFICTX *ctx, char **argv), (ctx, argv))
ENTRY(envrcpt, (SMFICTX *ctx, char **argv), (ctx, argv))
ENTRY(header, (SMFICTX *ctx, char *name, char *value), (ctx, name, value))
ENTRY(body, (SMFICTX *ctx, unsigned char *chunk, size_t len),
    (ctx, chunk, len))
ENTRY(eoh, (SMFICTX *ctx), (ctx))
ENTRY(eom, (SMFICTX *ctx), (ctx))
ENTRY(abort, (SMFICTX *ctx), (ctx))
ENTRY(close, (SMFICTX *ctx), (ctx))

struct smfiDesc rw_milter_desc = {
	.xxfi_name = "relaywarden",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE,
	.xxfi_connect = mlfi_connect,
	.xxfi_helo = mlfi_helo,
	.xxfi_envfrom = mlfi_envfrom,
	.xxfi_envrcpt = mlfi_envrcpt,
	.xxfi_header = mlfi_header,
	.xxfi_eoh = mlfi_eoh,
	.xxfi_body = mlfi_body,
	.xxfi_eom = mlfi_eom,
	.xxfi_abort = mlfi_abort,
	.xxfi_close = mlfi_close,
	.xxfi_unknown = NULL,
	.xxfi_data = NULL,
	.xxfi_negotiate = mlfi_negotiate,
};
