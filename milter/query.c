/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	relaywarden-query - would this mail be accepted?
 * SYNOPSIS
 *	relaywarden-query [-c FILE] [-D] [-L LISTENER] -a CLIENT_ADDR
 *	    [-n CLIENT_NAME] [-H HELO] [-u AUTH_USER] [-s SENDER]
 *	    -r RCPT [-r RCPT ...]
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
 *	errors.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "dns.h"
#include "spf.h"
#include "spfsource.h"
#include "stages.h"

#define MAX_RCPTS	1000

static void
usage(void)
{
	fprintf(stderr,
	    "usage: relaywarden-query [-c FILE] [-D] [-L LISTENER] -a CLIENT_ADDR\n"
	    "                         [-n CLIENT_NAME] [-H HELO] [-u AUTH_USER]\n"
	    "                         [-s SENDER] -r RCPT [-r RCPT ...]\n"
	    "  -D  consult DNS (reverse DNS, lists, SPF) through dns_servers\n"
	    "  -L  the listener reached: a port, an address or a daemon name;\n"
	    "      selects its policy profile\n");
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

int
main(int argc, char **argv)
{
	const char *path = RW_DEFAULT_CONFIG, *addr = NULL, *name = "unknown";
	const char *helo = NULL, *auth = NULL, *sender = "";
	const char *listener = NULL, *profile;
	struct rw_listener li;
	const char *rcpts[MAX_RCPTS];
	size_t	 nrcpts = 0, i, accepted = 0;
	char	 err[RW_ERR_MAX], extra[RW_ADDR_MAX + 64];
	struct rw_snapshot *snap;
	const struct rw_config *cfg;
	struct rw_stages *st;
	const struct rw_facts *f;
	struct rw_services svc = { NULL };
	bool	 network = false;
	struct rw_verdict v;
	enum rw_action r;
	int	 ch;


	while ((ch = getopt(argc, argv, "a:c:DH:L:n:r:s:u:")) != -1) {
		switch (ch) {
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
	if (optind != argc || addr == NULL || nrcpts == 0)
		usage();
	if ((snap = rw_conf_read(path, err, sizeof(err))) == NULL) {
		fputs(err, stderr);
		return 2;
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
	rw_stages_init(st, cfg, &snap->daemon, network ? &svc : NULL);
	f = rw_stages_facts(st);
	(void)rw_stages_connect(st, addr, name, NULL, NULL, &v);
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
		(void)rw_stages_eom(st, &v);
		if (v.check != NULL || v.action != RW_ACT_CONTINUE)
			print_verdict("eom", NULL, &v, NULL);
		if (!refused(&v) || v.dryrun)
			print_headers(st);
	}
	printf("result: %s (%zu of %zu recipients accepted)\n",
	    accepted > 0 ? "accepted" : "refused", accepted, nrcpts);
	rw_stages_release(st);
	if (network) {
		rw_dns_stop_resolver(svc.resolver);
		rw_spf_free(svc.spf);
	}
	free(st);
	rw_conf_release(snap);
	return accepted > 0 ? 0 : 1;
}
