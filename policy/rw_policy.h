/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	rw_policy.h - the pure policy core of relaywarden
 * DESCRIPTION
 *	The only header that milter/ and tests/ include from policy/.
 *	Everything declared here is free of I/O: no libmilter, no c-ares,
 *	no libspf2, no syslog, no clock, no files. The glue gathers facts
 *	(client address, HELO, sender, recipient, authentication) and the
 *	core returns verdicts with a reason and an SMTP reply.
 *
 *	Configuration is parsed from text into an immutable struct
 *	rw_config. List values given as "file:/path" are read through a
 *	caller-supplied reader, so the parser itself never opens files.
 */
#ifndef RW_POLICY_H
#define RW_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits taken from the protocols (RFC 5321 4.5.3.1, RFC 1035 2.3.4). */
#define RW_HOSTNAME_MAX	255	/* a domain name, text form */
#define RW_LABEL_MAX	63
#define RW_ADDR_MAX	512	/* an envelope address as given; > 256 is hostile */
#define RW_REPLY_MAX	512	/* SMTP reply text */
#define RW_REASON_MAX	256	/* log reason */
#define RW_IPTEXT_MAX	64	/* IPv6 text plus scope, with room */
#define RW_HOPS_MAX	8	/* routing hops we are willing to judge */
#define RW_OUTCOMES_MAX	16	/* tags and dryrun notes kept per session */
#define RW_TAG_MAX	320	/* one check's X-Relaywarden-Tag part */
#define RW_HEADER_MAX	4096	/* one header value we write */
#define RW_LOGLINE_MAX	1900	/* one verdict log line, fits a syslog line */
#define RW_AR_FORGED_MAX 16	/* forged Authentication-Results removed per message */
#define RW_ERR_MAX	4096	/* configuration error report */
#define RW_DNSBL_MAX	32	/* block/allow lists of all kinds */
#define RW_DNSBL_A_MAX	8	/* A answers kept per list */
#define RW_TXT_MAX	256	/* TXT reason kept for a reply */
#define RW_PTR_MAX	4	/* PTR names checked for forward confirmation */

/*
 * A check's outcome. TAG lets the mail through and marks it (the
 * X-Relaywarden-Tag header); the checks after it still run. TEMPFAIL and
 * REJECT end the stage. (Discard and quarantine come with content rules.)
 */
enum rw_action {
	RW_ACT_CONTINUE = 0,	/* no objection; go on */
	RW_ACT_ACCEPT,		/* accept without further checks */
	RW_ACT_TAG,		/* accept, marked */
	RW_ACT_TEMPFAIL,	/* 4xx */
	RW_ACT_REJECT,		/* 5xx */
	/*
	 * Content rules, end of message only. QUARANTINE: accepted into the
	 * MTA's hold queue (smfi_quarantine); recorded like a tag, the
	 * checks after it still run and a later refusal wins. DISCARD:
	 * accepted and dropped (only when the admin's rule says so); ends
	 * the stage like a refusal. In dryrun mode both are notes only.
	 */
	RW_ACT_QUARANTINE,
	RW_ACT_DISCARD
};

/* rw_action_refuses - TEMPFAIL or REJECT: the MTA must refuse */
#define rw_action_refuses(a)	((a) == RW_ACT_TEMPFAIL || (a) == RW_ACT_REJECT)

/* The SMTP stages, in the order the MTA reaches them. */
enum rw_stage {
	RW_STAGE_CONNECT = 0,
	RW_STAGE_HELO,
	RW_STAGE_MAIL,
	RW_STAGE_RCPT,
	RW_STAGE_EOH,		/* end of the message header */
	RW_STAGE_EOM		/* end of the message */
};
#define RW_NSTAGES	6

enum rw_mode { RW_MODE_ENFORCE = 0, RW_MODE_DRYRUN };

/* ------------------------------------------------------------ addresses */

/* An IP address; IPv4-mapped IPv6 is stored as IPv4. */
struct rw_ip {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 b[16];		/* network order; 4 bytes used for v4 */
};

struct rw_cidr {
	struct rw_ip	 net;
	unsigned int	 prefix;
};

struct rw_cidr_list {
	struct rw_cidr	*v;
	size_t		 n;
};

/* A domain list entry: "example.com" or ".example.com" (and subdomains). */
struct rw_domain {
	char		*name;		/* lowercased, no dots at either end */
	bool		 subdomains;	/* leading dot: also matches below */
	unsigned int	 line;		/* where it was configured */
};

struct rw_domain_list {
	struct rw_domain *v;
	size_t		  n;
};

/* ------------------------------------------------------------ DNS facts */

/* What a lookup came to. Every DNS-derived fact carries one. */
enum rw_dns_status {
	RW_DNS_NOT_ASKED = 0,
	RW_DNS_OK,		/* answers present */
	RW_DNS_NXDOMAIN,	/* the name does not exist */
	RW_DNS_NODATA,		/* the name exists, no record of this type */
	RW_DNS_SERVFAIL,	/* server failure, refused, unreachable */
	RW_DNS_TIMEOUT		/* no answer within the timeout or the deadline */
};

/* rw_dns_temporary - SERVFAIL and TIMEOUT: try again later, never a 5xx */
#define rw_dns_temporary(s)	((s) == RW_DNS_SERVFAIL || (s) == RW_DNS_TIMEOUT)

/* Reverse-DNS outcome (forward-confirmed reverse DNS). */
enum rw_rdns_result {
	RW_RDNS_NOT_CHECKED = 0,
	RW_RDNS_PASS,		/* a PTR name resolves back to the client */
	RW_RDNS_NONE,		/* no PTR record */
	RW_RDNS_MISMATCH,	/* PTR names, none resolves back */
	RW_RDNS_TEMPERROR	/* a lookup failed temporarily */
};

enum rw_dnsbl_kind {
	RW_BL_CLIENT = 0,	/* dnsbl: the client address */
	RW_BL_HELO,		/* rhsbl_helo: the HELO name */
	RW_BL_SENDER,		/* rhsbl_sender: the envelope sender's domain */
	RW_BL_PTR,		/* rhsbl_client: the verified PTR name */
	RW_BL_URI		/* uribl: the hosts the message links to (uribl.c) */
};

/*
 * One list from "[name@]zone[=filter][*weight]". The zone may carry an
 * access key (Spamhaus DQS: "KEY.zen.dq.spamhaus.net"), so only the
 * display name goes into replies and headers; the zone and the spec
 * are for queries and logs.
 */
struct rw_dnsbl_zone {
	char			*zone;		/* lowercased, no trailing dot */
	char			 name[RW_HOSTNAME_MAX + 1];	/* shown; default: zone */
	enum rw_dnsbl_kind	 kind;
	bool			 filtered;	/* a filter was given */
	uint8_t			 octets[4][32];	/* filter: allowed values, bitmaps */
	int			 weight;	/* negative: allow list (DNSWL) */
	char			*spec;		/* as written, for logs (key too) */
	unsigned int		 line;
};

/* One list's answer for this session. */
struct rw_dnsbl_fact {
	enum rw_dns_status	 status;
	bool			 suspended;	/* failed its RFC 5782 probe */
	uint32_t		 a[RW_DNSBL_A_MAX];	/* A answers, host order */
	size_t			 na;
	/* the sanitised TXT reason (RW_TXT_MAX), asked only for a listing:
	 * rw_fact_empty or its own copy (rw_fact_set), as the text facts */
	const char		*txt;
};
/*
 * rw_dnsbl_fact_reset - the fact reads "not asked": no answers, not
 * suspended, txt "" (its copy freed, never NULL). The one way to reset
 * a list fact: a memset alone would leak the copy and leave txt NULL.
 * A zeroed fact (txt NULL, as calloc leaves it) may be reset too.
 */
void	rw_dnsbl_fact_reset(struct rw_dnsbl_fact *);
/*
 * rw_dnsbl_fact_txt - a list's TXT answer (len bytes, from DNS: hostile)
 * kept as the fact's reason, sanitised and bounded (rw_txt_sanitize,
 * RW_TXT_MAX); false when out of memory (the reason is then "").
 */
bool	rw_dnsbl_fact_txt(struct rw_dnsbl_fact *, const char *text, size_t len);

enum rw_dns_verdict_action { RW_DNSACT_REJECT = 0, RW_DNSACT_TEMPFAIL, RW_DNSACT_TAG };

/* SPF results (RFC 7208 2.6) */
enum rw_spf_result {
	RW_SPF_NOT_CHECKED = 0,
	RW_SPF_NONE,
	RW_SPF_NEUTRAL,
	RW_SPF_PASS,
	RW_SPF_FAIL,
	RW_SPF_SOFTFAIL,
	RW_SPF_TEMPERROR,
	RW_SPF_PERMERROR
};
#define RW_SPF_NRESULTS	8

