/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	poolkick.h - have libmilter start a worker before a callback waits
 * DESCRIPTION
 *	See poolkick.c for why. main.c makes one after the milter socket is
 *	open and puts it in the services; stages.c kicks before the DNS
 *	verdict wait blocks. A NULL kick does nothing.
 */
#ifndef RW_POOLKICK_H
#define RW_POOLKICK_H

#include <sys/socket.h>

struct rw_poolkick;

/* rw_poolkick_new - kicks that connect to ADDR (rw_daemon_listen_addr());
 * NULL when out of memory */
struct rw_poolkick *rw_poolkick_new(const struct sockaddr_storage *addr,
	    socklen_t len);
void	rw_poolkick_free(struct rw_poolkick *);

/*
 * rw_poolkick - open a connection to our own milter socket and close it,
 * so that libmilter's pool, if no worker of it is idle, starts one. The
 * first failure is logged as a warning, later ones not at all; every
 * kick is logged at debug level.
 */
void	rw_poolkick(struct rw_poolkick *, const char *qid);

#endif /* RW_POOLKICK_H */
