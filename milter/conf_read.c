/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	conf_read - read relaywarden.conf and its "file:" lists from disk
 * DESCRIPTION
 *	The file I/O half of configuration loading, shared by the daemon
 *	and relaywarden-query; the parsing half is policy/config.c with
 *	the daemon's key table (daemonconf.c). Files
 *	are bounded (16 MiB) and must not contain NUL bytes. A relative
 *	"file:" path is taken relative to the configuration file's directory.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

#define RW_CONF_FILE_MAX	(16u * 1024 * 1024)

/* read_file - whole file into a NUL-terminated buffer */
static char *
read_file(const char *path, char *err, size_t errlen)
{
	FILE	*fp;
	char	*buf = NULL, *p;
	size_t	 len = 0, cap = 0, n;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	for (;;) {
		if (cap - len < 4096) {
			if (cap >= RW_CONF_FILE_MAX) {
				snprintf(err, errlen, "file larger than 16 MiB");
				goto fail;
			}
			cap = cap == 0 ? 8192 : cap * 2;
			if ((p = realloc(buf, cap + 1)) == NULL) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "read error: %s", strerror(errno));
		goto fail;
	}
	fclose(fp);
	buf[len] = '\0';
	if (strlen(buf) != len) {
		snprintf(err, errlen, "file contains a NUL byte");
		free(buf);
		return NULL;
	}
	return buf;
fail:
	fclose(fp);
	free(buf);
	return NULL;
}

/* list_reader - a "file:" list; relative paths are relative to the
 * directory of the configuration file, not to wherever we were started */
static char *
list_reader(const char *path, void *ctx, char *err, size_t errlen)
{
	const char *conf = ctx;
	const char *slash = strrchr(conf, '/');
	char	full[4096];

	if (path[0] == '/' || slash == NULL)
		return read_file(path, err, errlen);
	if ((size_t)snprintf(full, sizeof(full), "%.*s/%s", (int)(slash - conf),
	    conf, path) >= sizeof(full)) {
		snprintf(err, errlen, "path too long");
		return NULL;
	}
	return read_file(full, err, errlen);
}

/* rw_conf_read - read and parse into a new snapshot; NULL with errors */
struct rw_snapshot *
rw_conf_read(const char *path, char *err, size_t errlen)
{
	char	 why[256];
	char	*text, *main_text;
	struct rw_snapshot *s;

	if ((text = read_file(path, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s: cannot read configuration: %s\n", path, why);
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "%s: out of memory\n", path);
		free(text);
		return NULL;
	}
	/* the main part first; the profiles only when it is sound (each
	 * profile re-reads the main part's keys and would repeat its errors) */
	if ((main_text = rw_profiles_main_text(text)) == NULL) {
		snprintf(err, errlen, "%s: out of memory\n", path);
		free(text);
		free(s);
		return NULL;
	}
	s->cfg = rw_daemon_conf_parse(main_text, path, list_reader,
	    (void *)path, &s->daemon, err, errlen);
	free(main_text);
	if (s->cfg == NULL) {
		free(text);
		free(s);
		return NULL;
	}
	if (!rw_profiles_parse(text, path, list_reader, (void *)path,
	    &s->profiles, err, errlen)) {
		free(text);
		rw_config_free(s->cfg);
		rw_daemon_conf_free(&s->daemon);
		free(s);
		return NULL;
	}
	free(text);
	s->refs = 1;
	return s;
}
