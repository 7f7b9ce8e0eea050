/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	relaywarden-query - would this mail be accepted?
 * SYNOPSIS
 *	relaywarden-query [-c FILE] [-D] [-L LISTENER] -a CLIENT_ADDR
 *	    [-n CLIENT_NAME] [-H HELO] [-u AUTH_USER] [-s SENDER]
 *	    -r RCPT [-r RCPT ...]
 *	relaywarden-query [-c FILE] -g show|clear -a CLIENT_ADDR [-n PTR_NAME]
 *	    -s SENDER -r RCPT [-r RCPT ...]
 *	relaywarden-query [-c FILE] -g list
 *	relaywarden-query [-c FILE] [-L LISTENER] -m MESSAGE_FILE
 *	    [-a CLIENT_ADDR] [client options] [-r RCPT ...]
 * DESCRIPTION
 *	Runs one SMTP transaction through the very sequence the daemon uses
 *	(milter/stages.c over policy/session.c), with the given
 *	configuration, and prints each stage's verdict with its reason.
 *	Without -D nothing touches the network and the DNS-based checks
 *	(reverse DNS, lists, SPF) are not consulted; with -D they are,
 *	through the configured dns_servers, and their facts are printed.
 *	-L names the listener the client reached, as the daemon would learn
 *	it from the MTA: a port number ({daemon_port}), an IP address
 *	({daemon_addr}) or a name ({daemon_name}); the policy profile it
 *	selects is used and printed.
 *	Exit status: 0 when at least one recipient would be accepted,
 *	1 when the message would be refused, 2 on usage or configuration
 *	errors. The session never touches the state store: rate limits and
 *	greylisting are not consulted (they would count).
 *
 *	-g works on the configured state store instead: "show" prints the
 *	greylist triplet of CLIENT_ADDR, SENDER and each RCPT (the keys are
 *	built by the daemon's own code: greylist_network applies; -n is
 *	taken as the verified PTR name for "rdns"), "clear" deletes them,
 *	"list" prints the auto-allowlisted networks. Exit status 0, or 1
 *	when a triplet shown was not found, 2 on errors.
 *
 *	-m feeds a message file (header, empty line, body) to the stages
 *	as the MTA sends a message to the milter (header fields, end of
 *	header, body), so the daemon's collection, scan cap
 *	(content_scan_max) and MIME reading apply, and runs the end of
 *	message stage over it: every rule
 *	hit is printed (rule, line, where, matched text, action, dryrun),
 *	then the rule errors, the verdict and the quarantine. The client is
 *	192.0.2.1 and the recipient "postmaster" unless -a and -r say
 *	otherwise. Exit status 1 also when the message would be refused or
 *	discarded at end of message.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "dns.h"
#include "mime.h"
#include "spf.h"
#include "spfsource.h"
#include "stages.h"
#include "store.h"

#define MAX_RCPTS	1000

static void
usage(void)
{
	fprintf(stderr,
	    "usage: relaywarden-query [-c FILE] [-D] [-L LISTENER] -a CLIENT_ADDR\n"
	    "                         [-n CLIENT_NAME] [-H HELO] [-u AUTH_USER]\n"
	    "                         [-s SENDER] -r RCPT [-r RCPT ...]\n"
	    "       relaywarden-query [-c FILE] -g show|clear -a CLIENT_ADDR\n"
	    "                         [-n PTR_NAME] -s SENDER -r RCPT [-r RCPT ...]\n"
	    "       relaywarden-query [-c FILE] -g list\n"
	    "       relaywarden-query [-c FILE] [-L LISTENER] -m MESSAGE_FILE\n"
	    "                         [-a CLIENT_ADDR] [client options] [-r RCPT ...]\n"
	    "  -D  consult DNS (reverse DNS, lists, SPF) through dns_servers\n"
	    "  -L  the listener reached: a port, an address or a daemon name;\n"
	    "      selects its policy profile\n"
	    "  -g  greylisting in the state store: show or clear triplets, list\n"
	    "      the auto-allowlisted networks\n"
	    "  -m  run the content rules over a message file (end of message);\n"
	    "      client 192.0.2.1 and recipient postmaster unless given\n");
	exit(2);
}

/* listener_parse - "-L": a port, an address, or else a daemon name */
static void
listener_parse(const char *arg, struct rw_listener *li)
{
	struct rw_ip ip;

	memset(li, 0, sizeof(*li));
	if (arg == NULL)
		return;
	if (arg[0] != '\0' && strspn(arg, "0123456789") == strlen(arg))
		li->port = arg;
	else if (rw_ip_parse(arg, &ip))
		li->addr = arg;
	else
		li->name = arg;
}

