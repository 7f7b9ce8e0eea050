/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	daemon.h - process chores of the relaywarden daemon
 * DESCRIPTION
 *	Socket checks and permissions, the pidfile, dropping privileges and
 *	detaching: what main.c does once at start-up, kept out of main.c.
 *	No state: the daemon's few pieces of shared state live with the
 *	code that owns them (conf.c the configuration snapshot, log.c the
 *	logging switches, mlfi.c the services pointer and the warn-once
 *	bits, main.c the signal pipe).
 */
#ifndef RW_DAEMON_H
#define RW_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "daemonconf.h"

bool	rw_daemon_socket_busy(const char *conn);
bool	rw_daemon_socket_perms(const struct rw_daemon_conf *,
	    const char *conn);
bool	rw_daemon_write_pidfile(const char *path);
bool	rw_daemon_drop_privileges(const char *user);
bool	rw_daemon_detach(void);

/*
 * rw_daemon_tcp_nodelay - set TCP_NODELAY on libmilter's listening socket
 * of an inet:/inet6: milter socket CONN, once smfi_opensocket() opened
 * it; sockets accepted from it inherit the option (Linux). True when
 * it is set, or CONN is a unix socket; false (logged as a warning: the
 * daemon works without it, only slower) when the listener was not found
 * or the option could not be set.
 */
bool	rw_daemon_tcp_nodelay(const char *conn);

/*
 * rw_daemon_listen_addr - an address at which this process reaches its
 * own milter socket CONN, once smfi_opensocket() opened it: the unix
 * socket's path, or the listening TCP socket's own address with a
 * wildcard (0.0.0.0, ::) made loopback. False, with the reason in err,
 * when there is none. For poolkick.c.
 */
bool	rw_daemon_listen_addr(const char *conn, struct sockaddr_storage *,
	    socklen_t *, char *err, size_t errlen);

/*
 * rw_daemon_malloc_arenas - at most as many malloc arenas as CPUs online
 * (at least 2), before any thread starts; glibc only, and nothing is done
 * when the environment sets the arenas itself (MALLOC_ARENA_MAX or
 * GLIBC_TUNABLES). Returns the number set, 0 when none was.
 */
int	rw_daemon_malloc_arenas(void);

/* the soft limit asked for when the hard limit is unlimited */
#define RW_NOFILE_CEILING 1048576UL

/*
 * rw_daemon_raise_nofile - raise the soft RLIMIT_NOFILE to the hard
 * limit; *before, *soft and *hard get the soft limit before, after and
 * the hard limit. False (errno set) when it could not be read or raised.
 */
bool	rw_daemon_raise_nofile(unsigned long *before, unsigned long *soft,
	    unsigned long *hard);

/* rw_daemon_session_cap - the session cap for a descriptor limit */
unsigned int rw_daemon_session_cap(unsigned long nofile);

#endif /* RW_DAEMON_H */
