/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	daemonconf - the daemon's own configuration keys
 * SYNOPSIS
 *	#include "daemonconf.h"
 * DESCRIPTION
 *	keys[] defines the keys that only milter/ reads, as rows of the
 *	policy core's key-table engine (policy/config.c) whose fields are
 *	in struct rw_daemon_conf: the core does not grow with each I/O
 *	option. rw_daemon_conf_parse() parses the core's table and this
 *	one from the same text with rw_config_parse_extra(), so a key of
 *	either table gets its default, its typed parser and its
 *	"file:line" errors the same way; a key in neither is unknown.
 *
 *	To add a daemon key: a field in struct rw_daemon_conf, a row
 *	here, a paragraph in doc/relaywarden.conf.5.in and
 *	contrib/relaywarden.conf.sample (tests/check-doc.sh reads this
 *	table too), a test row in tests/check_daemonconf.c and, if
 *	"relaywarden -t" should show it, a line in summary_lines().
 *
 *	The rules a value must follow beyond its type are here too (a
 *	socket's prefix, the probe interval's floor), and the one item
 *	parser (a DNS server address).
 *
 *	rw_daemon_conf_summary() puts the daemon's lines into the core's
 *	summary (rw_config_summary_extra()): the socket after the mode (and
 *	the session keys, when one differs from its default),
 *	the DNS and metrics lines before SPF, on_internal_error before the
 *	last line.
 *
 *	No I/O: "file:" lists come through the caller's reader.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemonconf.h"
#include "redisurl.h"

/* ------------------------------------------------------------ word lists */

static const struct rw_config_word words_internal_error[] = {
	{ "tempfail", RW_ACT_TEMPFAIL }, { "accept", RW_ACT_ACCEPT }, { NULL, 0 }
};
static const struct rw_config_word words_log_level[] = { /* bool log_debug */
	{ "info", 0 }, { "debug", 1 }, { NULL, 0 }
};

/* word_name - the word of a value */
static const char *
word_name(const struct rw_config_word *w, int value)
{
	for (; w->word != NULL; w++)
		if (w->value == value)
			return w->word;
	return "?";
}

/* ------------------------------------------------------------ rules */

/* check_socket - libmilter's socket forms, with something after the colon */
static bool
check_socket(const void *target, const struct rw_config_key *key,
    const char *value, char *err, size_t errlen)
{
	(void)target;
	(void)key;
	if (strncmp(value, "unix:", 5) != 0 && strncmp(value, "local:", 6) != 0 &&
	    strncmp(value, "inet:", 5) != 0 && strncmp(value, "inet6:", 6) != 0) {
		snprintf(err, errlen, "socket \"%s\" must start with unix:, "
		    "local:, inet: or inet6:", value);
		return false;
	}
	if (strchr(value, ':')[1] == '\0') {
		snprintf(err, errlen, "socket \"%s\" names no path or port", value);
		return false;
	}
	return true;
}

/* check_probe_interval - 0 (off) or at least 10 seconds */
static bool
check_probe_interval(const void *target, const struct rw_config_key *key,
    const char *value, char *err, size_t errlen)
{
	const struct rw_daemon_conf *dc = target;

	(void)value;
	if (dc->dnsbl_probe_interval > 0 && dc->dnsbl_probe_interval < 10) {
		snprintf(err, errlen, "%s: probing more often than every 10 "
		    "seconds would hammer the lists", key->name);
		return false;
	}
	return true;
}

/* rw_daemon_conf_split_listen - "ip:port" or "[ipv6]:port" */
bool
rw_daemon_conf_split_listen(const char *value, char *host, size_t hostlen,
    unsigned int *port, char *err, size_t errlen)
{
	const char *colon, *start = value;
	struct rw_ip ip;
	unsigned long pn;
	size_t	hl;
	char	*end;

	if (value[0] == '[') {
		const char *close = strchr(value, ']');

		if (close == NULL || close[1] != ':')
			goto bad;
		start = value + 1;
		hl = (size_t)(close - start);
		colon = close + 1;
	} else {
		if ((colon = strrchr(value, ':')) == NULL ||
		    memchr(value, ':', (size_t)(colon - value)) != NULL)
			goto bad;	/* no port, or a bare IPv6 address */
		hl = (size_t)(colon - value);
	}
	if (hl == 0 || hl >= hostlen)
		goto bad;
	memcpy(host, start, hl);
	host[hl] = '\0';
	if (!rw_ip_parse(host, &ip) || strncmp(host, "IPv6:", 5) == 0)
		goto bad;
	errno = 0;
	pn = strtoul(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno != 0 ||
	    pn == 0 || pn > 65535)
		goto bad;
	*port = (unsigned int)pn;
	return true;
bad:
	snprintf(err, errlen, "bad address \"%s\" (want an IP address and a "
	    "port: 127.0.0.1:9367 or [::1]:9367)", value);
	return false;
}