/* print_verdict - one line per stage, key=value as in the daemon's log */
static void
print_verdict(const char *stage, const char *subject, const struct rw_verdict *v,
    const char *extra)
{
	char	safe[RW_ADDR_MAX + 1];

	printf("%s", stage);
	if (subject != NULL) {
		rw_sanitize(safe, sizeof(safe), subject);
		printf(" <%s>", safe);
	}
	printf(" action=%s", rw_action_name(v->action));
	if (v->check != NULL)
		printf(" check=%s", v->check);
	if (extra != NULL)
		printf("%s", extra);
	if (v->reason[0] != '\0')
		printf(" reason=\"%s\"", v->reason);
	if (v->action == RW_ACT_REJECT || v->action == RW_ACT_TEMPFAIL)
		printf(" reply=\"%s %s %s\"", v->rcode, v->xcode, v->text);
	if (v->dryrun)
		printf(" dryrun=yes");
	printf("\n");
}

/* print_dns_facts - what the DNS-based checks saw (-D) */
static void
print_dns_facts(const struct rw_config *cfg, const struct rw_facts *f)
{
	size_t	i, j;
	char	txt[RW_TXT_MAX];

	if (f->spf_helo.result != RW_SPF_NOT_CHECKED)
		printf("spf helo=%s domain=%s reason=\"%s\"\n",
		    rw_spf_result_name(f->spf_helo.result), f->spf_helo.domain,
		    f->spf_helo.reason);
	if (f->spf_mail.result != RW_SPF_NOT_CHECKED)
		printf("spf mailfrom=%s domain=%s reason=\"%s\"%s%s%s\n",
		    rw_spf_result_name(f->spf_mail.result), f->spf_mail.domain,
		    f->spf_mail.reason, f->spf_mail.explanation[0] ? " explanation=\"" : "",
		    f->spf_mail.explanation, f->spf_mail.explanation[0] ? "\"" : "");
	if (!f->dns_ready)
		return;
	printf("rdns %s ptr=%s name=%s\n", rw_rdns_result_name(f->rdns),
	    rw_dns_status_name(f->ptr_status), f->ptr_name[0] ? f->ptr_name : "-");
	for (i = 0; f->bl != NULL && i < cfg->ndnsbl && i < RW_DNSBL_MAX; i++) {
		printf("list %s status=%s%s", cfg->dnsbl[i].spec,
		    rw_dns_status_name(f->bl[i].status),
		    f->bl[i].suspended ? " suspended" : "");
		for (j = 0; j < f->bl[i].na; j++)
			printf(" %u.%u.%u.%u", f->bl[i].a[j] >> 24,
			    (f->bl[i].a[j] >> 16) & 0xff, (f->bl[i].a[j] >> 8) & 0xff,
			    f->bl[i].a[j] & 0xff);
		if (f->bl[i].txt[0] != '\0') {
			rw_sanitize(txt, sizeof(txt), f->bl[i].txt);
			printf(" txt=\"%s\"", txt);
		}
		printf("\n");
	}
	printf("list score %d (threshold %d)\n", rw_dnsbl_score(cfg, f, NULL, 0),
	    cfg->dnsbl_threshold);
}

/* start_network - the resolver and SPF, as the daemon starts them; no
 * prober: a single query has no time for RFC 5782 probes */
static bool
start_network(const struct rw_daemon_conf *dc, struct rw_services *svc)
{
	struct rw_dns_settings ds;
	struct rw_spf_source src;
	char	err[256];

	ds.servers = dc->dns_servers;
	ds.timeout_ms = dc->dns_timeout_ms;
	ds.tries = dc->dns_retries + 1;
	ds.cache_size = dc->dns_cache_size;
	svc->resolver = rw_dns_start_resolver(&ds, err, sizeof(err));
	if (svc->resolver == NULL)
		goto fail;
	src = rw_spfsource_resolver(svc->resolver);
	if ((svc->spf = rw_spf_new(&src, err, sizeof(err))) == NULL)
		goto fail;
	return true;
fail:
	fprintf(stderr, "relaywarden-query: %s\n", err);
	rw_dns_stop_resolver(svc->resolver);
	svc->resolver = NULL;
	return false;
}

