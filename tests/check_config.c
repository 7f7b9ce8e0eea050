/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	check_config - unit tests for rw_config_parse(), rw_config_defaults(),
 *	rw_config_summary() and the extra key table of rw_config_parse_extra()
 * DESCRIPTION
 *	Table-driven. Error rows give the text of a configuration named
 *	"test.conf" and the "file:line:" prefixes the error report must
 *	hold (doc/DESIGN.md, "Configuration"). "file:" lists are served by
 *	a fake reader from an in-memory table, so no file is opened.
 *
 *	Messages are not compared word for word: only the location, and
 *	where the contract makes it useful, the offending word.
 *
 *	The daemon's own keys (socket, pidfile, log_level, the resolver's
 *	settings, ...) are milter/daemonconf.c's; tests/check_daemonconf.c
 *	tests them.
 */
#include <check.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rw_policy.h"

#define SOURCE	"test.conf"

/* ------------------------------------------------------------ fake reader */

struct fake_file {
	const char	*path;
	const char	*text;
};

struct fake_fs {
	const struct fake_file	*files;
	unsigned int		 calls;
	char			 last[256];
};

#define FAKE_ENOENT	"fake: no such file"

static const struct fake_file fake_files[] = {
	{ "/etc/rw/local", "# our domains\nours.test\n\n.example.test\n" },
	{ "/etc/rw/local-bad", "ours.test\n# line 2\nbad..test\n" },
	{ "/etc/rw/nets", "10.0.0.0/8\n2001:db8::/32\n" },
	{ "/etc/rw/nets-bad", "10.0.0.0/8\n192.0.2.1/24\n" },
	{ "/etc/rw/clients", "# clients\n192.0.2.0/24 REJECT go away now\n"
	    "198.51.100.0/24 OK\n" },
	{ "/etc/rw/clients-bad",
	    "192.0.2.0/24 REJECT\n198.51.100.0/24 DENY\n" },
	{ "/etc/rw/senders", "spam@bad.test REJECT no thanks\n<> OK\n" },
	{ NULL, NULL }
};

static char *
fake_reader(const char *path, void *ctx, char *err, size_t errlen)
{
	struct fake_fs *fs = ctx;
	const struct fake_file *f;
	char *copy;

	fs->calls++;
	snprintf(fs->last, sizeof(fs->last), "%s", path);
	for (f = fs->files; f->path != NULL; f++) {
		if (strcmp(f->path, path) != 0)
			continue;
		copy = strdup(f->text);
		ck_assert_ptr_nonnull(copy);
		return copy;
	}
	snprintf(err, errlen, "%s", FAKE_ENOENT);
	return NULL;
}

/* ------------------------------------------------------------ errors */

/* host names of 64 and 63 characters, for the authserv_id bound (255) */
#define H64	"a234567890123456789012345678901234567890123456789012345678901234"
#define H63	"a23456789012345678901234567890123456789012345678901234567890123"

struct err_case {
	const char	*label;
	const char	*text;
	bool		 reader;	/* false: pass a NULL reader */
	const char	*all[4];	/* each must appear in the report */
	const char	*any[3];	/* one of them must, when given */
};

