/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	confsummary - the effective policy in a few lines
 * SYNOPSIS
 *	#include "rw_policy.h"
 * DESCRIPTION
 *	rw_config_summary() describes a configuration for "relaywarden -t"
 *	and the start-up log: one line per concern, the enum values in the
 *	words of the configuration (from the word lists of confkeys.c), the
 *	list kinds by the names of their keys. Long domain and network
 *	lists are cut after 20 entries. The buffer is always NUL-terminated
 *	and never overrun; what does not fit is cut.
 *
 *	rw_config_summary_extra() also asks the caller, before each line
 *	(by its name) and once at the end, for lines of its own: the
 *	daemon's keys (socket, resolver, on_internal_error) are not the
 *	core's, but "relaywarden -t" shows them among the core's lines.
 *
 *	The DNS lists are shown as written ("spec"), display names and any
 *	access key in the zone included: this is the administrator's view,
 *	not the clients'.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "confkeys.h"

struct out {
	char	*buf;
	size_t	 len, used;
	const struct rw_config *cfg;
	rw_config_summary_fn *extra;	/* NULL: the core's lines only */
	const void *ctx;
};

/* put - append, cut at the end of the buffer */
static void
put(struct out *o, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (o->used >= o->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	o->used += (size_t)n < o->len - o->used ? (size_t)n : o->len - o->used - 1;
}

/* caller_lines - the caller's lines before line "next" (NULL: the end) */
static void
caller_lines(struct out *o, const char *next)
{
	if (o->extra == NULL || o->used >= o->len)
		return;
	o->buf[o->used] = '\0';
	o->extra(o->cfg, next, o->ctx, o->buf + o->used, o->len - o->used);
	o->buf[o->len - 1] = '\0';	/* whatever the caller did */
	o->used += strlen(o->buf + o->used);
}

/* put_domains - a domain list, the first 20 entries */
static void
put_domains(struct out *o, const char *name, const struct rw_domain_list *l)
{
	size_t	i;

	caller_lines(o, name);
	put(o, "%-20s", name);
	if (l->n == 0)
		put(o, " (none)");
	for (i = 0; i < l->n && i < 20; i++)
		put(o, " %s%s", l->v[i].subdomains ? "." : "", l->v[i].name);
	if (l->n > 20)
		put(o, " ... (%zu in all)", l->n);
	put(o, "\n");
}

/* put_check - an off/tag/tempfail/reject check, shown only when on */
static void
put_check(struct out *o, const char *name, enum rw_check_action a,
    const char *what)
{
	if (a == RW_CHK_OFF)	/* no caller_lines(): not in the contract's list */
		return;
	put(o, "%-20s %s (%s)\n", name,
	    rw_conf_word_name(rw_words_check_action, (int)a), what);
}

/* rdns_reply - what a refusing rdns_check replies, after its word */
static const char *
rdns_reply(enum rw_rdns_mode m)
{
	return m == RW_RDNS_TEMPFAIL ? " (450 4.7.25)" :
	    m == RW_RDNS_REJECT ? " (550 5.7.25)" : "";
}

/* rw_config_summary_extra - the policy, with the caller's lines */
void
rw_config_summary_extra(const struct rw_config *cfg,
    rw_config_summary_fn *extra, const void *ctx, char *buf, size_t len)
{
	const struct rw_config_word *an = rw_words_spf_action;
	struct out o = { buf, len, 0, cfg, extra, ctx };
	char	ip[RW_IPTEXT_MAX];
	size_t	i;

	if (len == 0)
		return;
	buf[0] = '\0';
	caller_lines(&o, "mode");
	put(&o, "%-20s %s%s\n", "mode", rw_conf_word_name(rw_words_mode,
	    (int)cfg->mode), cfg->mode == RW_MODE_DRYRUN ? " (nothing is "
	    "refused; would-be refusals are logged and tagged)" : "");
	caller_lines(&o, "trusted_networks");
	put(&o, "%-20s", "trusted_networks");
	if (cfg->trusted_networks.n == 0)
		put(&o, " (none)");
	for (i = 0; i < cfg->trusted_networks.n && i < 20; i++) {
		rw_ip_format(&cfg->trusted_networks.v[i].net, ip, sizeof(ip));
		put(&o, " %s/%u", ip, cfg->trusted_networks.v[i].prefix);
	}
	if (cfg->trusted_networks.n > 20)
		put(&o, " ... (%zu in all)", cfg->trusted_networks.n);
	put(&o, "\n");
	caller_lines(&o, "authenticated");
	put(&o, "%-20s %s\n", "authenticated", cfg->trust_authenticated ?
	    "insiders (may relay)" : "outsiders (trust_authenticated = no)");
	put_domains(&o, "local_domains", &cfg->local_domains);
	put_domains(&o, "relay_domains", &cfg->relay_domains);
	caller_lines(&o, "max_recipients");
	if (cfg->max_recipients == 0)
		put(&o, "%-20s unlimited\n", "max_recipients");
	else
		put(&o, "%-20s %u per message for outsiders\n", "max_recipients",
		    cfg->max_recipients);
	caller_lines(&o, "client_access");
	put(&o, "%-20s %zu entries", "client_access", cfg->nclient_access);
	if (cfg->nclient_names > 0)
		put(&o, " by address, %zu by verified host name",
		    cfg->nclient_names);
	put(&o, "\n");
	caller_lines(&o, "sender_access");
	put(&o, "%-20s %zu entries\n", "sender_access", cfg->nsender_access);
	caller_lines(&o, "rdns_check");
	put(&o, "%-20s %s%s\n", "rdns_check", rw_conf_word_name(
	    rw_words_rdns_check, (int)cfg->rdns_check), rdns_reply(cfg->rdns_check));
	put_check(&o, "helo_names_us", cfg->helo_names_us,
	    "HELO naming us, our address or a local domain");
	put_check(&o, "helo_foreign_literal", cfg->helo_foreign_literal,
	    "HELO address not the client's");
	put_check(&o, "helo_syntax", cfg->helo_syntax,
	    "HELO not a host name or address literal");
	put_check(&o, "helo_fqdn", cfg->helo_fqdn, "HELO not fully qualified");
	put_check(&o, "forged_local_sender", cfg->forged_local_sender,
	    "local sender from an unauthenticated outsider");
	put_check(&o, "bounce_multiple_rcpts", cfg->bounce_multiple_rcpts,
	    "null sender, second recipient on");
	put_check(&o, "url_obfuscation", cfg->url_obfuscation,
	    "a link hiding where it points");
	caller_lines(&o, "lists");
	put(&o, "%-20s", "lists");
	if (cfg->ndnsbl == 0)
		put(&o, " (none)");
	for (i = 0; i < cfg->ndnsbl; i++)
		put(&o, " %s:%s", rw_conf_dnsbl_key(cfg->dnsbl[i].kind),
		    cfg->dnsbl[i].spec);
	put(&o, "\n");
	if (cfg->ndnsbl > 0) {
		caller_lines(&o, "dnsbl_score");
		put(&o, "%-20s threshold %d, action %s\n", "dnsbl_score",
		    cfg->dnsbl_threshold, rw_conf_word_name(rw_words_dnsbl_action,
		    (int)cfg->dnsbl_action));
	}
	for (i = 0; i < cfg->nrate_limit; i++) {	/* shown only when set */
		const struct rw_rate_rule *r = &cfg->rate_limit[i];
		char	who[RW_IPTEXT_MAX + 80];

		if (i == 0)
			caller_lines(&o, "rate_limit");
		if (r->who == RW_RFOR_NETWORK) {
			rw_ip_format(&r->net.net, ip, sizeof(ip));
			snprintf(who, sizeof(who), "%s/%u", ip, r->net.prefix);
		} else if (r->who == RW_RFOR_USER) {
			snprintf(who, sizeof(who), "user %.60s", r->user);
		} else {
			snprintf(who, sizeof(who), "%s", rw_conf_word_name(
			    rw_words_rate_for, (int)r->who));
		}
		if (r->spec.limit == 0)
			put(&o, "%-20s %s unlimited by %s for %s (line %u)\n",
			    "rate_limit", rw_rate_counter_name(r->counter),
			    rw_conf_word_name(rw_words_rate_by, (int)r->by), who,
			    r->line);
		else if (r->counter == RW_RC_CONCURRENCY)
			put(&o, "%-20s concurrency %u by %s for %s (line %u)\n",
			    "rate_limit", r->spec.limit, rw_conf_word_name(
			    rw_words_rate_by, (int)r->by), who, r->line);
		else
			put(&o, "%-20s %s %u/%us burst %u by %s for %s, %s "
			    "(line %u)\n", "rate_limit",
			    rw_rate_counter_name(r->counter), r->spec.limit,
			    r->spec.window_s, r->spec.burst, rw_conf_word_name(
			    rw_words_rate_by, (int)r->by), who, rw_conf_word_name(
			    rw_words_rate_limit_action, (int)cfg->rate_limit_action),
			    r->line);
	}
	if (cfg->greylist != RW_CHK_OFF) {	/* shown only when on */
		caller_lines(&o, "greylist");
		put(&o, "%-20s %s: delay %us, retry window %us, passed kept %us, "
		    "network /%u /%u%s, auto-allow after %u passes (0: off)\n",
		    "greylist", rw_conf_word_name(rw_words_greylist,
		    (int)cfg->greylist), cfg->greylist_delay,
		    cfg->greylist_retry_window, cfg->greylist_pass_ttl,
		    cfg->greylist_network.v4, cfg->greylist_network.v6,
		    cfg->greylist_network.rdns ? " or verified rdns domain" : "",
		    cfg->greylist_autoallow_passes);
	}
	caller_lines(&o, "spf");
	if (cfg->spf_check || cfg->spf_check_helo)
		put(&o, "%-20s %s%s%s; fail %s, softfail %s, neutral %s, none %s, "
		    "temperror %s, permerror %s\n", "spf",
		    cfg->spf_check ? "mailfrom" : "",
		    cfg->spf_check && cfg->spf_check_helo ? "+" : "",
		    cfg->spf_check_helo ? "helo" : "",
		    rw_conf_word_name(an, (int)cfg->spf_action[RW_SPF_FAIL]),
		    rw_conf_word_name(an, (int)cfg->spf_action[RW_SPF_SOFTFAIL]),
		    rw_conf_word_name(an, (int)cfg->spf_action[RW_SPF_NEUTRAL]),
		    rw_conf_word_name(an, (int)cfg->spf_action[RW_SPF_NONE]),
		    rw_conf_word_name(an, (int)cfg->spf_action[RW_SPF_TEMPERROR]),
		    rw_conf_word_name(an, (int)cfg->spf_action[RW_SPF_PERMERROR]));
	else
		put(&o, "%-20s off\n", "spf");
	caller_lines(&o, "outsiders");
	put(&o, "outsiders may send only to local_domains and relay_domains%s\n",
	    cfg->local_domains.n + cfg->relay_domains.n == 0 ?
	    " (none configured: outsiders can deliver to bare local parts only)" : "");
	caller_lines(&o, NULL);
}

/* rw_config_summary - the effective policy in a few lines */
void
rw_config_summary(const struct rw_config *cfg, char *buf, size_t len)
{
	rw_config_summary_extra(cfg, NULL, NULL, buf, len);
}