enum rw_spf_action { RW_SPFACT_ACCEPT = 0, RW_SPFACT_TAG, RW_SPFACT_TEMPFAIL, RW_SPFACT_REJECT };

/* One SPF check's outcome, as the glue's evaluation gives it. */
struct rw_spf_fact {
	enum rw_spf_result result;
	char		 domain[RW_HOSTNAME_MAX + 1];	/* the domain checked */
	char		 explanation[RW_TXT_MAX];	/* sanitised exp= text (fail) */
	char		 reason[RW_REASON_MAX];		/* why, for logs and comments */
};

/*
 * The same, as the session's facts keep it: the texts are fact texts
 * (rw_fact_empty or an allocated copy), so a session holds their length,
 * not three buffers. rw_spf_note_set() copies an evaluation in.
 */
struct rw_spf_note {
	enum rw_spf_result result;
	const char	*domain;
	const char	*explanation;
	const char	*reason;
};
enum rw_rdns_mode { RW_RDNS_OFF = 0, RW_RDNS_TAG, RW_RDNS_TEMPFAIL, RW_RDNS_REJECT };

/* The action of a check that is off or tags or refuses (HELO checks, ...). */
enum rw_check_action { RW_CHK_OFF = 0, RW_CHK_TAG, RW_CHK_TEMPFAIL, RW_CHK_REJECT };

/* ------------------------------------------------------------ access lists */

enum rw_access_action {
	RW_ACCESS_OK = 0,
	RW_ACCESS_REJECT,
	RW_ACCESS_TEMPFAIL
};

struct rw_client_rule {
	struct rw_cidr		 cidr;
	enum rw_access_action	 action;
	char			*text;		/* reply text or NULL */
	unsigned int		 line;
};

/* How a client_access entry names hosts (matched on the verified name). */
enum rw_name_key {
	RW_NKEY_EXACT = 0,	/* mail.example.net: that name */
	RW_NKEY_DOMAIN,		/* .example.net: it and every name below */
	RW_NKEY_GLOB,		/* dsl-*.pool.example.net: * and ? within labels */
	RW_NKEY_PCRE		/* /^dsl-[0-9]+\./: a PCRE2 pattern, caseless */
};

struct rw_client_name_rule {
	enum rw_name_key	 kind;
	char			*key;		/* lowercased; the pattern as written */
	void			*re;		/* PCRE2: compiled once (hostname.c) */
	void			*mctx;		/* PCRE2: its match limits */
	enum rw_access_action	 action;
	char			*text;		/* reply text or NULL */
	unsigned int		 line;
};

enum rw_sender_key {
	RW_SKEY_ADDRESS = 0,	/* user@example.com */
	RW_SKEY_ATDOMAIN,	/* @example.com: any user at exactly this domain */
	RW_SKEY_DOMAIN,		/* example.com: this domain and its subdomains */
	RW_SKEY_NULL		/* <>: the null sender */
};

struct rw_sender_rule {
	enum rw_sender_key	 kind;
	char			*key;		/* lowercased; domain part only for domains */
	enum rw_access_action	 action;
	char			*text;
	unsigned int		 line;
};

/* ------------------------------------------------------------ state (rates, greylisting) */

/*
 * The arithmetic of the stateful checks, shared by every store backend:
 * the embedded one (milter/store_lmdb.c) calls these functions inside
 * one write transaction; the Redis one runs the same arithmetic as a Lua
 * script (same inputs, same outputs). Times are milliseconds since the
 * epoch, passed in by the caller: nothing here reads a clock.
 */
#define RW_STATE_KEY_MAX	256	/* a state key, prefix not included */

/*
 * GCRA ("generic cell rate algorithm", a token bucket stated as one
 * timestamp, the "theoretical arrival time"): limit events per window_s
 * seconds, with burst extra events allowed at once. Each event moves the
 * TAT on by T = ceil(window_s * 1000 / limit) ms; an event passes when
 * the TAT it would leave is at most (limit + burst) * T ahead of now.
 * So an idle key takes limit + burst events at once, then one every T.
 */
struct rw_rate_spec {
	unsigned int	 limit;		/* events per window; 0: no limit */
	unsigned int	 window_s;
	unsigned int	 burst;
};

/*
 * rw_gcra - one event of cost n at now_ms against the state *tat_ms
 * (0: none, or idle). n = 0 is a peek: would an event of cost 1 pass
 * now? The answer as for cost 1, but *tat_ms is never changed.
 * @return	true when allowed (*tat_ms advanced); false when over the
 *		limit (*tat_ms unchanged, *retry_ms: how long until an
 *		event of this cost would pass)
 * *expire_ms: when the state is idle again and may be dropped (the TTL
 * deadline); unchanged state keeps its old expiry, which is the same.
 */
bool	rw_gcra(uint64_t *tat_ms, uint64_t now_ms, const struct rw_rate_spec *,
	    unsigned int n, uint64_t *retry_ms, uint64_t *expire_ms);

struct rw_grey_spec {
	unsigned int	 delay_s;		/* first retry not before */
	unsigned int	 retry_window_s;	/* first retry not after */
	unsigned int	 pass_ttl_s;		/* a passed triplet lives */
	unsigned int	 autoallow_passes;	/* 0: no auto-allowlist */
	unsigned int	 autoallow_ttl_s;	/* after the network's last pass */
};

/* One triplet; also one network's auto-allowlist record (passes counts). */
struct rw_grey_entry {
	uint64_t	 first_ms;	/* first attempt */
	uint64_t	 pass_ms;	/* last pass; 0: not passed yet */
	uint32_t	 passes;
};

enum rw_grey_state {
	RW_GREY_NEW = 0,	/* entry started: 451 */
	RW_GREY_EARLY,		/* retried before the delay: 451 */
	RW_GREY_PASS,		/* first retry after the delay: accepted */
	RW_GREY_KNOWN		/* passed before, or network allowlisted */
};

/*
 * rw_grey_step - the triplet's state machine. exists false, or the entry
 * expired (never passed and the retry window over, or passed and
 * pass_ttl_s over) -> NEW (entry started; *wait_s = delay). A retry before
 * the delay -> EARLY (*wait_s: seconds left, rounded up). The first retry
 * after the delay, within the retry window -> PASS (entry kept for
 * pass_ttl_s). Later -> KNOWN (pass_ms refreshed). *expire_ms: the entry's
 * TTL deadline. The entry is to be written back unless EARLY.
 */
enum rw_grey_state rw_grey_step(struct rw_grey_entry *, bool exists,
	    uint64_t now_ms, const struct rw_grey_spec *, unsigned int *wait_s,
	    uint64_t *expire_ms);

/*
 * rw_grey_net_allowed - a network's record makes it auto-allowlisted:
 * autoallow_passes > 0, passes >= autoallow_passes, and its last pass
 * less than autoallow_ttl_s ago.
 */
bool	rw_grey_net_allowed(const struct rw_grey_entry *, bool exists,
	    uint64_t now_ms, const struct rw_grey_spec *);

/*
 * One recipient's whole greylist decision, as a store runs it in one
 * atomic operation: the stored triplet and network records in, what to
 * write back and the answer out.
 *   The network is auto-allowlisted: KNOWN, net_allowlisted; its record's
 *	pass_ms is refreshed (so a network in steady use stays listed); the
 *	triplet is not read or written.
 *   Else the triplet steps (rw_grey_step). On PASS, and autoallow_passes
 *	> 0, the network's record counts one more pass (a record over its
 *	autoallow_ttl_s starts again from 1).
 */
struct rw_grey_io {
	/* in: the stored records (meaningful when *_exists) */
	struct rw_grey_entry triplet, net;
	bool		 triplet_exists, net_exists;
	/* out: records to write (when *_write), with their TTL deadlines */
	bool		 triplet_write, net_write;
	uint64_t	 triplet_expire_ms, net_expire_ms;
	/* out: the answer */
	enum rw_grey_state state;
	unsigned int	 wait_s;
	bool		 net_allowlisted;
};

/* rw_grey_decide - fill io's outputs from its inputs (see above) */
void	rw_grey_decide(struct rw_grey_io *, uint64_t now_ms,
	    const struct rw_grey_spec *);
const char *rw_grey_state_name(enum rw_grey_state);

/* ------------------------------------------------------------ rate limits */

