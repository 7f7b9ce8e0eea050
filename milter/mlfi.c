/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	mlfi - libmilter callbacks: milter data in, policy verdicts out
 * DESCRIPTION
 *	Each callback copies what the MTA gave into the session's facts,
 *	calls the policy core (policy/session.c), logs one line per verdict
 *	and applies it with smfi_setreply() and an SMFIS_* code. No policy
 *	decision is made here.
 *
 *	Negotiation asks only for the protocol steps and macros relaywarden
 *	uses: no headers, body, DATA or unknown commands, and per stage the
 *	macros below (smfi_setsymlist), so the MTA sends nothing we ignore.
 *
 *	libmilter gives the callbacks no user pointer, only the per-connection
 *	private pointer, which exists from negotiation on. So the one piece
 *	of daemon state they need, the services (resolver, prober, SPF
 *	server), is reached through a single static pointer that main.c
 *	sets with rw_mlfi_set_services() before smfi_main() starts the
 *	threads, and that no one writes afterwards.
 *
 *	A session holds a configuration snapshot from connect to close.
 *	Allocation happens once per connection; the per-message path
 *	allocates nothing. An internal failure gives the configured
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
#include <strings.h>

#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>

#include "mlfi.h"
#include "conf.h"
#include "log.h"
#include "stages.h"

#define DRYRUN_HEADER	"X-Relaywarden-Dryrun"
#define TAG_HEADER	"X-Relaywarden-Tag"
#define AR_HEADER	"Authentication-Results"
#define SPF_HEADER	"Received-SPF"
#define AR_FORGED_MAX	16	/* forged Authentication-Results removed per message */

/* Macros we ask the MTA for, per stage (sendmail 8.14+, Postfix 2.5+). */
#define MACROS_CONNECT	"j {daemon_name}"
#define MACROS_CONNECT_PTR "j {daemon_name} {client_resolve} {client_ptr}"
#define MACROS_MAIL	"i {auth_type} {auth_authen} {mail_addr}"
#define MACROS_RCPT	"i"
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
	char			 authserv_id[RW_HOSTNAME_MAX + 1];
	char			 header[4096];	/* headers, built at EOM */
	bool			 nr_hdr;	/* the MTA wants no reply to headers */
	unsigned int		 ar_seen;	/* Authentication-Results headers so far */
	unsigned int		 ar_forged[AR_FORGED_MAX];	/* their indexes */
	size_t			 nar_forged;
};

/* rw_mlfi_set_services - the daemon's services for every session */
void
rw_mlfi_set_services(const struct rw_services *svc)
{
	mlfi_services = svc;
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
	return c->st.qid[0] != '\0' ? c->st.qid : "NOQUEUE";
}

/* authserv - our authserv-id (RFC 8601 2.5) for the headers we write */
static const char *
authserv(const struct rw_conn *c)
{
	return c->authserv_id[0] != '\0' ? c->authserv_id : "localhost";
}

/* add_header - at the top (our verdicts) or the end; failures logged */
static bool
add_header(SMFICTX *ctx, const struct rw_conn *c, bool top, const char *name)
{
	int	rc = top ? smfi_insheader(ctx, 0, (char *)name, (char *)c->header) :
	    smfi_addheader(ctx, (char *)name, (char *)c->header);

	if (rc != MI_SUCCESS)
		rw_log_err("%s: could not add the %s header", qid(c), name);
	return rc == MI_SUCCESS;
}

