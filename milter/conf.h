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

struct rw_snapshot;
struct rw_snapshot *rw_conf_acquire(void);
void	rw_conf_release(struct rw_snapshot *);
void	rw_conf_install(struct rw_config *);
/* rw_conf_reload - SIGHUP: read, and install only when valid */
void	rw_conf_reload(void);
/* rw_conf_log_report - log each line of an error report or summary */
void	rw_conf_log_report(char *report, bool error);

#endif /* RW_CONF_H */
