/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	confkeys.h - policy-internal declarations of the configuration files
 * DESCRIPTION
 *	The configuration is four files, one concern each:
 *	  config.c	the engine: lines, comments, "file:" lists, key
 *			lookup in the core table and the caller's, the typed
 *			parsers, defaults, release
 *	  confkeys.c	the core key table, the word lists (each defined
 *			once) and the few rules a typed value must also follow
 *	  confitems.c	the list item parsers (networks, domains, access
 *			tables, DNS lists, exemptions)
 *	  confsummary.c	the summary printed by "relaywarden -t"
 *	This header is what they share; milter/ and tests/ see only
 *	rw_policy.h.
 */
#ifndef RW_CONFKEYS_H
#define RW_CONFKEYS_H

#include "rw_policy.h"

/* The word lists; tables and the summary both use these. */
extern const struct rw_config_word rw_words_mode[];
extern const struct rw_config_word rw_words_verdict_stage[];
extern const struct rw_config_word rw_words_rdns_check[];
extern const struct rw_config_word rw_words_dnsbl_action[];
extern const struct rw_config_word rw_words_spf_action[];
extern const struct rw_config_word rw_words_check_action[];
extern const struct rw_config_word rw_words_access[];
/* the stateful checks' words (confstate.c) */
extern const struct rw_config_word rw_words_rate_limit_action[];
extern const struct rw_config_word rw_words_greylist[];
extern const struct rw_config_word rw_words_state_failure[];
extern const struct rw_config_word rw_words_rate_counter[];
extern const struct rw_config_word rw_words_rate_by[];
extern const struct rw_config_word rw_words_rate_for[];

/* rw_conf_seconds - "90s", "5m", "4h", "36d", "1w" or bare seconds */
bool		rw_conf_seconds(const char *, unsigned long *out);

/* rw_conf_word_find - the value of word (any case); false if not listed */
bool		rw_conf_word_find(const struct rw_config_word *, const char *word,
		    int *value);
/* rw_conf_word_name - the word of a value; "?" if none has it */
const char	*rw_conf_word_name(const struct rw_config_word *, int value);
/* rw_conf_words_join - "a, b or c" */
void		rw_conf_words_join(const struct rw_config_word *, char *buf,
		    size_t len);

/* rw_conf_trim - drop blanks (and CR, LF) at both ends, in place */
char		*rw_conf_trim(char *);

/* rw_conf_key_named - a row of the core table, or NULL */
const struct rw_config_key *rw_conf_key_named(const char *name);
/* rw_conf_dnsbl_key - the key name of a DNS list kind ("dnsbl", ...) */
const char	*rw_conf_dnsbl_key(enum rw_dnsbl_kind);

/* rw_conf_field - where a key's value lives in its target */
#define rw_conf_field(target, key, type) \
	((type *)(const void *)((const char *)(target) + (key)->off))

/* Item parsers and their release functions (confitems.c). */
rw_config_item_fn	rw_conf_item_cidr;
rw_config_item_fn	rw_conf_item_domain;
rw_config_item_fn	rw_conf_item_client_access;
rw_config_item_fn	rw_conf_item_sender_access;
rw_config_item_fn	rw_conf_item_dnsbl;
rw_config_item_fn	rw_conf_item_exempt;
rw_config_release_fn	rw_conf_release_cidr;
rw_config_release_fn	rw_conf_release_domains;
rw_config_release_fn	rw_conf_release_client_access;
rw_config_release_fn	rw_conf_release_sender_access;
rw_config_release_fn	rw_conf_release_dnsbl;
rw_config_release_fn	rw_conf_release_exempt;
/* the stateful checks' items (confstate.c) */
rw_config_item_fn	rw_conf_item_rate_limit;
rw_config_item_fn	rw_conf_item_grey_network;
rw_config_item_fn	rw_conf_item_grey_allow;
rw_config_release_fn	rw_conf_release_rate_limit;
rw_config_release_fn	rw_conf_release_grey_network;
rw_config_release_fn	rw_conf_release_grey_allow;
rw_config_check_fn	rw_conf_check_grey_network;

#endif /* RW_CONFKEYS_H */
