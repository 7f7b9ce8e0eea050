/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	confkeys - the core configuration keys and their word lists
 * SYNOPSIS
 *	#include "confkeys.h"
 * DESCRIPTION
 *	keys[] is the one place a core key is defined: name, type, default,
 *	field of struct rw_config, bounds or word list, and for lists the
 *	item parser (confitems.c). The engine (config.c) does the rest.
 *	A key only the daemon reads (its socket, files, user, resolver,
 *	logging) is not here but in milter/daemonconf.c, the daemon's own
 *	table, which the engine parses along with this one.
 *	To add a key: a field in struct rw_config, a row here, a paragraph
 *	in doc/relaywarden.conf.5.in and contrib/relaywarden.conf.sample
 *	(tests/check-doc.sh fails until the key and its words are there),
 *	and, if "relaywarden -t" should show it, a line in confsummary.c.
 *
 *	Each word list is defined here once; the parser, the summary and
 *	the documentation check (tests/config-keys) all read it. A word's value is what the
 *	field stores.
 *
 *	The check functions are the rules a well-typed value must also
 *	follow (an authserv-id's syntax, no 5xx for a DNS failure).
 *
 *	rw_config_keys() returns the table; rw_conf_key_named() finds a
 *	row; rw_conf_dnsbl_key() names the key of a DNS list kind.
 *	rw_conf_word_find(), rw_conf_word_name() and rw_conf_words_join()
 *	read a word list.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "confkeys.h"

/* ------------------------------------------------------------ word lists */

const struct rw_config_word rw_words_mode[] = {
	{ "enforce", RW_MODE_ENFORCE }, { "dryrun", RW_MODE_DRYRUN }, { NULL, 0 }
};
const struct rw_config_word rw_words_verdict_stage[] = {
	{ "connect", RW_STAGE_CONNECT }, { "helo", RW_STAGE_HELO },
	{ "mail", RW_STAGE_MAIL }, { "rcpt", RW_STAGE_RCPT }, { NULL, 0 }
};
const struct rw_config_word rw_words_rdns_check[] = {
	{ "off", RW_RDNS_OFF }, { "tag", RW_RDNS_TAG },
	{ "tempfail", RW_RDNS_TEMPFAIL }, { "reject", RW_RDNS_REJECT }, { NULL, 0 }
};
const struct rw_config_word rw_words_dnsbl_action[] = {
	{ "reject", RW_DNSACT_REJECT }, { "tempfail", RW_DNSACT_TEMPFAIL },
	{ "tag", RW_DNSACT_TAG }, { NULL, 0 }
};
const struct rw_config_word rw_words_spf_action[] = {
	{ "accept", RW_SPFACT_ACCEPT }, { "tag", RW_SPFACT_TAG },
	{ "tempfail", RW_SPFACT_TEMPFAIL }, { "reject", RW_SPFACT_REJECT },
	{ NULL, 0 }
};
/* the action of a check that may be off, tag or refuse */
const struct rw_config_word rw_words_check_action[] = {
	{ "off", RW_CHK_OFF }, { "tag", RW_CHK_TAG },
	{ "tempfail", RW_CHK_TEMPFAIL }, { "reject", RW_CHK_REJECT }, { NULL, 0 }
};
/* the actions of client_access and sender_access entries */
const struct rw_config_word rw_words_access[] = {
	{ "OK", RW_ACCESS_OK }, { "REJECT", RW_ACCESS_REJECT },
	{ "TEMPFAIL", RW_ACCESS_TEMPFAIL }, { NULL, 0 }
};

/* rw_conf_word_find - the value of word (any case) */
bool
rw_conf_word_find(const struct rw_config_word *w, const char *word, int *value)
{
	for (; w->word != NULL; w++)
		if (strcasecmp(word, w->word) == 0) {
			*value = w->value;
			return true;
		}
	return false;
}

/* rw_conf_word_name - the word of a value */
const char *
rw_conf_word_name(const struct rw_config_word *w, int value)
{
	for (; w->word != NULL; w++)
		if (w->value == value)
			return w->word;
	return "?";
}

/* rw_conf_words_join - "a, b or c", bounded */
void
rw_conf_words_join(const struct rw_config_word *w, char *buf, size_t len)
{
	size_t	i, o = 0;
	int	n;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; w[i].word != NULL && o < len; i++) {
		n = snprintf(buf + o, len - o, "%s%s",
		    i ? (w[i + 1].word ? ", " : " or ") : "", w[i].word);
		if (n < 0)
			break;
		o += (size_t)n;
	}
}