static const struct err_case err_cases[] = {
	{ "unknown key", "# header\n\nfrobnicate = 1\n", true,
	    { SOURCE ":3:", "frobnicate" }, { NULL } },
	{ "missing =", "mode = enforce\nlocal_domains ours.test\n", true,
	    { SOURCE ":2:" }, { NULL } },
	{ "only a key", "mode\n", true, { SOURCE ":1:" }, { NULL } },
	{ "bad CIDR", "trusted_networks = 10.0.0.0/33\n", true,
	    { SOURCE ":1:" }, { NULL } },
	{ "CIDR host bits set", "# x\ntrusted_networks = 10.0.0.0/8, "
	    "192.0.2.1/24\n", true, { SOURCE ":2:" }, { NULL } },
	{ "CIDR garbage", "trusted_networks = localhost\n", true,
	    { SOURCE ":1:" }, { NULL } },
	{ "bad domain, empty label", "local_domains = ours.test, bad..test\n",
	    true, { SOURCE ":1:" }, { NULL } },
	{ "bad domain, an address", "relay_domains = user@ours.test\n", true,
	    { SOURCE ":1:" }, { NULL } },
	{ "bad domain, bad literal", "local_domains = [300.1.1.1]\n", true,
	    { SOURCE ":1:" }, { NULL } },
	/* issue 12 item 7: the reason is the normalizer's, whatever the
	 * output buffer held (it was read after a failure) */
	{ "bad domain, hyphen first", "local_domains = -ours.test\n", true,
	    { SOURCE ":1:", "label starts with a hyphen" }, { NULL } },
	{ "bad subdomain entry, hyphen first", "relay_domains = .-x.test\n",
	    true, { SOURCE ":1:", "label starts with a hyphen" }, { NULL } },
	{ "subdomains of a literal", "relay_domains = .[192.0.2.1]\n", true,
	    { SOURCE ":1:", "a literal has no subdomains" }, { NULL } },
	{ "bad sender_access domain key", "sender_access = @-x.test REJECT\n",
	    true, { SOURCE ":1:", "label starts with a hyphen" }, { NULL } },
	{ "duplicate key", "mode = enforce\nmax_recipients = 5\n"
	    "mode = enforce\n", true, { SOURCE ":3:", "mode" }, { NULL } },
	{ "domain both local and relay", "local_domains = ours.test\n"
	    "relay_domains = backup.test, OURS.test.\n", true,
	    { SOURCE ":" }, { SOURCE ":1:", SOURCE ":2:" } },
	{ "client_access same CIDR, other action", "client_access = "
	    "192.0.2.0/24 OK, 192.0.2.0/24 REJECT\n", true,
	    { SOURCE ":1:" }, { NULL } },
	{ "sender_access same key, other action", "sender_access = "
	    "a@b.test OK, A@B.test REJECT\n", true, { SOURCE ":1:" },
	    { NULL } },
	{ "sender_access same @domain, other action", "sender_access = "
	    "@b.test OK, @b.test TEMPFAIL\n", true, { SOURCE ":1:" },
	    { NULL } },
	{ "client_access same CIDR as mapped IPv6", "client_access = "
	    "192.0.2.0/24 OK, ::ffff:192.0.2.0/120 REJECT\n", true,
	    { SOURCE ":1:" }, { NULL } },
	{ "sender_access <> twice, other action", "sender_access = <> OK, "
	    "<> REJECT\n", true, { SOURCE ":1:" }, { NULL } },
	{ "literal both local and relay", "local_domains = [192.0.2.1]\n"
	    "relay_domains = [192.0.2.1]\n", true,
	    { SOURCE ":" }, { SOURCE ":1:", SOURCE ":2:" } },
	{ "IPv6 literal both, spelt differently", "local_domains = "
	    "[IPv6:2001:db8::1]\nrelay_domains = [IPv6:2001:DB8:0::1]\n", true,
	    { SOURCE ":" }, { SOURCE ":1:", SOURCE ":2:" } },
	{ "client_access bad action", "client_access = 192.0.2.0/24 DENY\n",
	    true, { SOURCE ":1:" }, { NULL } },
	{ "client_access no action", "client_access = 192.0.2.0/24\n", true,
	    { SOURCE ":1:" }, { NULL } },
	{ "client_access bad CIDR", "client_access = 192.0.2.1/24 REJECT\n",
	    true, { SOURCE ":1:" }, { NULL } },
	{ "sender_access bad action", "sender_access = b.test MAYBE\n", true,
	    { SOURCE ":1:" }, { NULL } },
	{ "bad mode", "mode = loud\n", true, { SOURCE ":1:" }, { NULL } },
	{ "empty mode", "mode =\n", true, { SOURCE ":1:" }, { NULL } },
	{ "bad number, word", "max_recipients = ten\n", true,
	    { SOURCE ":1:" }, { NULL } },
	{ "bad number, negative", "max_recipients = -1\n", true,
	    { SOURCE ":1:" }, { NULL } },
	{ "bad number, trailing junk", "max_recipients = 5x\n", true,
	    { SOURCE ":1:" }, { NULL } },
	{ "bad number, overflow", "max_recipients = 99999999999999999999\n",
	    true, { SOURCE ":1:" }, { NULL } },
	{ "bad boolean", "trust_authenticated = maybe\n", true,
	    { SOURCE ":1:" }, { NULL } },
	/* authserv_id: the milter copies it into RW_HOSTNAME_MAX + 1 bytes */
	{ "authserv_id of 256 characters", "# x\nauthserv_id = " H64 H64 H64
	    H64 "\n", true, { SOURCE ":2:", "authserv_id", "255" }, { NULL } },
	{ "authserv_id of 1024 characters", "authserv_id = " H64 H64 H64 H64
	    H64 H64 H64 H64 H64 H64 H64 H64 H64 H64 H64 H64 "\n", true,
	    { SOURCE ":1:", "authserv_id" }, { NULL } },
	{ "authserv_id with a space", "authserv_id = mx example\n", true,
	    { SOURCE ":1:", "authserv_id" }, { NULL } },
	{ "authserv_id with '@'", "authserv_id = rw@mx.example\n", true,
	    { SOURCE ":1:", "authserv_id" }, { NULL } },
	{ "authserv_id with '/'", "authserv_id = mx.example/x\n", true,
	    { SOURCE ":1:", "authserv_id" }, { NULL } },
	{ "authserv_id quoted", "authserv_id = \"mx.example\"\n", true,
	    { SOURCE ":1:", "authserv_id" }, { NULL } },
	{ "authserv_id with a control character", "authserv_id = mx\001x\n",
	    true, { SOURCE ":1:", "authserv_id" }, { NULL } },
	{ "multiple errors all reported", "frobnicate = 1\nmode = loud\n"
	    "# fine\nmax_recipients = x\nlocal_domains = ours.test\n"
	    "trusted_networks = 10.0.0.1/8\n", true,
	    { SOURCE ":1:", SOURCE ":2:", SOURCE ":4:", SOURCE ":6:" },
	    { NULL } },
	/* "file:" lists */
	{ "error inside a file list", "mode = enforce\n"
	    "local_domains = file:/etc/rw/local-bad\n", true,
	    { "/etc/rw/local-bad:3:" }, { NULL } },
	{ "bad CIDR inside a file list",
	    "trusted_networks = file:/etc/rw/nets-bad\n", true,
	    { "/etc/rw/nets-bad:2:" }, { NULL } },
	{ "bad action inside a file list",
	    "client_access = file:/etc/rw/clients-bad\n", true,
	    { "/etc/rw/clients-bad:2:" }, { NULL } },
	{ "reader failure", "mode = enforce\n"
	    "local_domains = file:/etc/rw/missing\n", true,
	    { SOURCE ":2:", FAKE_ENOENT }, { NULL } },
	{ "NULL reader refuses file: lists",
	    "local_domains = file:/etc/rw/local\n", false,
	    { SOURCE ":1:" }, { NULL } },
	{ "errors in text and file both reported", "mode = loud\n"
	    "local_domains = file:/etc/rw/local-bad\nfrobnicate = 2\n", true,
	    { SOURCE ":1:", "/etc/rw/local-bad:3:", SOURCE ":3:" }, { NULL } },
};

START_TEST(test_config_errors)
{
	const struct err_case *c = &err_cases[_i];
	struct fake_fs fs = { fake_files, 0, "" };
	struct rw_config *cfg;
	char err[RW_ERR_MAX];
	size_t i;
	bool any;

	strcpy(err, "");
	cfg = rw_config_parse(c->text, SOURCE, c->reader ? fake_reader : NULL,
	    &fs, err, sizeof(err));
	ck_assert_msg(cfg == NULL, "%s: got a configuration, want NULL",
	    c->label);
	for (i = 0; i < 4 && c->all[i] != NULL; i++)
		ck_assert_msg(strstr(err, c->all[i]) != NULL,
		    "%s: errors: got \"%s\", want it to contain \"%s\"",
		    c->label, err, c->all[i]);
	any = c->any[0] == NULL;
	for (i = 0; i < 3 && c->any[i] != NULL; i++)
		if (strstr(err, c->any[i]) != NULL)
			any = true;
	ck_assert_msg(any, "%s: errors: got \"%s\", want it to contain \"%s\" "
	    "or \"%s\"", c->label, err, c->any[0] ? c->any[0] : "",
	    c->any[1] ? c->any[1] : "");
}
END_TEST

