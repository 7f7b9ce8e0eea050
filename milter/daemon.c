/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	daemon - process chores: socket checks and permissions, pidfile,
 *	privileges, detaching
 * DESCRIPTION
 *	rw_daemon_socket_busy() refuses to steal a unix socket that another
 *	live milter answers on (libmilter would silently unlink it).
 *	rw_daemon_socket_perms() applies socket_mode and socket_group to a
 *	unix socket after libmilter created it, so that a Postfix running
 *	as its own user (or chrooted, with the socket inside its spool) can
 *	connect. rw_daemon_drop_privileges() switches to the configured
 *	user after the socket and pidfile exist, and refuses to go on if
 *	it cannot (running as root by accident is worse than not running).
 *
 *	rw_daemon_raise_nofile() raises the soft descriptor limit to the
 *	hard one: every session holds one descriptor, and libmilter's
 *	listener, at the limit, retries a failing accept() at once, without
 *	a pause or a log line (a silent CPU spin). rw_daemon_session_cap()
 *	is the session cap that keeps a margin below the limit.
 *
 *	rw_daemon_tcp_nodelay() sets TCP_NODELAY on libmilter's listening
 *	socket of an inet: or inet6: milter socket, after smfi_opensocket()
 *	and before smfi_main(). libmilter writes every reply and every
 *	header edit as a write of its own; without TCP_NODELAY Nagle's
 *	algorithm holds each small write behind the previous one until the
 *	MTA acknowledges it, and the MTA, waiting for the final reply,
 *	delays that ACK (40 ms on Linux): two such waits made the end of
 *	message step take about 85 ms instead of 1 (issue 11). libmilter
 *	does not hand out its sockets, but Linux gives every socket accept()
 *	returns the TCP_NODELAY of its listening socket (the new socket is a
 *	clone of the listener), so setting it once on the listener covers
 *	every session. libmilter opens the listener in smfi_opensocket() and
 *	reuses that very descriptor in smfi_main() (mi_opensocket() returns
 *	early when it is already open), so the descriptor found here is the
 *	one that accepts. It is found among our descriptors (/proc/self/fd)
 *	as the TCP socket that listens (SO_ACCEPTCONN) on the configured
 *	port: no other socket of ours can listen on it. A unix socket has no
 *	Nagle; nothing is done for it.
 *
 *	rw_daemon_malloc_arenas() caps glibc's malloc arenas at the number
 *	of CPUs (at least 2). libmilter runs each session's callbacks on
 *	whichever pool thread is free, and glibc gives each new thread an
 *	arena of its own, up to 8 per CPU: a session's few small blocks end
 *	up spread over 16 arenas on 2 CPUs, each with its own partly used
 *	pages. With 2,000 held sessions the cap saved 0.3-0.5 MiB of RSS
 *	(of about 8); throughput through Postfix did not move beyond the
 *	machine's noise (issue 11; the per-thread cache serves most small
 *	allocations without taking an arena's lock anyway).
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <dirent.h>
#if HAVE_DECL_M_ARENA_MAX
#include <malloc.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

/* unix_path - the path of a "unix:" or "local:" socket, else NULL */
static const char *
unix_path(const char *conn)
{
	if (strncmp(conn, "unix:", 5) == 0)
		return conn + 5;
	if (strncmp(conn, "local:", 6) == 0)
		return conn + 6;
	return NULL;
}

/* rw_daemon_socket_busy - does a live process answer on this unix socket */
bool
rw_daemon_socket_busy(const char *conn)
{
	const char *path = unix_path(conn);
	struct sockaddr_un sun;
	int	fd;
	bool	busy;

	if (path == NULL || strlen(path) >= sizeof(sun.sun_path))
		return false;
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return false;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	busy = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return busy;
}

/* rw_daemon_socket_perms - socket_mode and socket_group on a unix socket */
bool
rw_daemon_socket_perms(const struct rw_daemon_conf *dc, const char *conn)
{
	const char *path = unix_path(conn);
	struct group *gr;

	if (path == NULL)
		return true;
	if (dc->socket_group != NULL && dc->socket_group[0] != '\0') {
		if ((gr = getgrnam(dc->socket_group)) == NULL) {
			rw_log_err("socket_group %s: no such group",
			    dc->socket_group);
			return false;
		}
		if (chown(path, (uid_t)-1, gr->gr_gid) != 0) {
			rw_log_err("chown %s to group %s: %s", path,
			    dc->socket_group, strerror(errno));
			return false;
		}
	}
	if (chmod(path, (mode_t)dc->socket_mode) != 0) {
		rw_log_err("chmod %s %04o: %s", path, dc->socket_mode,
		    strerror(errno));
		return false;
	}
	return true;
}