/* ------------------------------------------------------------ rules */

/*
 * check_authserv_id - RFC 8601 2.5: authserv-id = value, here a token
 * (RFC 2045 5.1: no space, control or tspecial), as a host name is.
 * The length is bounded by the key's max, RW_HOSTNAME_MAX, which is what
 * the milter's copy holds: a longer value would be cut there, and the
 * headers would say "localhost". Empty: unset (the MTA's j macro).
 */
static bool
check_authserv_id(const void *target, const struct rw_config_key *key,
    const char *value, char *err, size_t errlen)
{
	const char *p;

	(void)target;
	(void)key;
	for (p = value; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~' || strchr("()<>@,;:\\\"/[]?=", *p)
		    != NULL) {
			snprintf(err, errlen, "authserv_id \"%.100s\": a host name, "
			    "without spaces, ';', comments or other specials "
			    "(RFC 8601 2.5)", value);
			return false;
		}
	return true;
}

/* check_spf_temperror - a DNS failure is never a 5xx */
static bool
check_spf_temperror(const void *target, const struct rw_config_key *key,
    const char *value, char *err, size_t errlen)
{
	(void)value;
	if (*rw_conf_field(target, key, const enum rw_spf_action) ==
	    RW_SPFACT_REJECT) {
		snprintf(err, errlen, "spf_temperror = reject would refuse mail "
		    "for a DNS failure; use tempfail (or accept/tag to fail open)");
		return false;
	}
	return true;
}

/* ------------------------------------------------------------ the table */

#define AT(f)	RW_CONF_AT(struct rw_config, f)
#define SPF(r)	RW_CONF_AT(struct rw_config, spf_action[r])