/* What a rate_limit counts (each with its own limit and window). */
enum rw_rate_counter {
	RW_RC_CONNECTIONS = 0,	/* at connect */
	RW_RC_CONCURRENCY,	/* sessions open at once (connect .. close) */
	RW_RC_MESSAGES,		/* at MAIL FROM */
	RW_RC_RECIPIENTS,	/* at RCPT TO */
	RW_RC_REFUSED		/* recipients refused (by us or the MTA) */
};
/* What a rate_limit is counted by. */
enum rw_rate_by {
	RW_RBY_IP = 0,		/* the client's network (rate_ipv4/6_prefix) */
	RW_RBY_USER,		/* the authenticated user ({auth_authen}) */
	RW_RBY_SENDER,		/* the envelope sender address */
	RW_RBY_SENDER_DOMAIN,	/* its domain */
	RW_RBY_GLOBAL		/* one key for all */
};
/* Whom a rate_limit applies to: a class, or an override for a network or a user. */
enum rw_rate_for {
	RW_RFOR_OUTSIDERS = 0,
	RW_RFOR_TRUSTED,	/* trusted_networks, client_access OK */
	RW_RFOR_AUTHENTICATED,
	RW_RFOR_ALL,
	RW_RFOR_NETWORK,	/* override: clients in net */
	RW_RFOR_USER		/* override: this authenticated user */
};

/* One rate_limit entry. */
struct rw_rate_rule {
	enum rw_rate_counter counter;
	enum rw_rate_by	 by;
	enum rw_rate_for who;
	struct rw_rate_spec spec;	/* limit 0: unlimited (an override) */
	struct rw_cidr	 net;		/* RW_RFOR_NETWORK */
	char		*user;		/* RW_RFOR_USER */
	unsigned int	 line;
};

/* greylist_network: how the triplet names the client's network */
struct rw_grey_network {
	bool		 rdns;		/* the verified PTR name's domain */
	unsigned int	 v4, v6;	/* else (or without one) these prefixes */
};

/* greylist_allow: never greylisted */
struct rw_grey_allow {
	struct rw_cidr_list nets;
	struct rw_domain_list names;	/* verified PTR names */
};

enum rw_state_failure { RW_SFAIL_ACCEPT = 0, RW_SFAIL_TEMPFAIL };

/*
 * The state gatherer's facts for the stage being decided: the results of
 * the stage's plan (rw_state_plan), run against the store by the glue.
 */
struct rw_state_fact {
	bool		 done;		/* the plan was run for this stage */
	bool		 failed;	/* the store failed: state_failure */
	const char	*error;		/* RW_REASON_MAX; a fact text */
	/* the first rate key found over its limit */
	bool		 over;
	enum rw_rate_counter counter;
	struct rw_rate_spec spec;
	uint64_t	 retry_ms;
	long		 count;		/* concurrency: sessions now */
	unsigned int	 line;		/* the rate_limit entry */
	const char	*key;		/* RW_STATE_KEY_MAX; a fact text */
	/* greylisting of the recipient being judged */
	bool		 grey_done;
	enum rw_grey_state grey;
	unsigned int	 grey_wait_s;
	bool		 grey_net_allowlisted;
	const char	*grey_key;	/* RW_STATE_KEY_MAX; a fact text */
};

/* ------------------------------------------------------------ configuration */

struct rw_rules;	/* a compiled rules file (rules.c) */


struct rw_config {
	char			*source;	/* file name it was read from */

	/* behaviour (socket, pidfile, user, logging: milter/daemonconf.c) */
	enum rw_mode		 mode;

	/* relay control */
	struct rw_cidr_list	 trusted_networks;
	bool			 trust_authenticated;
	struct rw_domain_list	 local_domains;
	struct rw_domain_list	 relay_domains;
	unsigned int		 max_recipients;	/* 0: unlimited */

	/* access lists */
	struct rw_client_rule	*client_access;
	size_t			 nclient_access;
	struct rw_client_name_rule *client_names;	/* client_access by name */
	size_t			 nclient_names;
	struct rw_sender_rule	*sender_access;
	size_t			 nsender_access;

	/* DNS layer (the resolver's settings: milter/daemonconf.c) */
	bool			 dns_fail_open;	/* temperror: accept instead of tempfail */
	enum rw_stage		 dns_verdict_stage;
	char			*authserv_id;	/* NULL: the MTA's j macro */

	/* reverse DNS */
	enum rw_rdns_mode	 rdns_check;
	bool			 rdns_require_forward;

	/* who we are, for the HELO checks (macro j and {daemon_addr} too) */
	struct rw_domain_list	 our_hostnames;
	struct rw_cidr_list	 our_addresses;

	/* HELO and forgery checks (outsiders) */
	enum rw_check_action	 helo_foreign_literal;
	enum rw_check_action	 helo_names_us;
	enum rw_check_action	 helo_syntax;
	enum rw_check_action	 helo_fqdn;
	enum rw_check_action	 forged_local_sender;
	enum rw_check_action	 bounce_multiple_rcpts;

	/* block and allow lists */
	struct rw_dnsbl_zone	*dnsbl;		/* all kinds, in file order */
	size_t			 ndnsbl;
	int			 dnsbl_threshold;
	enum rw_dns_verdict_action dnsbl_action;

	/* SPF */
	bool			 spf_check;		/* MAIL FROM identity */
	bool			 spf_check_helo;	/* HELO identity */
	enum rw_spf_action	 spf_action[RW_SPF_NRESULTS];	/* by result */
	char			**exempt_recipients;	/* "postmaster@", "abuse@example.com" */
	size_t			 nexempt_recipients;

	/* rate limits and greylisting (the store itself: milter/daemonconf.c) */
	struct rw_rate_rule	*rate_limit;
	size_t			 nrate_limit;
	enum rw_check_action	 rate_limit_action;	/* tag or tempfail */
	unsigned int		 rate_ipv4_prefix, rate_ipv6_prefix;
	enum rw_check_action	 greylist;		/* off, tag, tempfail */
	unsigned int		 greylist_delay;	/* seconds */
	unsigned int		 greylist_retry_window;
	unsigned int		 greylist_pass_ttl;
	unsigned int		 greylist_autoallow_passes;	/* 0: off */
	unsigned int		 greylist_autoallow_ttl;
	struct rw_grey_network	 greylist_network;
	struct rw_grey_allow	 greylist_allow;
	bool			 greylist_skip_trusted;
	bool			 greylist_skip_authenticated;
	bool			 greylist_skip_dnswl;
	enum rw_state_failure	 state_failure;

	/* content, judged at end of message (rules.c, url.c, uribl.c) */
	char			*rules_file;	/* NULL: no rules */
	struct rw_rules		*rules;		/* compiled; NULL: none */
	enum rw_check_action	 url_obfuscation;
	unsigned int		 content_scan_max;	/* message bytes read */
	unsigned int		 uribl_max_lookups;	/* subjects per message */
};

/*
 * rw_config_reader - read a list file named in "file:/path".
 * @param path	the path as written in the configuration
 * @param ctx	the caller's context
 * @param err	buffer for a one-line reason when reading fails
 * @return	a NUL-terminated malloc'd copy of the file, or NULL
 */
typedef char *rw_config_reader(const char *path, void *ctx, char *err,
    size_t errlen);

/*
 * rw_config_parse - parse configuration text into a new rw_config.
 * @param text	 the whole file, NUL-terminated
 * @param source file name used in error messages ("file:line: ...")
 * @param reader reads "file:" lists; NULL refuses them
 * @param err	 receives every error found, one "file:line: msg" a line
 * @return	 a new configuration, or NULL when any error was found.
 * Side effects: allocates; release with rw_config_free().
 * The same as rw_config_parse_extra() without an extra key table.
 */
struct rw_config *rw_config_parse(const char *text, const char *source,
    rw_config_reader *reader, void *ctx, char *err, size_t errlen);

/* rw_config_defaults - a configuration holding only the defaults */
struct rw_config *rw_config_defaults(void);

void	rw_config_free(struct rw_config *);

/*
 * rw_config_summary - describe the effective policy in a few lines,
 * for "relaywarden -t" and the start-up log.
 */
void	rw_config_summary(const struct rw_config *, char *buf, size_t len);

/*
 * rw_config_summary_fn - the caller's own summary lines, asked for before
 * each line of the core's.
 * @param next	the name of the core's next line ("mode",
 *		"trusted_networks", "authenticated", "local_domains",
 *		"relay_domains", "max_recipients", "client_access",
 *		"sender_access", "rdns_check", "lists", "dnsbl_score",
 *		"rate_limit", "greylist", "spf", "rules", "outsiders"), NULL after
 *		the last (the optional lines' names only when they are shown)
 * @param ctx	the caller's, passed through
 * @param buf	where the lines go, each ending in a newline; at most len
 *		bytes, NUL included. It holds "" on the call: no lines,
 *		nothing to write.
 */
