/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	spf-suite - run the openspf RFC 7208 test suite through rw_spf_check()
 * SYNOPSIS
 *	spf-suite [-v] suite.txt
 * DESCRIPTION
 *	Reads the suite as converted by suite2txt.py and runs every case
 *	through rw_spf_check() exactly as the daemon does: the MAIL FROM
 *	identity, with the null sender checked as postmaster@HELO
 *	(rw_spf_check(RW_SPF_ID_MAILFROM, ip, helo, "")). DNS answers come
 *	from the scenario's zone data through an rw_spf_source; nothing
 *	touches the network and libspf2's own resolver is never used.
 *
 *	Zone semantics (the suite's driver conventions): names are
 *	case-insensitive; a name with TIMEOUT times out for every type it
 *	has no data of; a CNAME is followed (a loop or a chain longer than
 *	8 is SERVFAIL, as a resolver would answer); a name not in the zone
 *	is NXDOMAIN, a name without data of the type NODATA.
 *
 *	A result passes when it is one of the accepted results. Where the
 *	suite gives an explanation for a fail, ours must match it after
 *	the sanitising every explanation gets (rw_txt_sanitize: runs of
 *	spaces collapse), compared without regard to case (the suite
 *	writes IPv6 nibbles in upper case, RFC 7208 7.3 expands them in
 *	lower case); "DEFAULT" stands for rw_spf_default_explanation().
 *	Prints one line per case, the totals, and "spf-suite: P/T".
 *	-v adds rw_spf_check()'s reason and explanation to every line.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spf.h"

struct zrec {
	char		*name;
	char		 type[8];
	unsigned char	*data;
	size_t		 len;
};

struct scenario {
	struct zrec	*rec;
	size_t		 nrec;
};

struct test {
	char		*id, *helo, *host, *mailfrom, *results, *exp;
	bool		 hasexp;
	struct scenario	*sc;
};

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n)) == NULL) {
		perror("spf-suite");
		exit(2);
	}
	return p;
}

/* unescape - %XX decoding; the result has a NUL after len bytes */
static unsigned char *
unescape(const char *s, size_t *len)
{
	unsigned char *out = xrealloc(NULL, strlen(s) + 1);
	size_t	o = 0;
	unsigned int v;

	while (*s != '\0') {
		if (s[0] == '%' && isxdigit((unsigned char)s[1]) &&
		    isxdigit((unsigned char)s[2]) && sscanf(s + 1, "%2x", &v) == 1) {
			out[o++] = (unsigned char)v;
			s += 3;
		} else {
			out[o++] = (unsigned char)*s++;
		}
	}
	out[o] = '\0';
	if (len != NULL)
		*len = o;
	return out;
}

static char *
field(char **p)
{
	char	*f = *p, *tab;

	if (f == NULL)
		return (char *)unescape("", NULL);
	if ((tab = strchr(f, '\t')) != NULL) {
		*tab = '\0';
		*p = tab + 1;
	} else {
		*p = NULL;
	}
	return (char *)unescape(f, NULL);
}

/* plain - lowercase copy without a trailing dot */
static void
plain(const char *in, char *out, size_t len)
{
	size_t	i;

	snprintf(out, len, "%s", in);
	for (i = 0; out[i] != '\0'; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	if (i > 0 && out[i - 1] == '.')
		out[i - 1] = '\0';
}

static const char *
type_name(uint16_t t)
{
	switch (t) {
	case RW_T_A:
		return "A";
	case RW_T_AAAA:
		return "AAAA";
	case RW_T_MX:
		return "MX";
	case RW_T_PTR:
		return "PTR";
	case RW_T_TXT:
		return "TXT";
	case RW_T_CNAME:
		return "CNAME";
	}
	return "?";
}

/* add - one zone record as an answer record */
static void
add(struct rw_dns_answer *out, const struct zrec *z, uint16_t type)
{
	struct rw_dns_rr *rr;
	const char *t = (const char *)z->data;
	char	*sp;

	if (out->n >= RW_DNS_RR_MAX)
		return;
	rr = &out->rr[out->n];
	memset(rr, 0, sizeof(*rr));
	rr->type = type;
	rr->ttl = 300;
	if (type == RW_T_A || type == RW_T_AAAA) {
		if (inet_pton(type == RW_T_A ? AF_INET : AF_INET6, t, rr->addr) != 1)
			return;
	} else if (type == RW_T_MX) {
		rr->pref = (uint16_t)strtoul(t, &sp, 10);
		while (*sp == ' ')
			sp++;
		rr->text = strdup(sp);
		rr->textlen = strlen(sp);
	} else {
		rr->text = xrealloc(NULL, z->len + 1);
		memcpy(rr->text, z->data, z->len + 1);
		rr->textlen = z->len;
	}
	out->n++;
}

/* zone_lookup - the rw_spf_source over a scenario's zone data */
static void
zone_lookup(void *ctx, const char *name, uint16_t type,
    const struct timespec *deadline, struct rw_dns_answer *out)
{
	const struct scenario *sc = ctx;
	char	cur[1024], zn[1024];
	const char *cname;
	size_t	i, hop;
	bool	exists, timeout;

	(void)deadline;
	memset(out, 0, sizeof(*out));
	plain(name, cur, sizeof(cur));
	for (hop = 0; hop < 8; hop++) {
		exists = timeout = false;
		cname = NULL;
		for (i = 0; i < sc->nrec; i++) {
			plain(sc->rec[i].name, zn, sizeof(zn));
			if (strcmp(zn, cur) != 0)
				continue;
			exists = true;
			if (strcmp(sc->rec[i].type, "TIMEOUT") == 0)
				timeout = true;
			else if (strcmp(sc->rec[i].type, type_name(type)) == 0)
				add(out, &sc->rec[i], type);
			else if (strcmp(sc->rec[i].type, "CNAME") == 0)
				cname = (const char *)sc->rec[i].data;
		}
		if (out->n > 0) {
			out->status = RW_DNS_OK;
			out->ttl = 300;
			return;
		}
		if (!exists) {
			out->status = RW_DNS_NXDOMAIN;
			return;
		}
		if (cname == NULL) {
			out->status = timeout ? RW_DNS_TIMEOUT : RW_DNS_NODATA;
			return;
		}
		plain(cname, cur, sizeof(cur));
	}
	out->status = RW_DNS_SERVFAIL;	/* CNAME loop */
}

/* accepted - is got among the comma-separated results */
static bool
accepted(const char *got, const char *list)
{
	size_t	n = strlen(got);
	const char *p = list;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, got, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
		if ((p = strchr(p, ',')) != NULL)
			p++;
	}
	return false;
}