/* check_metrics_listen - "" (off) or an address and port */
static bool
check_metrics_listen(const void *target, const struct rw_config_key *key,
    const char *value, char *err, size_t errlen)
{
	char	host[RW_IPTEXT_MAX], why[256];
	unsigned int port;

	(void)target;
	if (value[0] == '\0')
		return true;
	if (rw_daemon_conf_split_listen(value, host, sizeof(host), &port, why,
	    sizeof(why)))
		return true;
	snprintf(err, errlen, "%s: %s", key->name, why);
	return false;
}

/* ------------------------------------------------------------ DNS servers */

/* item_dns_server - "ip", "ip:port", "[ipv6]", "[ipv6]:port", joined
 * with commas into one string for c-ares */
static enum rw_config_status
item_dns_server(void *target, const struct rw_config_key *key,
    const char *item, unsigned int line, char *err, size_t errlen)
{
	char	**servers = &((struct rw_daemon_conf *)target)->dns_servers;
	char	 host[RW_IPTEXT_MAX], *joined;
	const char *port = NULL, *close;
	struct rw_ip ip;
	size_t	 hl, old;
	unsigned long pn;
	char	*end;

	(void)key;
	(void)line;
	if (item[0] == '[') {
		if ((close = strchr(item, ']')) == NULL)
			goto bad;
		hl = (size_t)(close - item - 1);
		if (hl >= sizeof(host))
			goto bad;
		memcpy(host, item + 1, hl);
		host[hl] = '\0';
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			goto bad;
	} else {
		const char *colon = strchr(item, ':');

		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			goto bad;	/* bare IPv6 with a port is ambiguous */
		hl = colon != NULL ? (size_t)(colon - item) : strlen(item);
		if (hl >= sizeof(host))
			goto bad;
		memcpy(host, item, hl);
		host[hl] = '\0';
		if (colon != NULL)
			port = colon + 1;
	}
	if (!rw_ip_parse(host, &ip))
		goto bad;
	if (port != NULL) {
		errno = 0;
		pn = strtoul(port, &end, 10);
		if (*port == '\0' || *end != '\0' || errno != 0 || pn == 0 ||
		    pn > 65535)
			goto bad;
	}
	old = *servers != NULL ? strlen(*servers) : 0;
	if ((joined = realloc(*servers, old + strlen(item) + 2)) == NULL)
		return RW_CONF_NOMEM;
	if (old > 0)
		joined[old++] = ',';
	memcpy(joined + old, item, strlen(item) + 1);
	*servers = joined;
	return RW_CONF_OK;
bad:
	snprintf(err, errlen, "bad server \"%s\" (want 127.0.0.1, "
	    "127.0.0.1:5353, [::1] or [::1]:5353)", item);
	return RW_CONF_BAD;
}

/* release_dns_servers - the joined string; NULL is resolv.conf */
static void
release_dns_servers(void *target, const struct rw_config_key *key)
{
	struct rw_daemon_conf *dc = target;

	(void)key;
	free(dc->dns_servers);
	dc->dns_servers = NULL;
}

/*
 * check_state_store - a URL store.c knows; a Redis URL's syntax is
 * checked here (redisurl.c), so that a bad one is a file:line error
 */
static bool
check_state_store(const void *target, const struct rw_config_key *key,
    const char *value, char *err, size_t errlen)
{
	struct rw_redis_url u;
	char why[256];

	(void)target;
	(void)key;
	if (strncmp(value, "lmdb:/", 6) == 0)
		return true;
	if (strncmp(value, "redis://", 8) == 0 ||
	    strncmp(value, "redis+unix:", 11) == 0) {
#ifdef RW_HAVE_REDIS
		if (rw_redisurl_parse(value, &u, why, sizeof(why)))
			return true;
		snprintf(err, errlen, "state_store: %s", why);
#else
		(void)u;
		(void)why;
		snprintf(err, errlen, "state_store: relaywarden was built "
		    "without Redis support (configure --without-redis)");
#endif
		return false;
	}
	snprintf(err, errlen, "state_store \"%.100s\": lmdb:/path/state.lmdb, "
	    "redis://[user@]host[:port][/db] or redis+unix:/path[?db=N]",
	    value);
	return false;
}

