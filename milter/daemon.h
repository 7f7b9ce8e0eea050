/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	daemon.h - the daemon's one piece of shared mutable state
 * DESCRIPTION
 *	libmilter callbacks get no user pointer, so what every session
 *	thread must reach lives in the single struct rw_daemon: the current
 *	configuration snapshot (under a mutex, refcounted), the logging
 *	switches and the "warned once" bits for missing macros. Nothing
 *	else in relaywarden is global and mutable.
 */
#ifndef RW_DAEMON_H
#define RW_DAEMON_H

#include <pthread.h>
#include <stdbool.h>

#include "rw_policy.h"

/* Kinds of missing-macro warnings, each logged once per daemon lifetime. */
enum rw_macro_warning {
	RW_WARN_AUTH_AUTHEN = 1u << 0,	/* {auth_type} came, {auth_authen} not */
	RW_WARN_MAIL_MACROS = 1u << 1,	/* no MAIL-stage macro at all */
	RW_WARN_QUEUE_ID = 1u << 2,	/* no "i" at end of message */
	RW_WARN_CONNECT_ADDR = 1u << 3	/* connect without a client address */
};


struct rw_daemon {
	const char		*config_path;
	const char		*socket_override;	/* -p */
	pthread_mutex_t		 lock;
	struct rw_snapshot	*current;
	unsigned long		 generation;
	unsigned int		 warned;		/* enum rw_macro_warning bits */
	int			 sigpipe[2];		/* signal handler -> main loop */
};

extern struct rw_daemon rw_daemon;

/* daemon.c */
bool	rw_daemon_socket_busy(const char *conn);
bool	rw_daemon_socket_perms(const struct rw_config *, const char *conn);
bool	rw_daemon_write_pidfile(const char *path);
bool	rw_daemon_drop_privileges(const char *user);
bool	rw_daemon_detach(void);
/* rw_daemon_warn_once - true if this kind was not warned about before */
bool	rw_daemon_warn_once(unsigned int kind);

#endif /* RW_DAEMON_H */
