/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	fuzz_spfrecord - libFuzzer target: the SPF record checker and
 *	rewriter, the explanation checker and macro expander
 * DESCRIPTION
 *	The input, counted (it may hold NUL bytes, as DNS text may), is
 *	given as an exact-size buffer to: rw_spfrec_rewrite() for an IPv4
 *	and an IPv6 client (a rewritten record must itself be accepted and
 *	must hold no NUL); rw_spfrec_explain_valid() and
 *	rw_spfrec_expand() (on its own too: it must be safe without the
 *	check first), into a small and a large buffer; and, as a C string,
 *	rw_spfrec_query_name().
 */
#include "config.h"

#include <sys/socket.h>
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "spfrecord.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static const char *
validated(void *ctx)
{
	return ctx;
}

static void
rewrite(const char *rec, size_t len, int family)
{
	char	*out = NULL, *again = NULL, why[256];

	why[0] = '\0';
	if (!rw_spfrec_rewrite(rec, len, family, &out, why, sizeof(why))) {
		assert(out == NULL && why[0] != '\0');
		return;
	}
	assert(out != NULL && memchr(rec, '\0', len) == NULL);
	/* what libspf2 gets is itself a valid record, and stable */
	assert(rw_spfrec_rewrite(out, strlen(out), family, &again, why,
	    sizeof(why)));
	free(again);
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rw_spfrec_macros m;
	char	*buf, small[16], big[2048], qname[256], *s;
	bool	 valid, ok;

	if ((buf = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	memcpy(buf, data, size);
	rewrite(buf, size, AF_INET);
	rewrite(buf, size, AF_INET6);

	memset(&m, 0, sizeof(m));
	m.sender = "joe.q@mail.example.org";
	m.local = "joe.q";
	m.sender_domain = "mail.example.org";
	m.domain = "example.org";
	m.ip_dotted = "192.0.2.1";
	m.ip_text = "192.0.2.1";
	m.ip_version = "in-addr";
	m.helo = "mx.example.org";
	m.receiver = NULL;	/* "unknown" */
	m.now = 1700000000;
	m.validated = validated;
	m.ctx = "host.example.org";
	valid = rw_spfrec_explain_valid(buf, size);
	ok = rw_spfrec_expand(buf, size, &m, big, sizeof(big));
	if (ok)
		assert(strlen(big) < sizeof(big));
	ok = rw_spfrec_expand(buf, size, &m, small, sizeof(small));
	if (ok)
		assert(strlen(small) < sizeof(small));
	(void)valid;
	free(buf);

	s = fuzz_str(data, size);
	if (rw_spfrec_query_name(s, qname, sizeof(qname)))
		assert(strlen(qname) <= 253 && qname[0] != '\0');
	free(s);
	return 0;
}
