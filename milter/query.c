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

static void
print_verdict(const char *stage, const char *subject, enum rw_action effective,
    const struct rw_verdict *v)
{
	char	safe[RW_ADDR_MAX + 1];

	printf("%s", stage);
	if (subject != NULL) {
		rw_sanitize(safe, sizeof(safe), subject);
		printf(" <%s>", safe);
	}
	printf(": %s", rw_action_name(v->action));
	if (v->dryrun)
		printf(" (dryrun: not enforced, %s)", rw_action_name(effective));
	if (v->check != NULL)
		printf(" check=%s", v->check);
	if (v->action == RW_ACT_REJECT || v->action == RW_ACT_TEMPFAIL)
		printf(" reply=\"%s %s %s\"", v->rcode, v->xcode, v->text);
	if (v->reason[0] != '\0')
		printf(" reason=\"%s\"", v->reason);
	printf("\n");
}

int
main(int argc, char **argv)
{
	const char *path = RW_DEFAULT_CONFIG, *addr = NULL, *name = "unknown";
	const char *helo = NULL, *auth = NULL, *sender = "";
	const char *rcpts[MAX_RCPTS];
	size_t	 nrcpts = 0, i, accepted = 0;
	char	 err[RW_ERR_MAX], hdr[4096];
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
	r = rw_session_connect(s, addr, name, &v);
	if (!s->f.client_known)
		fprintf(stderr, "relaywarden-query: warning: \"%s\" is not an IP "
		    "address; the client is treated as unknown\n", addr);
	printf("connect %s[%s]: %s%s%s\n", name, s->f.client_addr,
	    rw_action_name(r), s->f.trusted_network ? " (trusted network: insider)" : "",
	    s->f.client_ok ? " (client_access OK)" : "");
	if (helo != NULL) {
		r = rw_session_helo(s, helo, &v);
		print_verdict("helo", helo, r, &v);
	}
	r = rw_session_mail(s, sender, auth, &v);
	print_verdict("mail", s->f.sender, r, &v);
	if (s->f.authenticated)
		printf("auth %s: %s\n", s->f.auth_user, cfg->trust_authenticated ?
		    "insider (trust_authenticated = yes)" :
		    "outsider (trust_authenticated = no)");
	if (r == RW_ACT_CONTINUE || r == RW_ACT_ACCEPT) {
		for (i = 0; i < nrcpts; i++) {
			r = rw_session_rcpt(s, rcpts[i], &v);
			print_verdict("rcpt", rcpts[i], r, &v);
			if (r == RW_ACT_CONTINUE || r == RW_ACT_ACCEPT)
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