/* Every line of the report starts with a location. */
START_TEST(test_config_error_lines)
{
	const char *text = "frobnicate = 1\nmode = loud\nmax_recipients = x\n";
	struct rw_config *cfg;
	char err[RW_ERR_MAX], *line, *save;
	int n = 0;

	cfg = rw_config_parse(text, SOURCE, NULL, NULL, err, sizeof(err));
	ck_assert_msg(cfg == NULL, "error lines: got a configuration, want "
	    "NULL");
	for (line = strtok_r(err, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), n++)
		ck_assert_msg(strncmp(line, SOURCE ":", strlen(SOURCE ":"))
		    == 0, "error lines: got line \"%s\", want it to start "
		    "with \"%s\"",
		    line, SOURCE ":");
	ck_assert_msg(n >= 3, "error lines: got %d lines, want at least 3", n);
}
END_TEST

/* A short error buffer is NUL-terminated and not overrun. */
START_TEST(test_config_error_short_buffer)
{
	const char *text = "frobnicate = 1\nmode = loud\nmax_recipients = x\n";
	struct rw_config *cfg;
	char err[32];

	memset(err, 'Z', sizeof(err));
	cfg = rw_config_parse(text, SOURCE, NULL, NULL, err, 16);
	ck_assert_msg(cfg == NULL, "short buffer: got a configuration, want "
	    "NULL");
	ck_assert_msg(memchr(err, '\0', 16) != NULL, "short buffer: got no "
	    "NUL in the first 16 bytes, want one");
	ck_assert_msg(err[16] == 'Z', "short buffer: got byte 16 = 0x%02x, "
	    "want it untouched", (unsigned char)err[16]);
}
END_TEST

/* ------------------------------------------------------------ values */

static bool
list_has(const struct rw_domain_list *l, const char *name, bool sub)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0 &&
		    l->v[i].subdomains == sub)
			return true;
	return false;
}

static bool
trusts(const struct rw_config *cfg, const char *text)
{
	struct rw_ip ip;

	ck_assert_msg(rw_ip_parse(text, &ip), "test bug: bad address %s", text);
	return rw_cidr_list_match(&cfg->trusted_networks, &ip);
}

static void
want_defaults(const char *label, const struct rw_config *cfg)
{
	ck_assert_msg(trusts(cfg, "127.0.0.1"), "%s: trusted 127.0.0.1: got "
	    "false, want true", label);
	ck_assert_msg(trusts(cfg, "127.255.255.255"), "%s: trusted "
	    "127.255.255.255: got false, want true", label);
	ck_assert_msg(trusts(cfg, "::1"), "%s: trusted ::1: got false, want "
	    "true", label);
	ck_assert_msg(!trusts(cfg, "128.0.0.1"), "%s: trusted 128.0.0.1: got "
	    "true, want false", label);
	ck_assert_msg(!trusts(cfg, "::2"), "%s: trusted ::2: got true, want "
	    "false", label);
	ck_assert_msg(cfg->trusted_networks.n == 2, "%s: trusted_networks.n: "
	    "got %zu, want 2", label, cfg->trusted_networks.n);
	ck_assert_msg(cfg->max_recipients == 100, "%s: max_recipients: got "
	    "%u, want 100", label, cfg->max_recipients);
	ck_assert_msg(cfg->trust_authenticated, "%s: trust_authenticated: "
	    "got false, want true", label);
	ck_assert_msg(cfg->mode == RW_MODE_ENFORCE, "%s: mode: got %d, want "
	    "RW_MODE_ENFORCE", label, cfg->mode);
	ck_assert_msg(cfg->local_domains.n == 0 && cfg->relay_domains.n == 0,
	    "%s: domains: got %zu local, %zu relay, want none", label,
	    cfg->local_domains.n, cfg->relay_domains.n);
	ck_assert_msg(cfg->nclient_access == 0 && cfg->nsender_access == 0,
	    "%s: access rules: got %zu client, %zu sender, want none", label,
	    cfg->nclient_access, cfg->nsender_access);
}

START_TEST(test_config_defaults)
{
	struct rw_config *cfg;

	cfg = rw_config_defaults();
	ck_assert_msg(cfg != NULL, "rw_config_defaults: got NULL");
	want_defaults("rw_config_defaults", cfg);
	rw_config_free(cfg);
}
END_TEST

struct value_case {
	const char	*label;
	const char	*text;
	void		(*check)(const char *, const struct rw_config *);
};

static void
v_defaults(const char *l, const struct rw_config *c)
{
	want_defaults(l, c);
}

static void
v_max0(const char *l, const struct rw_config *c)
{
	ck_assert_msg(c->max_recipients == 0, "%s: max_recipients: got %u, "
	    "want 0", l, c->max_recipients);
}

static void
v_max25(const char *l, const struct rw_config *c)
{
	ck_assert_msg(c->max_recipients == 25, "%s: max_recipients: got %u, "
	    "want 25", l, c->max_recipients);
}

static void
v_dryrun(const char *l, const struct rw_config *c)
{
	ck_assert_msg(c->mode == RW_MODE_DRYRUN, "%s: mode: got %d, want "
	    "RW_MODE_DRYRUN", l, c->mode);
}

static void
v_enforce(const char *l, const struct rw_config *c)
{
	ck_assert_msg(c->mode == RW_MODE_ENFORCE, "%s: mode: got %d, want "
	    "RW_MODE_ENFORCE", l, c->mode);
}

static void
v_noauth(const char *l, const struct rw_config *c)
{
	ck_assert_msg(!c->trust_authenticated, "%s: trust_authenticated: got "
	    "true, want false", l);
}

static void
v_authserv_hash(const char *l, const struct rw_config *c)
{
	ck_assert_msg(c->authserv_id != NULL && strcmp(c->authserv_id,
	    "mx#b.example") == 0, "%s: authserv_id: got %s, want mx#b.example",
	    l, c->authserv_id ? c->authserv_id : "NULL");
}