int
main(int argc, char **argv)
{
	struct scenario **scs = NULL, *sc = NULL;
	struct test *tests = NULL;
	size_t	nsc = 0, nt = 0, i, pass = 0, fail = 0;
	char	line[8192], err[256], *p, *kind;
	struct rw_spf_source src;
	struct rw_spf_fact f;
	bool	verbose = false;
	FILE	*fp;

	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		verbose = true;
		argc--;
		argv++;
	}
	if (argc != 2 || (fp = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "usage: spf-suite [-v] suite.txt\n");
		return 2;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		p = line;
		kind = field(&p);
		if (strcmp(kind, "S") == 0) {
			sc = calloc(1, sizeof(*sc));
			scs = xrealloc(scs, (nsc + 1) * sizeof(*scs));
			scs[nsc++] = sc;
		} else if (strcmp(kind, "Z") == 0 && sc != NULL) {
			struct zrec *z;
			char	*t;

			sc->rec = xrealloc(sc->rec, (sc->nrec + 1) * sizeof(*sc->rec));
			z = &sc->rec[sc->nrec++];
			z->name = field(&p);
			t = field(&p);
			snprintf(z->type, sizeof(z->type), "%s", t);
			free(t);
			z->data = unescape(p != NULL ? p : "", &z->len);
		} else if (strcmp(kind, "T") == 0 && sc != NULL) {
			struct test *t;
			char	*h;

			tests = xrealloc(tests, (nt + 1) * sizeof(*tests));
			t = &tests[nt++];
			t->id = field(&p);
			t->helo = field(&p);
			t->host = field(&p);
			t->mailfrom = field(&p);
			t->results = field(&p);
			h = field(&p);
			t->hasexp = strcmp(h, "1") == 0;
			free(h);
			t->exp = field(&p);
			t->sc = sc;
		}
		free(kind);
	}
	fclose(fp);

	src.lookup = zone_lookup;
	src.ctx = NULL;
	for (i = 0; i < nt; i++) {
		struct test *t = &tests[i];
		const char *got;
		char	want_exp[RW_TXT_MAX], raw[RW_TXT_MAX];
		struct rw_spf *spf;
		bool	ok;

		/* one server per scenario: the source's context is the zone */
		src.ctx = t->sc;
		if ((spf = rw_spf_new(&src, err, sizeof(err))) == NULL) {
			fprintf(stderr, "spf-suite: %s\n", err);
			return 2;
		}
		rw_spf_check(spf, RW_SPF_ID_MAILFROM, t->host, t->helo,
		    t->mailfrom, 20000, &f);
		rw_spf_free(spf);
		got = rw_spf_result_name(f.result);
		ok = accepted(got, t->results);
		want_exp[0] = '\0';
		if (ok && t->hasexp && f.result == RW_SPF_FAIL) {
			if (strcmp(t->exp, "DEFAULT") == 0) {
				rw_spf_default_explanation(f.domain, t->host, want_exp,
				    sizeof(want_exp));
			} else {
				snprintf(raw, sizeof(raw), "%s", t->exp);
				rw_txt_sanitize(want_exp, sizeof(want_exp), raw,
				    strlen(raw));
			}
			ok = strcasecmp(want_exp, f.explanation) == 0;
		}
		if (ok)
			pass++;
		else
			fail++;
		printf("%s %s: got %s", ok ? "PASS" : "FAIL", t->id, got);
		if (want_exp[0] != '\0' && !ok)
			printf(" \"%s\"", f.explanation);
		printf(" want %s", t->results);
		if (want_exp[0] != '\0' && !ok)
			printf(" \"%s\"", want_exp);
		if (verbose && f.reason[0] != '\0')
			printf(" (%s)", f.reason);
		if (verbose && f.explanation[0] != '\0')
			printf(" exp=\"%s\"", f.explanation);
		printf("\n");
	}
	printf("%zu passed, %zu failed\n", pass, fail);
	printf("spf-suite: %zu/%zu\n", pass, nt);
	for (i = 0; i < nt; i++) {
		free(tests[i].id);
		free(tests[i].helo);
		free(tests[i].host);
		free(tests[i].mailfrom);
		free(tests[i].results);
		free(tests[i].exp);
	}
	free(tests);
	for (i = 0; i < nsc; i++) {
		size_t	j;

		for (j = 0; j < scs[i]->nrec; j++) {
			free(scs[i]->rec[j].name);
			free(scs[i]->rec[j].data);
		}
		free(scs[i]->rec);
		free(scs[i]);
	}
	free(scs);
	return 0;
}