typedef void rw_config_summary_fn(const struct rw_config *, const char *next,
    const void *ctx, char *buf, size_t len);

/*
 * rw_config_summary_extra - rw_config_summary() with the lines of the
 * caller's keys (the daemon's) put in where the caller's function says.
 * What does not fit in buf is cut, as with rw_config_summary().
 */
void	rw_config_summary_extra(const struct rw_config *,
	    rw_config_summary_fn *, const void *ctx, char *buf, size_t len);

/* ------------------------------------------------------------ config keys */

/*
 * Every key is a row of a key table: its name, the type of its value, its
 * default (in configuration syntax), where the value goes (offset and size
 * of a field in the target struct), and the type's bounds or word list.
 * The core's table fills struct rw_config; a caller may add a table of its
 * own (the daemon's I/O keys) whose values go into a struct of its own, so
 * the core does not grow with each I/O option.
 */

/* One word a RW_CONF_WORD key accepts, and the value stored for it. */
struct rw_config_word {
	const char	*word;		/* canonical; matched in any case */
	int		 value;
};

enum rw_config_type {
	RW_CONF_STRING = 0,	/* char *, malloc'd; max characters (0: 1024) */
	RW_CONF_BOOL,		/* bool: yes/no, true/false, on/off, 1/0 */
	RW_CONF_UINT,		/* unsigned int, decimal, from min to max */
	RW_CONF_INT,		/* int, decimal, from min to max */
	RW_CONF_OCTAL,		/* unsigned int, a file mode up to max */
	RW_CONF_DURATION,	/* unsigned int ms ("500ms", "2s"), min..max */
	RW_CONF_SECONDS,	/* unsigned int s ("90s", "5m", "4h", "36d"), min..max */
	RW_CONF_WORD,		/* a word's value: int-sized enum or bool */
	RW_CONF_LIST		/* entries through item(); "file:" expanded */
};

/* What an item parser says of one list entry. */
enum rw_config_status { RW_CONF_OK = 0, RW_CONF_BAD, RW_CONF_NOMEM };

struct rw_config_key;

/*
 * rw_config_item_fn - parse one list entry and add it to the target.
 * @param line	where it was written (in the file, or in the "file:" list)
 * @param err	on RW_CONF_BAD, the reason; the engine reports it as
 *		"file:line: key: reason"
 * @return	RW_CONF_OK, RW_CONF_BAD, or RW_CONF_NOMEM (the whole parse fails)
 */
typedef enum rw_config_status rw_config_item_fn(void *target,
    const struct rw_config_key *, const char *item, unsigned int line,
    char *err, size_t errlen);
/*
 * rw_config_check_fn - a rule a typed value must also follow, called after
 * the value is stored; false with a whole message ("file:line: " is added).
 */
typedef bool rw_config_check_fn(const void *target,
    const struct rw_config_key *, const char *value, char *err, size_t errlen);
/* rw_config_release_fn - free a list's entries and leave it empty */
typedef void rw_config_release_fn(void *target, const struct rw_config_key *);

#define RW_CONF_COMMAS	0x1	/* RW_CONF_LIST: separated by commas only */

struct rw_config_key {
	const char		*name;		/* snake_case */
	enum rw_config_type	 type;
	const char		*def;		/* default, as a value */
	size_t			 off;		/* field in the target struct */
	size_t			 size;		/* its size (WORD: int or bool) */
	long			 min, max;	/* bounds; max: also octal, string */
	const struct rw_config_word *words;	/* WORD; LIST: entries' words */
	int			 arg;		/* for the hooks (DNS list kind) */
	unsigned int		 flags;		/* RW_CONF_COMMAS */
	rw_config_item_fn	*item;		/* LIST: one entry */
	rw_config_release_fn	*release;	/* LIST: free (NULL only if
						   another row frees the field) */
	rw_config_check_fn	*check;		/* optional */
};

/* RW_CONF_AT - .off and .size of field f of type, in a row's initializer */
#define RW_CONF_AT(type, f) \
	.off = offsetof(type, f), .size = sizeof(((type *)0)->f)

struct rw_config_keytab {
	const struct rw_config_key *keys;
	size_t			 nkeys;
};

/* rw_config_keys - the core's key table, for documentation checks */
const struct rw_config_keytab *rw_config_keys(void);

/*
 * rw_config_parse_extra - rw_config_parse() with a caller's key table.
 * @param extra	       more keys (NULL: none); no name may be a core key's
 * @param extra_target the struct extra's offsets point into; must be
 *		       zero-filled. Every extra key gets its default first.
 * @return	       as rw_config_parse(). On failure the fields of
 *		       extra_target are released again; on success the
 *		       caller releases them with rw_config_keytab_free().
 * A key in neither table is "file:line: unknown key".
 */
struct rw_config *rw_config_parse_extra(const char *text, const char *source,
    rw_config_reader *reader, void *reader_ctx,
    const struct rw_config_keytab *extra, void *extra_target,
    char *err, size_t errlen);

/*
 * rw_config_keytab_free - free what the table's keys allocated in target
 * (strings, lists) and leave those fields empty; target itself is the
 * caller's.
 */
void	rw_config_keytab_free(const struct rw_config_keytab *, void *target);

/* ------------------------------------------------------------ profiles */

/*
 * Policy per listener (profile.c): "[profile NAME]" sections at the end
 * of the file, each with "match = name WORD, port N, addr IP" and any
 * policy key; unset keys inherit the main part.
 */
#define RW_PROFILE_MATCH_MAX	16

enum rw_match_kind { RW_MATCH_NAME = 0, RW_MATCH_PORT, RW_MATCH_ADDR };

struct rw_profile_match {
	enum rw_match_kind kind;
	char		 name[64];	/* NAME: {daemon_name} */
	unsigned int	 port;		/* PORT: {daemon_port} */
	struct rw_ip	 addr;		/* ADDR: {daemon_addr} or {if_addr} */
};

struct rw_profile {
	char			*name;
	struct rw_profile_match	*match;
	size_t			 nmatch;
	struct rw_config	*cfg;	/* the effective policy */
	unsigned int		 line;	/* of the "[profile NAME]" line */
};

struct rw_profiles {
	struct rw_profile	*v;	/* in file order */
	size_t			 n;
};

/* The listener a client reached, as the MTA's macros give it; NULL: unknown */
struct rw_listener {
	const char	*name;		/* {daemon_name} */
	const char	*port;		/* {daemon_port} */
	const char	*addr;		/* {daemon_addr}, else {if_addr} */
};

/*
 * rw_profiles_main_text - the text with every "[profile]" section's lines
 * blanked (line numbers kept), for rw_config_parse*(); NULL: no memory.
 * Side effects: allocates; the caller frees.
 */
char	*rw_profiles_main_text(const char *text);

/*
 * rw_profiles_parse - every "[profile NAME]" section of text.
 * @param out	receives the profiles (none: n = 0); rw_profiles_free()
 * @param err	every error, one "file:line: msg" a line
 * @return	false on any error (out holds nothing then).
 * It is an error to call it when the main part does not parse.
 */
bool	rw_profiles_parse(const char *text, const char *source,
	    rw_config_reader *reader, void *reader_ctx, struct rw_profiles *out,
	    char *err, size_t errlen);
void	rw_profiles_free(struct rw_profiles *);

/*
 * rw_profiles_select - the first profile in file order one of whose
 * match entries fits the listener; NULL: the main policy applies.
 */
const struct rw_profile *rw_profiles_select(const struct rw_profiles *,
	    const struct rw_listener *);
/* rw_profile_match_text - the match entries as written, for -t and logs */
void	rw_profile_match_text(const struct rw_profile *, char *buf, size_t len);

/* ------------------------------------------------------------ helpers */

/* rw_ip_parse - parse text (v4, v6, "IPv6:" prefix allowed); true on success */
bool	rw_ip_parse(const char *text, struct rw_ip *out);
void	rw_ip_format(const struct rw_ip *, char *buf, size_t len);

/* rw_cidr_parse - "addr[/len]"; writes a reason on failure */
bool	rw_cidr_parse(const char *text, struct rw_cidr *out, char *err,
	    size_t errlen);
bool	rw_cidr_match(const struct rw_cidr *, const struct rw_ip *);
bool	rw_cidr_list_match(const struct rw_cidr_list *, const struct rw_ip *);

/*
 * rw_domain_normalize - lowercase, drop one trailing dot, check the
 * syntax of a host name or address literal. Literals come back in a
 * canonical form ("[192.0.2.1]", "[ipv6:2001:db8::1]"). On failure,
 * returns false with the reason in err, and out is "" (outlen > 0).
 */