/* rw_daemon_write_pidfile - write our pid; empty path: none */
bool
rw_daemon_write_pidfile(const char *path)
{
	char	buf[32];
	int	fd, n;

	if (path == NULL || path[0] == '\0')
		return true;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0644)) < 0) {
		rw_log_err("pidfile %s: %s", path, strerror(errno));
		return false;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		rw_log_err("pidfile %s: %s", path, strerror(errno));
		close(fd);
		return false;
	}
	close(fd);
	return true;
}

/* rw_daemon_drop_privileges - become the configured user */
bool
rw_daemon_drop_privileges(const char *user)
{
	struct passwd *pw;

	if (user == NULL || user[0] == '\0') {
		if (geteuid() == 0)
			rw_log_warn("running as root: set \"user\" in the configuration");
		return true;
	}
	if ((pw = getpwnam(user)) == NULL) {
		rw_log_err("user %s: no such user", user);
		return false;
	}
	if (geteuid() != 0) {
		if (geteuid() == pw->pw_uid)
			return true;
		rw_log_err("cannot switch to user %s: not started as root", user);
		return false;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 ||
	    setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
		rw_log_err("cannot switch to user %s: %s", user, strerror(errno));
		return false;
	}
	if (setuid(0) == 0) {
		rw_log_err("could regain root after switching to %s", user);
		return false;
	}
	return true;
}

/* rw_daemon_detach - background ourselves, stdio to /dev/null */
bool
rw_daemon_detach(void)
{
	pid_t	pid;
	int	fd;

	if ((pid = fork()) < 0)
		return false;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return false;
	if ((pid = fork()) < 0)
		return false;
	if (pid > 0)
		_exit(0);
	if (chdir("/") != 0)
		return false;
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return true;
}

/* rw_daemon_raise_nofile - soft RLIMIT_NOFILE up to the hard limit */
bool
rw_daemon_raise_nofile(unsigned long *before, unsigned long *soft,
    unsigned long *hard)
{
	struct rlimit rl;
	rlim_t	want;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return false;
	*before = *soft = rl.rlim_cur == RLIM_INFINITY ? RW_NOFILE_CEILING :
	    (unsigned long)rl.rlim_cur;
	*hard = rl.rlim_max == RLIM_INFINITY ? RW_NOFILE_CEILING :
	    (unsigned long)rl.rlim_max;
	/* an unlimited hard limit: the kernel refuses more than nr_open */
	want = rl.rlim_max == RLIM_INFINITY ? (rlim_t)RW_NOFILE_CEILING :
	    rl.rlim_max;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			return false;
		*soft = (unsigned long)want;
	}
	return true;
}

/* rw_daemon_session_cap - sessions that leave a margin below nofile */
unsigned int
rw_daemon_session_cap(unsigned long nofile)
{
	unsigned long margin = nofile / 4 > 64 ? nofile / 4 : 64;

	/*
	 * Each session holds one descriptor. The margin covers what the
	 * process holds besides (listener, pipes, syslog, DNS sockets,
	 * files read at reload) and the sessions accepted and being
	 * refused over the cap, which still hold theirs for a moment.
	 */
	if (nofile <= 2 * margin)
		return nofile >= 4 ? (unsigned int)(nofile / 4) : 1;
	if (nofile - margin > 1000000)
		return 1000000;
	return (unsigned int)(nofile - margin);
}

/* inet_port - the port of an "inet:PORT@HOST" / "inet6:PORT@HOST" socket */
static bool
inet_port(const char *conn, unsigned int *port)
{
	const char *p;
	char	*end;
	unsigned long v;

	if (strncmp(conn, "inet:", 5) == 0)
		p = conn + 5;
	else if (strncmp(conn, "inet6:", 6) == 0)
		p = conn + 6;
	else
		return false;
	errno = 0;
	v = strtoul(p, &end, 10);
	if (errno != 0 || end == p || (*end != '@' && *end != '\0') ||
	    v == 0 || v > 65535)
		return false;
	*port = (unsigned int)v;
	return true;
}

/* listens_on - fd is a TCP socket listening on port */
static bool
listens_on(int fd, unsigned int port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int	v;
	socklen_t vlen = sizeof(v);
	unsigned int got;

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &vlen) != 0 || v == 0)
		return false;
	vlen = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &vlen) != 0 ||
	    v != SOCK_STREAM)
		return false;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return false;
	if (ss.ss_family == AF_INET)
		got = ntohs(((const struct sockaddr_in *)
		    (const void *)&ss)->sin_port);
	else if (ss.ss_family == AF_INET6)
		got = ntohs(((const struct sockaddr_in6 *)
		    (const void *)&ss)->sin6_port);
	else
		return false;
	return got == port;
}