static void
v_authserv_comment(const char *l, const struct rw_config *c)
{
	ck_assert_msg(c->authserv_id != NULL && strcmp(c->authserv_id,
	    "mx.example") == 0, "%s: authserv_id: got %s, want mx.example",
	    l, c->authserv_id ? c->authserv_id : "NULL");
}

static void
v_authserv_255(const char *l, const struct rw_config *c)
{
	ck_assert_msg(c->authserv_id != NULL && strlen(c->authserv_id) == 255,
	    "%s: authserv_id: got %zu characters, want 255", l,
	    c->authserv_id ? strlen(c->authserv_id) : 0);
}

static void
v_authserv_host(const char *l, const struct rw_config *c)
{
	ck_assert_msg(c->authserv_id != NULL && strcmp(c->authserv_id,
	    "MX-1.example_test.") == 0, "%s: authserv_id: got %s, want "
	    "MX-1.example_test.", l, c->authserv_id ? c->authserv_id : "NULL");
}

static void
v_domains_case(const char *l, const struct rw_config *c)
{
	ck_assert_msg(c->local_domains.n == 2, "%s: local_domains.n: got %zu, "
	    "want 2", l, c->local_domains.n);
	ck_assert_msg(list_has(&c->local_domains, "ours.test", false),
	    "%s: got no entry ours.test without subdomains", l);
	ck_assert_msg(list_has(&c->local_domains, "example.test", true),
	    "%s: got no entry example.test with subdomains", l);
}

static void
v_domains_sep(const char *l, const struct rw_config *c)
{
	ck_assert_msg(c->local_domains.n == 3, "%s: local_domains.n: got %zu, "
	    "want 3", l, c->local_domains.n);
	ck_assert_msg(list_has(&c->local_domains, "a.test", false) &&
	    list_has(&c->local_domains, "b.test", false) &&
	    list_has(&c->local_domains, "c.test", false),
	    "%s: got not all of a.test, b.test, c.test", l);
}

static void
v_domains_literal(const char *l, const struct rw_config *c)
{
	ck_assert_msg(c->relay_domains.n == 2, "%s: relay_domains.n: got %zu, "
	    "want 2", l, c->relay_domains.n);
	ck_assert_msg(list_has(&c->relay_domains, "[192.0.2.1]", false),
	    "%s: got no entry [192.0.2.1]", l);
	ck_assert_msg(list_has(&c->relay_domains, "[ipv6:2001:db8::1]",
	    false), "%s: got no entry [ipv6:2001:db8::1]", l);
}

static void
v_domains_file(const char *l, const struct rw_config *c)
{
	v_domains_case(l, c);
	ck_assert_msg(rw_domain_list_match(&c->local_domains,
	    "a.b.example.test"), "%s: a.b.example.test: got no match, want "
	    "one", l);
}

static void
v_trusted_replaced(const char *l, const struct rw_config *c)
{
	ck_assert_msg(trusts(c, "10.1.2.3"), "%s: trusted 10.1.2.3: got false, "
	    "want true", l);
	ck_assert_msg(trusts(c, "2001:db8:ffff::1"), "%s: trusted "
	    "2001:db8:ffff::1: got false, want true", l);
	ck_assert_msg(!trusts(c, "127.0.0.1"), "%s: trusted 127.0.0.1: got "
	    "true, want false (the key replaces the default)", l);
}

static const struct rw_client_rule *
client_rule(const struct rw_config *c, const char *net)
{
	char buf[RW_IPTEXT_MAX];
	size_t i;

	for (i = 0; i < c->nclient_access; i++) {
		rw_ip_format(&c->client_access[i].cidr.net, buf, sizeof(buf));
		if (strcmp(buf, net) == 0)
			return &c->client_access[i];
	}
	return NULL;
}

static void
v_clients(const char *l, const struct rw_config *c)
{
	const struct rw_client_rule *r;

	ck_assert_msg(c->nclient_access == 3, "%s: nclient_access: got %zu, "
	    "want 3", l, c->nclient_access);
	r = client_rule(c, "192.0.2.0");
	ck_assert_msg(r != NULL && r->action == RW_ACCESS_REJECT &&
	    r->cidr.prefix == 24 && r->text && strcmp(r->text, "go away now")
	    == 0, "%s: 192.0.2.0/24: got %s, want REJECT \"go away now\"", l,
	    r ? (r->text ? r->text : "no text") : "no rule");
	r = client_rule(c, "198.51.100.0");
	ck_assert_msg(r != NULL && r->action == RW_ACCESS_TEMPFAIL,
	    "%s: 198.51.100.0/24: got %s, want TEMPFAIL", l,
	    r ? "another action" : "no rule");
	r = client_rule(c, "2001:db8::");
	ck_assert_msg(r != NULL && r->action == RW_ACCESS_OK &&
	    r->cidr.prefix == 32, "%s: 2001:db8::/32: got %s, want OK", l,
	    r ? "another action or prefix" : "no rule");
}

static void
v_clients_file(const char *l, const struct rw_config *c)
{
	const struct rw_client_rule *r;

	ck_assert_msg(c->nclient_access == 2, "%s: nclient_access: got %zu, "
	    "want 2", l, c->nclient_access);
	r = client_rule(c, "192.0.2.0");
	ck_assert_msg(r != NULL && r->action == RW_ACCESS_REJECT &&
	    r->text && strcmp(r->text, "go away now") == 0,
	    "%s: 192.0.2.0/24: got %s, want REJECT \"go away now\"", l,
	    r ? (r->text ? r->text : "no text") : "no rule");
}

static const struct rw_sender_rule *
sender_rule(const struct rw_config *c, enum rw_sender_key kind)
{
	size_t i;

	for (i = 0; i < c->nsender_access; i++)
		if (c->sender_access[i].kind == kind)
			return &c->sender_access[i];
	return NULL;
}