bool	rw_domain_normalize(const char *in, char *out, size_t outlen,
	    char *err, size_t errlen);
bool	rw_domain_list_match(const struct rw_domain_list *, const char *domain);

/* ------------------------------------------------------------ address analysis */

enum rw_addr_class {
	RW_ADDR_NULL = 0,	/* <> */
	RW_ADDR_PLAIN,		/* local@domain or bare local, no routing */
	RW_ADDR_ROUTED,		/* source route, percent hack or bang path */
	RW_ADDR_UNCLEAR,	/* cannot tell where it would go: refuse */
	RW_ADDR_INVALID		/* not an address */
};

struct rw_address {
	enum rw_addr_class	 cls;
	char			 local[RW_ADDR_MAX + 1];	/* as given, quotes kept */
	char			 domain[RW_HOSTNAME_MAX + 1];	/* normalized; "" if bare */
	/* every host the address would be handed to, domain included */
	char			 hops[RW_HOPS_MAX][RW_HOSTNAME_MAX + 1];
	size_t			 nhops;
	const char		*why;		/* static text for UNCLEAR/INVALID/ROUTED */
};

/*
 * rw_address_parse - take an envelope address apart (RFC 5321 path,
 * with the legacy routing forms an old sendmail may still honour).
 */
void	rw_address_parse(const char *raw, struct rw_address *out);

/* ------------------------------------------------------------ content: URLs */

/*
 * URLs found in a message (url.c, html.c): extracted raw from text and
 * HTML, then normalised the way the recipient's client would follow
 * them. Pure: no DNS, no I/O.
 */
#define RW_URL_MAX	2048	/* a normalised URL, bytes with NUL */

/* What a URL's writer did to hide where it points (rw_url_normalise). */
enum rw_url_trick {
	RW_URLT_PERCENT_HOST	= 1u << 0,	/* %xx in the host */
	RW_URLT_NUMERIC_HOST	= 1u << 1,	/* hex, octal, dword or short IP */
	RW_URLT_USERINFO	= 1u << 2,	/* a host-like user: bank.example@evil */
	RW_URLT_ENTITY_HOST	= 1u << 3,	/* HTML character references in the host */
	RW_URLT_PERCENT_PATH	= 1u << 4,	/* unreserved letters/digits %-encoded */
	RW_URLT_BAD_HOST	= 1u << 5	/* a host no client could use */
};

struct rw_url {
	char		 text[RW_URL_MAX];	/* normalised: scheme://host[:port]/... */
	char		 host[RW_HOSTNAME_MAX + 1];	/* lowercase A-label, no
						   trailing dot; an IP in
						   canonical text, v6 without [] */
	bool		 host_ip;		/* the host is an address: ip */
	struct rw_ip	 ip;
	unsigned int	 tricks;		/* enum rw_url_trick bits */
	bool		 truncated;		/* text was cut at RW_URL_MAX */
};

/*
 * rw_url_normalise - one raw URL (as found: entities already decoded by
 * the HTML reader, percent-escapes not) to its normal form: scheme and
 * host lowercased, host percent-decoded, userinfo dropped, numeric host
 * forms to dotted quads, IDN to punycode, trailing dots dropped; the
 * tricks found are recorded. False: not a URL with a host we can read.
 */
bool	rw_url_normalise(const char *raw, size_t len, struct rw_url *out);
/* rw_url_obfuscated - the tricks that count as hiding the destination */
bool	rw_url_obfuscated(const struct rw_url *);
/* rw_url_trick_text - "percent-host,numeric-host", for logs; "" for none */
void	rw_url_trick_text(unsigned int tricks, char *buf, size_t len);
/*
 * rw_url_sink - one raw URL found (not yet normalised); false: stop
 * scanning (the caller has enough)
 */
typedef bool rw_url_sink(void *ctx, const char *raw, size_t len);
/* rw_url_scan_text - the URLs written in plain text (scheme:// or www.) */
void	rw_url_scan_text(const char *text, size_t len, rw_url_sink *, void *ctx);
/*
 * rw_html_reduce - an HTML part to its visible text (tags, comments,
 * script and style dropped, character references decoded, block
 * elements as line breaks) in out (at most outlen - 1 bytes, NUL
 * ended; returns the length written), and every link (href, src,
 * action, ..., with references decoded) to sink; the visible text's own
 * bare URLs are left to rw_url_scan_text. *truncated: out was too small.
 */
size_t	rw_html_reduce(const char *html, size_t len, char *out, size_t outlen,
	    bool *truncated, rw_url_sink *, void *ctx);

/* ------------------------------------------------------------ content: the message */

/*
 * The message as the recipient's client will show it, built by the
 * glue's MIME reader (milter/mime.c) through the functions below
 * (message.c) and judged by the content checks at end of message.
 * Every text is UTF-8 and allocated; all of it is bounded by the scan
 * cap the glue applies.
 */
#define RW_MSG_URLS_MAX	512	/* distinct URLs kept; more are counted */

/* What was wrong with the MIME structure (a fact rules can use). */
enum rw_mime_defect {
	RW_MIME_BAD_BOUNDARY	= 1u << 0,	/* multipart boundary missing or unclosed */
	RW_MIME_BAD_ENCODING	= 1u << 1,	/* base64 / quoted-printable broken */
	RW_MIME_BAD_CHARSET	= 1u << 2,	/* unknown charset, or bytes invalid in it */
	RW_MIME_TOO_DEEP	= 1u << 3,	/* nesting beyond what is read */
	RW_MIME_BAD_HEADER	= 1u << 4,	/* a header that does not parse */
	RW_MIME_TRUNCATED	= 1u << 5	/* over the scan cap: prefix read */
};

struct rw_msg_header {
	char		*name;
	char		*value;		/* unfolded, RFC 2047 words decoded */
};

/* A leaf part: every one has a type; an attachment also a name. */
struct rw_msg_part {
	char		*type;		/* "application/pdf", lowercased */
	char		*filename;	/* decoded; "" when none */
	bool		 attachment;	/* Content-Disposition attachment or a name */
};

struct rw_msg_url {
	char		*text;		/* rw_url.text */
	char		*host;
	bool		 host_ip;
	struct rw_ip	 ip;
	unsigned int	 tricks;
};

struct rw_message {
	struct rw_msg_header *headers;	/* in message order */
	size_t		 nheaders, headers_cap;
	char		*text;		/* decoded text parts, "\n" between */
	size_t		 textlen, text_cap;
	struct rw_msg_url *urls;	/* distinct by text, in order found */
	size_t		 nurls, urls_cap, urls_dropped;
	struct rw_msg_part *parts;
	size_t		 nparts, parts_cap;
	unsigned int	 defects;	/* enum rw_mime_defect bits */
	size_t		 bytes;		/* message bytes read (header and body) */
	bool		 nomem;		/* an add failed: judge as internal error */
};

void	rw_message_init(struct rw_message *);
void	rw_message_release(struct rw_message *);
/* each false when out of memory (and m->nomem set) */
bool	rw_message_add_header(struct rw_message *, const char *name,
	    const char *value);
bool	rw_message_add_text(struct rw_message *, const char *text, size_t len);
/* rw_message_add_url - kept once per text; past RW_MSG_URLS_MAX counted */
bool	rw_message_add_url(struct rw_message *, const struct rw_url *);
bool	rw_message_add_part(struct rw_message *, const char *type,
	    const char *filename, bool attachment);

/* ------------------------------------------------------------ content: URI lists */

/*
 * URI block lists (uribl.c): the hosts a message links to, each looked
 * up as its registered domain (the Public Suffix List through libpsl)
 * or, for an IP host, as its reversed address (RFC 5782 2.1, 2.4), in
 * the lists of the "uribl" key. Their weights join the connection's
 * list score at end of message.
 */
#define RW_URIBL_LOOKUPS_MAX	100	/* bound of uribl_max_lookups */

/* One thing to look up. */
struct rw_uri_subject {
	char		 name[RW_HOSTNAME_MAX + 1];	/* registered domain, or
						   the address as text */
	bool		 ip;
	struct rw_ip	 addr;		/* ip */
};

/* One URI list's answer for this message. */
struct rw_uribl_fact {
	/*
	 * status: OK when any subject got an answer (a listing the first
	 * listed subject's, else the first answer); TIMEOUT or SERVFAIL
	 * when no subject is listed and one was not answered; NXDOMAIN or
	 * NODATA when none is listed; NOT_ASKED with no subject (or the
	 * list suspended). a[]: the answers of subject. txt: its TXT.
	 */
	struct rw_dnsbl_fact bl;
	char		 subject[RW_HOSTNAME_MAX + 1];	/* the first listed; "" */
	size_t		 asked;		/* subjects looked up */
};