static bool
refused(const struct rw_verdict *v)
{
	return rw_action_refuses(v->action);
}

/* print_headers - the header edits the daemon would make at end of message */
static void
print_headers(const struct rw_stages *st)
{
	struct rw_header_edit *e;
	size_t	cursor = 0;

	if ((e = malloc(sizeof(*e))) == NULL) {
		fprintf(stderr, "relaywarden-query: out of memory (headers)\n");
		return;
	}
	while (rw_stages_header_next(st, &cursor, e))
		if (e->op != RW_HDR_DELETE)
			printf("header %s: %s\n", e->name, e->value);
	free(e);
}

#define MSGFILE_MAX	(80u * 1024 * 1024)	/* content_scan_max's max, and more */

/*
 * message_load - the whole message file, NUL-ended (*len without it);
 * NULL on errors (reported)
 */
static char *
message_load(const char *path, size_t *len)
{
	FILE	*fp;
	char	*buf = NULL, *p;
	size_t	 cap = 0, n;

	*len = 0;
	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "relaywarden-query: %s: cannot open: %s\n", path,
		    strerror(errno));
		return NULL;
	}
	for (;;) {
		if (cap - *len < 65536) {
			if (cap >= MSGFILE_MAX) {
				fprintf(stderr, "relaywarden-query: %s: larger than "
				    "%u MiB\n", path, MSGFILE_MAX >> 20);
				goto fail;
			}
			cap = cap == 0 ? 262144 : 2 * cap;
			if ((p = realloc(buf, cap + 1)) == NULL) {
				fprintf(stderr, "relaywarden-query: out of memory\n");
				goto fail;
			}
			buf = p;
		}
		if ((n = fread(buf + *len, 1, cap - *len, fp)) == 0)
			break;
		*len += n;
	}
	if (ferror(fp)) {
		fprintf(stderr, "relaywarden-query: %s: read error\n", path);
		goto fail;
	}
	fclose(fp);
	buf[*len] = '\0';
	return buf;
fail:
	free(buf);
	fclose(fp);
	return NULL;
}

/* line_end - the end of the line at p (its LF, or end), and the next */
static const char *
line_end(const char *p, const char *end, const char **next)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));

	*next = lf != NULL ? lf + 1 : end;
	if (lf == NULL)
		lf = end;
	if (lf > p && lf[-1] == '\r')
		lf--;
	return lf;
}

/*
 * message_feed - the message to the stages as the MTA sends it to the
 * milter: each header field (name, and its value with the blanks after
 * the colon dropped and continuation lines kept, "\r\n" between), the
 * end of the header, then the body. The daemon's collection, scan cap
 * and MIME reading do the rest at end of message. A header line that is
 * no field ends the header, as it would for the MTA.
 */
static void
message_feed(struct rw_stages *st, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *e, *next, *colon, *v;
	char	*name = NULL, *value = NULL, *grown;
	size_t	 vlen = 0;
	struct rw_verdict v_eoh;

	for (; p < end; p = next) {
		e = line_end(p, end, &next);
		if ((*p == ' ' || *p == '\t') && name != NULL) {
			/* a continuation: part of the value, folded as sent */
			if ((grown = realloc(value, vlen + 2 + (size_t)(e - p) +
			    1)) == NULL)
				break;
			value = grown;
			memcpy(value + vlen, "\r\n", 2);
			memcpy(value + vlen + 2, p, (size_t)(e - p));
			vlen += 2 + (size_t)(e - p);
			value[vlen] = '\0';
			continue;
		}
		if (name != NULL) {
			rw_stages_header(st, name, value);
			free(name);
			free(value);
			name = value = NULL;
		}
		colon = memchr(p, ':', (size_t)(e - p));
		if (e == p || colon == NULL || colon == p)
			break;	/* the empty line (or no field): the body */
		for (v = colon + 1; v < e && (*v == ' ' || *v == '\t'); v++)
			;
		name = strndup(p, (size_t)(colon - p));
		value = strndup(v, (size_t)(e - v));
		if (name == NULL || value == NULL)
			break;
		vlen = strlen(value);
	}
	if (name != NULL && value != NULL)
		rw_stages_header(st, name, value);
	free(name);
	free(value);
	if (p < end && line_end(p, end, &next) == p)
		p = next;	/* the empty line itself is not body */
	(void)rw_stages_eoh(st, &v_eoh);
	if (p < end)
		rw_stages_body(st, p, (size_t)(end - p));
}

