/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	conf - configuration snapshots and reload
 * DESCRIPTION
 *	A snapshot is immutable once installed: the policy core's
 *	configuration and the daemon's keys, read from one file together
 *	(conf_read.c) and replaced together. rw_conf_acquire() takes a
 *	reference under this file's lock; a session keeps it from connect to
 *	close, so an SMTP session in flight finishes on the policy it
 *	started with. rw_conf_install() swaps the pointer and drops the
 *	daemon's reference to the old snapshot, which is freed when the
 *	last session using it closes. rw_conf_reload() (SIGHUP) installs a
 *	new file only when it parses without error; otherwise every error
 *	is logged with its file:line and the old policy keeps serving.
 *
 *	The current snapshot is this file's own state: every session thread
 *	and the prober reach it through rw_conf_acquire(), and libmilter
 *	gives them no pointer to pass it in.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "dns.h"
#include "log.h"
#include "metrics.h"
#include "msgbuf.h"

static pthread_mutex_t conf_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rw_snapshot *conf_current;	/* under conf_lock */
static unsigned long conf_generation;		/* under conf_lock */

/* rw_conf_acquire - the current snapshot, with a reference */
struct rw_snapshot *
rw_conf_acquire(void)
{
	struct rw_snapshot *s;

	pthread_mutex_lock(&conf_lock);
	s = conf_current;
	if (s != NULL)
		s->refs++;
	pthread_mutex_unlock(&conf_lock);
	return s;
}

/* rw_conf_select - the listener's profile's policy, else the main one */
const struct rw_config *
rw_conf_select(const struct rw_snapshot *s, const struct rw_listener *li,
    const char **profile)
{
	const struct rw_profile *pr = rw_profiles_select(&s->profiles, li);

	*profile = pr != NULL ? pr->name : NULL;
	return pr != NULL ? pr->cfg : s->cfg;
}

/* rw_conf_any - pred of the main policy or of any profile's */
bool
rw_conf_any(const struct rw_snapshot *s, bool (*pred)(const struct rw_config *))
{
	size_t	i;

	if (pred(s->cfg))
		return true;
	for (i = 0; i < s->profiles.n; i++)
		if (pred(s->profiles.v[i].cfg))
			return true;
	return false;
}

/* rw_conf_summary - the main policy's summary, then each profile's */
void
rw_conf_summary(const struct rw_snapshot *s, char *buf, size_t len)
{
	char	 match[512];
	size_t	 i, used;
	int	 n;

	rw_daemon_conf_summary(s->cfg, &s->daemon, buf, len);
	for (i = 0; i < s->profiles.n; i++) {
		used = strlen(buf);
		rw_profile_match_text(&s->profiles.v[i], match, sizeof(match));
		n = snprintf(buf + used, len - used, "profile %s (line %u, "
		    "match = %s):\n", s->profiles.v[i].name,
		    s->profiles.v[i].line, match);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
		rw_daemon_conf_summary(s->profiles.v[i].cfg, &s->daemon,
		    buf + used, len - used);
	}
}

/* snapshot_free - both parts and the snapshot */
static void
snapshot_free(struct rw_snapshot *s)
{
	rw_config_free(s->cfg);
	rw_profiles_free(&s->profiles);
	rw_daemon_conf_free(&s->daemon);
	free(s);
}

/* rw_conf_release - drop a reference; free with the last one */
void
rw_conf_release(struct rw_snapshot *s)
{
	bool	last;

	if (s == NULL)
		return;
	pthread_mutex_lock(&conf_lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&conf_lock);
	if (last) {
		rw_log_debug("configuration generation %lu released", s->generation);
		snapshot_free(s);
	}
}

/* rw_conf_install - make s the current policy (takes the caller's
 * reference as the daemon's own) */
void
rw_conf_install(struct rw_snapshot *s)
{
	struct rw_snapshot *old;

	rw_metrics_lists(s->cfg);	/* before any session sees them */
	rw_msgbuf_set_budget(s->daemon.content_memory_max);
	pthread_mutex_lock(&conf_lock);
	s->generation = ++conf_generation;
	old = conf_current;
	conf_current = s;
	pthread_mutex_unlock(&conf_lock);
	rw_log_set_debug(s->daemon.log_debug);
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
rw_conf_reload(const char *path, struct rw_resolver *resolver,
    bool (*admit)(const struct rw_snapshot *, char *err, size_t errlen))
{
	char	 err[RW_ERR_MAX];
	char	 summary[RW_SUMMARY_MAX];
	struct rw_snapshot *cur, *s;
	const struct rw_daemon_conf *dc;
	struct rw_dns_settings settings;

	rw_log_info("SIGHUP: reloading %s", path);
	if ((s = rw_conf_read(path, err, sizeof(err))) == NULL) {
		rw_conf_log_report(err, true);
		rw_log_err("reload of %s failed; the previous configuration stays in force",
		    path);
		return;
	}
	/* what the new policy needs loaded (the MIME module) before a
	 * session can use it */
	if (admit != NULL && !admit(s, err, sizeof(err))) {
		rw_log_err("reload of %s: %s; the previous configuration stays "
		    "in force", path, err);
		snapshot_free(s);
		return;
	}
	dc = &s->daemon;
	if ((cur = rw_conf_acquire()) != NULL) {
		if (str_differs(cur->daemon.socket, dc->socket) ||
		    str_differs(cur->daemon.user, dc->user) ||
		    str_differs(cur->daemon.pidfile, dc->pidfile) ||
		    cur->daemon.socket_mode != dc->socket_mode ||
		    str_differs(cur->daemon.socket_group, dc->socket_group))
			rw_log_warn("socket, socket_mode, socket_group, pidfile and user "
			    "changes take effect only after a restart");
		if (cur->daemon.dns_timeout_ms != dc->dns_timeout_ms ||
		    cur->daemon.dns_retries != dc->dns_retries)
			rw_log_warn("dns_timeout and dns_retries changes take effect "
			    "only after a restart");
		if (str_differs(cur->daemon.metrics_listen, dc->metrics_listen))
			rw_log_warn("metrics_listen changes take effect only "
			    "after a restart");
		if (cur->daemon.session_timeout_ms != dc->session_timeout_ms)
			rw_log_warn("session_timeout changes take effect only "
			    "after a restart");
		if (cur->daemon.dns_servers != NULL && dc->dns_servers == NULL)
			rw_log_warn("dns_servers removed: going back to resolv.conf "
			    "takes a restart; the old servers stay in use");
		rw_conf_release(cur);
	}
	settings.servers = dc->dns_servers;
	settings.timeout_ms = dc->dns_timeout_ms;
	settings.tries = dc->dns_retries + 1;
	settings.cache_size = dc->dns_cache_size;
	if (!rw_dns_configure(resolver, &settings, err, sizeof(err))) {
		rw_log_err("reload: DNS: %s; the previous configuration stays in force", err);
		snapshot_free(s);
		return;
	}
	rw_conf_summary(s, summary, sizeof(summary));
	rw_conf_install(s);
	rw_log_info("reloaded %s; new sessions use the new policy", path);
	rw_conf_log_report(summary, false);
}
