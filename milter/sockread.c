/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	sockread - libmilter's reads of the MTA's sockets, a block at a time
 * DESCRIPTION
 *	libmilter (Debian's, with its worker pool; sendmail's libmilter/
 *	engine.c and comm.c, read for facts) reads each milter packet with
 *	three poll() calls and two read() calls: "is there a command" (a
 *	poll of up to 1 ms), then a poll and a read of the 5-byte header,
 *	then a poll and a read of the body. An MTA sends most packets in
 *	bursts (the macros and their command; every header of a message,
 *	which want no reply), so for a message through Postfix the daemon
 *	made 82 polls and 47 reads, most of them finding bytes that were
 *	already there (issue 11: the kernel's share of the CPU per message
 *	was two thirds).
 *
 *	So relaywarden defines accept(), read(), poll() and close() itself;
 *	libmilter's calls bind to them (the program's definitions come
 *	first, as for threadreuse.c), and they reach glibc's (or a
 *	sanitizer's) through dlsym(RTLD_NEXT). A socket that libmilter
 *	accepts (the call returns into libmilter's code: miltercode.c) is
 *	read a block at a time: a read smaller than RW_SOCKREAD_BLOCK asks
 *	the kernel for a block, hands over what was asked, and keeps the
 *	rest; the next reads are served from what was kept, and a poll for
 *	input on that socket says "readable" at once without asking the
 *	kernel. Nothing is read that the MTA has not sent, no read waits
 *	longer than it would have, and the bytes come in the order sent:
 *	libmilter sees the stream it would have read, in fewer system calls.
 *
 *	What is kept is allocated (RW_SOCKREAD_BLOCK) before the kernel is
 *	asked, so an allocation failure means an unbuffered read, never
 *	lost bytes. It is freed when drained and when libmilter closes the
 *	socket. A held session holds none: libmilter reads while its socket
 *	is readable, and a socket with kept bytes is.
 *
 *	One thread at a time works a session (libmilter's listener polls a
 *	socket only while no worker has it); the kept block is published
 *	with release/acquire so that the listener's poll, in another
 *	thread, sees it whole. Every other descriptor, and each of these
 *	four calls made before rw_sockread_enable(), is passed through.
 */
#include "config.h"

#include "sockread.h"

#include <sys/socket.h>
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "miltercode.h"

/* descriptors above are passed through (their table would be large) */
#define RW_SOCKREAD_FDS		65536
/* one read(2) of a session's socket asks for this much */
#define RW_SOCKREAD_BLOCK	4096

typedef int	(*accept_fn)(int, struct sockaddr *, socklen_t *);
typedef ssize_t	(*read_fn)(int, void *, size_t);
typedef int	(*poll_fn)(struct pollfd *, nfds_t, int);
typedef int	(*close_fn)(int);

/* bytes read from a session's socket and not yet handed to libmilter */
struct kept {
	size_t	off, len;
	char	data[RW_SOCKREAD_BLOCK];
};

static atomic_bool enabled;
/* per descriptor: libmilter accepted it; its kept bytes (NULL: none) */
static atomic_bool session[RW_SOCKREAD_FDS];
static _Atomic(struct kept *) kept[RW_SOCKREAD_FDS];

/* glibc's functions (or a sanitizer's in front of them), as found */
static _Atomic(void *) real_accept, real_read, real_poll, real_close;

/* the four found before main(), so that no call of ours runs dlsym() */
__attribute__((constructor)) static void
find_real(void)
{
	(void)rw_miltercode_next(&real_accept, "accept");
	(void)rw_miltercode_next(&real_read, "read");
	(void)rw_miltercode_next(&real_poll, "poll");
	(void)rw_miltercode_next(&real_close, "close");
}

/* is_session - a socket libmilter accepted, read by blocks */
static bool
is_session(int fd)
{
	return fd >= 0 && fd < RW_SOCKREAD_FDS &&
	    atomic_load_explicit(&session[fd], memory_order_relaxed);
}

/* has_kept - bytes are waiting for libmilter on this descriptor */
static bool
has_kept(int fd)
{
	return is_session(fd) &&
	    atomic_load_explicit(&kept[fd], memory_order_acquire) != NULL;
}

/* forget - drop a descriptor's kept bytes and its session mark */
static void
forget(int fd)
{
	atomic_store_explicit(&session[fd], false, memory_order_relaxed);
	free(atomic_exchange_explicit(&kept[fd], NULL, memory_order_acq_rel));
}

int
accept(int s, struct sockaddr *addr, socklen_t *addrlen)
{
	accept_fn glibc = (accept_fn)rw_miltercode_next(&real_accept, "accept");
	int	fd;

	if (glibc == NULL) {
		errno = ENOSYS;
		return -1;
	}
	fd = glibc(s, addr, addrlen);
	if (fd >= 0 && fd < RW_SOCKREAD_FDS &&
	    atomic_load_explicit(&enabled, memory_order_relaxed) &&
	    rw_miltercode_has(__builtin_return_address(0))) {
		forget(fd);	/* a stale mark, should a close have been missed */
		atomic_store_explicit(&session[fd], true, memory_order_relaxed);
	}
	return fd;
}

ssize_t
read(int fd, void *buf, size_t n)
{
	read_fn glibc = (read_fn)rw_miltercode_next(&real_read, "read");
	struct kept *k;
	ssize_t	r;
	size_t	c;
	int	e;

	if (glibc == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (n == 0 || !is_session(fd))
		return glibc(fd, buf, n);
	if ((k = atomic_load_explicit(&kept[fd], memory_order_acquire)) != NULL) {
		c = k->len - k->off < n ? k->len - k->off : n;
		memcpy(buf, k->data + k->off, c);
		k->off += c;
		if (k->off == k->len) {
			atomic_store_explicit(&kept[fd], NULL, memory_order_release);
			free(k);
		}
		return (ssize_t)c;
	}
	/* a big read needs no block; no memory: read as asked, lose nothing */
	if (n >= RW_SOCKREAD_BLOCK || (k = malloc(sizeof(*k))) == NULL)
		return glibc(fd, buf, n);
	r = glibc(fd, k->data, sizeof(k->data));
	if (r <= 0) {
		e = errno;
		free(k);
		errno = e;
		return r;
	}
	c = (size_t)r < n ? (size_t)r : n;
	memcpy(buf, k->data, c);
	if ((size_t)r == c) {
		free(k);
	} else {
		k->off = c;
		k->len = (size_t)r;
		atomic_store_explicit(&kept[fd], k, memory_order_release);
	}
	return (ssize_t)c;
}

int
poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	poll_fn glibc = (poll_fn)rw_miltercode_next(&real_poll, "poll");
	nfds_t	i, nkept = 0;
	int	r, ready = 0;

	if (glibc == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (atomic_load_explicit(&enabled, memory_order_relaxed))
		for (i = 0; i < nfds; i++)
			if ((fds[i].events & (POLLIN | POLLRDNORM)) != 0 &&
			    has_kept(fds[i].fd))
				nkept++;
	if (nkept == 0)
		return glibc(fds, nfds, timeout);
	/* bytes are waiting: no wait; the others as they are now */
	if (nkept < nfds) {
		if ((r = glibc(fds, nfds, 0)) < 0)
			return r;
	} else {
		for (i = 0; i < nfds; i++)
			fds[i].revents = 0;
	}
	for (i = 0; i < nfds; i++) {
		if ((fds[i].events & (POLLIN | POLLRDNORM)) != 0 &&
		    has_kept(fds[i].fd))
			fds[i].revents |= fds[i].events & (POLLIN | POLLRDNORM);
		if (fds[i].revents != 0)
			ready++;
	}
	return ready;
}

int
close(int fd)
{
	close_fn glibc = (close_fn)rw_miltercode_next(&real_close, "close");

	if (glibc == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (is_session(fd))
		forget(fd);
	return glibc(fd);
}

bool
rw_sockread_enable(void)
{
	if (!rw_miltercode_find() ||
	    rw_miltercode_next(&real_accept, "accept") == NULL ||
	    rw_miltercode_next(&real_read, "read") == NULL ||
	    rw_miltercode_next(&real_poll, "poll") == NULL ||
	    rw_miltercode_next(&real_close, "close") == NULL)
		return false;
	atomic_store(&enabled, true);
	return true;
}