/* print_content - what the reader made of the message, then the hits */
static void
print_content(const struct rw_stages *st)
{
	const struct rw_message *m = rw_stages_message(st);
	const struct rw_rule_hit *h;
	const struct rw_rule_error *e;
	char	 buf[RW_REPLY_MAX];
	size_t	 i, n;

	static const char *const defect[] = { "bad-boundary", "bad-encoding",
	    "bad-charset", "too-deep", "bad-header", "truncated" };

	if (m == NULL) {
		printf("message not read (no content check needs it)\n");
		return;
	}
	printf("message bytes=%zu headers=%zu text=%zu urls=%zu%s parts=%zu "
	    "defects=", m->bytes, m->nheaders, m->textlen, m->nurls,
	    m->urls_dropped ? "+" : "", m->nparts);
	if (m->defects == 0)
		printf("none");
	for (i = 0; i < 6; i++)
		if (m->defects & (1u << i))
			printf("%s%s", (m->defects & ((1u << i) - 1)) ? "," : "",
			    defect[i]);
	printf("\n");
	h = rw_session_rule_hits(&st->s, &n);
	for (i = 0; i < n; i++)
		printf("hit rule=%s line=%u where=\"%s\" matched=\"%s\" "
		    "action=%s%s\n", h[i].rule, h[i].line, h[i].where,
		    h[i].matched, rw_action_name(h[i].action),
		    h[i].dryrun ? " dryrun=yes" : "");
	if (st->s.f.rules != NULL && st->s.f.rules->hits_dropped > 0)
		printf("hit and %zu more (not kept)\n",
		    st->s.f.rules->hits_dropped);
	e = rw_session_rule_errors(&st->s, &n);
	for (i = 0; i < n; i++)
		printf("rule-error rule=%s line=%u where=\"%s\" error=\"%s\"\n",
		    e[i].rule, e[i].line, e[i].where, e[i].why);
	if (rw_session_quarantine(&st->s, buf, sizeof(buf)))
		printf("quarantine reason=\"%s\"\n", buf);
}

/* stamp - a record's time for people: UTC, ISO 8601 */
static const char *
stamp(uint64_t ms, char *buf, size_t len)
{
	time_t	t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms == 0 || gmtime_r(&t, &tm) == NULL)
		return "-";
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static void
print_net(const char *net, const struct rw_grey_entry *e, void *arg)
{
	char	last[32];

	(*(unsigned long *)arg)++;
	printf("allowlisted %s passes=%u last=%s\n", net, e->passes,
	    stamp(e->pass_ms, last, sizeof(last)));
}

/*
 * grey_tool - -g show, clear or list, against the configured store;
 * the keys come from the same code as the daemon's
 */