/* check_state_prefix - printable, no spaces: it is part of every key */
static bool
check_state_prefix(const void *target, const struct rw_config_key *key,
    const char *value, char *err, size_t errlen)
{
	const char *p;

	(void)target;
	(void)key;
	for (p = value; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~') {
			snprintf(err, errlen, "state_prefix \"%.40s\": printable "
			    "characters without spaces", value);
			return false;
		}
	return true;
}

/* ------------------------------------------------------------ the table */

#define AT(f)	RW_CONF_AT(struct rw_daemon_conf, f)

static const struct rw_config_key keys[] = {
	/* process */
	{ .name = "socket", .type = RW_CONF_STRING, AT(socket),
	    .def = "unix:/run/relaywarden/relaywarden.sock", .check = check_socket },
	{ .name = "socket_mode", .type = RW_CONF_OCTAL, .def = "0660",
	    AT(socket_mode), .max = 0777 },
	{ .name = "socket_group", .type = RW_CONF_STRING, .def = "",
	    AT(socket_group) },
	{ .name = "pidfile", .type = RW_CONF_STRING, AT(pidfile),
	    .def = "/run/relaywarden/relaywarden.pid" },
	{ .name = "user", .type = RW_CONF_STRING, .def = "", AT(user) },
	{ .name = "on_internal_error", .type = RW_CONF_WORD, .def = "tempfail",
	    AT(on_internal_error), .words = words_internal_error },
	{ .name = "log_level", .type = RW_CONF_WORD, .def = "info",
	    AT(log_debug), .words = words_log_level },
	/* sessions */
	{ .name = "session_timeout", .type = RW_CONF_DURATION, .def = "330s",
	    AT(session_timeout_ms), .min = 1000, .max = 3600000 },
	{ .name = "drain_time", .type = RW_CONF_DURATION, .def = "10s",
	    AT(drain_time_ms), .min = 0, .max = 300000 },
	{ .name = "max_sessions", .type = RW_CONF_UINT, .def = "0",
	    AT(max_sessions), .min = 0, .max = 1000000 },
	/* resolver and prober */
	{ .name = "dns_servers", .type = RW_CONF_LIST, .def = "",
	    AT(dns_servers), .item = item_dns_server,
	    .release = release_dns_servers },
	{ .name = "dns_timeout", .type = RW_CONF_DURATION, .def = "2s",
	    AT(dns_timeout_ms), .min = 10, .max = 600000 },
	{ .name = "dns_retries", .type = RW_CONF_UINT, .def = "1",
	    AT(dns_retries), .min = 0, .max = 10 },
	{ .name = "dns_deadline", .type = RW_CONF_DURATION, .def = "8s",
	    AT(dns_deadline_ms), .min = 10, .max = 600000 },
	{ .name = "dns_cache_size", .type = RW_CONF_UINT, .def = "10000",
	    AT(dns_cache_size), .min = 0, .max = 10000000 },
	{ .name = "use_mta_ptr", .type = RW_CONF_BOOL, .def = "no",
	    AT(use_mta_ptr) },
	{ .name = "dnsbl_probe_interval", .type = RW_CONF_UINT, .def = "300",
	    AT(dnsbl_probe_interval), .min = 0, .max = 86400,
	    .check = check_probe_interval },
	/* metrics */
	{ .name = "metrics_listen", .type = RW_CONF_STRING, .def = "",
	    AT(metrics_listen), .check = check_metrics_listen },
	/* the state store (rate limits and greylisting) */
	{ .name = "state_store", .type = RW_CONF_STRING, AT(state_store),
	    .def = "lmdb:/var/lib/relaywarden/state.lmdb",
	    .check = check_state_store },
	{ .name = "state_timeout", .type = RW_CONF_DURATION, .def = "200ms",
	    AT(state_timeout_ms), .min = 10, .max = 10000 },
	{ .name = "state_prefix", .type = RW_CONF_STRING, .def = "rw:",
	    AT(state_prefix), .max = 32, .check = check_state_prefix },
	{ .name = "state_max_keys", .type = RW_CONF_UINT, .def = "1000000",
	    AT(state_max_keys), .min = 1000, .max = 100000000 },
	{ .name = "state_password_file", .type = RW_CONF_STRING, .def = "",
	    AT(state_password_file) },
	/* the content stage: the messages kept for it, all sessions */
	{ .name = "content_memory_max", .type = RW_CONF_UINT,
	    .def = "67108864", AT(content_memory_max), .min = 1048576,
	    .max = 2147483647 },
};

