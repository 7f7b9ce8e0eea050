/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	daemonconf.h - the configuration keys only the daemon reads
 * DESCRIPTION
 *	The milter socket, pidfile and user, logging, the answer to an
 *	internal error, the resolver's settings and the block list
 *	prober's interval: keys the policy core never reads, so they are
 *	not in struct rw_config but in struct rw_daemon_conf, filled from
 *	the same file by a second key table (rw_config_parse_extra()).
 *	Their errors are reported like the core's, "file:line: message".
 */
#ifndef RW_DAEMONCONF_H
#define RW_DAEMONCONF_H

#include <stdbool.h>
#include <stddef.h>

#include "rw_policy.h"

struct rw_daemon_conf {
	/* process */
	char		*socket;	/* "unix:/path", "inet:PORT@HOST" */
	unsigned int	 socket_mode;	/* of a unix socket */
	char		*socket_group;	/* "": keep the group */
	char		*pidfile;	/* "": none */
	char		*user;		/* "": the starting user */
	enum rw_action	 on_internal_error; /* TEMPFAIL or ACCEPT */
	bool		 log_debug;	/* log_level = debug */

	/* sessions */
	unsigned int	 session_timeout_ms; /* libmilter read/write timeout */
	unsigned int	 drain_time_ms;	/* SIGTERM: wait for sessions */
	unsigned int	 max_sessions;	/* 0: from the descriptor limit */

	/* resolver and prober */
	char		*dns_servers;	/* "127.0.0.1:5353,[::1]:5353";
					   NULL: resolv.conf */
	unsigned int	 dns_timeout_ms; /* per query try */
	unsigned int	 dns_retries;
	unsigned int	 dns_deadline_ms; /* per stage wait */
	unsigned int	 dns_cache_size; /* entries */
	bool		 use_mta_ptr;	/* trust the MTA's reverse lookup */
	unsigned int	 dnsbl_probe_interval; /* seconds; 0: off */

	/* metrics */
	char		*metrics_listen; /* "127.0.0.1:9367", "[::1]:9367";
					   "": no endpoint */

	/* the state store (rate limits, greylisting: store.h) */
	char		*state_store;	/* "lmdb:/path", "redis://..." */
	unsigned int	 state_timeout_ms; /* per store call (Redis) */
	char		*state_prefix;	/* before every key */
	unsigned int	 state_max_keys; /* the embedded store's cap */
	char		*state_password_file; /* Redis AUTH; "": none */

	/* the content stage (msgbuf.h) */
	unsigned int	 content_memory_max; /* bytes, all sessions' messages */
};

/*
 * rw_daemon_conf_split_listen - "ADDR:PORT" or "[ADDR6]:PORT" (a
 * metrics_listen value) into a numeric address and port.
 * @param host	gets the address text, at most hostlen bytes with its NUL
 * @return	false, with a reason in err, when the form, the address
 *		(an IP literal, not a name) or the port (1-65535) is wrong
 */
bool	rw_daemon_conf_split_listen(const char *value, char *host,
	    size_t hostlen, unsigned int *port, char *err, size_t errlen);

/* rw_daemon_conf_keys - the daemon's key table (for tests/config-keys) */
const struct rw_config_keytab *rw_daemon_conf_keys(void);

/*
 * rw_daemon_conf_parse - configuration text into a new core
 * configuration and the daemon's keys.
 * @param dc	filled with the daemon's keys (zeroed first); on success
 *		the caller frees it with rw_daemon_conf_free()
 * @return	as rw_config_parse(): NULL, with every error in err and dc
 *		empty, when any key of either table is wrong
 */
struct rw_config *rw_daemon_conf_parse(const char *text, const char *source,
	    rw_config_reader *reader, void *reader_ctx,
	    struct rw_daemon_conf *dc, char *err, size_t errlen);

/* rw_daemon_conf_free - free dc's strings and zero it; dc is the caller's */
void	rw_daemon_conf_free(struct rw_daemon_conf *dc);

/*
 * rw_daemon_conf_summary - rw_config_summary() with the daemon's lines
 * (socket, DNS, on_internal_error) in their places: "relaywarden -t".
 */
void	rw_daemon_conf_summary(const struct rw_config *,
	    const struct rw_daemon_conf *, char *buf, size_t len);

#endif /* RW_DAEMONCONF_H */