static int
grey_tool(const struct rw_snapshot *snap, const char *what, const char *addr,
    const char *name, const char *sender, const char **rcpts, size_t nrcpts)
{
	const struct rw_daemon_conf *dc = &snap->daemon;
	const struct rw_config *cfg = snap->cfg;
	struct rw_store_opts o = { NULL, 0, NULL, 0 };
	struct rw_grey_spec g = { cfg->greylist_delay, cfg->greylist_retry_window,
	    cfg->greylist_pass_ttl, cfg->greylist_autoallow_passes,
	    cfg->greylist_autoallow_ttl };
	struct rw_grey_entry e;
	struct rw_session *s;
	struct rw_store *store;
	char	err[512], tk[RW_STATE_KEY_MAX + 1], nk[RW_STATE_KEY_MAX + 1];
	char	t1[32], t2[32];
	unsigned long n = 0;
	bool	found;
	size_t	i;
	int	rc = 0;

	if (strcmp(what, "list") != 0 && (addr == NULL || nrcpts == 0 ||
	    (strcmp(what, "show") != 0 && strcmp(what, "clear") != 0)))
		usage();
	o.prefix = dc->state_prefix;
	o.timeout_ms = dc->state_timeout_ms;
	o.password_file = dc->state_password_file[0] ? dc->state_password_file :
	    NULL;
	o.max_keys = dc->state_max_keys;
	if ((store = rw_store_open(dc->state_store, &o, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "relaywarden-query: %s: %s\n", dc->state_store, err);
		return 2;
	}
	if (strcmp(what, "list") == 0) {
		if (rw_store_grey_list_allowed(store, &g, (uint64_t)time(NULL) *
		    1000, print_net, &n, err, sizeof(err)) != RW_STORE_OK) {
			fprintf(stderr, "relaywarden-query: %s\n", err);
			rc = 2;
		} else {
			printf("%lu network%s auto-allowlisted (after %u passes)\n",
			    n, n == 1 ? "" : "s", g.autoallow_passes);
		}
		rw_store_close(store);
		return rc;
	}
	if ((s = malloc(sizeof(*s))) == NULL) {
		rw_store_close(store);
		return 2;
	}
	rw_session_init(s, cfg);
	rw_session_record_connect(s, addr, name, NULL);
	if (!s->f.client_known) {
		fprintf(stderr, "relaywarden-query: \"%s\" is not an IP address\n",
		    addr);
		rw_session_release(s);
		free(s);
		rw_store_close(store);
		return 2;
	}
	if (name != NULL && strcmp(name, "unknown") != 0) {
		char	ptr[RW_HOSTNAME_MAX + 1];

		s->f.rdns = RW_RDNS_PASS;	/* -n: the verified PTR name */
		if (!rw_strlcpy_ok(ptr, name, sizeof(ptr)))
			usage();
		rw_lowercase(ptr);
		if (!rw_fact_set(&s->f.ptr_name, ptr)) {
			fprintf(stderr, "relaywarden-query: out of memory\n");
			rw_session_release(s);
			free(s);
			rw_store_close(store);
			return 2;
		}
	}
	rw_session_record_mail(s, sender, NULL);
	for (i = 0; i < nrcpts; i++) {
		rw_session_record_rcpt(s, rcpts[i]);
		rw_state_grey_keys(cfg, &s->f, tk, nk, sizeof(tk));
		if (strcmp(what, "clear") == 0) {
			if (rw_store_grey_clear(store, tk, err, sizeof(err)) !=
			    RW_STORE_OK) {
				fprintf(stderr, "relaywarden-query: %s\n", err);
				rc = 2;
				continue;
			}
			printf("cleared %s\n", tk);
			continue;
		}
		if (rw_store_grey_show(store, tk, &e, &found, err, sizeof(err)) !=
		    RW_STORE_OK) {
			fprintf(stderr, "relaywarden-query: %s\n", err);
			rc = 2;
			continue;
		}
		if (!found) {
			printf("triplet %s not found\n", tk);
			if (rc == 0)
				rc = 1;
			continue;
		}
		printf("triplet %s state=%s first=%s last_pass=%s passes=%u\n", tk,
		    e.pass_ms ? "passed" : "waiting", stamp(e.first_ms, t1,
		    sizeof(t1)), stamp(e.pass_ms, t2, sizeof(t2)), e.passes);
	}
	rw_session_release(s);
	free(s);
	rw_store_close(store);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *path = RW_DEFAULT_CONFIG, *addr = NULL, *name = "unknown";
	const char *helo = NULL, *auth = NULL, *sender = "", *grey = NULL;
	const char *listener = NULL, *profile, *msgfile = NULL;
	char	*msg = NULL;
	size_t	 msglen = 0;
	bool	 content_refused = false;
	struct rw_listener li;
	const char *rcpts[MAX_RCPTS];
	size_t	 nrcpts = 0, i, accepted = 0;
	char	 err[RW_ERR_MAX], extra[RW_ADDR_MAX + 64];
	struct rw_snapshot *snap;
	const struct rw_config *cfg;
	struct rw_stages *st;
	const struct rw_facts *f;
	struct rw_services svc = { 0 };
	bool	 network = false;
	struct rw_verdict v;
	enum rw_action r;
	int	 ch;


	while ((ch = getopt(argc, argv, "a:c:Dg:H:L:m:n:r:s:u:")) != -1) {
		switch (ch) {
		case 'g':
			grey = optarg;
			break;
		case 'D':
			network = true;
			break;
		case 'a':
			addr = optarg;
			break;
		case 'c':
			path = optarg;
			break;
		case 'H':
			helo = optarg;
			break;
		case 'L':
			listener = optarg;
			break;
		case 'm':
			msgfile = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'r':
			if (nrcpts >= MAX_RCPTS) {
				fprintf(stderr, "relaywarden-query: too many recipients\n");
				return 2;
			}
			rcpts[nrcpts++] = optarg;
			break;
		case 's':
			sender = optarg;
			break;
		case 'u':
			auth = optarg;
			break;
		default:
			usage();
		}
	}
	if (msgfile != NULL && grey == NULL) {
		/* a message alone: an outsider writing to postmaster */
		if (addr == NULL)
			addr = "192.0.2.1";
		if (nrcpts == 0)
			rcpts[nrcpts++] = "postmaster";
	}
	if (optind != argc || (grey == NULL && (addr == NULL || nrcpts == 0)))
		usage();
	if ((snap = rw_conf_read(path, err, sizeof(err))) == NULL) {
		fputs(err, stderr);
		return 2;
	}
	rw_mime_init();		/* before a message is read (-m) */
	if (grey != NULL) {
		ch = grey_tool(snap, grey, addr, name, sender, rcpts, nrcpts);
		rw_conf_release(snap);
		return ch;
	}
	listener_parse(listener, &li);
	cfg = rw_conf_select(snap, &li, &profile);
	if (listener != NULL)
		printf("listener %s profile=%s\n", listener,
		    profile != NULL ? profile : "(main)");
	if ((st = malloc(sizeof(*st))) == NULL) {
		fprintf(stderr, "relaywarden-query: out of memory\n");
		rw_conf_release(snap);
		return 2;
	}
	if (network && !start_network(&snap->daemon, &svc)) {
		free(st);
		rw_conf_release(snap);
		return 2;
	}
	if (msgfile != NULL) {
		if ((msg = message_load(msgfile, &msglen)) == NULL) {
			free(st);
			rw_conf_release(snap);
			return 2;
		}
	}
	rw_stages_init(st, cfg, &snap->daemon, network ? &svc : NULL);
	f = rw_stages_facts(st);
	(void)rw_stages_connect(st, addr, name, NULL, NULL, NULL, &v);
	if (!f->client_known)
		fprintf(stderr, "relaywarden-query: warning: \"%s\" is not an IP "
		    "address; the client is treated as unknown\n", addr);
	rw_sanitize(extra, sizeof(extra), name);
	printf("connect client=%s[%s] action=%s%s%s\n", extra, f->client_addr,
	    rw_action_name(v.action),
	    f->trusted_network ? " trusted_network=yes insider=yes" : "",
	    f->client_ok ? " client_access=OK" : "");
	if (helo != NULL) {
		(void)rw_stages_helo(st, helo, &v);
		print_verdict("helo", helo, &v, NULL);
	}
	r = rw_stages_mail(st, sender, auth, &v);
	extra[0] = '\0';
	if (f->authenticated) {
		char	user[RW_ADDR_MAX + 1];

		rw_sanitize(user, sizeof(user), f->auth_user);
		snprintf(extra, sizeof(extra), " authenticated=%s insider=%s", user,
		    cfg->trust_authenticated ? "yes" : "no(trust_authenticated=no)");
	}
	print_verdict("mail", f->sender, &v, extra);
	if (r == RW_ACT_CONTINUE && !refused(&v)) {
		for (i = 0; i < nrcpts; i++) {
			(void)rw_stages_rcpt(st, rcpts[i], &v);
			print_verdict("rcpt", rcpts[i], &v, NULL);
			if (!refused(&v))
				accepted++;
		}
	}
	if (network)
		print_dns_facts(cfg, f);
	/* end of message, as the MTA would reach it (in dryrun it would) */
	if (accepted > 0 || cfg->mode == RW_MODE_DRYRUN) {
		if (msg != NULL)	/* as the MTA sends it, for the content checks */
			message_feed(st, msg, msglen);
		r = rw_stages_eom(st, &v);
		if (msg != NULL)
			print_content(st);
		if (v.check != NULL || v.action != RW_ACT_CONTINUE)
			print_verdict("eom", NULL, &v, NULL);
		content_refused = msg != NULL && (rw_action_refuses(r) ||
		    r == RW_ACT_DISCARD);
		if (!refused(&v) || v.dryrun)
			print_headers(st);
	}
	if (content_refused)
		printf("result: %s at end of message\n", r == RW_ACT_DISCARD ?
		    "discarded" : "refused");
	else
		printf("result: %s (%zu of %zu recipients accepted)\n",
		    accepted > 0 ? "accepted" : "refused", accepted, nrcpts);
	rw_stages_release(st);
	free(msg);
	if (network) {
		rw_dns_stop_resolver(svc.resolver);
		rw_spf_free(svc.spf);
	}
	free(st);
	rw_conf_release(snap);
	rw_mime_shutdown();
	return accepted > 0 && !content_refused ? 0 : 1;
}
