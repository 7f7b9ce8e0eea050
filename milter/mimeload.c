/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	mimeload - dlopen relaywarden-mime.so, the MIME reader, on first use
 * SYNOPSIS
 *	#include "mimeload.h"
 * DESCRIPTION
 *	See mimeload.h for why. rw_mimeload_load() loads the module once,
 *	under a mutex, resolves its one exported object, rw_mime_module
 *	(mime.h: an ABI number and three functions), checks the ABI, runs
 *	the module's init, and only then publishes the table (an atomic
 *	store with release order). The daemon's rw_mime_read(), defined
 *	here for stages.c, reads it with acquire order: a session sees
 *	either no table or an initialised one. A session only reads a
 *	message under a policy with content checks, and main.c installs
 *	such a policy only after this load succeeded (conf.c's lock then
 *	orders the install before the session's rw_conf_acquire()).
 *
 *	Which file: an installed daemon loads RW_MIME_MODULE, compiled in
 *	($(pkglibdir)/relaywarden-mime.so). A daemon run from its build
 *	tree (make check, the drills, the benchmarks, the sanitizer builds,
 *	distcheck) loads the module built next to it instead: when
 *	/proc/self/exe is exactly the build tree's milter/relaywarden (its
 *	absolute path known at build time, RW_BUILD_DAEMON), it loads
 *	RW_BUILD_MODULE, or the file named by the environment variable
 *	RELAYWARDEN_MIME_MODULE (a test hook: the tests point it at a
 *	missing file). An installed daemon never looks into a build tree
 *	and never reads that variable: its module is the one its package
 *	installed.
 *
 *	The module is opened RTLD_NOW | RTLD_LOCAL: every symbol is bound
 *	at load time (a missing one is a load error now, not a crash at the
 *	first message), and nothing of GLib's joins the global scope.
 */
#include "config.h"

#include "mimeload.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mime.h"

#ifndef RW_MIME_MODULE
#define RW_MIME_MODULE	"/usr/local/lib/relaywarden/relaywarden-mime.so"
#endif
#define MIMELOAD_ENV	"RELAYWARDEN_MIME_MODULE"

static pthread_mutex_t mimeload_lock = PTHREAD_MUTEX_INITIALIZER;
/* the module's table, once initialised; atomic (see above) */
static const struct rw_mime_api *mimeload_api;

/* mimeload_in_build_tree - this process is the build tree's daemon */
static bool
mimeload_in_build_tree(void)
{
#ifdef RW_BUILD_DAEMON
	char	exe[PATH_MAX], built[PATH_MAX];
	ssize_t	n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0 || (size_t)n >= sizeof(exe) - 1)
		return false;
	exe[n] = '\0';
	/* the configure-time path may go through a symbolic link */
	if (realpath(RW_BUILD_DAEMON, built) == NULL)
		return false;
	return strcmp(exe, built) == 0;
#else
	return false;
#endif
}

/* rw_mimeload_path - the installed module, or the build tree's */
const char *
rw_mimeload_path(void)
{
#ifdef RW_BUILD_MODULE
	const char *env;

	if (mimeload_in_build_tree()) {
		env = getenv(MIMELOAD_ENV);
		return env != NULL && env[0] != '\0' ? env : RW_BUILD_MODULE;
	}
#endif
	return RW_MIME_MODULE;
}

/* rw_mimeload_load - load, check, init, publish; once */
bool
rw_mimeload_load(char *err, size_t errlen)
{
	const struct rw_mime_api *api;
	const char *path, *why;
	void	*h, *sym;
	bool	 ok = false;

	pthread_mutex_lock(&mimeload_lock);
	if (__atomic_load_n(&mimeload_api, __ATOMIC_ACQUIRE) != NULL) {
		ok = true;
		goto done;
	}
	path = rw_mimeload_path();
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		why = dlerror();
		snprintf(err, errlen, "content checks are configured but the "
		    "MIME module %s cannot be loaded: %s", path,
		    why != NULL ? why : "unknown error");
		goto done;
	}
	(void)dlerror();
	if ((sym = dlsym(h, "rw_mime_module")) == NULL) {
		why = dlerror();
		snprintf(err, errlen, "content checks are configured but %s "
		    "is not relaywarden's MIME module (no rw_mime_module: %s)",
		    path, why != NULL ? why : "null symbol");
		(void)dlclose(h);
		goto done;
	}
	api = sym;
	if (api->abi != RW_MIME_ABI || api->init == NULL ||
	    api->read == NULL || api->shutdown == NULL) {
		snprintf(err, errlen, "content checks are configured but %s "
		    "was built for another relaywarden (module ABI %u, this "
		    "daemon's %u)", path, api->abi, (unsigned int)RW_MIME_ABI);
		(void)dlclose(h);
		goto done;
	}
	api->init();		/* GMime: before any thread reads a message */
	__atomic_store_n(&mimeload_api, api, __ATOMIC_RELEASE);
	rw_log_info("MIME module %s loaded (content checks configured)", path);
	ok = true;
done:
	pthread_mutex_unlock(&mimeload_lock);
	return ok;
}

/* rw_mimeload_shutdown - the module's shutdown, if it was loaded */
void
rw_mimeload_shutdown(void)
{
	const struct rw_mime_api *api;

	pthread_mutex_lock(&mimeload_lock);
	api = __atomic_load_n(&mimeload_api, __ATOMIC_ACQUIRE);
	if (api != NULL) {
		__atomic_store_n(&mimeload_api, NULL, __ATOMIC_RELEASE);
		api->shutdown();
	}
	pthread_mutex_unlock(&mimeload_lock);
}

/*
 * rw_mime_read - the daemon's (mime.h): the module's reader. Without the
 * module (which main.c never lets happen under a policy with content
 * checks) the read fails as out of memory does: the session gets
 * on_internal_error, never a verdict on a message not read.
 */
bool
rw_mime_read(const char *buf, size_t len, bool truncated,
    struct rw_message *m)
{
	const struct rw_mime_api *api;

	api = __atomic_load_n(&mimeload_api, __ATOMIC_ACQUIRE);
	if (api == NULL) {
		rw_log_err("the MIME module is not loaded: message not read");
		m->nomem = true;
		return false;
	}
	return api->read(buf, len, truncated, m);
}
