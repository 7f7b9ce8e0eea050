/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	conf.h - reading the configuration file; snapshots and reload
 * DESCRIPTION
 *	rw_conf_read() reads a file (and its "file:" lists) and parses it
 *	with the pure parser; errors come back as "file:line: msg" lines.
 *	rw_conf_acquire()/rw_conf_release() hand out the current snapshot
 *	with a reference; rw_conf_install() swaps a new one in atomically
 *	and frees the old one when its last session ends.
 */
#ifndef RW_CONF_H
#define RW_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "rw_policy.h"

#define RW_DEFAULT_CONFIG	RW_SYSCONFDIR "/relaywarden/relaywarden.conf"

struct rw_config *rw_conf_read(const char *path, char *err, size_t errlen);

/* A refcounted, immutable configuration; sessions hold one from connect
 * to close. */
struct rw_snapshot {
	struct rw_config *cfg;
	unsigned int	 refs;		/* under conf.c's lock */
	unsigned long	 generation;
};

struct rw_snapshot *rw_conf_acquire(void);
void	rw_conf_release(struct rw_snapshot *);
void	rw_conf_install(struct rw_config *);
struct rw_resolver;
/* rw_conf_reload - SIGHUP: read path, and install only when valid; the
 * resolver takes the new dns_servers and dns_cache_size */
void	rw_conf_reload(const char *path, struct rw_resolver *);
/* rw_conf_log_report - log each line of an error report or summary */
void	rw_conf_log_report(char *report, bool error);

#endif /* RW_CONF_H */