static const struct rw_config_key keys[] = {
	/* behaviour (socket, pidfile, user, logging: milter/daemonconf.c) */
	{ .name = "mode", .type = RW_CONF_WORD, .def = "enforce", AT(mode),
	    .words = rw_words_mode },
	/* relay control */
	{ .name = "trusted_networks", .type = RW_CONF_LIST,
	    .def = "127.0.0.0/8, ::1/128", AT(trusted_networks),
	    .item = rw_conf_item_cidr, .release = rw_conf_release_cidr },
	{ .name = "trust_authenticated", .type = RW_CONF_BOOL, .def = "yes",
	    AT(trust_authenticated) },
	{ .name = "local_domains", .type = RW_CONF_LIST, .def = "",
	    AT(local_domains), .item = rw_conf_item_domain,
	    .release = rw_conf_release_domains },
	{ .name = "relay_domains", .type = RW_CONF_LIST, .def = "",
	    AT(relay_domains), .item = rw_conf_item_domain,
	    .release = rw_conf_release_domains },
	{ .name = "max_recipients", .type = RW_CONF_UINT, .def = "100",
	    AT(max_recipients), .min = 0, .max = 1000000 },
	/* access tables */
	{ .name = "client_access", .type = RW_CONF_LIST, .def = "",
	    AT(client_access), .words = rw_words_access, .flags = RW_CONF_COMMAS,
	    .item = rw_conf_item_client_access,
	    .release = rw_conf_release_client_access },
	{ .name = "sender_access", .type = RW_CONF_LIST, .def = "",
	    AT(sender_access), .words = rw_words_access, .flags = RW_CONF_COMMAS,
	    .item = rw_conf_item_sender_access,
	    .release = rw_conf_release_sender_access },
	/* DNS layer (the resolver's settings: milter/daemonconf.c) */
	{ .name = "dns_fail_open", .type = RW_CONF_BOOL, .def = "no",
	    AT(dns_fail_open) },
	{ .name = "dns_verdict_stage", .type = RW_CONF_WORD, .def = "rcpt",
	    AT(dns_verdict_stage), .words = rw_words_verdict_stage },
	{ .name = "authserv_id", .type = RW_CONF_STRING, .def = "",
	    AT(authserv_id), .max = RW_HOSTNAME_MAX, .check = check_authserv_id },
	/* reverse DNS */
	{ .name = "rdns_check", .type = RW_CONF_WORD, .def = "tempfail",
	    AT(rdns_check), .words = rw_words_rdns_check },
	{ .name = "rdns_require_forward", .type = RW_CONF_BOOL, .def = "yes",
	    AT(rdns_require_forward) },
	/* who we are, for the HELO checks */
	{ .name = "our_hostnames", .type = RW_CONF_LIST, .def = "",
	    AT(our_hostnames), .item = rw_conf_item_domain,
	    .release = rw_conf_release_domains },
	{ .name = "our_addresses", .type = RW_CONF_LIST, .def = "",
	    AT(our_addresses), .item = rw_conf_item_cidr,
	    .release = rw_conf_release_cidr },
	/* HELO and forgery checks (defaults: relaywarden.conf(5) says why) */
	{ .name = "helo_names_us", .type = RW_CONF_WORD, .def = "tag",
	    AT(helo_names_us), .words = rw_words_check_action },
	{ .name = "helo_foreign_literal", .type = RW_CONF_WORD, .def = "tag",
	    AT(helo_foreign_literal), .words = rw_words_check_action },
	{ .name = "helo_syntax", .type = RW_CONF_WORD, .def = "tag",
	    AT(helo_syntax), .words = rw_words_check_action },
	{ .name = "helo_fqdn", .type = RW_CONF_WORD, .def = "tag",
	    AT(helo_fqdn), .words = rw_words_check_action },
	{ .name = "forged_local_sender", .type = RW_CONF_WORD, .def = "tag",
	    AT(forged_local_sender), .words = rw_words_check_action },
	{ .name = "bounce_multiple_rcpts", .type = RW_CONF_WORD, .def = "off",
	    AT(bounce_multiple_rcpts), .words = rw_words_check_action },
	/* content: a link that hides where it points (urlcheck.c) */
	{ .name = "url_obfuscation", .type = RW_CONF_WORD, .def = "off",
	    AT(url_obfuscation), .words = rw_words_check_action },
	/*
	 * block and allow lists: four keys, one array. Only "dnsbl" releases
	 * it (for rw_config_free); none has a default to replace.
	 */
	{ .name = "dnsbl", .type = RW_CONF_LIST, .def = "", AT(dnsbl),
	    .arg = RW_BL_CLIENT, .item = rw_conf_item_dnsbl,
	    .release = rw_conf_release_dnsbl },
	{ .name = "rhsbl_sender", .type = RW_CONF_LIST, .def = "", AT(dnsbl),
	    .arg = RW_BL_SENDER, .item = rw_conf_item_dnsbl },
	{ .name = "rhsbl_helo", .type = RW_CONF_LIST, .def = "", AT(dnsbl),
	    .arg = RW_BL_HELO, .item = rw_conf_item_dnsbl },
	{ .name = "rhsbl_client", .type = RW_CONF_LIST, .def = "", AT(dnsbl),
	    .arg = RW_BL_PTR, .item = rw_conf_item_dnsbl },
	/* URI lists (uribl.c): the hosts the message links to, at its end */
	{ .name = "uribl", .type = RW_CONF_LIST, .def = "", AT(dnsbl),
	    .arg = RW_BL_URI, .item = rw_conf_item_dnsbl },
	{ .name = "uribl_max_lookups", .type = RW_CONF_UINT, .def = "20",
	    AT(uribl_max_lookups), .min = 1, .max = RW_URIBL_LOOKUPS_MAX },
	{ .name = "dnsbl_threshold", .type = RW_CONF_INT, .def = "1",
	    AT(dnsbl_threshold), .min = 1, .max = 100000 },
	{ .name = "dnsbl_action", .type = RW_CONF_WORD, .def = "reject",
	    AT(dnsbl_action), .words = rw_words_dnsbl_action },
	{ .name = "exempt_recipients", .type = RW_CONF_LIST,
	    .def = "postmaster@, abuse@", AT(exempt_recipients),
	    .item = rw_conf_item_exempt, .release = rw_conf_release_exempt },
	/* SPF */
	{ .name = "spf_check", .type = RW_CONF_BOOL, .def = "yes",
	    AT(spf_check) },
	{ .name = "spf_check_helo", .type = RW_CONF_BOOL, .def = "yes",
	    AT(spf_check_helo) },
	{ .name = "spf_fail", .type = RW_CONF_WORD, .def = "reject",
	    SPF(RW_SPF_FAIL), .words = rw_words_spf_action },
	{ .name = "spf_softfail", .type = RW_CONF_WORD, .def = "tag",
	    SPF(RW_SPF_SOFTFAIL), .words = rw_words_spf_action },
	{ .name = "spf_neutral", .type = RW_CONF_WORD, .def = "accept",
	    SPF(RW_SPF_NEUTRAL), .words = rw_words_spf_action },
	{ .name = "spf_none", .type = RW_CONF_WORD, .def = "accept",
	    SPF(RW_SPF_NONE), .words = rw_words_spf_action },
	{ .name = "spf_temperror", .type = RW_CONF_WORD, .def = "tempfail",
	    SPF(RW_SPF_TEMPERROR), .words = rw_words_spf_action,
	    .check = check_spf_temperror },
	{ .name = "spf_permerror", .type = RW_CONF_WORD, .def = "tag",
	    SPF(RW_SPF_PERMERROR), .words = rw_words_spf_action },
	/* rate limits (confstate.c); the store: milter/daemonconf.c */
	{ .name = "rate_limit", .type = RW_CONF_LIST, .def = "",
	    AT(rate_limit), .flags = RW_CONF_COMMAS,
	    .words = rw_words_rate_counter,
	    .item = rw_conf_item_rate_limit,
	    .release = rw_conf_release_rate_limit },
	{ .name = "rate_limit_action", .type = RW_CONF_WORD, .def = "tempfail",
	    AT(rate_limit_action), .words = rw_words_rate_limit_action },
	{ .name = "rate_ipv4_prefix", .type = RW_CONF_UINT, .def = "32",
	    AT(rate_ipv4_prefix), .min = 8, .max = 32 },
	{ .name = "rate_ipv6_prefix", .type = RW_CONF_UINT, .def = "64",
	    AT(rate_ipv6_prefix), .min = 16, .max = 128 },
	/* greylisting */
	{ .name = "greylist", .type = RW_CONF_WORD, .def = "off",
	    AT(greylist), .words = rw_words_greylist },
	{ .name = "greylist_delay", .type = RW_CONF_SECONDS, .def = "5m",
	    AT(greylist_delay), .min = 0, .max = 86400 },
	{ .name = "greylist_retry_window", .type = RW_CONF_SECONDS, .def = "4h",
	    AT(greylist_retry_window), .min = 60, .max = 30 * 86400 },
	{ .name = "greylist_pass_ttl", .type = RW_CONF_SECONDS, .def = "36d",
	    AT(greylist_pass_ttl), .min = 3600, .max = 400 * 86400 },
	{ .name = "greylist_autoallow_passes", .type = RW_CONF_UINT, .def = "5",
	    AT(greylist_autoallow_passes), .min = 0, .max = 1000000 },
	{ .name = "greylist_autoallow_ttl", .type = RW_CONF_SECONDS,
	    .def = "36d", AT(greylist_autoallow_ttl), .min = 3600,
	    .max = 400 * 86400 },
	{ .name = "greylist_network", .type = RW_CONF_LIST, .def = "/24 /64",
	    AT(greylist_network), .item = rw_conf_item_grey_network,
	    .release = rw_conf_release_grey_network,
	    .check = rw_conf_check_grey_network },
	{ .name = "greylist_allow", .type = RW_CONF_LIST, .def = "",
	    AT(greylist_allow), .item = rw_conf_item_grey_allow,
	    .release = rw_conf_release_grey_allow },
	{ .name = "greylist_skip_trusted", .type = RW_CONF_BOOL, .def = "yes",
	    AT(greylist_skip_trusted) },
	{ .name = "greylist_skip_authenticated", .type = RW_CONF_BOOL,
	    .def = "yes", AT(greylist_skip_authenticated) },
	{ .name = "greylist_skip_dnswl", .type = RW_CONF_BOOL, .def = "yes",
	    AT(greylist_skip_dnswl) },
	{ .name = "state_failure", .type = RW_CONF_WORD, .def = "accept",
	    AT(state_failure), .words = rw_words_state_failure },
	/* content (rules.c): the rules file is read and compiled by config.c */
	{ .name = "rules", .type = RW_CONF_STRING, .def = "", AT(rules_file),
	    .max = 1024 },
	{ .name = "content_scan_max", .type = RW_CONF_UINT, .def = "1048576",
	    AT(content_scan_max), .min = 4096, .max = 64 * 1024 * 1024 },
};

static const struct rw_config_keytab table = {
	keys, sizeof(keys) / sizeof(keys[0])
};

/* rw_config_keys - the core table */
const struct rw_config_keytab *
rw_config_keys(void)
{
	return &table;
}

/* rw_conf_key_named - a row of the core table */
const struct rw_config_key *
rw_conf_key_named(const char *name)
{
	size_t	i;

	for (i = 0; i < table.nkeys; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* rw_conf_dnsbl_key - the key whose entries are lists of this kind */
const char *
rw_conf_dnsbl_key(enum rw_dnsbl_kind kind)
{
	size_t	i;

	for (i = 0; i < table.nkeys; i++)
		if (keys[i].item == rw_conf_item_dnsbl && keys[i].arg == (int)kind)
			return keys[i].name;
	return "?";
}