static void
v_senders(const char *l, const struct rw_config *c)
{
	const struct rw_sender_rule *r;

	ck_assert_msg(c->nsender_access == 4, "%s: nsender_access: got %zu, "
	    "want 4", l, c->nsender_access);
	r = sender_rule(c, RW_SKEY_ADDRESS);
	ck_assert_msg(r && strcmp(r->key, "user@bad.test") == 0 &&
	    r->action == RW_ACCESS_REJECT, "%s: address rule: got %s, want "
	    "user@bad.test REJECT", l, r ? r->key : "none");
	r = sender_rule(c, RW_SKEY_ATDOMAIN);
	ck_assert_msg(r && strcmp(r->key, "bad.test") == 0 &&
	    r->action == RW_ACCESS_TEMPFAIL, "%s: @domain rule: got %s, want "
	    "bad.test TEMPFAIL", l, r ? r->key : "none");
	r = sender_rule(c, RW_SKEY_DOMAIN);
	ck_assert_msg(r && strcmp(r->key, "bad.test") == 0 &&
	    r->action == RW_ACCESS_OK, "%s: domain rule: got %s, want "
	    "bad.test OK", l, r ? r->key : "none");
	r = sender_rule(c, RW_SKEY_NULL);
	ck_assert_msg(r && r->action == RW_ACCESS_REJECT && r->text &&
	    strcmp(r->text, "no bounces") == 0, "%s: <> rule: got %s, want "
	    "REJECT \"no bounces\"", l, r ? (r->text ? r->text : "no text") :
	    "none");
}

static void
v_source(const char *l, const struct rw_config *c)
{
	ck_assert_msg(c->source && strcmp(c->source, SOURCE) == 0,
	    "%s: source: got %s, want " SOURCE, l,
	    c->source ? c->source : "NULL");
	v_dryrun(l, c);
}

static const struct value_case value_cases[] = {
	{ "empty text gives defaults", "", v_defaults },
	{ "only comments gives defaults", "# nothing\n\n   \n\t# here\n",
	    v_defaults },
	{ "max_recipients 0", "max_recipients = 0\n", v_max0 },
	{ "max_recipients 25", "max_recipients = 25\n", v_max25 },
	{ "mode dryrun", "mode = dryrun\n", v_dryrun },
	{ "mode enforce", "mode = enforce\n", v_enforce },
	{ "no spaces around =", "mode=dryrun\n", v_dryrun },
	{ "extra blanks around =", "  mode   =\tdryrun  \n", v_dryrun },
	{ "no final newline", "mode = dryrun", v_dryrun },
	{ "comments and blank lines", "# c\n\n   \n\t# indented\n"
	    "mode = dryrun # trailing\n\n", v_dryrun },
	{ "trust_authenticated no", "trust_authenticated = no\n", v_noauth },
	{ "# inside a word is not a comment (core key)",
	    "authserv_id = mx#b.example\n", v_authserv_hash },
	{ "# after a blank is a comment (core key)",
	    "authserv_id = mx.example # c\n", v_authserv_comment },
	{ "authserv_id of 255 characters", "authserv_id = " H64 H64 H64 H63
	    "\n", v_authserv_255 },
	{ "authserv_id kept as written", "authserv_id = MX-1.example_test.\n",
	    v_authserv_host },
	{ "domains lowercased, one dot dropped",
	    "local_domains = Ours.Test, .Example.Test.\n", v_domains_case },
	{ "domains by comma or blank", "local_domains = a.test b.test,c.test\n",
	    v_domains_sep },
	{ "literal domains canonical",
	    "relay_domains = [192.0.2.1], [IPv6:2001:DB8:0::1]\n",
	    v_domains_literal },
	{ "domains from a file", "local_domains = file:/etc/rw/local\n",
	    v_domains_file },
	{ "trusted_networks replaces default",
	    "trusted_networks = 10.0.0.0/8, 2001:db8::/32\n",
	    v_trusted_replaced },
	{ "trusted_networks from a file",
	    "trusted_networks = file:/etc/rw/nets\n",
	    v_trusted_replaced },
	{ "client_access entries", "client_access = 192.0.2.0/24 REJECT go "
	    "away now, 198.51.100.0/24 TEMPFAIL, 2001:db8::/32 OK\n",
	    v_clients },
	{ "client_access OK with text (CIDR ACTION [text])", "client_access = "
	    "192.0.2.0/24 REJECT go away now, 198.51.100.0/24 TEMPFAIL, "
	    "2001:db8::/32 OK trusted partner\n", v_clients },
	{ "client_access from a file", "client_access = file:/etc/rw/clients\n",
	    v_clients_file },
	{ "sender_access entries", "sender_access = User@Bad.Test REJECT, "
	    "@bad.test TEMPFAIL, bad.test OK, <> REJECT no bounces\n",
	    v_senders },
	{ "source is kept", "mode = dryrun\n", v_source },
};

START_TEST(test_config_values)
{
	const struct value_case *c = &value_cases[_i];
	struct fake_fs fs = { fake_files, 0, "" };
	struct rw_config *cfg;
	char err[RW_ERR_MAX];

	strcpy(err, "");
	cfg = rw_config_parse(c->text, SOURCE, fake_reader, &fs, err,
	    sizeof(err));
	ck_assert_msg(cfg != NULL, "%s: got errors \"%s\", want none",
	    c->label, err);
	c->check(c->label, cfg);
	rw_config_free(cfg);
}
END_TEST

/* The reader is called with the path as written. */
START_TEST(test_config_reader_path)
{
	struct fake_fs fs = { fake_files, 0, "" };
	struct rw_config *cfg;
	char err[RW_ERR_MAX];

	cfg = rw_config_parse("sender_access = file:/etc/rw/senders\n", SOURCE,
	    fake_reader, &fs, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "reader path: got errors \"%s\", want none",
	    err);
	ck_assert_msg(fs.calls == 1, "reader path: calls: got %u, want 1",
	    fs.calls);
	ck_assert_msg(strcmp(fs.last, "/etc/rw/senders") == 0, "reader path: "
	    "got \"%s\", want \"/etc/rw/senders\"", fs.last);
	ck_assert_msg(cfg->nsender_access == 2, "reader path: nsender_access: "
	    "got %zu, want 2", cfg->nsender_access);
	rw_config_free(cfg);
}
END_TEST

/* ------------------------------------------------------------ summary */

static const char summary_conf[] =
    "local_domains = ours.test, .example.test\n"
    "relay_domains = backup.test\n"
    "trusted_networks = 10.0.0.0/8, 2001:db8::/32\n"
    "mode = dryrun\n"
    "max_recipients = 37\n";

struct summary_case {
	const char	*label;
	const char	*text;
	const char	*want;
};