/* remember_qid - the "i" macro, when the MTA has given it */
static void
remember_qid(SMFICTX *ctx, struct rw_conn *c)
{
	const char *i = smfi_getsymval(ctx, "i");

	if (i != NULL && i[0] != '\0')
		rw_sanitize(c->st.qid, sizeof(c->st.qid), i);
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
	const struct rw_facts *f = &c->st.s.f;
	char	name[128], helo[128], from[300], rcpt[300];
	char	reply[RW_REPLY_MAX + 32];

	rw_sanitize(name, sizeof(name), f->client_name[0] ? f->client_name : "unknown");
	rw_sanitize(helo, sizeof(helo), f->helo);
	rw_sanitize(from, sizeof(from), f->sender);
	rw_sanitize(rcpt, sizeof(rcpt), f->rcpt);
	if (v->action == RW_ACT_REJECT || v->action == RW_ACT_TEMPFAIL)
		snprintf(reply, sizeof(reply), " reply=\"%s %s %s\"", v->rcode,
		    v->xcode, v->text);
	else
		reply[0] = '\0';
	rw_log_info("%s: stage=%s action=%s%s check=%s client=%s[%s] helo=<%s> "
	    "from=<%s>%s%s%s%s reason=\"%s\"%s",
	    qid(c), rw_stage_name(stage),
	    rw_action_name(v->action), v->dryrun ? " dryrun=yes" : "",
	    v->check != NULL ? v->check : "none", name, f->client_addr, helo,
	    from, stage == RW_STAGE_RCPT ? " rcpt=<" : "",
	    stage == RW_STAGE_RCPT ? rcpt : "", stage == RW_STAGE_RCPT ? ">" : "",
	    f->insider ? " insider=yes" : (f->client_ok ? " client_ok=yes" : ""),
	    v->reason[0] ? v->reason : (f->insider ? "insider" : "no objection"),
	    reply);
}

/* internal_error - the configured answer when we cannot decide */
static sfsistat
internal_error(SMFICTX *ctx, const struct rw_config *cfg, const char *what)
{
	enum rw_action a = cfg != NULL ? cfg->on_internal_error : RW_ACT_TEMPFAIL;

	rw_log_err("%s; answering %s (on_internal_error)", what,
	    a == RW_ACT_ACCEPT ? "accept" : "tempfail");
	if (a == RW_ACT_ACCEPT)
		return SMFIS_ACCEPT;
	(void)smfi_setreply(ctx, "451", "4.3.0", "Internal error, try again later");
	return SMFIS_TEMPFAIL;
}

/* apply - log the verdict and turn the action into an SMFIS code */
static sfsistat
apply(SMFICTX *ctx, struct rw_conn *c, enum rw_stage stage,
    enum rw_action action, const struct rw_verdict *v)
{
	char	text[2 * RW_REPLY_MAX];

