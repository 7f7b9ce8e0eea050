/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	fuzz_address - libFuzzer target: address analysis and the relay
 *	decision of a whole session
 * DESCRIPTION
 *	The input is up to five '\n'-separated fields: client address,
 *	HELO, MAIL FROM, then recipients. Each address goes through
 *	rw_address_parse(); then one session of the pure core (record and
 *	decide at CONNECT, HELO, MAIL and every RCPT) runs on a policy with
 *	local and relay domains, access lists and max_recipients, once in
 *	enforce mode and once in dryrun mode, and formats its log line
 *	and headers. Every string must stay terminated and bounded.
 */
#include "config.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "rw_policy.h"
#include "fuzz.h"

static struct rw_config *cfg[2];
static struct rw_session sess;

static const char policy[] =
    "trusted_networks = 127.0.0.0/8, 2001:db8::/32\n"
    "local_domains = example.test, .example.test, [192.0.2.1]\n"
    "relay_domains = relay.example.test\n"
    "max_recipients = 3\n"
    "client_access = 203.0.113.0/24 REJECT Go away, 198.18.0.0/15 TEMPFAIL\n"
    "sender_access = spammer@bad.test REJECT No, @bad.test TEMPFAIL, "
    "<> OK\n"
    "helo_foreign_literal = tag\n"
    "rdns_check = off\n"
    "spf_check = no\n"
    "spf_check_helo = no\n";

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	err[RW_ERR_MAX], text[sizeof(policy) + 32];
	int	i;

	(void)argc;
	(void)argv;
	for (i = 0; i < 2; i++) {
		snprintf(text, sizeof(text), "%smode = %s\n", policy,
		    i == 0 ? "enforce" : "dryrun");
		cfg[i] = rw_config_parse(text, "fuzz.conf", NULL, NULL, err,
		    sizeof(err));
		if (cfg[i] == NULL) {
			fprintf(stderr, "fuzz_address: %s\n", err);
			abort();
		}
	}
	return 0;
}

static void
address(const char *s)
{
	struct rw_address a;
	size_t	i;

	rw_address_parse(s, &a);
	assert(strlen(a.local) < sizeof(a.local));
	assert(strlen(a.domain) < sizeof(a.domain));
	assert(a.nhops <= RW_HOPS_MAX);
	for (i = 0; i < a.nhops; i++)
		assert(strlen(a.hops[i]) < sizeof(a.hops[i]));
}

/* header_safe - no CR; a LF only to fold (followed by SP or TAB) */
static bool
header_safe(const char *v)
{
	for (; *v != '\0'; v++)
		if (*v == '\r' || (*v == '\n' && v[1] != '\t' && v[1] != ' '))
			return false;
	return true;
}

static void
session(const struct rw_config *c, const char *addr, const char *helo,
    const char *from, char **rest)
{
	struct rw_verdict v;
	struct rw_header_edit h;
	char	line[RW_LOGLINE_MAX], *rcpt, *p, *q;
	size_t	cursor = 0, n;

	/* the recipients are read twice: once per policy */
	p = *rest != NULL ? strdup(*rest) : NULL;
	q = p;

	rw_session_init(&sess, c);
	rw_session_record_connect(&sess, addr, "client.example.test",
	    "mx.example.test");
	rw_session_decide(&sess, RW_STAGE_CONNECT, &v);
	rw_session_logline(&sess, RW_STAGE_CONNECT, &v, line, sizeof(line));
	rw_session_record_helo(&sess, helo);
	rw_session_decide(&sess, RW_STAGE_HELO, &v);
	rw_session_record_mail(&sess, from, NULL);
	rw_session_decide(&sess, RW_STAGE_MAIL, &v);
	rw_session_logline(&sess, RW_STAGE_MAIL, &v, line, sizeof(line));
	while ((rcpt = fuzz_field(&q)) != NULL) {
		rw_session_record_rcpt(&sess, rcpt);
		rw_session_decide(&sess, RW_STAGE_RCPT, &v);
		rw_session_logline(&sess, RW_STAGE_RCPT, &v, line,
		    sizeof(line));
		assert(strlen(line) < sizeof(line));
	}
	for (n = 0; n < 64 && rw_session_header_next(&sess, &cursor, &h); n++)
		if (!header_safe(h.value)) {
			fprintf(stderr, "fuzz_address: %s: line break in "
			    "\"%s\"\n", h.name, h.value);
			abort();
		}
	assert(n < 64);
	rw_session_dryrun_header(&sess, line, sizeof(line));
	assert(header_safe(line));
	rw_session_reset(&sess);
	rw_session_release(&sess);
	free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s = fuzz_str(data, size), *p = s, *addr, *helo, *from;

	addr = fuzz_field(&p);
	helo = fuzz_field(&p);
	from = fuzz_field(&p);
	if (from == NULL)
		from = "";
	if (helo == NULL)
		helo = "";
	address(addr);
	address(helo);
	address(from);
	session(cfg[0], addr, helo, from, &p);
	session(cfg[1], addr, helo, from, &p);
	free(s);
	return 0;
}
