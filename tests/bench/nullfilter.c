/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	nullfilter - a libmilter filter that does nothing, the benchmark's
 *	yardstick
 * SYNOPSIS
 *	nullfilter -p SOCKET
 * DESCRIPTION
 *	Registers every callback (connect, HELO, MAIL, RCPT, DATA, unknown,
 *	header, end of headers, body, end of message, abort, close), each
 *	answering "continue", asks for no modifications (flags 0) and has no
 *	negotiate callback, so the MTA sends it every stage and libmilter
 *	negotiates its defaults. It keeps no per-session state.
 *
 *	tests/bench/run.sh measures relaywarden against it: the cost of the
 *	milter protocol, libmilter's thread per session and the MTA's side
 *	of the conversation, with no policy work at all. Ratios to this
 *	filter are what the README's performance table reports.
 *
 *	SOCKET is libmilter's: unix:/path, inet:PORT@HOST, inet6:PORT@HOST.
 *	Exit status 0 after smfi_main() returns (SIGTERM, SIGINT), 1 on a
 *	usage or registration error. Not installed; built by make check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <libmilter/mfapi.h>

/* null_connect - continue */
static sfsistat
null_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
	(void)ctx;
	(void)host;
	(void)addr;
	return SMFIS_CONTINUE;
}

/* null_helo - continue */
static sfsistat
null_helo(SMFICTX *ctx, char *helo)
{
	(void)ctx;
	(void)helo;
	return SMFIS_CONTINUE;
}

/* null_argv - continue (MAIL, RCPT) */
static sfsistat
null_argv(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return SMFIS_CONTINUE;
}

/* null_header - continue */
static sfsistat
null_header(SMFICTX *ctx, char *name, char *value)
{
	(void)ctx;
	(void)name;
	(void)value;
	return SMFIS_CONTINUE;
}

/* null_body - continue */
static sfsistat
null_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	(void)ctx;
	(void)chunk;
	(void)len;
	return SMFIS_CONTINUE;
}

/* null_unknown - continue */
static sfsistat
null_unknown(SMFICTX *ctx, const char *cmd)
{
	(void)ctx;
	(void)cmd;
	return SMFIS_CONTINUE;
}

/* null_stage - continue (DATA, EOH, EOM, abort, close) */
static sfsistat
null_stage(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

/* main - register, open the socket, run libmilter */
int
main(int argc, char **argv)
{
	struct smfiDesc desc = {
		.xxfi_name = "nullfilter",
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = 0,
		.xxfi_connect = null_connect,
		.xxfi_helo = null_helo,
		.xxfi_envfrom = null_argv,
		.xxfi_envrcpt = null_argv,
		.xxfi_header = null_header,
		.xxfi_eoh = null_stage,
		.xxfi_body = null_body,
		.xxfi_eom = null_stage,
		.xxfi_abort = null_stage,
		.xxfi_close = null_stage,
		.xxfi_unknown = null_unknown,
		.xxfi_data = null_stage,
		.xxfi_negotiate = NULL,
	};
	const char *sock = NULL;
	int c;

	while ((c = getopt(argc, argv, "p:")) != -1) {
		switch (c) {
		case 'p':
			sock = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (sock == NULL || optind != argc)
		goto usage;
	if (strncmp(sock, "unix:", 5) == 0)
		(void)unlink(sock + 5);
	if (smfi_setconn((char *)sock) != MI_SUCCESS ||
	    smfi_setbacklog(128) != MI_SUCCESS ||
	    smfi_register(desc) != MI_SUCCESS ||
	    smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "nullfilter: cannot register or open %s\n",
		    sock);
		return 1;
	}
	/* unix sockets: the MTA (Postfix runs as user postfix) must connect */
	if (strncmp(sock, "unix:", 5) == 0)
		(void)chmod(sock + 5, 0666);
	return smfi_main() == MI_SUCCESS ? 0 : 1;
usage:
	fprintf(stderr, "usage: nullfilter -p SOCKET\n");
	return 1;
}