	log_verdict(c, stage, v);
	switch (action) {
	case RW_ACT_CONTINUE:
		return SMFIS_CONTINUE;
	case RW_ACT_ACCEPT:
		return SMFIS_ACCEPT;
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

static sfsistat
mlfi_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	/* headers are needed to remove forged Authentication-Results (RFC 8601
	 * 5); they need no reply, which saves a round trip each */
	unsigned long unwanted = SMFIP_NOEOH | SMFIP_NOBODY | SMFIP_NOUNKNOWN |
	    SMFIP_NODATA | SMFIP_NR_HDR;
	struct rw_snapshot *snap = rw_conf_acquire();
	bool	mta_ptr = snap != NULL && snap->cfg->use_mta_ptr;
	/* headers only when we write Authentication-Results (and so must
	 * remove forged ones): reverse DNS or SPF checks are on */
	bool	headers = snap == NULL || snap->cfg->rdns_check != RW_RDNS_OFF ||
	    snap->cfg->spf_check || snap->cfg->spf_check_helo;
	struct rw_conn *c;

	(void)f2;
	(void)f3;
	rw_conf_release(snap);
	/* the connection's state starts here: it must know what was agreed */
	if ((c = calloc(1, sizeof(*c))) == NULL || smfi_setpriv(ctx, c) != MI_SUCCESS) {
		free(c);
		rw_log_err("out of memory at negotiation");
		return SMFIS_TEMPFAIL;
	}
	c->nr_hdr = (f1 & SMFIP_NR_HDR) != 0;
	*pf0 = (SMFIF_ADDHDRS | SMFIF_CHGHDRS) & f0;
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
	*pf1 = f1 & unwanted;
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
mlfi_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	struct rw_snapshot *snap;
	struct rw_conn *c;
	struct rw_verdict v;
	char	addr[RW_IPTEXT_MAX];
	const char *a, *j;
	enum rw_action r;

	if ((snap = rw_conf_acquire()) == NULL)
		return internal_error(ctx, NULL, "no configuration snapshot");
	if ((c = conn_get(ctx)) == NULL) {	/* no negotiation (old MTA) */
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			sfsistat rc = internal_error(ctx, snap->cfg,
			    "out of memory at connect");
			rw_conf_release(snap);
			return rc;
		}
		if (smfi_setpriv(ctx, c) != MI_SUCCESS) {
			sfsistat rc = internal_error(ctx, snap->cfg, "smfi_setpriv failed");
			rw_conf_release(snap);
			free(c);
			return rc;
		}
	}
	if (c->snap != NULL) {		/* a second connect on one context */
		rw_stages_release(&c->st);
		rw_conf_release(c->snap);
	}
	c->snap = snap;
	rw_stages_init(&c->st, snap->cfg, mlfi_services);
	a = addr_text(hostaddr, addr, sizeof(addr));
	if (a == NULL && warn_once(WARN_CONNECT_ADDR))
		rw_log_warn("the MTA gave no client address (local submission or a "
		    "non-IP connection): such clients are outsiders");
	if (snap->cfg->authserv_id != NULL && snap->cfg->authserv_id[0] != '\0')
		rw_strlcpy_ok(c->authserv_id, snap->cfg->authserv_id,
		    sizeof(c->authserv_id));
	else if ((j = smfi_getsymval(ctx, "j")) != NULL)
		rw_txt_sanitize(c->authserv_id, sizeof(c->authserv_id), j, strlen(j));
	if (hostname != NULL && hostname[0] == '[')
		hostname = NULL;	/* "[addr]": the MTA found no name */
	r = rw_stages_connect(&c->st, a, hostname != NULL ? hostname : "unknown",
	    smfi_getsymval(ctx, "{client_resolve}"), &v);
	rw_log_debug("connect from %s[%s]%s", c->st.s.f.client_name,
	    c->st.s.f.client_addr,
	    c->st.s.f.trusted_network ? " (trusted network)" : "");
	if (r != RW_ACT_CONTINUE || v.check != NULL)
		return apply(ctx, c, RW_STAGE_CONNECT, r, &v);
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_helo(SMFICTX *ctx, char *helo)
{
	struct rw_conn *c = conn_ready(ctx);
	struct rw_verdict v;
	enum rw_action r;

	if (c == NULL)
		return internal_error(ctx, NULL, "HELO without a session");
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
mlfi_envfrom(SMFICTX *ctx, char **argv)
{
	struct rw_conn *c = conn_ready(ctx);
	struct rw_verdict v;
	const char *auth;
	enum rw_action r;

	if (c == NULL)
		return internal_error(ctx, NULL, "MAIL without a session");
	c->st.qid[0] = '\0';
	remember_qid(ctx, c);
	auth = smfi_getsymval(ctx, "{auth_authen}");
	check_mail_macros(ctx, auth);
	c->ar_seen = 0;
	c->nar_forged = 0;
	r = rw_stages_mail(&c->st, argv != NULL ? argv[0] : NULL, auth, &v);
	if (r != RW_ACT_CONTINUE || v.check != NULL)
		return apply(ctx, c, RW_STAGE_MAIL, r, &v);
	rw_log_debug("%s: mail from=<%s>%s", qid(c),
	    c->st.s.f.sender, c->st.s.f.authenticated ? " authenticated" : "");
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_envrcpt(SMFICTX *ctx, char **argv)
{
	struct rw_conn *c = conn_ready(ctx);
	struct rw_verdict v;
	enum rw_action r;

	if (c == NULL)
		return internal_error(ctx, NULL, "RCPT without a session");
	remember_qid(ctx, c);
	r = rw_stages_rcpt(&c->st, argv != NULL ? argv[0] : NULL, &v);
	return apply(ctx, c, RW_STAGE_RCPT, r, &v);
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

static sfsistat
mlfi_header(SMFICTX *ctx, char *name, char *value)
{
	struct rw_conn *c = conn_ready(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	if (name == NULL || value == NULL || strcasecmp(name, AR_HEADER) != 0)
		return c->nr_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
	c->ar_seen++;
	if (c->authserv_id[0] != '\0' && authserv_matches(value, c->authserv_id)) {
		if (c->nar_forged < AR_FORGED_MAX)
			c->ar_forged[c->nar_forged++] = c->ar_seen;
	}
	return c->nr_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* remove_forged - delete incoming Authentication-Results in our name */
static void
remove_forged(SMFICTX *ctx, struct rw_conn *c)
{
	size_t	i;

	for (i = c->nar_forged; i > 0; i--) {	/* last first: indexes stay valid */
		if (smfi_chgheader(ctx, AR_HEADER, (int)c->ar_forged[i - 1], NULL) !=
		    MI_SUCCESS)
			rw_log_err("%s: could not remove a forged %s header",
			    qid(c), AR_HEADER);
		else
			rw_log_info("%s: removed an incoming %s header carrying our "
			    "authserv-id %s", qid(c), AR_HEADER,
			    c->authserv_id);
	}
	c->nar_forged = 0;
}

static sfsistat
mlfi_eom(SMFICTX *ctx)
{
	struct rw_conn *c = conn_ready(ctx);

	if (c == NULL)
		return internal_error(ctx, NULL, "end of message without a session");
	if (smfi_getsymval(ctx, "i") == NULL &&
	    warn_once(WARN_QUEUE_ID))
		rw_log_warn("the MTA sends no queue id (macro i) at end of message: "
		    "log lines cannot name the message; set milter_end_of_data_macros "
		    "= i (Postfix) or confMILTER_MACROS_EOM (sendmail)");
	remember_qid(ctx, c);
	remove_forged(ctx, c);
	if (rw_spf_received(&c->st.s.f, authserv(c), c->header, sizeof(c->header)))
		(void)add_header(ctx, c, true, SPF_HEADER);
	if (rw_auth_results(c->snap->cfg, &c->st.s.f, authserv(c), c->header,
	    sizeof(c->header)))
		(void)add_header(ctx, c, true, AR_HEADER);
	if (rw_session_tags(&c->st.s, c->header, sizeof(c->header)))
		(void)add_header(ctx, c, false, TAG_HEADER);
	if (rw_session_dryrun_header(&c->st.s, c->header, sizeof(c->header)) &&
	    add_header(ctx, c, false, DRYRUN_HEADER))
		rw_log_info("%s: stage=eom action=continue dryrun=yes header=%s",
		    qid(c), DRYRUN_HEADER);
	rw_session_reset(&c->st.s);
	c->st.qid[0] = '\0';
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_abort(SMFICTX *ctx)
{
	struct rw_conn *c = conn_ready(ctx);

	if (c != NULL) {
		rw_session_reset(&c->st.s);
		c->st.qid[0] = '\0';
	}
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_close(SMFICTX *ctx)
{
	struct rw_conn *c = conn_get(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	(void)smfi_setpriv(ctx, NULL);
	if (c->snap != NULL) {
		rw_stages_release(&c->st);
		rw_conf_release(c->snap);
	}
	free(c);
	return SMFIS_CONTINUE;
}

struct smfiDesc rw_milter_desc = {
	.xxfi_name = "relaywarden",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS,
	.xxfi_connect = mlfi_connect,
	.xxfi_helo = mlfi_helo,
	.xxfi_envfrom = mlfi_envfrom,
	.xxfi_envrcpt = mlfi_envrcpt,
	.xxfi_header = mlfi_header,
	.xxfi_eoh = NULL,
	.xxfi_body = NULL,
	.xxfi_eom = mlfi_eom,
	.xxfi_abort = mlfi_abort,
	.xxfi_close = mlfi_close,
	.xxfi_unknown = NULL,
	.xxfi_data = NULL,
	.xxfi_negotiate = mlfi_negotiate,
};
