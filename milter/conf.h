/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	conf.h - reading the configuration file; snapshots and reload
 * DESCRIPTION
 *	rw_conf_read() reads a file (and its "file:" lists) and parses it
 *	with the pure parser, the policy core's keys and the daemon's
 *	(daemonconf.h), into a new snapshot; errors come back as
 *	"file:line: msg" lines. rw_conf_acquire()/rw_conf_release() hand
 *	out the current snapshot with a reference; rw_conf_install() swaps
 *	a new one in atomically and frees the old one when its last
 *	session ends. A snapshot also holds the "[profile]" sections
 *	(policy per listener); rw_conf_select() gives a connection the
 *	policy of the listener it reached.
 */
#ifndef RW_CONF_H
#define RW_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "daemonconf.h"
#include "rw_policy.h"

/* room for "relaywarden -t": the main policy and every profile's */
#define RW_SUMMARY_MAX		32768

#define RW_DEFAULT_CONFIG	RW_SYSCONFDIR "/relaywarden/relaywarden.conf"

/* A refcounted, immutable configuration; sessions hold one from connect
 * to close. Both parts come from one file and are replaced together. */
struct rw_snapshot {
	struct rw_config *cfg;		/* the policy core's keys */
	struct rw_daemon_conf daemon;	/* the daemon's keys */
	struct rw_profiles profiles;	/* policy per listener (profile.c) */
	unsigned int	 refs;		/* under conf.c's lock */
	unsigned long	 generation;	/* 0 until installed */
};

/* rw_conf_read - a new snapshot, not installed, holding the caller's one
 * reference (rw_conf_release() frees it); NULL with the errors in err */
struct rw_snapshot *rw_conf_read(const char *path, char *err, size_t errlen);
struct rw_snapshot *rw_conf_acquire(void);
/* rw_conf_select - the policy for a listener: a profile's or the main
 * one; *profile is the profile's name or NULL */
const struct rw_config *rw_conf_select(const struct rw_snapshot *,
	    const struct rw_listener *, const char **profile);
/* rw_conf_any - true when pred holds for the main policy or a profile's */
bool	rw_conf_any(const struct rw_snapshot *,
	    bool (*pred)(const struct rw_config *));
/* rw_conf_summary - the main summary, then each profile's, for -t */
void	rw_conf_summary(const struct rw_snapshot *, char *buf, size_t len);
void	rw_conf_release(struct rw_snapshot *);
/* rw_conf_install - make s current; it takes over the caller's reference */
void	rw_conf_install(struct rw_snapshot *s);
struct rw_resolver;
/*
 * rw_conf_reload - SIGHUP: read path, and install only when valid and
 * admit (NULL: none) accepts it (false with a reason in err: logged,
 * the old policy stays); the resolver takes the new dns_servers and
 * dns_cache_size
 */
void	rw_conf_reload(const char *path, struct rw_resolver *,
	    bool (*admit)(const struct rw_snapshot *, char *err, size_t errlen));
/* rw_conf_log_report - log each line of an error report or summary */
void	rw_conf_log_report(char *report, bool error);

#endif /* RW_CONF_H */
