/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	fuzz_names - libFuzzer target: CIDR, domain and DNS-name helpers
 * DESCRIPTION
 *	The input, as a C string, goes through rw_cidr_parse() (a parsed
 *	network must match its own address), rw_ip_parse() with
 *	rw_ip_format() and the reverse names built from it,
 *	rw_domain_normalize() (idempotent; "" on failure), the RHSBL query
 *	name, rw_dnsbl_parse() for each kind of list, and, counted with
 *	its NUL bytes, rw_txt_sanitize() into buffers of several sizes
 *	(printable ASCII only, never past the size).
 */
#include "config.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "rw_policy.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void
names(const char *s)
{
	struct rw_cidr c;
	struct rw_ip ip;
	struct rw_dnsbl_zone z;
	char	err[256], out[RW_HOSTNAME_MAX + 1], again[RW_HOSTNAME_MAX + 1];
	char	q[RW_HOSTNAME_MAX + 2], text[64];
	int	k;

	err[0] = '\0';
	if (rw_cidr_parse(s, &c, err, sizeof(err)))
		assert(rw_cidr_match(&c, &c.net));
	else
		assert(err[0] != '\0');
	if (rw_ip_parse(s, &ip)) {
		rw_ip_format(&ip, text, sizeof(text));
		assert(strlen(text) < sizeof(text));
		if (rw_dns_ptr_name(&ip, q, sizeof(q)))
			assert(strlen(q) <= 253);
		if (rw_dns_reverse_name(&ip, "zen.example.test", q, sizeof(q)))
			assert(strlen(q) <= 253);
	}
	memset(out, 'X', sizeof(out));
	if (rw_domain_normalize(s, out, sizeof(out), err, sizeof(err))) {
		assert(strlen(out) < sizeof(out));
		/* normalized once is normalized */
		assert(rw_domain_normalize(out, again, sizeof(again), err,
		    sizeof(err)));
		assert(strcmp(out, again) == 0);
		if (rw_dns_domain_query(out, "dbl.example.test", q, sizeof(q)))
			assert(strlen(q) <= 253);
	} else {
		assert(out[0] == '\0');
	}
	for (k = 0; k < 4; k++) {
		err[0] = '\0';
		memset(&z, 0, sizeof(z));
		if (!rw_dnsbl_parse(s, (enum rw_dnsbl_kind)k, &z, err,
		    sizeof(err)))
			assert(err[0] != '\0');
		/* the zone's strings are the caller's (confitems.c frees them) */
		free(z.zone);
		free(z.spec);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t sizes[] = { 1, 2, 8, 64, 600 };
	char	*s = fuzz_str(data, size), dst[600 + 8];
	size_t	i, j;

	names(s);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(dst, 'X', sizeof(dst));
		rw_txt_sanitize(dst, sizes[i], (const char *)data, size);
		for (j = 0; dst[j] != '\0'; j++)
			assert(dst[j] >= 0x20 && dst[j] < 0x7f);
		assert(j < sizes[i] && dst[sizes[i]] == 'X');
	}
	free(s);
	return 0;
}
