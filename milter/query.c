/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	relaywarden-query - would this mail be accepted?
 * SYNOPSIS
 *	relaywarden-query [-c FILE] -a CLIENT_ADDR [-n CLIENT_NAME] [-H HELO]
 *	    [-u AUTH_USER] [-s SENDER] -r RCPT [-r RCPT ...]
 * DESCRIPTION
 *	Runs one SMTP transaction through the very session code the daemon
 *	uses (policy/session.c), with the given configuration, and prints
 *	each stage's verdict with its reason. No network, no MTA.
 *	Exit status: 0 when at least one recipient would be accepted,
 *	1 when the message would be refused, 2 on usage or configuration
 *	errors.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "conf.h"

#define MAX_RCPTS	1000

static void
usage(void)
{
	fprintf(stderr,
	    "usage: relaywarden-query [-c FILE] -a CLIENT_ADDR [-n CLIENT_NAME] [-H HELO]\n"
	    "                         [-u AUTH_USER] [-s SENDER] -r RCPT [-r RCPT ...]\n");
	exit(2);
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

static bool
refused(const struct rw_verdict *v)
{
	return v->action == RW_ACT_REJECT || v->action == RW_ACT_TEMPFAIL;
}

int
main(int argc, char **argv)
{
	const char *path = RW_DEFAULT_CONFIG, *addr = NULL, *name = "unknown";
	const char *helo = NULL, *auth = NULL, *sender = "";
	const char *rcpts[MAX_RCPTS];
	size_t	 nrcpts = 0, i, accepted = 0;
	char	 err[RW_ERR_MAX], hdr[4096], extra[RW_ADDR_MAX + 64];
	struct rw_config *cfg;
	struct rw_session *s;
	struct rw_verdict v;
	enum rw_action r;
	int	 ch;


	while ((ch = getopt(argc, argv, "a:c:H:n:r:s:u:")) != -1) {
		switch (ch) {
		case 'a':
			addr = optarg;
			break;
		case 'c':
			path = optarg;
			break;
		case 'H':
			helo = optarg;
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
	if ((cfg = rw_conf_read(path, err, sizeof(err))) == NULL) {
		fputs(err, stderr);
		return 2;
	}
	if ((s = malloc(sizeof(*s))) == NULL) {
		fprintf(stderr, "relaywarden-query: out of memory\n");
		rw_config_free(cfg);
		return 2;
	}
	rw_session_init(s, cfg);
	(void)rw_session_connect(s, addr, name, &v);
	if (!s->f.client_known)
		fprintf(stderr, "relaywarden-query: warning: \"%s\" is not an IP "
		    "address; the client is treated as unknown\n", addr);
	rw_sanitize(extra, sizeof(extra), name);
	printf("connect client=%s[%s] action=%s%s%s\n", extra, s->f.client_addr,
	    rw_action_name(v.action),
	    s->f.trusted_network ? " trusted_network=yes insider=yes" : "",
	    s->f.client_ok ? " client_access=OK" : "");
	if (helo != NULL) {
		(void)rw_session_helo(s, helo, &v);
		print_verdict("helo", helo, &v, NULL);
	}
	r = rw_session_mail(s, sender, auth, &v);
	extra[0] = '\0';
	if (s->f.authenticated) {
		char	user[RW_ADDR_MAX + 1];

		rw_sanitize(user, sizeof(user), s->f.auth_user);
		snprintf(extra, sizeof(extra), " authenticated=%s insider=%s", user,
		    cfg->trust_authenticated ? "yes" : "no(trust_authenticated=no)");
	}
	print_verdict("mail", s->f.sender, &v, extra);
	if (r == RW_ACT_CONTINUE && !refused(&v)) {
		for (i = 0; i < nrcpts; i++) {
			(void)rw_session_rcpt(s, rcpts[i], &v);
			print_verdict("rcpt", rcpts[i], &v, NULL);
			if (!refused(&v))
				accepted++;
		}
	}
	if (rw_session_dryrun_header(s, hdr, sizeof(hdr)))
		printf("header X-Relaywarden-Dryrun: %s\n", hdr);
	printf("result: %s (%zu of %zu recipients accepted)\n",
	    accepted > 0 ? "accepted" : "refused", accepted, nrcpts);
	free(s);
	rw_config_free(cfg);
	return accepted > 0 ? 0 : 1;
}
