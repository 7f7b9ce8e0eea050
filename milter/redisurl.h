/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	redisurl.h - the syntax of a Redis state_store URL
 * DESCRIPTION
 *	rw_redisurl_parse() takes apart
 *
 *	    redis://[USER@]HOST[:PORT][/DB]	HOST an IPv4 address, a name,
 *						or [an IPv6 address]
 *	    redis+unix:/PATH[?db=DB]		(also redis+unix:///PATH)
 *
 *	with no I/O: no name is resolved, no file read. It is the one
 *	grammar of both the configuration check (daemonconf.c, so that a
 *	bad URL is a file:line error at load and in relaywarden -t) and the
 *	Redis store (store_rediscon.c, which then resolves the host). A
 *	password is refused: it belongs in state_password_file, since the
 *	configuration file is meant to be readable.
 *	Returns true and fills *u, or false with the reason in err.
 */
#ifndef RW_REDISURL_H
#define RW_REDISURL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/un.h>

#define RW_REDISURL_PORT	6379
#define RW_REDISURL_DB_MAX	100000
#define RW_REDISURL_USER_MAX	128
#define RW_REDISURL_HOST_MAX	255

struct rw_redis_url {
	bool		 unix_socket;
	char		 host[RW_REDISURL_HOST_MAX + 1];	/* no brackets */
	bool		 bracketed;	/* host was [IPv6] */
	int		 port;
	char		 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	unsigned int	 db;
	char		 user[RW_REDISURL_USER_MAX + 1];	/* "": none */
};

bool	rw_redisurl_parse(const char *url, struct rw_redis_url *, char *err,
	    size_t errlen);

#endif /* RW_REDISURL_H */