static const struct rw_config_keytab table = {
	keys, sizeof(keys) / sizeof(keys[0])
};

/* rw_daemon_conf_keys - the daemon's table */
const struct rw_config_keytab *
rw_daemon_conf_keys(void)
{
	return &table;
}

/* rw_daemon_conf_parse - the core's keys and the daemon's, one text */
struct rw_config *
rw_daemon_conf_parse(const char *text, const char *source,
    rw_config_reader *reader, void *reader_ctx, struct rw_daemon_conf *dc,
    char *err, size_t errlen)
{
	memset(dc, 0, sizeof(*dc));
	return rw_config_parse_extra(text, source, reader, reader_ctx, &table,
	    dc, err, errlen);
}

/* rw_daemon_conf_free - what the daemon's keys allocated */
void
rw_daemon_conf_free(struct rw_daemon_conf *dc)
{
	if (dc == NULL)
		return;
	rw_config_keytab_free(&table, dc);
	memset(dc, 0, sizeof(*dc));
}

/* ------------------------------------------------------------ summary */

/* dns_used - does any check of the policy ask DNS (rdns, lists, SPF) */
static bool
dns_used(const struct rw_config *cfg)
{
	return cfg->rdns_check != RW_RDNS_OFF || cfg->ndnsbl > 0 ||
	    cfg->spf_check || cfg->spf_check_helo;
}

/* sessions_default - the session keys as the table's defaults (the
 * summary shows them only when set; the start-up log always does) */
static bool
sessions_default(const struct rw_daemon_conf *dc)
{
	return dc->session_timeout_ms == 330000 && dc->drain_time_ms == 10000 &&
	    dc->max_sessions == 0;
}

/* summary_lines - the daemon's lines, before the core's line "next" */
static void
summary_lines(const struct rw_config *cfg, const char *next, const void *ctx,
    char *buf, size_t len)
{
	const struct rw_daemon_conf *dc = ctx;
	char	max[32];

	if (next == NULL)
		return;
	if (strcmp(next, "trusted_networks") == 0 && !sessions_default(dc)) {
		if (dc->max_sessions > 0)
			snprintf(max, sizeof(max), "%u", dc->max_sessions);
		else
			snprintf(max, sizeof(max), "from the descriptor limit");
		snprintf(buf, len, "%-20s %s\n%-20s timeout %ums, drain %ums at "
		    "SIGTERM, max %s\n", "socket", dc->socket, "sessions",
		    dc->session_timeout_ms, dc->drain_time_ms, max);
	} else if (strcmp(next, "trusted_networks") == 0)
		snprintf(buf, len, "%-20s %s\n", "socket", dc->socket);
	else if (strcmp(next, "spf") == 0) {
		size_t	o;

		buf[0] = '\0';
		if (dns_used(cfg))
			snprintf(buf, len, "%-20s servers %s, timeout %ums "
			    "(doubling) x %u tries, deadline %ums, verdict at %s, "
			    "%s on DNS failure\n", "dns", dc->dns_servers != NULL ?
			    dc->dns_servers : "from resolv.conf",
			    dc->dns_timeout_ms, dc->dns_retries + 1,
			    dc->dns_deadline_ms,
			    rw_stage_name(cfg->dns_verdict_stage),
			    cfg->dns_fail_open ? "accept" : "tempfail");
		o = strlen(buf);
		if (dc->metrics_listen != NULL && dc->metrics_listen[0] != '\0' &&
		    o < len)
			snprintf(buf + o, len - o, "%-20s http://%s/metrics\n",
			    "metrics", dc->metrics_listen);
	} else if (strcmp(next, "outsiders") == 0 && rw_state_used(cfg))
		snprintf(buf, len, "%-20s %s, prefix %s, timeout %ums, %s on "
		    "store failure\n%-20s %s\n", "state", dc->state_store,
		    dc->state_prefix, dc->state_timeout_ms,
		    cfg->state_failure == RW_SFAIL_ACCEPT ? "accept" : "tempfail",
		    "on_internal_error", word_name(words_internal_error,
		    (int)dc->on_internal_error));
	else if (strcmp(next, "outsiders") == 0)
		snprintf(buf, len, "%-20s %s\n", "on_internal_error",
		    word_name(words_internal_error,
		    (int)dc->on_internal_error));
}

/* rw_daemon_conf_summary - the policy's summary with the daemon's lines */
void
rw_daemon_conf_summary(const struct rw_config *cfg,
    const struct rw_daemon_conf *dc, char *buf, size_t len)
{
	rw_config_summary_extra(cfg, summary_lines, dc, buf, len);
}