struct psl_ctx_st;	/* libpsl's list; NULL: its built-in copy */
struct rw_facts;

/*
 * rw_uribl_subjects - the message's lookup subjects, distinct, in the
 * order their URLs were found: a name host's registered domain
 * (www.evil.example.co.uk -> example.co.uk), an IP host as itself. A
 * host that is a public suffix alone (co.uk, localhost) has no
 * registered domain and is skipped.
 * @param psl	the Public Suffix List (the glue may load a newer one
 *		than the built-in); NULL: libpsl's built-in copy
 * @param max	room in out (the configuration's uribl_max_lookups)
 * @param dropped URLs whose new subject did not fit in max (not looked up)
 * @return	subjects written to out
 */
size_t	rw_uribl_subjects(const struct rw_message *, const struct psl_ctx_st *psl,
	    struct rw_uri_subject *out, size_t max, size_t *dropped);
/* rw_uribl_query - the subject's query name under zone; false if too long */
bool	rw_uribl_query(const struct rw_uri_subject *, const char *zone,
	    char *out, size_t len);
/*
 * rw_uribl_record - one subject's A answer (host order) for list z,
 * merged into its fact: the first listing wins; then an unanswered
 * subject (the list's answer is uncertain); then any answer; then
 * "not listed".
 */
void	rw_uribl_record(const struct rw_dnsbl_zone *, struct rw_uribl_fact *,
	    const struct rw_uri_subject *, enum rw_dns_status,
	    const uint32_t *a, size_t na);
/* rw_uribl_counts - the fact is a listing that counts (not suspended) */
bool	rw_uribl_counts(const struct rw_dnsbl_zone *, const struct rw_uribl_fact *);
/* rw_uribl_lists - the configuration has URI lists */
bool	rw_uribl_lists(const struct rw_config *);
/* rw_uribl_facts - room for n URI facts (not asked); false: no memory */
bool	rw_uribl_facts(struct rw_facts *, size_t n);
/* rw_uribl_facts_release - the transaction's URI facts are freed */
void	rw_uribl_facts_release(struct rw_facts *);

/* ------------------------------------------------------------ content: rules */

/* What the glue must ask the MTA for (rw_content_needs). */
enum rw_content_need {
	RW_NEED_HEADERS	= 1u << 0,	/* the header step */
	RW_NEED_BODY	= 1u << 1	/* the body: MIME read at end of message */
};
/*
 * rw_content_needs - the steps this configuration's content checks need
 * (rules, url_obfuscation, uribl); 0: none, the MTA sends no body.
 */
unsigned int rw_content_needs(const struct rw_config *);

/* One rule that matched, for the log (one line each) and the query tool. */
struct rw_rule_hit {
	const char	*rule;		/* its name (the configuration's) */
	unsigned int	 line;		/* in the rules file */
	enum rw_action	 action;
	bool		 dryrun;	/* the rule's own dryrun */
	char		 where[64];	/* "header Subject", "url", "body", ... */
	char		 matched[128];	/* the matched text, sanitised, cut */
	const char	*reply;		/* the rule's reply text; NULL: default */
	const char	*source;	/* the rules file, for "file:line" */
};

#define RW_RULES_MAX		1000	/* rules in one file */
#define RW_RULE_HITS_MAX	64	/* hits kept per message; more counted */
#define RW_RULE_ERRORS_MAX	16	/* rule errors kept per message */

/*
 * A rule that could not be matched against the message (its match
 * limit reached): treated as no match, logged by the glue as an error
 * of that rule (never a refusal, never a stall).
 */
struct rw_rule_error {
	const char	*rule;
	unsigned int	 line;
	char		 where[64];
	char		 why[96];
};

/*
 * rw_rules_parse - a rules file's text (rules.c; format in rules(5))
 * compiled into *out. Every error is written to err as "source:line:
 * msg" lines; false then (and *out NULL). An empty file is no rules.
 * Release with rw_rules_free().
 */
bool	rw_rules_parse(const char *text, const char *source,
	    struct rw_rules **out, char *err, size_t errlen);
void	rw_rules_free(struct rw_rules *);
/* rw_rules_count - rules in the file (NULL: 0) */
size_t	rw_rules_count(const struct rw_rules *);
/* rw_rules_source - the rules file's name as configured */
const char *rw_rules_source(const struct rw_rules *);

/* ------------------------------------------------------------ facts, verdicts, session */

/*
 * Text facts are sized by what they hold, not by their protocol limit:
 * an MTA holds many sessions idle, and each would otherwise carry every
 * field's worst case. Each points at rw_fact_empty ("") or at its own
 * allocated copy, set only through rw_fact_set(); its length is bounded
 * as if it were a field of the size given in its comment (the copy is
 * made through such a buffer, truncation reported as before).
 */
extern const char rw_fact_empty[];

/*
 * The rules' hits and errors on one message: allocated by
 * rw_rules_eval() at the first of either (most messages have none),
 * freed with the transaction.
 */
struct rw_rule_results {
	struct rw_rule_hit *hits;	/* in file order */
	size_t		 nhits, hits_cap, hits_dropped;
	struct rw_rule_error *errors;	/* RW_RULE_ERRORS_MAX */
	size_t		 nerrors;
};

/*
 * A held session carries its facts (2,000 sessions held is 2,000 of
 * them), so each group keeps its small fields together, leaving no
 * padding between them.
 */
struct rw_facts {
	/* connection */
	struct rw_ip	 client_ip;
	struct rw_ip	 server_ip;		/* {daemon_addr} or {if_addr} */
	bool		 client_known;		/* false: the MTA gave no address */
	bool		 server_known;		/* the MTA said where it was reached */
	char		 client_addr[RW_IPTEXT_MAX];	/* text, "unknown" if not known */
	const char	*client_name;		/* RW_HOSTNAME_MAX */
	const char	*helo;			/* RW_HOSTNAME_MAX */
	const char	*mta_host;		/* RW_HOSTNAME_MAX; macro j */
	/* transaction */
	bool		 authenticated;
	bool		 sender_overlong;	/* longer than RW_ADDR_MAX: hostile */
	bool		 rcpt_overlong;
	/* derived by the session */
	bool		 trusted_network;
	bool		 client_ok;		/* client_access said OK */
	bool		 insider;		/* trusted network or authenticated */
	/* client_access by the verified name, decided at dns_verdict_stage */
	bool		 name_checked;
	bool		 dns_ready;	/* the glue gathered DNS facts for this stage */
	bool		 rules_done;	/* rw_rules_eval() ran on msg */
	unsigned int	 nrcpt_accepted;	/* recipients accepted so far */
	const char	*auth_user;		/* RW_ADDR_MAX */
	const char	*sender;		/* RW_ADDR_MAX, without <> */
	const char	*rcpt;			/* RW_ADDR_MAX, the one being judged */
	const struct rw_client_name_rule *name_rule;	/* NULL: none matched */
	enum rw_stage	 stage;		/* the stage being decided */
	/* reverse DNS (filled by the glue before the DNS verdict stage) */
	enum rw_dns_status ptr_status;
	enum rw_rdns_result rdns;
	const char	*ptr_name;	/* RW_HOSTNAME_MAX; verified, else first */
	/*
	 * lists, parallel to cfg->dnsbl[]: cfg->ndnsbl entries, allocated
	 * by rw_facts_lists() when the glue gathers them (a session without
	 * lists, or not gathered yet, holds none: NULL reads as not asked)
	 */
	struct rw_dnsbl_fact *bl;
	size_t		 nbl;		/* entries in bl (for the release) */
	/* SPF (filled by the glue at HELO and MAIL) */
	struct rw_spf_note spf_helo;
	struct rw_spf_note spf_mail;
	/* rate limits and greylisting (filled by the state gatherer) */
	struct rw_state_fact *state;	/* NULL: no state asked this session
					   (allocated by rw_state_begin) */
	/* content (end of message): the message as read; NULL: not read */
	const struct rw_message *msg;
	/* the rules' hits on msg (rw_rules_eval); NULL: none, no error */
	struct rw_rule_results *rules;
	/*
	 * URI lists, parallel to cfg->dnsbl[] (only the uribl entries are
	 * used), gathered at end of message (rw_uribl_facts); NULL: not
	 * gathered. Freed with the transaction.
	 */
	struct rw_uribl_fact *uri;
	size_t		 nuri;		/* entries in uri (for the release) */
};