static const struct summary_case summary_cases[] = {
	{ "summary: local domain", summary_conf, "ours.test" },
	{ "summary: subdomain entry", summary_conf, "example.test" },
	{ "summary: relay domain", summary_conf, "backup.test" },
	{ "summary: IPv4 network", summary_conf, "10.0.0.0/8" },
	{ "summary: IPv6 network", summary_conf, "2001:db8::/32" },
	{ "summary: mode", summary_conf, "dryrun" },
	{ "summary: max_recipients", summary_conf, "37" },
	{ "summary: default mode", "", "enforce" },
	{ "summary: default network", "", "127.0.0.0/8" },
	{ "summary: default IPv6 network", "", "::1/128" },
};

START_TEST(test_config_summary)
{
	const struct summary_case *c = &summary_cases[_i];
	struct rw_config *cfg;
	char err[RW_ERR_MAX], buf[8192];

	cfg = rw_config_parse(c->text, SOURCE, NULL, NULL, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s: got errors \"%s\", want none",
	    c->label, err);
	rw_config_summary(cfg, buf, sizeof(buf));
	ck_assert_msg(strstr(buf, c->want) != NULL, "%s: got \"%s\", want it "
	    "to mention \"%s\"", c->label, buf, c->want);
	rw_config_free(cfg);
}
END_TEST

START_TEST(test_config_summary_short)
{
	struct rw_config *cfg;
	char err[RW_ERR_MAX], buf[16];

	cfg = rw_config_parse(summary_conf, SOURCE, NULL, NULL, err,
	    sizeof(err));
	ck_assert_msg(cfg != NULL, "summary short: got errors \"%s\", want "
	    "none", err);
	memset(buf, 'Z', sizeof(buf));
	rw_config_summary(cfg, buf, 8);
	ck_assert_msg(memchr(buf, '\0', 8) != NULL, "summary short: got no NUL "
	    "in the first 8 bytes, want one");
	ck_assert_msg(buf[8] == 'Z', "summary short: got byte 8 = 0x%02x, want "
	    "it untouched", (unsigned char)buf[8]);
	rw_config_free(cfg);
}
END_TEST

/*
 * The caller's lines (rw_config_summary_extra): asked for before each of
 * the core's lines, by that line's name, in order, and once at the end.
 */
static void
summary_names(const struct rw_config *cfg, const char *next, const void *ctx,
    char *buf, size_t len)
{
	(void)cfg;
	ck_assert_msg(ctx == summary_conf, "summary extra: ctx: got %p, want "
	    "the caller's", ctx);
	ck_assert_msg(buf[0] == '\0', "summary extra: before %s: got \"%s\", "
	    "want an empty buffer", next ? next : "the end", buf);
	snprintf(buf, len, "[%s]\n", next != NULL ? next : "end");
}

START_TEST(test_config_summary_extra)
{
	static const char *const want[] = { "mode", "trusted_networks",
	    "authenticated", "local_domains", "relay_domains",
	    "max_recipients", "client_access", "sender_access", "rdns_check",
	    "lists", "dnsbl_score", "spf", "outsiders", "end" };
	struct rw_config *cfg;
	char err[RW_ERR_MAX], buf[8192], plain[8192], tag[64], *p, *line;
	size_t i, o;

	cfg = rw_config_parse("dnsbl = zen.example\n", SOURCE, NULL, NULL, err,
	    sizeof(err));
	ck_assert_msg(cfg != NULL, "summary extra: got errors \"%s\"", err);
	rw_config_summary_extra(cfg, summary_names, summary_conf, buf,
	    sizeof(buf));
	rw_config_summary(cfg, plain, sizeof(plain));
	/* each name comes right before the core's line of that name */
	for (i = 0, p = buf; i < sizeof(want) / sizeof(want[0]); i++) {
		snprintf(tag, sizeof(tag), "[%s]\n", want[i]);
		ck_assert_msg(strncmp(p, tag, strlen(tag)) == 0, "summary extra: "
		    "got \"%.40s\", want \"%s\" next", p, tag);
		p += strlen(tag);
		if (i + 1 < sizeof(want) / sizeof(want[0]))
			ck_assert_msg(strncmp(p, want[i], strlen(want[i])) == 0,
			    "summary extra: got \"%.40s\" after %s, want its line",
			    p, tag);
		if ((line = strchr(p, '[')) != NULL)
			p = line;
	}
	/* without the caller's lines it is rw_config_summary() */
	for (p = buf, o = 0; *p != '\0'; p = line) {
		line = strchr(p, '\n') + 1;
		if (*p != '[') {
			ck_assert_msg(strncmp(plain + o, p, (size_t)(line - p)) ==
			    0, "summary extra: core line \"%.40s\" differs", p);
			o += (size_t)(line - p);
		}
	}
	ck_assert_msg(plain[o] == '\0', "summary extra: core lines: got %zu "
	    "bytes, want %zu", o, strlen(plain));
	rw_config_free(cfg);
}
END_TEST

/* ------------------------------------------------------------ extra keys */

/*
 * A caller's own keys, as the daemon's I/O keys would be: a struct the
 * caller owns, a table whose rows point into it, and one item parser and
 * one check of the caller's. rw_config_parse_extra() must fill it, keep
 * the core keys working, and report its errors like the core's.
 */
struct extra_conf {
	char		*path;
	unsigned int	 workers;
	bool		 chroot;
	int		 level;		/* an enum of the caller's */
	unsigned int	 wait_ms;
	char		**names;
	size_t		 nnames;
};

static const struct rw_config_word extra_levels[] = {
	{ "low", 1 }, { "high", 2 }, { NULL, 0 }
};

/* extra_name - an entry of "names": lower-case letters only */
static enum rw_config_status
extra_name(void *target, const struct rw_config_key *key, const char *item,
    unsigned int line, char *err, size_t errlen)
{
	struct extra_conf *x = target;
	char **v;
	const char *p;

	(void)key;
	(void)line;
	for (p = item; *p != '\0'; p++)
		if (*p < 'a' || *p > 'z') {
			snprintf(err, errlen, "bad name \"%s\"", item);
			return RW_CONF_BAD;
		}
	if ((v = realloc(x->names, (x->nnames + 1) * sizeof(*v))) == NULL)
		return RW_CONF_NOMEM;
	x->names = v;
	if ((v[x->nnames] = strdup(item)) == NULL)
		return RW_CONF_NOMEM;
	x->nnames++;
	return RW_CONF_OK;
}

