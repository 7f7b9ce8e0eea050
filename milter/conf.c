/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	conf - configuration snapshots and reload
 * DESCRIPTION
 *	A snapshot is immutable once installed. rw_conf_acquire() takes a
 *	reference under rw_daemon.lock; a session keeps it from connect to
 *	close, so an SMTP session in flight finishes on the policy it
 *	started with. rw_conf_install() swaps the pointer and drops the
 *	daemon's reference to the old snapshot, which is freed when the
 *	last session using it closes. rw_conf_reload() (SIGHUP) installs a
 *	new file only when it parses without error; otherwise every error
 *	is logged with its file:line and the old policy keeps serving.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "daemon.h"
#include "dns.h"
#include "log.h"

/* rw_conf_acquire - the current snapshot, with a reference */
struct rw_snapshot *
rw_conf_acquire(void)
{
	struct rw_snapshot *s;

	pthread_mutex_lock(&rw_daemon.lock);
	s = rw_daemon.current;
	if (s != NULL)
		s->refs++;
	pthread_mutex_unlock(&rw_daemon.lock);
	return s;
}

/* rw_conf_release - drop a reference; free with the last one */
void
rw_conf_release(struct rw_snapshot *s)
{
	bool	last;

	if (s == NULL)
		return;
	pthread_mutex_lock(&rw_daemon.lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&rw_daemon.lock);
	if (last) {
		rw_log_debug("configuration generation %lu released", s->generation);
		rw_config_free(s->cfg);
		free(s);
	}
}

/* rw_conf_install - make cfg the current policy (takes ownership) */
void
rw_conf_install(struct rw_config *cfg)
{
	struct rw_snapshot *s, *old;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		rw_log_err("out of memory installing configuration; keeping the previous one");
		rw_config_free(cfg);
		return;
	}
	s->cfg = cfg;
	s->refs = 1;		/* the daemon's own reference */
	pthread_mutex_lock(&rw_daemon.lock);
	s->generation = ++rw_daemon.generation;
	old = rw_daemon.current;
	rw_daemon.current = s;
	/* atomic: log.c reads it without the lock */
	__atomic_store_n(&rw_daemon.log_debug, cfg->log_debug, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&rw_daemon.lock);
	rw_conf_release(old);
}

static bool
str_differs(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") != 0;
}

/* rw_conf_log_report - log a multi-line report, one log line each */
void
rw_conf_log_report(char *report, bool error)
{
	char	*line, *next;

	for (line = report; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (error)
			rw_log_err("%s", line);
		else
			rw_log_info("policy: %s", line);
	}
}

/* rw_conf_reload - SIGHUP */
void
rw_conf_reload(void)
{
	char	 err[RW_ERR_MAX];
	char	 summary[2048];
	struct rw_config *cfg;
	struct rw_snapshot *cur;
	struct rw_dns_settings settings;

	rw_log_info("SIGHUP: reloading %s", rw_daemon.config_path);
	if ((cfg = rw_conf_read(rw_daemon.config_path, err, sizeof(err))) == NULL) {
		rw_conf_log_report(err, true);
		rw_log_err("reload of %s failed; the previous configuration stays in force",
		    rw_daemon.config_path);
		return;
	}
	if ((cur = rw_conf_acquire()) != NULL) {
		if (str_differs(cur->cfg->socket, cfg->socket) ||
		    str_differs(cur->cfg->user, cfg->user) ||
		    str_differs(cur->cfg->pidfile, cfg->pidfile) ||
		    cur->cfg->socket_mode != cfg->socket_mode ||
		    str_differs(cur->cfg->socket_group, cfg->socket_group))
			rw_log_warn("socket, socket_mode, socket_group, pidfile and user "
			    "changes take effect only after a restart");
		if (cur->cfg->dns_timeout_ms != cfg->dns_timeout_ms ||
		    cur->cfg->dns_retries != cfg->dns_retries)
			rw_log_warn("dns_timeout and dns_retries changes take effect "
			    "only after a restart");
		if (cur->cfg->dns_servers != NULL && cfg->dns_servers == NULL)
			rw_log_warn("dns_servers removed: going back to resolv.conf "
			    "takes a restart; the old servers stay in use");
		rw_conf_release(cur);
	}
	settings.servers = cfg->dns_servers;
	settings.timeout_ms = cfg->dns_timeout_ms;
	settings.tries = cfg->dns_retries + 1;
	settings.cache_size = cfg->dns_cache_size;
	if (!rw_dns_configure(&settings, err, sizeof(err))) {
		rw_log_err("reload: DNS: %s; the previous configuration stays in force", err);
		rw_config_free(cfg);
		return;
	}
	rw_config_summary(cfg, summary, sizeof(summary));
	rw_conf_install(cfg);
	rw_log_info("reloaded %s; new sessions use the new policy", rw_daemon.config_path);
	rw_conf_log_report(summary, false);
}