struct rw_verdict {
	enum rw_action	 action;	/* what the policy decided */
	bool		 dryrun;	/* decided, but not enforced (mode = dryrun) */
	const char	*check;		/* "relay", "client_access", ...; static */
	char		 rcode[4];	/* "550" */
	char		 xcode[8];	/* "5.7.1" */
	char		 text[RW_REPLY_MAX];
	char		 reason[RW_REASON_MAX];
	char		 tag[RW_TAG_MAX];	/* TAG: "rdns=none", for the header */
};

/*
 * What a stage's checks decided that outlives the stage: a TAG (for
 * X-Relaywarden-Tag) or, in dryrun mode, a refusal not enforced (for
 * X-Relaywarden-Dryrun). Outcomes of CONNECT and HELO belong to the
 * connection and are kept across transactions; the others to the
 * transaction.
 */
struct rw_outcome {
	enum rw_stage	 stage;
	struct rw_verdict v;
	char		 subject[RW_ADDR_MAX + 1];	/* the recipient or sender */
};

struct rw_session {
	const struct rw_config	*cfg;
	struct rw_facts		 f;
	const char		*authserv_id;	/* RW_HOSTNAME_MAX; a fact text */
	/*
	 * tags and dryrun notes, in the order decided: allocated as they
	 * come (most sessions have none), at most RW_OUTCOMES_MAX
	 */
	struct rw_outcome	*outcomes;
	size_t			 noutcomes;
	size_t			 outcomes_cap;	/* allocated entries */
	size_t			 outcomes_dropped;
	bool			 nomem;		/* an allocation failed: the
						   stage must tempfail */
	/* incoming Authentication-Results carrying our authserv-id */
	unsigned int		 ar_seen;
	unsigned int		*ar_forged;	/* their indexes, RW_AR_FORGED_MAX,
						   allocated at the first one */
	size_t			 nar_forged;
};

/*
 * rw_check_fn - one check: look at the facts, say CONTINUE or fill in the
 * verdict (rw_verdict_set, rw_verdict_tag) and return its action: TAG,
 * TEMPFAIL or REJECT. A check never changes the facts.
 */
typedef enum rw_action rw_check_fn(const struct rw_config *,
    const struct rw_facts *, struct rw_verdict *);

/*
 * The session: every stage goes the same way. The glue records what the
 * MTA gave (rw_session_record_*), starts and awaits its gatherers (DNS,
 * SPF), then calls rw_session_decide() once for the stage. decide runs
 * the stage's checks from the table in session.c, once each, and returns
 * the action the MTA must be given: TEMPFAIL or REJECT (the first check
 * that refuses ends the stage), else CONTINUE; v->action is TAG when a
 * check tagged (the tag is recorded for the header). In dryrun mode a
 * refusal is recorded as an outcome, v->dryrun is set, and CONTINUE is
 * returned. The verdict always describes what the policy decided, for
 * the log. At the end of the message rw_session_header_next() lists the
 * header edits, built from the recorded facts and outcomes.
 */
void	rw_session_init(struct rw_session *, const struct rw_config *);
/* rw_session_release - free what the session allocated; init may follow */
void	rw_session_release(struct rw_session *);
/*
 * rw_facts_lists - make room for the facts of cfg->ndnsbl lists (not
 * asked, no TXT: txt is rw_fact_empty), once per session; false when out
 * of memory. Released by
 * rw_session_release() (or rw_facts_release() for facts of one's own).
 */
bool	rw_facts_lists(struct rw_facts *, size_t n);
/* rw_facts_init - empty facts: every text "", no lists (instead of memset) */
void	rw_facts_init(struct rw_facts *);
/* rw_facts_release - free the texts and list facts; they read "" / none */
void	rw_facts_release(struct rw_facts *);
/*
 * rw_fact_set - *field becomes a copy of value (NULL: ""), its old copy
 * freed. False when out of memory: the field is then "" (the caller
 * makes the stage tempfail). Bounding the length is the caller's.
 */
bool	rw_fact_set(const char **field, const char *value);
/* rw_fact_clear - *field becomes "", its copy freed */
void	rw_fact_clear(const char **field);
/* rw_spf_note_set - keep an evaluation's outcome; false when out of
 * memory (the note then reads "not checked") */
bool	rw_spf_note_set(struct rw_spf_note *, const struct rw_spf_fact *);
/* rw_spf_note_clear - not checked, texts freed */
void	rw_spf_note_clear(struct rw_spf_note *);
/* mta_host: the MTA's own name (macro j), the authserv-id unless configured */
void	rw_session_record_connect(struct rw_session *, const char *addr,
	    const char *name, const char *mta_host);
void	rw_session_record_helo(struct rw_session *, const char *helo);
/*
 * rw_session_record_server - the address the client connected to
 * ({daemon_addr}, else {if_addr}), after connect; NULL or unparsable: unknown
 */
void	rw_session_record_server(struct rw_session *, const char *addr);
/* rw_session_record_mail - a new transaction: sender and authentication */
void	rw_session_record_mail(struct rw_session *, const char *sender,
	    const char *auth_user);
void	rw_session_record_rcpt(struct rw_session *, const char *rcpt);
/* rw_session_record_header - one header of the incoming message */
void	rw_session_record_header(struct rw_session *, const char *name,
	    const char *value);
enum rw_action rw_session_decide(struct rw_session *, enum rw_stage,
	    struct rw_verdict *);
/*
 * rw_session_nomem - an allocation failed (an outcome could not be kept):
 * the caller answers as for any internal error, never with a 5xx
 */
bool	rw_session_nomem(const struct rw_session *);
/* rw_session_reset - the transaction ends (RSET, abort, end of message) */
void	rw_session_reset(struct rw_session *);

/*
 * rw_session_record_message - the message as read, for the end of
 * message checks; the session keeps the pointer (the caller's, alive
 * until rw_session_reset), NULL forgets it.
 */
void	rw_session_record_message(struct rw_session *, const struct rw_message *);
/*
 * rw_session_rule_hits - the rules that matched at end of message (each
 * logged on its own line), in file order; *n of them.
 */
const struct rw_rule_hit *rw_session_rule_hits(const struct rw_session *,
	    size_t *n);
/*
 * rw_session_rule_errors - the rules that could not be matched (their
 * match limit reached: no match), one log line each as errors; *n.
 */
const struct rw_rule_error *rw_session_rule_errors(const struct rw_session *,
	    size_t *n);
/*
 * rw_session_quarantine - a QUARANTINE was decided (and not in dryrun):
 * true, with the reason for the MTA's hold queue in buf.
 */
bool	rw_session_quarantine(const struct rw_session *, char *buf, size_t len);

/* rw_session_stage_used - does any check run at this stage */
bool	rw_session_stage_used(const struct rw_config *, enum rw_stage);
/* rw_session_wants_headers - the header step is needed (forged A-R removal) */
bool	rw_session_wants_headers(const struct rw_config *);

/* The headers relaywarden writes of its own (RFC 8601 and RFC 7208 ones aside). */
#define RW_HEADER_TAG		"X-Relaywarden-Tag"
#define RW_HEADER_DRYRUN	"X-Relaywarden-Dryrun"

enum rw_header_op {
	RW_HDR_DELETE = 0,	/* the index-th header of this name (1-based) */
	RW_HDR_INSERT_TOP,	/* our verdicts: above the MTA's Received */
	RW_HDR_APPEND
};

struct rw_header_edit {
	enum rw_header_op op;
	const char	*name;		/* static */
	unsigned int	 index;		/* DELETE */
	char		 value[RW_HEADER_MAX];	/* DELETE: why, for the log */
};

/*
 * rw_session_header_next - the next header edit at end of message;
 * start with *cursor = 0; false when there are no more. Forged
 * Authentication-Results first (last first, so indexes stay valid),
 * then Received-SPF, Authentication-Results, X-Relaywarden-Tag and
 * X-Relaywarden-Dryrun, each only when it has something to say.
 */
bool	rw_session_header_next(const struct rw_session *, size_t *cursor,
	    struct rw_header_edit *);

/*
 * rw_session_dryrun_header - the dryrun notes as one header value;
 * false when there is nothing to report.
 */
bool	rw_session_dryrun_header(const struct rw_session *, char *buf,
	    size_t len);
/* rw_session_tags - the recorded tags, for X-Relaywarden-Tag */
bool	rw_session_tags(const struct rw_session *, char *buf, size_t len);

/*
 * rw_session_logline - the one log line per verdict, "stage=... action=...
 * check=... client=...[...] ... reason=\"...\"" (the daemon prefixes the
 * queue id). A line longer than len ends in "..." (use RW_LOGLINE_MAX).
 */
void	rw_session_logline(const struct rw_session *, enum rw_stage,
	    const struct rw_verdict *, char *buf, size_t len);