static void
extra_names_free(void *target, const struct rw_config_key *key)
{
	struct extra_conf *x = target;
	size_t i;

	(void)key;
	for (i = 0; i < x->nnames; i++)
		free(x->names[i]);
	free(x->names);
	x->names = NULL;
	x->nnames = 0;
}

/* extra_absolute - the path must be absolute */
static bool
extra_absolute(const void *target, const struct rw_config_key *key,
    const char *value, char *err, size_t errlen)
{
	(void)target;
	if (value[0] == '/')
		return true;
	snprintf(err, errlen, "%s \"%s\" is not an absolute path", key->name,
	    value);
	return false;
}

#define XAT(f)	RW_CONF_AT(struct extra_conf, f)

static const struct rw_config_key extra_rows[] = {
	{ .name = "x_path", .type = RW_CONF_STRING, .def = "/var/x", XAT(path),
	    .check = extra_absolute },
	{ .name = "x_workers", .type = RW_CONF_UINT, .def = "4", XAT(workers),
	    .min = 1, .max = 64 },
	{ .name = "x_chroot", .type = RW_CONF_BOOL, .def = "no", XAT(chroot) },
	{ .name = "x_level", .type = RW_CONF_WORD, .def = "low", XAT(level),
	    .words = extra_levels },
	{ .name = "x_wait", .type = RW_CONF_DURATION, .def = "1s", XAT(wait_ms),
	    .min = 100, .max = 60000 },
	{ .name = "x_names", .type = RW_CONF_LIST, .def = "alpha, beta",
	    XAT(names), .item = extra_name, .release = extra_names_free },
};
static const struct rw_config_keytab extra_tab = {
	extra_rows, sizeof(extra_rows) / sizeof(extra_rows[0])
};

static const struct fake_file extra_files[] = {
	{ "/etc/rw/names", "# names\ngamma delta\nepsilon\n" },
	{ "/etc/rw/names-bad", "gamma\nDelta\n" },
	{ NULL, NULL }
};

struct extra_case {
	const char	*label;
	const char	*text;
	bool		 ok;
	const char	*errs[3];	/* each must appear in the report */
	const char	*path;		/* want x_path (ok rows) */
	unsigned int	 workers;
	bool		 chroot;
	int		 level;
	unsigned int	 wait_ms;
	const char	*names;		/* want x_names, joined by ' ' */
	bool		 dryrun;	/* want the core's mode = dryrun */
};

static const struct extra_case extra_cases[] = {
	{ "defaults of both tables", "", true, { NULL }, "/var/x", 4, false, 1,
	    1000, "alpha beta", false },
	{ "extra keys set, core keys too", "mode = dryrun\nx_path = /srv/x\n"
	    "x_workers = 64\nx_chroot = yes\nx_level = HIGH\nx_wait = 250ms\n"
	    "x_names = one,two three\n", true, { NULL }, "/srv/x", 64, true, 2,
	    250, "one two three", true },
	{ "extra list replaces its default, from a file",
	    "x_names = file:/etc/rw/names, zeta\n", true, { NULL }, "/var/x", 4,
	    false, 1, 1000, "gamma delta epsilon zeta", false },
	{ "extra list emptied", "x_names =\n", true, { NULL }, "/var/x", 4,
	    false, 1, 1000, "", false },
	{ "unknown key, with an extra table", "# c\nx_unknown = 1\n", false,
	    { SOURCE ":2: unknown key \"x_unknown\"" }, NULL, 0, false, 0, 0,
	    NULL, false },
	{ "extra key given twice", "x_workers = 2\nmode = dryrun\n"
	    "x_workers = 3\n", false, { SOURCE ":3:", "x_workers", "line 1" },
	    NULL, 0, false, 0, 0, NULL, false },
	{ "extra number out of range", "\nx_workers = 65\n", false,
	    { SOURCE ":2: x_workers must be a number from 1 to 64" }, NULL, 0,
	    false, 0, 0, NULL, false },
	{ "extra word", "x_level = medium\n", false,
	    { SOURCE ":1: x_level must be low or high" }, NULL, 0, false, 0, 0,
	    NULL, false },
	{ "extra duration", "x_wait = 50ms\n", false,
	    { SOURCE ":1: x_wait must be a duration from 100ms to 60s" }, NULL,
	    0, false, 0, 0, NULL, false },
	{ "extra check", "x_path = relative\n", false,
	    { SOURCE ":1: x_path \"relative\" is not an absolute path" }, NULL,
	    0, false, 0, 0, NULL, false },
	{ "extra item, prefixed with its key", "x_names = ok, NotOk\n", false,
	    { SOURCE ":1: x_names: bad name \"NotOk\"" }, NULL, 0, false, 0, 0,
	    NULL, false },
	{ "extra item in a file list", "x_names = file:/etc/rw/names-bad\n",
	    false, { "/etc/rw/names-bad:2: x_names: bad name \"Delta\"" }, NULL,
	    0, false, 0, 0, NULL, false },
	{ "errors of both tables reported", "mode = loud\nx_chroot = maybe\n",
	    false, { SOURCE ":1: mode", SOURCE ":2: x_chroot" }, NULL, 0, false,
	    0, 0, NULL, false },
};

static void
join_names(const struct extra_conf *x, char *buf, size_t len)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < x->nnames && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " " : "",
		    x->names[i]);
}