/* next_listener - the next of our descriptors in d (/proc/self/fd) that
 * listens on TCP port; -1 after the last */
static long
next_listener(DIR *d, unsigned int port)
{
	struct dirent *de;
	char	*end;
	long	fd;

	while ((de = readdir(d)) != NULL) {
		errno = 0;
		fd = strtol(de->d_name, &end, 10);
		if (errno == 0 && end != de->d_name && *end == '\0' &&
		    fd >= 0 && fd <= INT_MAX && fd != dirfd(d) &&
		    listens_on((int)fd, port))
			return fd;
	}
	return -1;
}

/* rw_daemon_tcp_nodelay - TCP_NODELAY on libmilter's listener (see above) */
bool
rw_daemon_tcp_nodelay(const char *conn)
{
	unsigned int port;
	DIR	*d;
	long	fd;
	int	on = 1, found = 0;

	if (!inet_port(conn, &port))
		return true;		/* a unix socket: no Nagle */
	if ((d = opendir("/proc/self/fd")) == NULL) {
		rw_log_warn("%s: cannot list our descriptors (/proc/self/fd: "
		    "%s): TCP_NODELAY not set, replies may wait for delayed "
		    "ACKs", conn, strerror(errno));
		return false;
	}
	while ((fd = next_listener(d, port)) >= 0) {
		if (setsockopt((int)fd, IPPROTO_TCP, TCP_NODELAY, &on,
		    sizeof(on)) != 0) {
			rw_log_warn("%s: TCP_NODELAY on descriptor %ld: %s; "
			    "replies may wait for delayed ACKs", conn, fd,
			    strerror(errno));
			found = -1;
			break;
		}
		found++;
	}
	closedir(d);
	if (found == 0)
		rw_log_warn("%s: libmilter's listening socket not found: "
		    "TCP_NODELAY not set, replies may wait for delayed ACKs",
		    conn);
	return found > 0;
}

/* rw_daemon_listen_addr - where we can connect to our own socket (see
 * daemon.h) */
bool
rw_daemon_listen_addr(const char *conn, struct sockaddr_storage *ss,
    socklen_t *len, char *err, size_t errlen)
{
	const char *path = unix_path(conn);
	unsigned int port;
	DIR	*d;
	long	fd;

	memset(ss, 0, sizeof(*ss));
	if (path != NULL) {
		struct sockaddr_un *sun = (struct sockaddr_un *)(void *)ss;

		if (strlen(path) >= sizeof(sun->sun_path)) {
			snprintf(err, errlen, "socket path too long");
			return false;
		}
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, path, strlen(path) + 1);
		*len = (socklen_t)sizeof(*sun);
		return true;
	}
	if (!inet_port(conn, &port)) {
		snprintf(err, errlen, "not a unix, inet or inet6 socket");
		return false;
	}
	if ((d = opendir("/proc/self/fd")) == NULL) {
		snprintf(err, errlen, "/proc/self/fd: %s", strerror(errno));
		return false;
	}
	fd = next_listener(d, port);
	*len = sizeof(*ss);
	if (fd >= 0 && getsockname((int)fd, (struct sockaddr *)ss, len) != 0)
		fd = -1;
	closedir(d);
	if (fd < 0) {
		snprintf(err, errlen, "libmilter's listening socket not found");
		return false;
	}
	/* a wildcard listener is reached on loopback */
	if (ss->ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)(void *)ss;

		if (in->sin_addr.s_addr == htonl(INADDR_ANY))
			in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else if (ss->ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)ss;

		if (IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr))
			in6->sin6_addr = in6addr_loopback;
	}
	return true;
}

/* rw_daemon_malloc_arenas - cap glibc's malloc arenas (see DESCRIPTION) */
int
rw_daemon_malloc_arenas(void)
{
#if HAVE_DECL_M_ARENA_MAX
	long	n;

	if (getenv("MALLOC_ARENA_MAX") != NULL || getenv("GLIBC_TUNABLES") != NULL)
		return 0;
	if ((n = sysconf(_SC_NPROCESSORS_ONLN)) < 2 || n > INT_MAX)
		n = 2;
	return mallopt(M_ARENA_MAX, (int)n) == 1 ? (int)n : 0;
#else
	return 0;
#endif
}