const char *rw_action_name(enum rw_action);
const char *rw_stage_name(enum rw_stage);

/* ------------------------------------------------------------ state plans */

/*
 * What the store must be asked at a stage, built by the pure core from
 * the configuration and the facts (rw_state_plan), run by the glue's
 * state gatherer, each op one atomic store call, and judged by the
 * rate_limit and greylist checks on the results (struct rw_state_fact).
 */
#define RW_STATE_OPS_MAX	16

enum rw_state_op_kind {
	RW_SOP_RATE = 0,	/* rw_store_rate(key, spec, n); n 0: a peek */
	RW_SOP_CONCURRENCY,	/* rw_store_concurrency(key, +1), limit spec.limit */
	RW_SOP_GREY		/* rw_store_grey(key, net_key, grey) */
};

struct rw_state_op {
	enum rw_state_op_kind kind;
	enum rw_rate_counter counter;
	struct rw_rate_spec spec;
	unsigned int	 n;
	unsigned int	 line;		/* the rate_limit entry */
	char		 key[RW_STATE_KEY_MAX + 1];
	char		 net_key[RW_STATE_KEY_MAX + 1];	/* GREY */
};

struct rw_state_plan {
	struct rw_state_op op[RW_STATE_OPS_MAX];
	size_t		 n;
	struct rw_grey_spec grey;	/* for GREY ops */
};

/*
 * rw_state_plan - the store operations the stage's facts call for: at
 * CONNECT connections and concurrency (+1), at MAIL messages, at RCPT
 * recipients (counted), refused (a peek: n = 0) and the greylist
 * triplet. Only the rate_limit entry that applies to the client wins
 * for each counter and key: a user override, else the longest network
 * override, else its class (a class over "all"). An override of limit 0
 * means unlimited. Greylisting is skipped as configured. Empty when
 * nothing applies.
 */
void	rw_state_plan(const struct rw_config *, const struct rw_facts *,
	    enum rw_stage, struct rw_state_plan *);
/*
 * rw_state_plan_refused - a recipient was refused (by us, not by the
 * rate limit itself, or by the MTA): the ops that count it (n = 1).
 */
void	rw_state_plan_refused(const struct rw_config *, const struct rw_facts *,
	    struct rw_state_plan *);
/*
 * rw_state_begin - a stage's state facts start empty (the texts are
 * facts: freed by it and by rw_facts_release). The facts are allocated
 * the first time a session asks the store: a session of a policy without
 * rate limits or greylisting holds none. false: out of memory.
 */
bool	rw_state_begin(struct rw_facts *);
/*
 * rw_state_fact_clear - the facts read "nothing asked": their texts freed
 * and "" (never NULL); a zeroed one (calloc) may be cleared too. The one
 * place that knows which of them are texts.
 */
void	rw_state_fact_clear(struct rw_state_fact *);
/*
 * rw_state_record_rate - one RATE or CONCURRENCY op's answer; the first
 * one over its limit is kept for the verdict.
 */
void	rw_state_record_rate(struct rw_facts *, const struct rw_state_op *,
	    bool allowed, uint64_t retry_ms, long count);
void	rw_state_record_grey(struct rw_facts *, const struct rw_state_op *,
	    enum rw_grey_state, unsigned int wait_s, bool net_allowlisted);
/* rw_state_record_failure - the store failed; the reason, for the verdict */
void	rw_state_record_failure(struct rw_facts *, const char *why);
/* rw_state_wants_rdns - greylisting needs the verified PTR name */
bool	rw_state_wants_rdns(const struct rw_config *);
/* rw_state_used - any rate limit or greylisting is configured */
bool	rw_state_used(const struct rw_config *);

/*
 * Keys (RW_STATE_KEY_MAX, printable ASCII, no spaces; a value that would
 * not fit is replaced by "#" and a 64-bit FNV-1a hash of it, never cut):
 *	rate:conn:ip:192.0.2.1/32  rate:msg:auth:alice  rate:rcpt:from:a@b
 *	rate:refused:fromdom:b  rate:msg:global  conc:ip:2001:db8::/64
 *	grey:198.51.100.0/24:sender@example.org:rcpt@example.net
 *	greynet:198.51.100.0/24
 */
/* rw_state_key_net - "192.0.2.0/24": addr masked to its family's prefix */
void	rw_state_key_net(const struct rw_ip *, unsigned int v4, unsigned int v6,
	    char *out, size_t len);
/* rw_state_grey_keys - the triplet's and the network's keys */
void	rw_state_grey_keys(const struct rw_config *, const struct rw_facts *,
	    char *triplet, char *net, size_t len);
const char *rw_rate_counter_name(enum rw_rate_counter);

/* ------------------------------------------------------------ DNS helpers (pure) */

/*
 * rw_dns_reverse_name - the RFC 5782 query name of an address under zone:
 * "4.3.2.1.zone" for IPv4, 32 reversed nibbles for IPv6. zone may be
 * NULL or "" for the bare reversed form. False if it does not fit.
 */
bool	rw_dns_reverse_name(const struct rw_ip *, const char *zone, char *out,
	    size_t len);
/* rw_dns_ptr_name - the in-addr.arpa / ip6.arpa name of an address */
bool	rw_dns_ptr_name(const struct rw_ip *, char *out, size_t len);
/* rw_dns_domain_query - "domain.zone" for RHSBL; false if too long */
bool	rw_dns_domain_query(const char *domain, const char *zone, char *out,
	    size_t len);
/*
 * rw_access_name_lookup - the client_access name entry for a verified
 * host name: an exact entry first, then the longest ".domain", then the
 * first glob or PCRE2 pattern in file order. *nomem is set when a match
 * could not be attempted for want of memory.
 */
const struct rw_client_name_rule *rw_access_name_lookup(
	    const struct rw_config *, const char *name, bool *nomem);
/* rw_glob_match - "*" and "?" within labels, labels matched one to one */
bool	rw_glob_match(const char *pattern, const char *name);

/* rw_txt_sanitize - untrusted DNS text to printable ASCII, bounded */
void	rw_txt_sanitize(char *dst, size_t size, const char *src, size_t srclen);
const char *rw_dns_status_name(enum rw_dns_status);
const char *rw_rdns_result_name(enum rw_rdns_result);

/* Classes of a DNSBL A answer (RFC 5782 2.1 and list practice). */
enum rw_bl_answer {
	RW_BLA_LISTED = 0,	/* 127.0.0.2 .. 127.255.255.254, filter permitting */
	RW_BLA_FILTERED,	/* a listing code this list's filter does not count */
	RW_BLA_INVALID,		/* outside 127/8, or 127.0.0.1: never a listing */
	RW_BLA_LIST_ERROR	/* 127.255.255.x: the list refuses us (rate limit, open resolver) */
};
enum rw_bl_answer rw_dnsbl_classify(const struct rw_dnsbl_zone *, uint32_t a);
/* rw_dnsbl_parse - "[name@]zone[=filter][*weight]"; reason on failure */
bool	rw_dnsbl_parse(const char *spec, enum rw_dnsbl_kind, struct rw_dnsbl_zone *,
	    char *err, size_t errlen);
/*
 * rw_dnsbl_score - sum of weights of lists that count; names the listing
 * ones by their display names (never the zone: it may hold a key)
 */
int	rw_dnsbl_score(const struct rw_config *, const struct rw_facts *,
	    char *names, size_t len);
/* rw_rdns_evaluate - PTR status, number of PTR names, forward results */
enum rw_rdns_result rw_rdns_evaluate(enum rw_dns_status ptr, size_t nnames,
	    bool forward_match, bool forward_temporary);
const char *rw_spf_result_name(enum rw_spf_result);
/*
 * rw_spf_received - RFC 7208 9.1 Received-SPF value for the MAIL FROM
 * identity (identity=mailfrom, envelope-from given: the form OpenDMARC
 * reads); false when SPF was not checked.
 */
bool	rw_spf_received(const struct rw_facts *, const char *receiver, char *buf,
	    size_t len);
/* rw_auth_results - RFC 8601 Authentication-Results value for the session */
bool	rw_auth_results(const struct rw_config *, const struct rw_facts *,
	    const char *authserv_id, char *buf, size_t len);

/* ------------------------------------------------------------ strings */

/* rw_strlcpy_ok - bounded copy; false (and an empty dst) on truncation */
bool	rw_strlcpy_ok(char *dst, const char *src, size_t size);
/* rw_sanitize - copy with control and non-ASCII bytes escaped, bounded */
void	rw_sanitize(char *dst, size_t size, const char *src);
void	rw_lowercase(char *);
bool	rw_strieq(const char *, const char *);

#endif /* RW_POLICY_H */