START_TEST(test_config_extra)
{
	const struct extra_case *c = &extra_cases[_i];
	struct fake_fs fs = { extra_files, 0, "" };
	struct extra_conf x;
	struct rw_config *cfg;
	char err[RW_ERR_MAX], names[256];
	size_t i;

	memset(&x, 0, sizeof(x));
	strcpy(err, "");
	cfg = rw_config_parse_extra(c->text, SOURCE, fake_reader, &fs,
	    &extra_tab, &x, err, sizeof(err));
	if (!c->ok) {
		ck_assert_msg(cfg == NULL, "%s: got a configuration, want NULL",
		    c->label);
		for (i = 0; i < 3 && c->errs[i] != NULL; i++)
			ck_assert_msg(strstr(err, c->errs[i]) != NULL, "%s: errors: "
			    "got \"%s\", want it to contain \"%s\"", c->label, err,
			    c->errs[i]);
		ck_assert_msg(x.path == NULL && x.names == NULL && x.nnames == 0,
		    "%s: extra target after failure: got path %s, %zu names, "
		    "want both released", c->label, x.path ? x.path : "NULL",
		    x.nnames);
		return;
	}
	ck_assert_msg(cfg != NULL, "%s: got errors \"%s\", want none", c->label,
	    err);
	ck_assert_msg(x.path != NULL && strcmp(x.path, c->path) == 0,
	    "%s: x_path: got %s, want %s", c->label, x.path ? x.path : "NULL",
	    c->path);
	ck_assert_msg(x.workers == c->workers, "%s: x_workers: got %u, want %u",
	    c->label, x.workers, c->workers);
	ck_assert_msg(x.chroot == c->chroot, "%s: x_chroot: got %d, want %d",
	    c->label, x.chroot, c->chroot);
	ck_assert_msg(x.level == c->level, "%s: x_level: got %d, want %d",
	    c->label, x.level, c->level);
	ck_assert_msg(x.wait_ms == c->wait_ms, "%s: x_wait: got %u, want %u",
	    c->label, x.wait_ms, c->wait_ms);
	join_names(&x, names, sizeof(names));
	ck_assert_msg(strcmp(names, c->names) == 0, "%s: x_names: got \"%s\", "
	    "want \"%s\"", c->label, names, c->names);
	ck_assert_msg((cfg->mode == RW_MODE_DRYRUN) == c->dryrun, "%s: mode: got "
	    "%d, want %s", c->label, cfg->mode, c->dryrun ? "dryrun" : "enforce");
	ck_assert_msg(cfg->trusted_networks.n == 2 && cfg->max_recipients ==
	    100 && trusts(cfg, "::1"), "%s: core defaults: got %zu trusted "
	    "networks, max_recipients %u, want 2 and 100", c->label,
	    cfg->trusted_networks.n, cfg->max_recipients);
	rw_config_free(cfg);
	rw_config_keytab_free(&extra_tab, &x);
	ck_assert_msg(x.path == NULL && x.names == NULL && x.nnames == 0,
	    "%s: rw_config_keytab_free: got path %s, %zu names, want both "
	    "released", c->label, x.path ? x.path : "NULL", x.nnames);
}
END_TEST

/* Without the table its keys are unknown: the core does not know them. */
START_TEST(test_config_extra_not_core)
{
	struct rw_config *cfg;
	char err[RW_ERR_MAX];
	size_t i;

	cfg = rw_config_parse("x_workers = 2\n", SOURCE, NULL, NULL, err,
	    sizeof(err));
	ck_assert_msg(cfg == NULL && strstr(err, SOURCE ":1: unknown key") !=
	    NULL, "extra key without its table: got \"%s\", want unknown key",
	    cfg == NULL ? err : "a configuration");
	for (i = 0; i < extra_tab.nkeys; i++)
		ck_assert_msg(strncmp(extra_tab.keys[i].name, "x_", 2) == 0,
		    "test bug: extra key %s", extra_tab.keys[i].name);
}
END_TEST

/* A caller's key may not shadow a core key: that is a programming error. */
START_TEST(test_config_extra_shadow)
{
	static const struct rw_config_key rows[] = {
		{ .name = "mode", .type = RW_CONF_BOOL, .def = "no",
		    XAT(chroot) },
	};
	static const struct rw_config_keytab tab = { rows, 1 };
	struct extra_conf x;
	char err[RW_ERR_MAX];

	memset(&x, 0, sizeof(x));
	(void)rw_config_parse_extra("", SOURCE, NULL, NULL, &tab, &x, err,
	    sizeof(err));
}
END_TEST

/*
 * The core's table: every row typed, with an offset inside rw_config.
 * 28 keys and more; the 14 daemon keys (42 in all) are checked in
 * tests/check_daemonconf.c.
 */
START_TEST(test_config_core_table)
{
	const struct rw_config_keytab *t = rw_config_keys();
	const struct rw_config_key *k;
	size_t i;

	ck_assert_msg(t->nkeys >= 28, "core keys: got %zu, want at least 28",
	    t->nkeys);
	for (i = 0; i < t->nkeys; i++) {
		k = &t->keys[i];
		ck_assert_msg(k->off + k->size <= sizeof(struct rw_config),
		    "%s: field at %zu+%zu, outside struct rw_config", k->name,
		    k->off, k->size);
		ck_assert_msg(k->off > 0, "%s: offset 0 (source is there, not a "
		    "key)", k->name);
		ck_assert_msg(k->type != RW_CONF_WORD || k->words != NULL,
		    "%s: a word key without words", k->name);
		ck_assert_msg(k->type != RW_CONF_LIST || k->item != NULL,
		    "%s: a list key without an item parser", k->name);
	}
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("config");
	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_config_errors, 0,
	    sizeof(err_cases) / sizeof(err_cases[0]));
	tcase_add_test(tc, test_config_error_lines);
	tcase_add_test(tc, test_config_error_short_buffer);
	suite_add_tcase(s, tc);
	tc = tcase_create("values");
	tcase_add_test(tc, test_config_defaults);
	tcase_add_loop_test(tc, test_config_values, 0,
	    sizeof(value_cases) / sizeof(value_cases[0]));
	tcase_add_test(tc, test_config_reader_path);
	suite_add_tcase(s, tc);
	tc = tcase_create("summary");
	tcase_add_loop_test(tc, test_config_summary, 0,
	    sizeof(summary_cases) / sizeof(summary_cases[0]));
	tcase_add_test(tc, test_config_summary_short);
	tcase_add_test(tc, test_config_summary_extra);
	suite_add_tcase(s, tc);
	tc = tcase_create("extra keys");
	tcase_add_loop_test(tc, test_config_extra, 0,
	    sizeof(extra_cases) / sizeof(extra_cases[0]));
	tcase_add_test(tc, test_config_extra_not_core);
	tcase_add_test_raise_signal(tc, test_config_extra_shadow, SIGABRT);
	tcase_add_test(tc, test_config_core_table);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(config_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
