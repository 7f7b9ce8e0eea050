/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	checks.h - policy-internal declarations shared by the check files
 * DESCRIPTION
 *	Every check has the rw_check_fn signature and is listed once in the
 *	table in session.c. rw_verdict_set() is the one place that fills a
 *	verdict's reply, so codes and texts stay consistent; rw_verdict_tag()
 *	fills a TAG outcome's header part.
 *
 *	The ASCII character classes the parsers of untrusted text share
 *	(html.c, url.c, str.c, ...) are here too, inline: they are asked of
 *	every byte of a message's text, and are locale-free where
 *	<ctype.h> follows the locale and wants EOF-or-unsigned-char ints.
 */
#ifndef RW_CHECKS_H
#define RW_CHECKS_H

#include "rw_policy.h"

/* rw_isalpha - an ASCII letter */
static inline bool
rw_isalpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* rw_isdigit - an ASCII decimal digit */
static inline bool
rw_isdigit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* rw_isalnum - an ASCII letter or digit */
static inline bool
rw_isalnum(unsigned char c)
{
	return rw_isalpha(c) || rw_isdigit(c);
}

/* rw_isspace - HTML's ASCII white space: space, tab, LF, CR, FF (not VT) */
static inline bool
rw_isspace(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* rw_hexval - the value of a hex digit (either case), -1 if it is none */
static inline int
rw_hexval(unsigned char c)
{
	if (rw_isdigit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* rw_tolower - ASCII lowercase of one byte; others unchanged */
static inline unsigned char
rw_tolower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

rw_check_fn	rw_check_client_access;
rw_check_fn	rw_check_sender_access;
rw_check_fn	rw_check_relay;
rw_check_fn	rw_check_max_recipients;
rw_check_fn	rw_check_rdns;
rw_check_fn	rw_check_dnsbl;
rw_check_fn	rw_check_spf;
rw_check_fn	rw_check_helo_foreign_literal;
rw_check_fn	rw_check_rate_limit;
rw_check_fn	rw_check_greylist;
rw_check_fn	rw_check_helo_names_us;
rw_check_fn	rw_check_helo_syntax;
rw_check_fn	rw_check_helo_fqdn;
rw_check_fn	rw_check_forged_local_sender;
rw_check_fn	rw_check_bounce_multiple_rcpts;
rw_check_fn	rw_check_client_access_name;
rw_check_fn	rw_check_rules;

/*
 * Content rules (rules.c). rw_rules_eval - every rule for this client
 * once against f->msg into f's hits and rule errors (once per message:
 * f->rules_done); false when out of memory. rw_rule_verdict - the
 * verdict of one hit's action.
 */
bool		rw_rules_eval(const struct rw_rules *, struct rw_facts *);
enum rw_action	rw_rule_verdict(const struct rw_rule_hit *, struct rw_verdict *);
rw_check_fn	rw_check_url_obfuscation;

/* rw_url_tricks_hiding - these rw_url_trick bits hide a link's destination */
bool		rw_url_tricks_hiding(unsigned int tricks);
/* html.c's character references, which url.c also reads in hosts */
size_t		rw_html_numeric_ref(const char *, size_t, uint32_t *cp);
size_t		rw_utf8_encode(uint32_t cp, char *b);
rw_check_fn	rw_check_uribl;

/* rw_dns_stage_applies - a DNS verdict is due for these facts now */
bool		rw_dns_stage_applies(const struct rw_config *,
		    const struct rw_facts *);
bool		rw_dns_exempt(const struct rw_config *, const char *rcpt);
/* rw_dnsbl_allowed - an allow list (negative weight) lists the client */
bool		rw_dnsbl_allowed(const struct rw_config *, const struct rw_facts *);

const struct rw_client_rule *rw_access_client_lookup(const struct rw_config *,
		    const struct rw_ip *);

enum rw_action	rw_verdict_set(struct rw_verdict *, enum rw_action,
		    const char *check, const char *rcode, const char *xcode,
		    const char *text, const char *reason);
/* rw_verdict_tag - a TAG outcome: the header part and the log reason */
enum rw_action	rw_verdict_tag(struct rw_verdict *, const char *check,
		    const char *tag, const char *reason);
/* rw_verdict_action - TAG, TEMPFAIL (rcode4) or REJECT (550) by a setting */
enum rw_action	rw_verdict_action(enum rw_check_action, struct rw_verdict *,
		    const char *check, const char *tag, const char *rcode4,
		    const char *xcode5, const char *text, const char *reason);

#endif /* RW_CHECKS_H */
